"""Every DuckDB connection a refresh opens (the loader's, the checks', the publish's, the
summary's) is set up here, the way dbt's is (profiles.yml reads the same variable): one memory
limit for the whole refresh, COMMS_WAREHOUSE_MEMORY_LIMIT in DuckDB's size syntax ("6GB"),
DEFAULT_MEMORY_LIMIT unless set. A connection without one takes 80 % of the machine's memory,
so a refresh under a limit ran its formula checks unbounded. What does not fit spills to
``<database file>.tmp`` beside the file, on the warehouse's disk. Instants are read in UTC.
"""

import os
from pathlib import Path

import duckdb

MEMORY_LIMIT_VARIABLE = "COMMS_WAREHOUSE_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "8GB"  # profiles.yml's default too (test_warehouse_connection holds it)


def memory_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_VARIABLE) or DEFAULT_MEMORY_LIMIT


def connect(
    database: str | os.PathLike, *, read_only: bool = False, **config: str
) -> duckdb.DuckDBPyConnection:
    """A connection to ``database`` under the refresh's memory limit, in UTC; ``config`` adds
    DuckDB settings of this connection's own."""
    con = duckdb.connect(str(Path(database)), read_only=read_only, config=config)
    # Set, not passed as config: a caller's own connection to the same file (an API user's,
    # a test's) shares DuckDB's cached instance, which refuses a second configuration. The
    # limit is the instance's. TimeZone needs icu, which is not loaded before connecting.
    con.execute("set memory_limit = ?", [memory_limit()])
    con.execute("set TimeZone = 'UTC'")
    return con
