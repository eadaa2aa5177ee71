"""Write the raw schema to PostgreSQL: the rows the loader accepted, by COPY.

The loader (loader.py) alone decides what a landing file is and why it is rejected; it writes
its raw tables and ledger into a DuckDB loading file. This module only carries what that ledger
holds and PostgreSQL does not yet have (new files' ledger rows and their raw rows) across, in one
PostgreSQL transaction, so a copy cut short leaves PostgreSQL as it was. The tables are created
by the loader's own DDL (`ensure_raw_schema`), so both engines hold the same columns and types.

Connection settings are libpq's: PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD (the same the
`postgres` dbt target reads), or a DSN.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from orchestration import warehouse_connection
from orchestration.landing.contract import ENTITIES
from orchestration.landing.loader import LEDGER, RAW_SCHEMA, ensure_raw_schema


def copy_raw_to_postgres(warehouse: Path, dsn: str = "") -> int:
    """Copy the ledger rows and raw rows PostgreSQL lacks; returns the ledger rows copied."""
    import psycopg2  # the `postgres` extra; DuckDB-only installs never import it

    with psycopg2.connect(dsn) as target, target.cursor() as cursor:
        ensure_raw_schema(cursor)
        cursor.execute(f"select file_id, file_path from {LEDGER}")
        known = cursor.fetchall()
        with warehouse_connection.connect(warehouse, read_only=True) as source:
            source.execute("create temp table known_files (file_id varchar, file_path varchar)")
            if known:
                source.executemany("insert into known_files values (?, ?)", known)
            for entity in ENTITIES:
                if _copy(source, cursor, f"{RAW_SCHEMA}.{entity}", _NEW_FILES.format(prefix="_")):
                    # statistics for dbt's plans now, not when autovacuum gets round to it
                    cursor.execute(f"analyze {RAW_SCHEMA}.{entity}")
            return _copy(source, cursor, LEDGER, _NEW_FILES.format(prefix=""))


# Rows of files PostgreSQL's ledger does not hold (raw tables' columns carry a leading '_').
# The copied table is aliased `t`: the ledger's unqualified `file_id` would name known_files'
# own column inside the subquery, and after the first copy no ledger row would go across.
_NEW_FILES = (
    "not exists (select 1 from known_files k"
    " where k.file_id = t.{prefix}file_id and k.file_path = t.{prefix}file_path)"
)


def _copy(source: duckdb.DuckDBPyConnection, cursor, table: str, where: str) -> int:
    """One table's new rows through a CSV file: DuckDB writes it, PostgreSQL COPYs it.

    Both speak the same CSV: an unquoted empty field is null, a quoted one ("") an empty
    string, so text survives exactly.
    """
    columns = [row[0] for row in source.execute(f"select * from {table} limit 0").description]
    column_list = ", ".join(f'"{c}"' for c in columns)
    with tempfile.NamedTemporaryFile(suffix=".csv") as csv_file:
        rows = source.execute(
            f"copy (select {column_list} from {table} as t where {where})"
            f" to '{csv_file.name}' (format csv, header false)"
        ).fetchone()[0]
        if rows:
            with open(csv_file.name, encoding="utf-8") as handle:
                cursor.copy_expert(
                    f"copy {table} ({column_list}) from stdin with (format csv)", handle
                )
    return rows
