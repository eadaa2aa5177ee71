"""Every DuckDB connection a refresh opens (the loader's, the checks', the publish's, the
summary's) is set up here, the way dbt's is (profiles.yml reads the same variable): one memory
limit for the whole refresh, COMMS_WAREHOUSE_MEMORY_LIMIT in DuckDB's size syntax ("6GB"),
DEFAULT_MEMORY_LIMIT unless set. A connection without one takes 80 % of the machine's memory,
so a refresh under a limit ran its formula checks unbounded. What does not fit spills to
``<database file>.tmp`` beside the file, on the warehouse's disk. Instants are read in UTC.

A warehouse on DuckDB is two files: ``comms.duckdb`` (raw, staging, intermediate, audit, and
the marts with a PII column) and ``comms.duckdb.marts`` beside it (MARTS_FILE_SUFFIX: every other
mart and the reference tables, in DuckDB's v1.0 storage format), which dbt writes as the
database MARTS_DATABASE (profiles.yml attaches it, dbt_project.yml places the models). The
publish is then a byte copy of that file (publishing.py), not every row compressed again. Every
connection to a warehouse attaches the marts file when there is one and puts its schemas on the
search path, so ``marts.fct_messages`` and ``reference.x`` resolve in either file.
"""

import contextlib
import os
import shutil
from pathlib import Path

import duckdb

MEMORY_LIMIT_VARIABLE = "COMMS_WAREHOUSE_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "8GB"  # profiles.yml's default too (test_warehouse_connection holds it)
# The marts file: its catalog name and where it lies (profiles.yml says the same; the test holds
# them equal), and its storage format (readable by BI drivers bundling DuckDB 1.x).
MARTS_DATABASE = "comms_marts"
MARTS_FILE_SUFFIX = ".marts"
MARTS_STORAGE_VERSION = "v1.0.0"
MARTS_SCHEMAS = ("marts", "reference")


def memory_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_VARIABLE) or DEFAULT_MEMORY_LIMIT


def marts_path(warehouse: str | os.PathLike) -> Path:
    """The warehouse's marts file: comms.duckdb -> comms.duckdb.marts."""
    return Path(f"{Path(warehouse)}{MARTS_FILE_SUFFIX}")


def connect(
    database: str | os.PathLike, *, read_only: bool = False, **config: str
) -> duckdb.DuckDBPyConnection:
    """A connection to ``database`` under the refresh's memory limit, in UTC, its marts file
    attached when it has one; ``config`` adds DuckDB settings of this connection's own."""
    con = duckdb.connect(str(Path(database)), read_only=read_only, config=config)
    # Set, not passed as config: a caller's own connection to the same file (an API user's,
    # a test's) shares DuckDB's cached instance, which refuses a second configuration. The
    # limit is the instance's. TimeZone needs icu, which is not loaded before connecting.
    con.execute("set memory_limit = ?", [memory_limit()])
    con.execute("set TimeZone = 'UTC'")
    attach_marts(con, database, read_only=read_only)
    return con


def attach_marts(con, warehouse: str | os.PathLike, *, read_only: bool = False) -> bool:
    """Attach the marts file of ``warehouse`` to ``con`` (if it exists) and search both files
    (search_both); returns whether it did."""
    marts = marts_path(warehouse)
    if not marts.exists():
        return False
    mode = "read_only" if read_only else f"storage_version '{MARTS_STORAGE_VERSION}'"
    con.execute(f"attach if not exists '{_quoted(marts)}' as {MARTS_DATABASE} ({mode})")
    search_both(con)
    return True


def search_both(con) -> None:
    """Search the marts file's schemas after the warehouse's own, when it is attached (here, or
    by profiles.yml for dbt's cursors: orchestration/dbt/search_path.py). The warehouse's own
    marts schema comes first: it holds the marts with a PII column, and an old warehouse's marts
    until its next build moves them (macros/marts_file.sql drops them there)."""
    own = con.execute("select current_database()").fetchone()[0]
    wanted = [(own, "main"), (own, "marts")] + [(MARTS_DATABASE, s) for s in MARTS_SCHEMAS]
    # Only schemas there are (DuckDB refuses a search path naming one that is not): a warehouse
    # built in part (staging only) has no marts schema yet in either file.
    there = set(con.execute("select database_name, schema_name from duckdb_schemas()").fetchall())
    if (MARTS_DATABASE, "main") not in there:
        return
    path = [f'"{catalog}"."{schema}"' for catalog, schema in wanted if (catalog, schema) in there]
    con.execute("set search_path = ?", [",".join(path)])


def copy_warehouse(source: str | os.PathLike, destination: str | os.PathLike) -> None:
    """Copy a closed warehouse: its file and its marts file, when it has one (a marts file at
    the destination that the source lacks is removed: it would be attached to the copy)."""
    shutil.copy(source, destination)
    if marts_path(source).exists():
        shutil.copy(marts_path(source), marts_path(destination))
    else:
        with contextlib.suppress(FileNotFoundError):
            marts_path(destination).unlink()


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
