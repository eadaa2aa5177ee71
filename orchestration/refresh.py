"""The main job, run in-process through Dagster: load new files, build, run every check."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration import settings
from orchestration.landing.loader import LEDGER, discover

DAGSTER_YAML = """\
# Created by comms-warehouse. The warehouse pool lets one writer at a time touch the DuckDB file.
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
"""


@dataclass
class CheckOutcome:
    name: str
    asset: str
    passed: bool
    blocking: bool
    description: str = ""


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

    @property
    def failed_blocking_checks(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed and c.blocking]

    @property
    def ok(self) -> bool:
        return self.succeeded and not self.failed_blocking_checks and not self.dbt_failures


def dagster_home() -> Path:
    """DAGSTER_HOME if set, else a folder in the repo, so runs and the web UI share history."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.PROJECT_DIR / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def prepare_dbt() -> None:
    """Parse the dbt project so the Dagster definitions see the current models."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        ["parse", "--quiet", "--project-dir", str(settings.PROJECT_DIR),
         "--profiles-dir", str(settings.PROJECT_DIR)]
    )  # fmt: skip
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")


@contextlib.contextmanager
def exclusive_refresh(warehouse: Path, on_wait: Callable[[str], None] | None = None):
    """One refresh of a warehouse at a time; a second one waits here rather than failing.

    Inside Dagster the warehouse pool serializes writers; this lock also covers what happens
    before a run exists (parsing dbt, creating the Dagster instance).
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with (warehouse.parent / f".{warehouse.name}.refresh.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait("waiting for another refresh of this warehouse to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def run_refresh(
    landing: Path,
    warehouse: Path,
    full_refresh: bool = False,
    on_progress: Callable[[str], None] | None = None,
) -> RefreshSummary:
    with exclusive_refresh(warehouse, on_progress):
        return _run_refresh(landing, warehouse, full_refresh, on_progress)


def _run_refresh(
    landing: Path,
    warehouse: Path,
    full_refresh: bool,
    on_progress: Callable[[str], None] | None,
) -> RefreshSummary:
    settings.use_warehouse(warehouse)
    os.environ["COMMS_WAREHOUSE_LANDING"] = str(landing)
    dagster_home()
    if on_progress:
        on_progress("parsing the dbt project")
    prepare_dbt()

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.landing.assets import load_run_config

    instance = dg.DagsterInstance.get()
    loaded = _ledger_paths(warehouse)
    # Only the days with new files are loaded; with none, the load step still runs (loading
    # nothing, recording misplaced files), keeping the raw assets and their source tests in it.
    new_days = {
        f.export_date.isoformat()
        for f in discover(landing)
        if f.export_date and f.relative_path not in loaded
    }

    job = defs.resolve_job_def("refresh")
    run_id = str(uuid.uuid4())
    run_config = {
        "ops": {
            **load_run_config(new_days),
            "warehouse_dbt_assets": {"config": {"full_refresh": full_refresh}},
        },
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }
    # No landing folder at all: build from what the raw tables hold.
    selection = (
        None
        if landing.is_dir()
        else [k for k in job.asset_layer.executable_asset_keys if k.path[0] != "raw"]
    )

    watcher = _ProgressWatcher(instance, run_id, on_progress) if on_progress else None
    if watcher:
        watcher.start()
    try:
        result = job.execute_in_process(
            run_config=run_config,
            instance=instance,
            run_id=run_id,
            raise_on_error=False,
            asset_selection=selection,
        )
    finally:
        if watcher:
            watcher.stop()

    summary = RefreshSummary(run_id=run_id, succeeded=result.success)
    _summarize_files(summary, warehouse, run_id)
    summary.rows_by_layer, summary.relations_by_layer = _rows_by_layer(warehouse)
    for evaluation in result.get_asset_check_evaluations():
        summary.checks.append(
            CheckOutcome(
                name=evaluation.check_name,
                asset="/".join(evaluation.asset_key.path),
                passed=evaluation.passed,
                blocking=evaluation.passed is False and evaluation.severity.value == "ERROR",
                description=str(evaluation.metadata.get("dagster_dbt/message", "") or ""),
            )
        )
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


def _ledger_paths(warehouse: Path) -> set[str]:
    """Paths already in the load ledger (none for a new warehouse)."""
    if not warehouse.exists():
        return set()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exists = con.execute(
            "select 1 from information_schema.tables "
            "where table_schema = 'raw' and table_name = '_load_ledger'"
        ).fetchone()
        return (
            {r[0] for r in con.execute(f"select file_path from {LEDGER}").fetchall()}
            if exists
            else set()
        )


def _summarize_files(summary: RefreshSummary, warehouse: Path, run_id: str) -> None:
    """What this run's loads did, from the ledger rows it wrote (other runs may overlap)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
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
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_schema in ('raw', 'staging', 'intermediate', 'marts', 'audit') "
            "order by 1, 2"
        ).fetchall()
        for schema, table, kind in tables:
            relations[schema] = relations.get(schema, 0) + 1
            if kind == "BASE TABLE" and not table.startswith("_"):
                count = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
                rows[schema] = rows.get(schema, 0) + count
    return rows, relations


# What a person watching a refresh is told each step is doing, by Dagster step key prefix.
PHASES = {
    "load_landing_files": "loading new files",
    "warehouse_dbt_assets": "dbt build",
    "published_marts": "publishing for BI",
    "executive_report": "writing executive reports",
}


class _ProgressWatcher:
    """Reports the phase, dbt nodes done of total and elapsed time twice a second.

    It reads only the events logged since its last look (the event log's cursor), so watching
    costs the same at the end of a long run as at its start.
    """

    def __init__(self, instance, run_id: str, on_progress: Callable[[str], None]):
        from orchestration.dbt.assets import DBT_OP_NAME, warehouse_dbt_assets

        self._instance, self._run_id, self._report = instance, run_id, on_progress
        # dbt nodes that report an event: a model or seed materializes, a test evaluates a check.
        self._dbt_total = len(warehouse_dbt_assets.keys) + len(warehouse_dbt_assets.check_keys)
        self._dbt_step, self._dbt_done = DBT_OP_NAME, 0
        self._phase = "starting the run"
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        cursor = None
        while not self._stop.wait(0.5):
            try:
                page = self._instance.get_records_for_run(self._run_id, cursor=cursor)
            except Exception:  # the run may not be registered yet
                continue
            for record in page.records:
                self._count(record.event_log_entry.dagster_event)
            cursor = page.cursor
            self._report(self.line())

    def _count(self, event) -> None:
        if event is None:
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            step = event.step_key or ""
            self._phase = next(
                (text for prefix, text in PHASES.items() if step.startswith(prefix)),
                "checking formulas",  # the remaining steps are the Python asset checks
            )
        elif event.step_key == self._dbt_step and kind in (
            "ASSET_MATERIALIZATION",
            "ASSET_CHECK_EVALUATION",
        ):
            self._dbt_done += 1

    def line(self) -> str:
        minutes, seconds = divmod(int(time.monotonic() - self._started), 60)
        done = min(self._dbt_done, self._dbt_total)
        return (
            f"{self._phase} · dbt {done}/{self._dbt_total} nodes · {minutes}:{seconds:02d} elapsed"
        )
