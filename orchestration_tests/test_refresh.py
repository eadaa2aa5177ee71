"""The main job end to end: Dagster definitions, a refresh on small data. (Refreshes killed
outright, then two started together: test_crash_recovery.py, which proves both on one warehouse.)"""

from pathlib import Path

import dagster as dg

from orchestration import warehouse_connection
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
    with warehouse_connection.connect(str(warehouse), read_only=True) as con:
        unreconciled = con.execute(
            "select count(*) from audit.audit__load_reconciliation where not is_reconciled"
        ).fetchone()[0]
    assert unreconciled == 0


def _state(warehouse: Path) -> dict[str, object]:
    """Row counts of every table plus a fingerprint of the key KPI marts."""
    with warehouse_connection.connect(str(warehouse), read_only=True) as con:
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
