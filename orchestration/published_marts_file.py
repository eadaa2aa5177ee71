"""A published copy made from the warehouse's marts file (warehouse_connection.py): a byte copy
of that file, which dbt wrote in the v1.0 storage format with every mart without a PII column and
the reference tables, plus the marts with a PII column, which live in the warehouse's own file,
written into it with those columns null. Nothing of the marts file is compressed again: at 1 M
the copy written table by table cost 12-13.6 s of CPU, a byte copy of the 343 MiB file 0.14 s.

The marts with a PII column must stay out of the marts file: nulling a column of a byte copy
leaves every old value in the file's free blocks. So a marts file holding a table with a PII
column is refused (its model lacks the ``database`` config that keeps it in the warehouse), and
the marts file is then to be built anew: the values stay in its free blocks once the table goes.
"""

import shutil
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from orchestration import warehouse_connection
from orchestration.published_copy import (
    PUBLISHED_SCHEMAS,
    STORAGE_VERSION,
    _column_types,
    _copy_column_comments,
    _literal,
    _main,
    _name,
    _relations,
    _TableCopy,
    _write_manifest,
    _write_notes,
)


def write_from_marts_file(
    warehouse: Path, temp: Path, published_at: datetime, pii: Mapping[tuple[str, str], set[str]]
) -> tuple[dict[str, int], list[str], None]:
    """Fill ``temp`` with a byte copy of the marts file of ``warehouse`` and the warehouse's own
    marts and reference tables (those with a PII column), ``pii`` columns null. Returns rows per
    "schema.table", the masked columns, and None (every row written, none compared)."""
    _checkpoint(warehouse)
    shutil.copyfile(warehouse_connection.marts_path(warehouse), temp)
    masked: list[str] = []
    with warehouse_connection.connect(
        temp, storage_compatibility_version=STORAGE_VERSION, preserve_insertion_order="false"
    ) as con:
        copied = _main(con)
        _refuse_unpublishable(con, copied, pii)
        con.execute("attach ? as warehouse (read_only)", [str(warehouse)])
        types = _column_types(con, "warehouse")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
        con.execute("begin")
        for catalog, schema, table, comment, _ in _relations(con, ("warehouse",)):
            hidden = pii.get((schema, table), set())
            columns = (types[(schema, table)], {})
            _TableCopy(catalog, schema, table, columns, hidden, {}, []).write(con, None)
            if comment:
                con.execute(f"comment on table {_name(schema, table)} is {_literal(comment)}")
            masked += [f"{schema}.{table}.{c}" for c in columns[0] if c in hidden]
        _copy_column_comments(con, pii, False, ("warehouse",))
        tables = _row_counts(con, copied)
        _write_notes(con, masked, {}, published_at)
        _write_manifest(con, tables, published_at)
        con.execute("commit")
        con.execute("detach warehouse")
        con.execute("checkpoint")
    return tables, masked, None


def _checkpoint(warehouse: Path) -> None:
    """Fold a write-ahead log dbt left beside the marts file into it (DuckDB does on a clean
    close, so there is seldom one): a byte copy of the file alone would lack those writes."""
    if not Path(f"{warehouse_connection.marts_path(warehouse)}.wal").exists():
        return
    with warehouse_connection.connect(warehouse) as con:
        con.execute(f"checkpoint {warehouse_connection.MARTS_DATABASE}")


def _refuse_unpublishable(con, copied: str, pii: Mapping[tuple[str, str], set[str]]) -> None:
    """A view (it would point back into the warehouse) or a table with a PII column (its
    values would survive in the copy) in the marts file stops the publish."""
    wrong = con.execute(
        "select schema_name, view_name, 'is a view' from duckdb_views() "
        "where database_name = ? and not internal and schema_name in ?",
        [copied, list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    wrong += [
        (schema, table, f"has PII columns {sorted(pii[(schema, table)])}")
        for (schema, table) in _column_types(con, copied)
        if pii.get((schema, table))
    ]
    if wrong:
        raise ValueError(
            "the marts file cannot be published byte for byte: "
            + "; ".join(f"{schema}.{table} {why}" for schema, table, why in wrong)
            + " (a mart with a PII column belongs in the warehouse's own file: config "
            'database: "{{ target.database }}"; then delete the marts file and run a '
            "--full-refresh, since its free blocks keep the values; a mart is a table)"
        )


def _row_counts(con, copied: str) -> dict[str, int]:
    """Rows per "schema.table" of every published table, in name order."""
    names = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = ? and schema_name in ? order by 1, 2",
        [copied, list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    count = "select count(*) from {}"
    return {
        f"{schema}.{table}": con.execute(count.format(_name(schema, table))).fetchone()[0]
        for schema, table in names
    }
