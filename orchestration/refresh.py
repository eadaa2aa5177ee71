"""The main job, run in-process through Dagster: load new files, build, run every check."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
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
    failed_accounts: list[str] = field(default_factory=list)  # the accounts a failure concerns


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


_OWN_HOME: str | None = None  # the DAGSTER_HOME this module chose (not one the user set)


def dagster_home(warehouse: Path | None = None) -> Path:
    """DAGSTER_HOME if the user set it, else the warehouse's own home (``dagster_home_for``).

    The warehouse pool lives in the Dagster home, so warehouses sharing one home take turns;
    each with its own, a crash or a long build of one never holds up another.
    """
    global _OWN_HOME
    explicit = os.environ.get("DAGSTER_HOME")
    if explicit and explicit != _OWN_HOME:
        home = Path(explicit)
    else:
        home = dagster_home_for(warehouse or settings.warehouse_path())
        _OWN_HOME = str(home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def dagster_home_for(warehouse: Path) -> Path:
    """A warehouse's own Dagster home: ``.<file name>.dagster/`` beside the DuckDB file."""
    warehouse = Path(warehouse).expanduser().resolve()
    return warehouse.parent / f".{warehouse.name}.dagster"


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
    dagster_home(warehouse)
    if on_progress:
        on_progress("parsing the dbt project")
    prepare_dbt()

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.landing.assets import load_run_config
    from orchestration.publishing import failed_accounts

    instance = dg.DagsterInstance.get()
    recovered = release_dead_runs(instance)
    for note in recovered:
        if on_progress:
            on_progress(note)
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
            tags=run_process_tags(),
            run_id=run_id,
            raise_on_error=False,
            asset_selection=selection,
        )
    finally:
        if watcher:
            watcher.stop()

    summary = RefreshSummary(run_id=run_id, succeeded=result.success, recovered=recovered)
    _summarize_files(summary, warehouse, run_id)
    summary.rows_by_layer, summary.relations_by_layer = _rows_by_layer(warehouse)
    for evaluation in result.get_asset_check_evaluations():
        summary.checks.append(
            CheckOutcome(
                name=evaluation.check_name,
                asset="/".join(evaluation.asset_key.path),
                passed=evaluation.passed,
                blocking=evaluation.passed is False and evaluation.severity.value == "ERROR",
                description=str(evaluation.metadata.get("dagster_dbt/message", "") or "")
                or (evaluation.description or ""),
                failed_accounts=failed_accounts(evaluation.metadata),
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
        publish_all_but_held_back(job, instance, result, summary, run_config)
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


# --------------------------------------------------------------------------------------------
# Crash recovery: a refresh killed outright (kill -9, the OOM killer, a reboot) leaves its
# Dagster run STARTED and the slot it held in the warehouse pool (limit 1) taken, and Dagster
# frees neither, not even when the run is later marked failed. Every later run would wait for
# that slot forever. So each run records the process that executes it, and the next refresh
# fails the runs whose process is gone and frees every slot that a finished run still holds.
# --------------------------------------------------------------------------------------------

RUN_PID_TAG = "comms_warehouse/pid"
RUN_HOST_TAG = "comms_warehouse/host"
# The process's start time (since boot): with the pid, it names the process even if the pid is
# reused by a later one.
RUN_PROCESS_STARTED_TAG = "comms_warehouse/process_started"


def run_process_tags() -> dict[str, str]:
    """Run tags naming the process that executes the run in-process (this one)."""
    return {
        RUN_PID_TAG: str(os.getpid()),
        RUN_HOST_TAG: socket.gethostname(),
        RUN_PROCESS_STARTED_TAG: _process_started(os.getpid()) or "",
    }


def release_dead_runs(instance) -> list[str]:
    """Fail this home's unfinished runs whose process is gone; free the pool slots of every
    finished run. Returns one message per run released.

    Runs without the process tags (launched from the web UI or the daemon) are left to
    Dagster's run monitoring, unless they are finished and still hold a slot.
    """
    import dagster as dg

    unfinished = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[
                dg.DagsterRunStatus.NOT_STARTED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED,
                dg.DagsterRunStatus.CANCELING,
            ]
        )
    )
    dead = {}
    for run in unfinished:
        if _process_gone(run.tags):
            pid = run.tags[RUN_PID_TAG]
            instance.report_run_failed(
                run, f"the refresh process {pid} ended (killed?) before this run finished"
            )
            dead[run.run_id] = pid
    storage = instance.event_log_storage
    notes = []
    for run_id in sorted(storage.get_concurrency_run_ids()):
        run = instance.get_run_by_id(run_id)
        if run is not None and not run.is_finished:
            continue  # alive (or not ours to judge): it frees its slot when it ends
        storage.free_concurrency_slots_for_run(run_id)
        why = (
            f"its refresh process {dead.pop(run_id)} is gone; marked the run failed"
            if run_id in dead
            else "the run had ended"
        )
        notes.append(f"freed the warehouse pool slot of Dagster run {run_id} ({why})")
    notes += [
        f"marked Dagster run {run_id} failed: its refresh process {pid} is gone"
        for run_id, pid in dead.items()
    ]
    return notes


def _process_gone(tags) -> bool:
    """Whether the process a run's tags name has ended (False when they name none here)."""
    if RUN_PID_TAG not in tags or tags.get(RUN_HOST_TAG) != socket.gethostname():
        return False
    pid = int(tags[RUN_PID_TAG])
    if pid == os.getpid():
        return False
    started = _process_started(pid)
    return started is None or started != tags.get(RUN_PROCESS_STARTED_TAG, started)


def _process_started(pid: int) -> str | None:
    """When the process started (clock ticks since boot, /proc), None if there is no such
    process; "" where /proc does not exist (then the pid alone is checked)."""
    stat = Path(f"/proc/{pid}/stat")
    if not Path("/proc/self/stat").exists():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return ""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else fields[19]  # a zombie has ended too


# --------------------------------------------------------------------------------------------
# Isolation of failures: a blocking check that fails skips every step after it, the publish
# included. When every failed blocking check names the accounts it concerns (metadata
# `failed_accounts`) and nothing else failed, one account's bad data must not keep the others
# from their fresh numbers: a second run publishes every account but those, which keep their
# last good snapshot (orchestration/publishing.py), and renders the executive reports.
# --------------------------------------------------------------------------------------------

CHECK_FAILED_ERROR = "DagsterAssetCheckFailedError"  # what a failed blocking check raises


def accounts_to_hold_back(summary: RefreshSummary, failed_step_errors: list[str]) -> dict | None:
    """account -> reason when the run failed only on blocking checks that each name accounts;
    None when anything else failed (a dbt error, a finding about no account in particular)."""
    failed = summary.failed_blocking_checks
    if (
        not failed
        or summary.dbt_failures
        or any(e != CHECK_FAILED_ERROR for e in failed_step_errors)
    ):
        return None
    if any(not check.failed_accounts for check in failed):
        return None
    held: dict[str, list[str]] = {}
    for check in failed:
        for account in check.failed_accounts:
            held.setdefault(account, []).append(f"{check.name}: {check.description}".rstrip(": "))
    return {account: "; ".join(reasons) for account, reasons in sorted(held.items())}


def publish_all_but_held_back(job, instance, result, summary: RefreshSummary, run_config) -> None:
    """After a run stopped by account-attributable findings, publish the other accounts."""
    import dagster as dg

    published = dg.AssetKey("published_marts")
    if any(e.asset_key == published for e in result.get_asset_materialization_events()):
        return
    errors = [
        e.event_specific_data.error.cls_name if e.event_specific_data.error else ""
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    ]
    held = accounts_to_hold_back(summary, errors)
    if held is None:
        return
    follow_up = job.execute_in_process(
        run_config={
            "ops": {"published_marts": {"config": {"held_back": held}}},
            "loggers": run_config["loggers"],
        },
        instance=instance,
        tags=run_process_tags(),
        raise_on_error=False,
        asset_selection=[published, dg.AssetKey("executive_report")],
    )
    summary.held_back = held
    if not follow_up.success:
        summary.failure = f"{summary.failure}; publishing the other accounts failed too"
