"""The published copy of the marts that BI tools read, replaced atomically at each refresh's end.

DuckDB lets one process write a file and no other process open it meanwhile, so a BI tool
pointed at the warehouse would be locked out for the whole refresh. Instead it reads a separate
file, ``published/<warehouse>_marts.duckdb`` next to the warehouse, which only this module writes:

1. the marts and reference schemas are copied into a temporary file in the same folder (the
   warehouse attached read-only, one ``create table ... as select`` per table, table and column
   descriptions carried over, a ``_published_tables`` manifest of every table's row count), in
   DuckDB's v1.0 storage format so that readers on DuckDB 1.x open it as well as 2.x;
2. the temporary file is checkpointed, closed and fsynced;
3. ``os.replace`` renames it over the published file (atomic within one file system).

A reader that already has the old file open keeps reading that old, complete snapshot (its inode
lives on until it closes); a reader opening after the rename gets the new one. Nobody ever holds a
lock on the published path while writing, so a ``read_only=True`` connection never fails with a
lock error, and no reader can see a half-copied schema: the new file appears complete or not at all.
"""

import contextlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.landing.assets import WAREHOUSE_POOL
from orchestration.resources import Warehouse

PUBLISHED_SCHEMAS = ("marts", "reference")
MANIFEST = "_published_tables"  # in schema main: one row per published table, with its row count
# Written in DuckDB's v1.0 storage format, so BI drivers that bundle DuckDB 1.x (1.0 or later)
# read it too; the default format of DuckDB 2.0 is unreadable to them.
STORAGE_VERSION = "v1.0.0"


def published_path(warehouse: str | os.PathLike) -> Path:
    """Where BI tools read: COMMS_WAREHOUSE_PUBLISHED, else published/<stem>_marts.duckdb beside
    the warehouse (warehouse/comms.duckdb -> warehouse/published/comms_marts.duckdb)."""
    explicit = os.environ.get("COMMS_WAREHOUSE_PUBLISHED")
    if explicit:
        return Path(explicit).expanduser().resolve()
    warehouse = Path(warehouse).expanduser().resolve()
    return warehouse.parent / "published" / f"{warehouse.stem}_marts.duckdb"


@dataclass
class PublishResult:
    path: Path
    published_at: datetime
    tables: dict[str, int]  # "schema.table" -> rows
    seconds: float


def publish(warehouse: str | os.PathLike, target: str | os.PathLike | None = None) -> PublishResult:
    """Copy the marts and reference schemas of ``warehouse`` into ``target`` atomically.

    The caller must be the only writer of the warehouse (the warehouse pool sees to it); the
    warehouse is only read here.
    """
    started = time.perf_counter()
    warehouse = Path(warehouse).expanduser().resolve()
    target = Path(target).expanduser().resolve() if target else published_path(warehouse)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    published_at = datetime.now(UTC).replace(tzinfo=None)
    try:
        tables = _copy(warehouse, temp, published_at)
        _fsync(temp)
        os.replace(temp, target)
        _fsync(target.parent)
    finally:
        for leftover in (temp, Path(f"{temp}.wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return PublishResult(target, published_at, tables, time.perf_counter() - started)


def _copy(warehouse: Path, temp: Path, published_at: datetime) -> dict[str, int]:
    tables: dict[str, int] = {}
    # The new file is this connection's main database; the warehouse is attached read-only.
    with duckdb.connect(
        str(temp), config={"storage_compatibility_version": STORAGE_VERSION}
    ) as con:
        con.execute("attach ? as warehouse (read_only)", [str(warehouse)])
        relations = con.execute(
            """
            select schema_name, table_name, comment
            from duckdb_tables()
            where database_name = 'warehouse' and schema_name in ?
            union all
            select schema_name, view_name, comment
            from duckdb_views()
            where database_name = 'warehouse' and schema_name in ? and not internal
            order by 1, 2
            """,
            [list(PUBLISHED_SCHEMAS), list(PUBLISHED_SCHEMAS)],
        ).fetchall()
        columns = con.execute(
            """
            select schema_name, table_name, column_name, comment
            from duckdb_columns()
            where database_name = 'warehouse' and schema_name in ? and comment is not null
            """,
            [list(PUBLISHED_SCHEMAS)],
        ).fetchall()
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {_ident(schema)}")
        con.execute("begin")
        for schema, table, comment in relations:
            name = f"{_ident(schema)}.{_ident(table)}"
            # Views (if any) are materialized: the copy must not point back into the warehouse.
            con.execute(f"create table {name} as select * from warehouse.{name}")
            if comment:
                con.execute(f"comment on table {name} is {_literal(comment)}")
            tables[f"{schema}.{table}"] = con.execute(f"select count(*) from {name}").fetchone()[0]
        for schema, table, column, comment in columns:
            con.execute(
                f"comment on column {_ident(schema)}.{_ident(table)}.{_ident(column)} "
                f"is {_literal(comment)}"
            )
        con.execute(
            f"create table main.{MANIFEST} (table_schema varchar, table_name varchar, "
            "row_count bigint, published_at timestamp)"
        )
        con.executemany(
            f"insert into main.{MANIFEST} values (?, ?, ?, ?)",
            [(*key.split(".", 1), rows, published_at) for key, rows in tables.items()],
        )
        con.execute(
            f"comment on table main.{MANIFEST} is 'Every table of this published copy with its "
            "row count at publication (UTC time published_at): a reader can check it sees one "
            "complete snapshot.'"
        )
        con.execute("commit")
        con.execute("detach warehouse")
        con.execute("checkpoint")
    return tables


def _remove_leftovers(target: Path) -> None:
    """Temporary files of a publish that died (one publisher at a time: the warehouse pool)."""
    for stale in target.parent.glob(f".{target.name}.*.tmp*"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def published_marts_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publish step as an asset downstream of every mart and seed, in the warehouse pool."""

    @dg.asset(
        name="published_marts",
        group_name="publishing",
        deps=upstream,
        kinds={"duckdb"},
        pool=WAREHOUSE_POOL,
        description=(
            "Read-only copy of the marts and reference schemas for BI tools, replaced atomically "
            "at the end of each refresh (published/<warehouse>_marts.duckdb beside the warehouse)."
        ),
    )
    def published_marts(context: dg.AssetExecutionContext, warehouse: Warehouse):
        result = publish(warehouse.database)
        context.log.info(f"published {len(result.tables)} tables to {result.path}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.path)),
                "tables": len(result.tables),
                "rows": sum(result.tables.values()),
                "seconds": round(result.seconds, 2),
                "published_at_utc": result.published_at.isoformat(timespec="seconds"),
            }
        )

    return published_marts


def mart_and_seed_keys(dbt_assets: dg.AssetsDefinition) -> list[dg.AssetKey]:
    """The dbt assets the published copy holds: models in marts and the seeds (reference)."""
    groups = dbt_assets.group_names_by_key
    return sorted(
        (key for key in dbt_assets.keys if groups.get(key) in ("marts", "reference")),
        key=lambda key: key.to_user_string(),
    )
