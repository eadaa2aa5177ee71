"""Hand the raw schema to Spark: the rows the loader accepted, as Parquet files Spark reads.

The loader (loader.py) alone decides what a landing file is and why it is rejected; it writes
its raw tables and ledger into a DuckDB loading file. This module carries what that ledger holds
and Spark does not yet have (new files' ledger rows and their raw rows) across as Parquet, one
folder per raw table under `<spark dir>/raw/`. DuckDB writes the files; no JVM starts here, so
a refresh never holds a second Spark session (and its Derby metastore lock) beside dbt's. dbt
registers the folders as Spark tables before each run (`macros/cross_db/register_raw_tables.sql`,
an `on-run-start` hook that does nothing on the other engines).

Each copy writes one file per table named after the new files' ids, raw tables first and the
ledger last: a copy cut short left no ledger rows, so the next copy finds the same new files,
writes the same names and replaces the partial files instead of adding rows twice. Files are
written under a dot name and renamed, and Spark skips dot files, so it never reads half a file.
Timestamps go across as UTC instants (Parquet's adjusted-to-UTC timestamps), which Spark reads
as its `timestamp` type in the session's UTC zone.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb

from orchestration import warehouse_connection
from orchestration.landing.contract import ENTITIES
from orchestration.landing.loader import LEDGER, RAW_SCHEMA

# The folder of Spark's raw files and tables; profiles.yml's `spark` target reads the same.
SPARK_DIR_VARIABLE = "COMMS_SPARK_DIR"


def spark_dir(warehouse: Path) -> Path:
    """The local Spark's folder of a warehouse: COMMS_SPARK_DIR, else the DuckDB file's path +
    ".spark" (profiles.yml and macros/cross_db/spark_location.sql resolve it alike from
    COMMS_WAREHOUSE_PATH, which a refresh sets to the warehouse)."""
    explicit = os.environ.get(SPARK_DIR_VARIABLE)
    return Path(explicit) if explicit else Path(f"{warehouse}.spark")


def raw_table_folder(spark_dir: Path, table: str) -> Path:
    """Where one raw table's Parquet files live (Spark hides names starting with '_')."""
    return spark_dir / RAW_SCHEMA / table.lstrip("_")


def copy_raw_to_spark(warehouse: Path, spark_dir: Path) -> int:
    """Write the ledger and raw rows Spark lacks as Parquet; returns the ledger rows written."""
    ledger_folder = raw_table_folder(spark_dir, LEDGER.split(".")[1])
    with warehouse_connection.connect(warehouse, read_only=True) as source:
        _known_files(source, ledger_folder)
        new_ids = [
            row[0]
            for row in source.execute(
                f"select file_id || '|' || file_path from {LEDGER} as t"
                f" where {_NEW_FILES.format(prefix='')} order by 1"
            ).fetchall()
        ]
        batch = hashlib.sha256("\n".join(new_ids).encode()).hexdigest()[:20]
        for entity in ENTITIES:
            folder = raw_table_folder(spark_dir, entity)
            _write(source, f"{RAW_SCHEMA}.{entity}", folder, batch, _NEW_FILES.format(prefix="_"))
        return _write(source, LEDGER, ledger_folder, batch, _NEW_FILES.format(prefix=""))


# Rows of files Spark's ledger does not hold (raw tables' lineage columns carry a leading '_';
# `t` is the table read, named so the ledger's own columns are not taken for known_files').
_NEW_FILES = (
    "not exists (select 1 from known_files k"
    " where k.file_id = t.{prefix}file_id and k.file_path = t.{prefix}file_path)"
)


def _known_files(source: duckdb.DuckDBPyConnection, ledger_folder: Path) -> None:
    """A temp table of the (file_id, file_path) pairs Spark's ledger already holds."""
    parts = sorted(ledger_folder.glob("part-*.parquet"))
    if parts:
        listing = ", ".join(f"'{part}'" for part in parts)
        source.execute(
            "create temp table known_files as select file_id, file_path"
            f" from read_parquet([{listing}])"
        )
    else:
        source.execute("create temp table known_files (file_id varchar, file_path varchar)")


def _write(
    source: duckdb.DuckDBPyConnection, table: str, folder: Path, batch: str, where: str
) -> int:
    """One table's new rows into `folder/part-<batch>.parquet`; returns the rows written.

    Nothing new writes nothing, except a table's first file: Spark takes a table's columns
    from its files, so every table gets one from the first copy on, empty or not.
    """
    columns = source.execute(f"describe {table}").fetchall()
    select = ", ".join(
        f'cast("{name}" as timestamptz) as "{name}"' if kind == "TIMESTAMP" else f'"{name}"'
        for name, kind, *_ in columns
    )
    rows = source.execute(f"select count(*) from {table} as t where {where}").fetchone()[0]
    folder.mkdir(parents=True, exist_ok=True)
    if rows == 0 and any(folder.glob("part-*.parquet")):
        return 0
    partial, final = folder / f".part-{batch}.parquet", folder / f"part-{batch}.parquet"
    source.execute(
        f"copy (select {select} from {table} as t where {where}) to '{partial}' (format parquet)"
    )
    os.replace(partial, final)
    return rows
