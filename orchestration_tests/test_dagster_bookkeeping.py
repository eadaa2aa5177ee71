"""Dagster's bookkeeping grows with the work, not with the number of export days: a load writes
one materialization per raw asset, and the progress watcher reads only events it has not seen."""

from types import SimpleNamespace

import dagster as dg

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
