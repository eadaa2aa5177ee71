"""The main job, run in-process through Dagster: load new files, build, run every check.

Around the run: crash recovery first (orchestration/crash_recovery.py), a progress display while
it runs (refresh_progress.py), its summary after (run_summary.py), and, when only blocking checks
that name accounts failed, a second run publishing the other accounts (the end of this module).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from orchestration import settings, warehouse_connection
from orchestration.crash_recovery import release_dead_runs, run_process_tags
from orchestration.dagster_storage import enable_event_batches, storage_config
from orchestration.dbt.changed_scope import unchanged_asset_keys
from orchestration.dbt.parse import prepare_dbt
from orchestration.landing.discovery import discover
from orchestration.landing.loader import LEDGER
from orchestration.refresh_progress import ProgressWatcher
from orchestration.run_summary import RefreshSummary, summarize_run

DAGSTER_YAML = """\
# Created by comms-warehouse. The warehouse pool lets one writer at a time touch the DuckDB file.
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
"""


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
    config, wanted = home / "dagster.yaml", DAGSTER_YAML + storage_config(home)
    # A home we configured earlier follows this version's config; one the user wrote is theirs.
    if not config.exists() or (
        config.read_text().startswith(DAGSTER_YAML.splitlines()[0]) and config.read_text() != wanted
    ):
        config.write_text(wanted)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def dagster_home_for(warehouse: Path) -> Path:
    """A warehouse's own Dagster home: ``.<file name>.dagster/`` beside the DuckDB file."""
    warehouse = Path(warehouse).expanduser().resolve()
    return warehouse.parent / f".{warehouse.name}.dagster"


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
    report = on_progress or (lambda _text: None)
    settings.use_warehouse(warehouse)
    os.environ["COMMS_WAREHOUSE_LANDING"] = str(landing)
    dagster_home(warehouse)
    report("parsing the dbt project")
    prepare_dbt()

    import dagster as dg

    from orchestration.definitions import defs

    enable_event_batches()  # the run's ~930 planned events in one commit (dagster_storage.py)
    # Disposed at the end: its SQLite connections are closed before the command ends.
    with dg.DagsterInstance.get() as instance:
        recovered = release_dead_runs(instance)
        for note in recovered:
            report(note)
        job = defs.resolve_job_def("refresh")
        run_id = str(uuid.uuid4())
        files = discover(landing)
        new_days = _new_days(files, warehouse)
        # The dbt models and seeds no new row reaches keep their tables (changed_scope.py).
        unchanged, changed = unchanged_asset_keys(warehouse, landing, files, new_days, full_refresh)
        run_config = _run_config(new_days, full_refresh, sorted(changed) if unchanged else None)
        with _watched(instance, run_id, on_progress):
            result = job.execute_in_process(
                run_config=run_config,
                instance=instance,
                tags=run_process_tags(),
                run_id=run_id,
                raise_on_error=False,
                asset_selection=_selection(job, landing, unchanged),
            )
        summary = summarize_run(result, warehouse, run_id, recovered)
        if not result.success:
            publish_all_but_held_back(job, instance, result, summary, run_config)
    return summary


def _new_days(files: list, warehouse: Path) -> set[str]:
    """The export days with a file not in the load ledger: only those are loaded. With none, the
    load step still runs (loading nothing, recording misplaced files), keeping the raw assets and
    their source tests in it."""
    loaded = _ledger_paths(warehouse)
    return {
        f.export_date.isoformat() for f in files if f.export_date and f.relative_path not in loaded
    }


def _run_config(new_days: set[str], full_refresh: bool, changed: list[str] | None) -> dict:
    from orchestration.landing.assets import load_run_config

    dbt_config = {"full_refresh": full_refresh, "changed_sources": changed}
    return {
        "ops": {**load_run_config(new_days), "warehouse_dbt_assets": {"config": dbt_config}},
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }


def _selection(job, landing: Path, unchanged: set) -> list | None:
    """Every asset (None) but the dbt models and seeds left unchanged (and with them their dbt
    tests); with no landing folder at all, all but the raw loads: the build then reads what the
    raw tables hold."""
    if landing.is_dir() and not unchanged:
        return None
    keys = job.asset_layer.executable_asset_keys
    return [k for k in keys if k not in unchanged and (landing.is_dir() or k.path[0] != "raw")]


@contextlib.contextmanager
def _watched(instance, run_id: str, on_progress: Callable[[str], None] | None):
    """Progress reports on the run `run_id` while the block runs (none without `on_progress`)."""
    if on_progress is None:
        yield
        return
    watcher = ProgressWatcher(instance, run_id, on_progress)
    watcher.start()
    try:
        yield
    finally:
        watcher.stop()


def _ledger_paths(warehouse: Path) -> set[str]:
    """Paths already in the load ledger (none for a new warehouse)."""
    if not warehouse.exists():
        return set()
    with warehouse_connection.connect(warehouse, read_only=True) as con:
        exists = con.execute(
            "select 1 from information_schema.tables "
            "where table_schema = 'raw' and table_name = '_load_ledger'"
        ).fetchone()
        return (
            {r[0] for r in con.execute(f"select file_path from {LEDGER}").fetchall()}
            if exists
            else set()
        )


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
