"""Which rows an hourly refresh's data tests read: those loaded since the last build that passed.

On an incremental `dbt build` the row-by-row data tests (not_null, unique, accepted_values,
relationships) of the models with a `_loaded_at` column read only the rows loaded after a
watermark (macros/tests/get_where_subquery.sql applies it); a --full-refresh build (the daily
one) tests every row. The watermark is when the last build that tested this warehouse's rows
and passed started: every row loaded before it was tested then, and loads and builds take turns
on the warehouse (the warehouse pool), so every row loaded since carries a later `_loaded_at`.

It is kept in the warehouse itself (`WATERMARK`), so a copied or restored warehouse
carries the watermark of its own rows, together with a fingerprint of the dbt project: when a
model, test, macro or variable changed, the next build tests every row again, since the old
rows were tested by other rules. Only a build that ran every data test (not a subset chosen in
the UI) and succeeded moves it; after a failed build the next one tests everything since the
last good one again. DuckDB only: on another target the tests read every row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from orchestration import warehouse_connection
from orchestration.watermark import Watermark

# Read by macros/tests/get_where_subquery.sql in the dbt process.
ENV_VAR = "COMMS_WAREHOUSE_TEST_ROWS_LOADED_AFTER"
WATERMARK = Watermark("main._data_tests_watermark", "tested_through")


def project_fingerprint(manifest_path: Path, project_dir: Path) -> str:
    """A hash of everything that decides what a build computes and tests: every node's and
    macro's checksum (models, tests, seeds, snapshots) and dbt_project.yml (its vars)."""
    manifest = json.loads(manifest_path.read_bytes())
    # A generic test's arguments are in its test_metadata; a macro has its text, no checksum.
    parts = sorted(
        f"{uid}:{node['checksum']['checksum']}:{json.dumps(node.get('test_metadata'))}"
        for uid, node in manifest["nodes"].items()
    )
    parts += sorted(f"{uid}:{macro['macro_sql']}" for uid, macro in manifest["macros"].items())
    parts.append((project_dir / "dbt_project.yml").read_text())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def tested_through(warehouse: Path, fingerprint: str) -> dt.datetime | None:
    """The watermark to scope this build's tests to, or None to test every row (no build has
    passed on this warehouse yet, or the project changed since)."""
    if not warehouse.exists():
        return None
    with warehouse_connection.connect(warehouse, read_only=True) as con:
        return WATERMARK.read(con, fingerprint)


def record_passed_build(warehouse: Path, started_at: dt.datetime, fingerprint: str) -> None:
    """A build that started at `started_at` ran every data test and passed."""
    WATERMARK.record(warehouse, started_at, fingerprint)
