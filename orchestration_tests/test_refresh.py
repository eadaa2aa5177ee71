"""The main job end to end: Dagster definitions, a refresh on small data, two refreshes at once.
(A refresh killed outright: test_crash_recovery.py, a module of its own so that the two long
tests run on different workers.)"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.refresh import (
    dagster_home,
    prepare_dbt,
)


def test_definitions_load_with_lineage_from_files_to_marts():
    dagster_home()
    prepare_dbt()
    from orchestration.definitions import defs

    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    # Lineage is unbroken: every KPI mart descends from the load assets of the raw files.
    for mart in ("fct_messages", "mart_messaging_kpis", "mart_calling_kpis"):
        ancestors = _ancestors(graph, dg.AssetKey(["marts", mart]))
        assert any(key.path[0] == "raw" for key in ancestors), mart
    assert dg.AssetKey(["raw", "messages"]) in _ancestors(
        graph, dg.AssetKey(["marts", "fct_messages"])
    )
    assert {"refresh"} <= {job.name for job in defs.resolve_all_job_defs()}
    assert {s.name for s in defs.schedules} == {"hourly_refresh", "daily_full_build"}
    assert {s.name for s in defs.sensors} == {"new_landing_files"}


def _ancestors(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen, todo = set(), [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_refresh_loads_builds_and_passes_every_check(built_warehouse):
    summary, warehouse = built_warehouse.summary, built_warehouse.path
    assert summary.ok, (summary.failure, summary.dbt_failures, summary.failed_blocking_checks)
    assert summary.files["loaded"] > 0
    # The generator lands a malformed file and one without a required column on purpose.
    assert summary.files["rejected"] >= 2
    assert all("cannot be parsed" in r or "missing required" in r for r in summary.rejections)
    assert {"raw", "staging", "marts", "audit"} <= set(summary.rows_by_layer)
    assert summary.checks and all(c.passed for c in summary.checks if c.blocking)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        unreconciled = con.execute(
            "select count(*) from audit.audit__load_reconciliation where not is_reconciled"
        ).fetchone()[0]
    assert unreconciled == 0


def _state(warehouse: Path) -> dict[str, object]:
    """Row counts of every table plus a fingerprint of the key KPI marts."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema <> 'main' order by 1, 2"
        ).fetchall()
        state: dict[str, object] = {
            f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]
            for s, t in tables
            if not (s == "raw" and t == "_load_ledger")
        }
        for mart in ("mart_messaging_kpis", "mart_calling_kpis"):
            state[f"{mart}#hash"] = con.execute(
                f"select sum(hash(columns(*))) from marts.{mart}"
            ).fetchone()
    return state


@pytest.mark.builds(2)
def test_two_refreshes_started_together_end_as_one(request, landing, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "dagster_home"))
    command = [sys.executable, "-m", "orchestration.cli", "refresh", "--landing", str(landing),
               "--warehouse", str(warehouse)]  # fmt: skip

    def refresh(_):
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(refresh, range(2)))
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
    # One loaded the files; the other waited for it, then found nothing new to load.
    assert sorted("files: 0 loaded" in r.stderr for r in results) == [False, True]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = con.execute(
            "select count(*), count(distinct file_path) from raw._load_ledger"
        ).fetchone()
    assert statuses[0] == statuses[1], "a file was recorded twice"
    # Asked for only now: these refreshes need not wait for the session's build meanwhile.
    single = request.getfixturevalue("built_warehouse").path
    assert _state(warehouse) == _state(single)
