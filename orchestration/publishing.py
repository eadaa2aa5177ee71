"""The published copy of the marts that BI tools read, replaced atomically at each refresh's end.

DuckDB lets one process write a file and no other process open it meanwhile, so a BI tool
pointed at the warehouse would be locked out for the whole refresh. Instead it reads a separate
file, ``published/<warehouse>_marts.duckdb`` next to the warehouse, which only this module writes:

1. the marts and reference schemas are copied into a temporary file in the same folder
   (``published_copy`` writes it: the warehouse attached read-only, one ``create table ... as
   select`` per table, table and column descriptions carried over, a ``_published_tables``
   manifest of every table's row count), in DuckDB's v1.0 storage format so that readers on
   DuckDB 1.x open it as well as 2.x. A refresh starts instead from a byte copy of the file
   published before and writes only the rows that changed (``published_changes``: same
   tables, same rows, a few percent of the writing), a --full-refresh too (its marts are
   mostly the rows published already), unless that file is worn (WORN) or unreadable;
2. the temporary file is checkpointed, closed and fsynced;
3. ``os.replace`` renames it over the published file (atomic within one file system).

A reader that already has the old file open keeps reading that old, complete snapshot (its inode
lives on until it closes); a reader opening after the rename gets the new one. Nobody ever holds a
lock on the published path while writing, so a ``read_only=True`` connection never fails with a
lock error, and no reader can see a half-copied schema: the new file appears complete or not at all.

What the copy holds (issue 10, findings 2 and 9):

- **PII is masked**: every column dbt tags ``pii`` (read from dbt's manifest, the one list of
  them) is null in the copy BI tools read; ``main._masked_columns`` lists them. With
  ``COMMS_WAREHOUSE_PUBLISH_FULL=1`` (or ``refresh --publish-full``) a second, unmasked copy,
  ``<name>_full.duckdb``, is published beside it, readable by the warehouse's owner only (file
  mode 0600; grant privileged readers through the file system). Without the switch, a full copy
  left from before is removed: PII never lingers where nobody maintains it.
- **Accounts held back**: an account a failed check names (``failed_accounts``) keeps, in every
  table with an ``account_id`` column, its rows from the copy published before, while every other
  account gets the new rows; ``main._held_back_accounts`` says which and why.
"""

import contextlib
import json
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration import settings, warehouse_connection
from orchestration.landing.assets import WAREHOUSE_POOL
from orchestration.published_copy import write_copy
from orchestration.published_marts_file import write_from_marts_file
from orchestration.resources import Warehouse

PII_TAG = "pii"
FULL_COPY_ENV = "COMMS_WAREHOUSE_PUBLISH_FULL"  # 1: publish the unmasked copy as well


def published_path(warehouse: str | os.PathLike) -> Path:
    """Where BI tools read: COMMS_WAREHOUSE_PUBLISHED, else published/<stem>_marts.duckdb beside
    the warehouse (warehouse/comms.duckdb -> warehouse/published/comms_marts.duckdb)."""
    explicit = os.environ.get("COMMS_WAREHOUSE_PUBLISHED")
    if explicit:
        return Path(explicit).expanduser().resolve()
    warehouse = Path(warehouse).expanduser().resolve()
    return warehouse.parent / "published" / f"{warehouse.stem}_marts.duckdb"


def full_copy_path(warehouse: str | os.PathLike) -> Path:
    """The unmasked copy for privileged readers: <published stem>_full.duckdb beside it."""
    published = published_path(warehouse)
    return published.with_name(f"{published.stem}_full{published.suffix}")


def publish_full_copy() -> bool:
    """Whether the switch for the unmasked copy is on (COMMS_WAREHOUSE_PUBLISH_FULL)."""
    return os.environ.get(FULL_COPY_ENV, "").strip().lower() in ("1", "true", "yes")


def pii_columns(manifest: str | os.PathLike | None = None) -> dict[tuple[str, str], set[str]]:
    """(schema, table) -> the columns dbt tags `pii`, from dbt's manifest (the only list)."""
    path = Path(manifest) if manifest else _manifest_path()
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist, so the PII columns to mask are unknown (run dbt parse)"
        )
    found: dict[tuple[str, str], set[str]] = {}
    for node in json.loads(path.read_text())["nodes"].values():
        if node["resource_type"] not in ("model", "seed", "snapshot"):
            continue
        tagged = {
            name
            for name, column in node.get("columns", {}).items()
            if PII_TAG in (column.get("tags") or [])
        }
        if tagged:
            found[(node["schema"], node.get("alias") or node["name"])] = tagged
    return found


def _manifest_path() -> Path:
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    return (target if target.is_absolute() else settings.PROJECT_DIR / target) / "manifest.json"


@dataclass
class PublishResult:
    path: Path
    published_at: datetime
    tables: dict[str, int]  # "schema.table" -> rows
    seconds: float
    masked: list[str]  # "schema.table.column" nulled in the published copy
    held_back: dict[str, str]  # account -> why it kept its previous snapshot
    full_copy: Path | None = None  # the unmasked copy, when the switch is on
    # Rows deleted and inserted to bring the previous copy up to date; None: written whole.
    rows_changed: int | None = None


def publish(
    warehouse: str | os.PathLike,
    target: str | os.PathLike | None = None,
    *,
    held_back: Mapping[str, str] | None = None,
    pii: Mapping[tuple[str, str], set[str]] | None = None,
    full_copy: bool | None = None,
    incremental: bool = False,
) -> PublishResult:
    """Copy the marts and reference schemas of ``warehouse`` into ``target`` atomically, PII
    masked, and the unmasked copy beside it when ``full_copy`` (default: the switch) is on.
    ``incremental``: start from a file copy of the copy published before, when there is one,
    and write only the rows that changed (published_changes.py); else write every row.

    held_back: account -> reason; those accounts keep their rows of the previous copy.
    pii: (schema, table) -> columns to mask (default: the dbt manifest's `pii` tags).
    The caller must be the only writer of the warehouse (the warehouse pool sees to it); the
    warehouse is only read here.
    """
    started = time.perf_counter()
    warehouse = Path(warehouse).expanduser().resolve()
    target = Path(target).expanduser().resolve() if target else published_path(warehouse)
    full = target.with_name(f"{target.stem}_full{target.suffix}")
    pii = pii_columns() if pii is None else pii
    held_back = dict(held_back or {})
    full_copy = publish_full_copy() if full_copy is None else full_copy
    published_at = datetime.now(UTC).replace(tzinfo=None)
    tables, masked, changed = _publish_one(
        warehouse, target, published_at, pii, held_back, incremental
    )
    if full_copy:
        _publish_one(warehouse, full, published_at, {}, held_back, incremental, mode=0o600)
    else:
        with contextlib.suppress(FileNotFoundError):
            full.unlink()
    return PublishResult(
        target, published_at, tables, time.perf_counter() - started, masked, held_back,
        full if full_copy else None, changed,
    )  # fmt: skip


def _publish_one(
    warehouse: Path,
    target: Path,
    published_at: datetime,
    pii: Mapping[tuple[str, str], set[str]],
    held_back: dict[str, str],
    incremental: bool,
    mode: int | None = None,
) -> tuple[dict[str, int], list[str], int | None]:
    """One copy: built in a temporary file (with ``incremental``, a file copy of ``target``
    brought up to date), then renamed over ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # A private copy is private from its first byte, its write-ahead log included.
    umask = os.umask(0o777 & ~mode) if mode is not None else None
    try:
        if not held_back and warehouse_connection.marts_path(warehouse).exists():
            written = write_from_marts_file(warehouse, temp, published_at, pii)
        else:
            written = _write_table_by_table(
                warehouse, target, temp, published_at, pii, held_back, incremental
            )
        _fsync(temp)
        os.replace(temp, target)
        _fsync(target.parent)
    finally:
        if umask is not None:
            os.umask(umask)
        for leftover in (temp, Path(f"{temp}.wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return written


def _write_table_by_table(
    warehouse: Path,
    target: Path,
    temp: Path,
    published_at: datetime,
    pii: Mapping[tuple[str, str], set[str]],
    held_back: dict[str, str],
    incremental: bool,
) -> tuple[dict[str, int], list[str], int | None]:
    """The copy written table by table (published_copy.py): with held-back accounts, whose rows
    come from the copy published before, or for a warehouse without a marts file (one built
    before it, or by a release without it)."""
    base = incremental and target.exists() and not _worn(target)
    if base:  # bytes only: no re-encoding (the file is closed and checkpointed)
        shutil.copyfile(target, temp)
    previous = target if held_back and target.exists() else None
    return write_copy(warehouse, temp, published_at, pii, held_back, previous, base)


# Rows deleted from a copy brought up to date free their blocks, which DuckDB reuses but never
# gives back (one day at 1 M: 122 of 1,607 blocks free); past this share of free blocks, and
# this many (a small copy's few blocks are no size to save), the copy is written anew, so it
# never grows far past what it holds.
WORN = 0.25
WORN_BLOCKS = 256  # 64 MiB of DuckDB's 256 KiB blocks


def _worn(target: Path) -> bool:
    """Whether the copy published before is to be written anew rather than brought up to date:
    a WORN share of its blocks free, or unreadable."""
    try:
        with warehouse_connection.connect(target, read_only=True) as con:
            total, free = con.execute(
                "select total_blocks, free_blocks from pragma_database_size() "
                "where database_name = current_database()"
            ).fetchone()
    except duckdb.Error:
        return True
    return free > max(WORN * total, WORN_BLOCKS)


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


def full_refresh_run(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> bool:
    """Whether the current run is a --full-refresh build (refresh.py's and the schedules' run
    config for the dbt step): the checks then check in full."""
    ops = (context.run.run_config or {}).get("ops", {})
    return bool(ops.get("warehouse_dbt_assets", {}).get("config", {}).get("full_refresh"))


class PublishConfig(dg.Config):
    # account -> why: accounts a failed check named; they keep their previously published rows.
    held_back: dict[str, str] | None = None


def failed_accounts(metadata: Mapping) -> list[str]:
    """The accounts a check result names in its metadata (key ``failed_accounts``: a JSON list;
    absent or empty: none, or the finding is not attributable to accounts)."""
    value = metadata.get("failed_accounts")
    value = getattr(value, "value", value)  # a MetadataValue, or the plain value
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    if isinstance(value, str | int):
        value = [value]
    return sorted({str(account) for account in value or []})


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
            "at the end of each refresh (published/<warehouse>_marts.duckdb beside the warehouse)"
            ", PII columns masked; each refresh (a --full-refresh too) brings the last copy up to "
            "date with the rows that changed, a worn one is written anew; with "
            "COMMS_WAREHOUSE_PUBLISH_FULL=1 also "
            "an unmasked copy for privileged readers (<name>_full.duckdb, mode 0600)."
        ),
    )
    def published_marts(
        context: dg.AssetExecutionContext, config: PublishConfig, warehouse: Warehouse
    ):
        # A --full-refresh too: its marts are mostly the rows published already, and writing
        # them whole re-encoded every row (104 s of CPU at M).
        result = publish(warehouse.database, held_back=config.held_back, incremental=True)
        context.log.info(f"published {len(result.tables)} tables to {result.path}")
        for account, reason in sorted(result.held_back.items()):
            context.log.warning(f"held back account {account} at its last snapshot: {reason}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.path)),
                "tables": len(result.tables),
                "rows": sum(result.tables.values()),
                "rows_changed": "written whole"
                if result.rows_changed is None
                else result.rows_changed,
                "seconds": round(result.seconds, 2),
                "published_at_utc": result.published_at.isoformat(timespec="seconds"),
                "masked_columns": dg.MetadataValue.md(
                    "\n".join(f"- `{c}`" for c in result.masked) or "none"
                ),
                "held_back_accounts": dg.MetadataValue.json(result.held_back),
                "full_copy": str(result.full_copy) if result.full_copy else "not published",
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
