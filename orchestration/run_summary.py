"""What a refresh did, read back after its Dagster run: files loaded, rows per layer, every check's
outcome and the dbt nodes that failed outside any check."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from orchestration import warehouse_connection
from orchestration.landing.loader import LEDGER


@dataclass
class CheckOutcome:
    name: str
    asset: str
    passed: bool
    blocking: bool
    description: str = ""
    failed_accounts: list[str] = field(default_factory=list)  # the accounts a failure concerns
    failed_rows: int = 0  # the rows a dbt data test returned (dbt's failures count)


@dataclass
class RefreshSummary:
    run_id: str
    succeeded: bool
    files: dict[str, int] = field(default_factory=dict)
    rejections: list[str] = field(default_factory=list)
    rows_by_layer: dict[str, int] = field(default_factory=dict)
    relations_by_layer: dict[str, int] = field(default_factory=dict)
    checks: list[CheckOutcome] = field(default_factory=list)
    # dbt nodes that errored or failed outside any asset check (e.g. tests across several models)
    dbt_failures: list[str] = field(default_factory=list)
    failure: str | None = None
    # Dead runs this refresh found holding the warehouse pool, failed and freed (crash recovery).
    recovered: list[str] = field(default_factory=list)
    # Accounts a failed check named: published at their last good snapshot, with the reason.
    held_back: dict[str, str] = field(default_factory=dict)

    @property
    def failed_blocking_checks(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed and c.blocking]

    @property
    def ok(self) -> bool:
        return self.succeeded and not self.failed_blocking_checks and not self.dbt_failures


def summarize_run(result, warehouse: Path, run_id: str, recovered: list[str]) -> RefreshSummary:
    """The summary of the Dagster run `result` (an in-process execution result)."""
    summary = RefreshSummary(run_id=run_id, succeeded=result.success, recovered=recovered)
    _summarize_files(summary, warehouse, run_id)
    summary.rows_by_layer, summary.relations_by_layer = _rows_by_layer(warehouse)
    summary.checks = [_outcome(e) for e in result.get_asset_check_evaluations()]
    checked = {c.name for c in summary.checks}
    summary.dbt_failures = [f for f in _dbt_failures(run_id) if f.split(" ")[0] not in checked]
    if not result.success:
        failures = [
            e.message or e.event_type_value
            for e in result.all_events
            if e.event_type_value in ("STEP_FAILURE", "RUN_FAILURE")
        ]
        summary.failure = failures[0] if failures else "run failed"
    return summary


def _outcome(evaluation) -> CheckOutcome:
    from orchestration.publishing import failed_accounts

    return CheckOutcome(
        name=evaluation.check_name,
        asset="/".join(evaluation.asset_key.path),
        passed=evaluation.passed,
        blocking=evaluation.passed is False and evaluation.severity.value == "ERROR",
        description=str(evaluation.metadata.get("dagster_dbt/message", "") or "")
        or (evaluation.description or ""),
        failed_accounts=failed_accounts(evaluation.metadata),
        failed_rows=_failed_rows(evaluation.metadata),
    )


def _failed_rows(metadata) -> int:
    count = metadata.get("dagster_dbt/failed_row_count")
    return int(getattr(count, "value", count) or 0)


def _dbt_failures(run_id: str) -> list[str]:
    """Errored and failed dbt nodes of this run, from the run_results.json dagster-dbt kept."""
    from orchestration.dbt.assets import dbt_project

    failures = []
    for results in dbt_project.target_path.glob(f"*-{run_id[:7]}-*/run_results.json"):
        for node in json.loads(results.read_text())["results"]:
            if node["status"] in ("error", "fail"):
                name = node["unique_id"].split(".")[-1]
                # dbt's message opens with "Runtime Error in test x"; the cause is the next line.
                message = node.get("message") or ""
                lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
                cause = lines[1] if len(lines) > 1 else (lines[0] if lines else "")
                failures.append(f"{name} ({node['status']}: {cause})")
    return sorted(failures)


def _summarize_files(summary: RefreshSummary, warehouse: Path, run_id: str) -> None:
    """What this run's loads did, from the ledger rows it wrote (other runs may overlap)."""
    with warehouse_connection.connect(warehouse, read_only=True) as con:
        rows = con.execute(
            f"select status, reason from {LEDGER} where load_id = ? order by file_path", [run_id]
        ).fetchall()
    for status, reason in rows:
        summary.files[status] = summary.files.get(status, 0) + 1
        if status == "rejected":
            summary.rejections.append(reason)


LAYERS = ("raw", "staging", "intermediate", "marts", "audit")


def _rows_by_layer(warehouse: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Rows held in tables per layer (views are counted as relations, not rows)."""
    rows: dict[str, int] = {}
    relations: dict[str, int] = {}
    with warehouse_connection.connect(warehouse, read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables "
            f"where table_schema in {LAYERS} order by 1, 2"
        ).fetchall()
        for schema, table, kind in tables:
            relations[schema] = relations.get(schema, 0) + 1
            if kind == "BASE TABLE" and not table.startswith("_"):
                count = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
                rows[schema] = rows.get(schema, 0) + count
    return rows, relations
