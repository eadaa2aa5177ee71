"""A dbt-duckdb plugin (profiles.yml, `plugins`): on a large warehouse, dbt's threads take turns
at DuckDB, one SQL statement at a time.

Two large queries side by side share one DuckDB memory limit, whose hash tables cannot be evicted
while they are probed: at M (10 M messages) under a 6 GB limit, `fct_messages` and
`audit__load_reconciliation` each finished alone (peak 5.5 and 5.9 GiB) but ran out of memory
side by side. Past SERIAL_BUILD_MESSAGES raw messages, every statement of the build therefore runs
alone and may use the whole limit, spilling the rest to disk; each already runs on every core
(DuckDB parallelizes a query). The build keeps profiles.yml's two threads, so that what dbt does
between one node's statements (rendering it, its metadata queries' bookkeeping, the relation
cache, logging) overlaps the other node's SQL instead of leaving DuckDB idle. On a smaller
warehouse statements run side by side, which pays where most nodes are small.

The turn is taken around dbt-duckdb's cursor wrapper (1.11, pinned), through which dbt runs every
statement of a node (`connection.handle.cursor().execute`); the plugin API has no hook around a
statement. orchestration_tests/test_warehouse_connection.py holds that path: a statement through
dbt-duckdb's connection handle takes the turn.
"""

import threading

import duckdb
from dbt.adapters.duckdb.environments import local
from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.landing.loader import RAW_SCHEMA

# The demo world holds 250 k messages, M 10 M; fct_messages needs ~0.5 GiB of memory per
# million messages, so past a million two such queries would claim a good part of the limit.
SERIAL_BUILD_MESSAGES = 1_000_000

_turn = threading.Lock()
_plain_execute = local.DuckDBCursorWrapper.execute


def _execute_in_turn(cursor, sql, bindings=None):
    with _turn:
        return _plain_execute(cursor, sql, bindings)


def is_large(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse this connection opened holds more than SERIAL_BUILD_MESSAGES raw
    messages (none loaded yet: small)."""
    try:
        (messages,) = conn.execute(f"select count(*) from {RAW_SCHEMA}.messages").fetchone()
    except duckdb.CatalogException:
        return False
    return messages > SERIAL_BUILD_MESSAGES


class Plugin(BasePlugin):
    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        # dbt opens the warehouse once per process; this is where the build learns its size.
        local.DuckDBCursorWrapper.execute = _execute_in_turn if is_large(conn) else _plain_execute
