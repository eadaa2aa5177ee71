"""Dagster's bookkeeping grows with the work, not with the number of export days: a load writes
one materialization per raw asset, the progress watcher reads only events it has not seen, and a
new run's planned events are stored in one commit per file."""

from types import SimpleNamespace

import dagster as dg
import pytest
import sqlalchemy
from dagster._core.events import AssetCheckEvaluationPlanned

from orchestration.landing.contract import ENTITIES
from orchestration.refresh_progress import ProgressWatcher


def _instance(built_warehouse) -> dg.DagsterInstance:
    """The Dagster home the session warehouse's refresh kept its run in (conftest)."""
    return dg.DagsterInstance.from_config(str(built_warehouse.dagster_home))


def _run_records(built_warehouse, of_type: dg.DagsterEventType | None):
    with _instance(built_warehouse) as instance:
        run_id = built_warehouse.summary.run_id
        return instance.get_records_for_run(run_id, of_type=of_type).records


def test_a_first_load_writes_one_materialization_per_raw_asset(built_warehouse):
    days = {p.name for p in built_warehouse.landing.glob("*/*") if p.is_dir()}
    assert len(days) > 10, "the session landing must span many export days for this to mean much"
    records = _run_records(built_warehouse, dg.DagsterEventType.ASSET_MATERIALIZATION)
    raw = [
        r.event_log_entry.dagster_event.asset_key
        for r in records
        if r.event_log_entry.dagster_event.asset_key.path[0] == "raw"
    ]
    # Every entity plus the load ledger, once each; per-day partitions wrote entities × days.
    assert sorted(raw) == sorted(set(raw))
    assert len(raw) == len(ENTITIES) + 1


def test_the_refresh_planned_every_check_it_evaluated(built_warehouse):
    """The run's planned events, stored as one batch (dagster_storage.py), are all there: every
    asset check evaluated and every asset materialized had been planned."""
    evaluated = _check_keys(
        _run_records(built_warehouse, dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    )
    planned = dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
    assert len(evaluated) > 100
    assert evaluated <= _check_keys(_run_records(built_warehouse, planned))
    done = _asset_keys(_run_records(built_warehouse, dg.DagsterEventType.ASSET_MATERIALIZATION))
    planned = dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED
    assert done <= _asset_keys(_run_records(built_warehouse, planned))


def _check_keys(records) -> set:
    return {r.event_log_entry.dagster_event.event_specific_data.asset_check_key for r in records}


def _asset_keys(records) -> set:
    return {r.event_log_entry.dagster_event.asset_key for r in records}


def test_progress_reaches_every_dbt_node_of_a_full_build(built_warehouse):
    """Replayed over the session's refresh, the display counts every dbt node it announced."""
    reports: list[str] = []
    with _instance(built_warehouse) as instance:
        watcher = ProgressWatcher(instance, built_warehouse.summary.run_id, reports.append)
    for record in _run_records(built_warehouse, None):
        watcher._count(record.event_log_entry.dagster_event)
    line = watcher.line()
    total = line.split(" nodes")[0].split("dbt ")[1]
    done, announced = total.split("/")
    assert int(announced) > 100 and done == announced, line


class _EventLog:
    """An event log of `pages` pages that remembers the cursor each read was given."""

    def __init__(self, pages: list[list]):
        self.pages, self.cursors = pages, []

    def get_records_for_run(self, run_id, cursor=None):
        self.cursors.append(cursor)
        index = int(cursor or 0)
        records = self.pages[index] if index < len(self.pages) else []
        return SimpleNamespace(records=records, cursor=str(min(index + 1, len(self.pages))))


def test_the_watcher_reads_only_new_events():
    step = SimpleNamespace(event_type_value="STEP_START", step_key="load_landing_files")
    pages = [[SimpleNamespace(event_log_entry=SimpleNamespace(dagster_event=step))], []]
    log, reports = _EventLog(pages), []
    watcher = ProgressWatcher(log, "run", reports.append)
    watcher.start()
    while len(log.cursors) < 3:
        watcher._stop.wait(0.1)
    watcher.stop()
    # Each read continues from the cursor of the one before: no event is read twice.
    assert log.cursors[:3] == [None, "1", "2"]
    assert reports[0].startswith("loading new files · dbt 0/")


def _planned_events(run_id: str, checks: int) -> list:
    """A new run's planned events as Dagster logs them: one asset, `checks` checks on it."""
    from dagster._core.events import AssetMaterializationPlannedData, DagsterEvent
    from dagster._core.events.log import EventLogEntry

    asset = dg.AssetKey(["marts", "fct_example"])
    events = [
        DagsterEvent.build_asset_materialization_planned_event(
            "refresh", "step", AssetMaterializationPlannedData(asset, partition=None)
        )
    ]
    events += [
        DagsterEvent(
            event_type_value=dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED.value,
            job_name="refresh",
            event_specific_data=AssetCheckEvaluationPlanned(asset_key=asset, check_name=f"c{i}"),
            step_key="step",
        )
        for i in range(checks)
    ]
    return [
        EventLogEntry(
            user_message="",
            level=10,
            job_name="refresh",
            run_id=run_id,
            error_info=None,
            timestamp=1.0 + i,
            step_key="step",
            dagster_event=event,
        )
        for i, event in enumerate(events)
    ]


@pytest.fixture
def pooled_instance(tmp_path):
    from orchestration.dagster_storage import storage_config

    (tmp_path / "dagster.yaml").write_text(storage_config(tmp_path))
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        yield instance


def test_a_batch_of_planned_events_is_stored_in_one_commit_per_file(pooled_instance):
    storage = pooled_instance.event_log_storage
    first, *rest = _planned_events("run-a", checks=40)
    storage.store_event(first)  # creates the run's file (creating a file commits on its own)
    commits: list = []

    def count(connection) -> None:
        commits.append(connection)

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "commit", count)
    try:
        storage.store_event_batch(rest)
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "commit", count)
    # The run's own file and the cross-run index, once each, where one event was 2 to 3 commits.
    assert len(commits) == 2
    records = pooled_instance.get_records_for_run("run-a").records
    assert len(records) == 41
    planned = storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey(["marts", "fct_example"]), "c7"), limit=5
    )
    assert [(p.run_id, p.status.value) for p in planned] == [("run-a", "PLANNED")]
    assert (
        pooled_instance.get_latest_planned_materialization_info(
            dg.AssetKey(["marts", "fct_example"])
        ).run_id
        == "run-a"
    )


def test_a_batch_that_fails_stores_none_of_its_events(pooled_instance, monkeypatch):
    storage = pooled_instance.event_log_storage
    events = _planned_events("run-b", checks=5)
    original, stored = storage.store_asset_check_event, []

    def fail_on_the_fourth(event, event_id):
        stored.append(event)
        if len(stored) == 4:
            raise RuntimeError("disk full")
        original(event, event_id)

    monkeypatch.setattr(storage, "store_asset_check_event", fail_on_the_fourth)
    with pytest.raises(RuntimeError, match="disk full"):
        storage.store_event_batch(events)
    # All or nothing: Dagster then stores the events one at a time (its fallback for a batch).
    assert pooled_instance.get_records_for_run("run-b").records == []
    monkeypatch.setattr(storage, "store_asset_check_event", original)
    storage.store_event_batch(events)
    assert len(pooled_instance.get_records_for_run("run-b").records) == 6
