"""How many models a DuckDB build runs at once (dbt's --threads; profiles.yml says 2).

Two on a small warehouse: there a model's cost is mostly dbt's own per-node work, which the
second thread overlaps. One when the warehouse holds more than SERIAL_BUILD_MESSAGES messages:
each large model's query already runs on every core (DuckDB parallelizes a query), and two
queries side by side share one DuckDB memory limit, whose hash tables cannot be evicted while
they are probed. At M (10 M messages) under a 6 GB limit, fct_messages and
audit__load_reconciliation each finished alone (peak 5.5 and 5.9 GiB) but ran out of memory
side by side; one at a time, every query may use the whole limit and spill the rest to disk.
"""

from pathlib import Path

import duckdb

from orchestration import warehouse_connection
from orchestration.landing.loader import RAW_SCHEMA

# The demo world holds 250 k messages, M 10 M; fct_messages needs ~0.5 GiB of memory per
# million messages, so past a million two such queries would claim a good part of the limit.
SERIAL_BUILD_MESSAGES = 1_000_000


def build_threads(warehouse: Path) -> list[str]:
    """dbt arguments for a DuckDB build of ``warehouse``: ``--threads 1`` when it is large."""
    if not warehouse.exists():
        return []
    with warehouse_connection.connect(warehouse, read_only=True) as con:
        try:
            (messages,) = con.execute(f"select count(*) from {RAW_SCHEMA}.messages").fetchone()
        except duckdb.CatalogException:  # nothing loaded yet
            return []
    return ["--threads", "1"] if messages > SERIAL_BUILD_MESSAGES else []
