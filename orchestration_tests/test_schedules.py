"""The refresh schedules and the landing sensor, evaluated with Dagster's test contexts.

Each tick is evaluated against a landing folder whose files have chosen modification times, and
the test reads what the tick asks for: which export days the load step gets, whether dbt runs a
full refresh, the run key and the sensor's cursor. No run is launched and no warehouse is built.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import dagster as dg
import pytest

from orchestration.landing.assets import LOAD_OP_NAME
from orchestration.resources import Warehouse

HOUR = 3600


@pytest.fixture(scope="module")
def schedules():
    """orchestration.schedules, imported once the dbt project is parsed (its job needs it)."""
    from orchestration.refresh import prepare_dbt

    prepare_dbt()
    import orchestration.schedules

    return orchestration.schedules


def _land(root, entity: str, day: str, written_at: float):
    """A landing file for `entity` on export day `day`, last written at `written_at`."""
    path = root / entity / day / f"{entity}-{day.replace('-', '')}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"account_id": "acc_100"}\n')
    os.utime(path, (written_at, written_at))
    return path


@pytest.fixture
def landing(tmp_path):
    root = tmp_path / "landing"
    root.mkdir()
    return root


def _resources(tmp_path, landing) -> dict:
    return {"warehouse": Warehouse(path=str(tmp_path / "unused.duckdb"), landing=str(landing))}


def _only_request(data) -> dg.RunRequest:
    assert data.skip_message is None, data.skip_message
    (request,) = data.run_requests
    return request


def _loaded_days(request: dg.RunRequest) -> list[str] | None:
    return request.run_config["ops"][LOAD_OP_NAME]["config"]["export_days"]


def _full_refresh(request: dg.RunRequest) -> bool:
    from orchestration.dbt.assets import DBT_OP_NAME

    return request.run_config["ops"][DBT_OP_NAME]["config"]["full_refresh"]


def _sensor_tick(schedules, tmp_path, landing, cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor, resources=_resources(tmp_path, landing))
    return schedules.new_landing_files.evaluate_tick(context)


def _schedule_tick(schedule, tmp_path, landing):
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime.now(UTC), resources=_resources(tmp_path, landing)
    )
    return schedule.evaluate_tick(context)


def test_sensor_first_tick_loads_every_day_and_remembers_the_newest_file(
    schedules, tmp_path, landing
):
    now = time.time()
    _land(landing, "messages", "2026-11-01", now - 5 * HOUR)
    _land(landing, "calls", "2026-11-02", now - 2 * HOUR)

    data = _sensor_tick(schedules, tmp_path, landing, cursor=None)

    request = _only_request(data)
    assert _loaded_days(request) == ["2026-11-01", "2026-11-02"]
    assert _full_refresh(request) is False
    newest = now - 2 * HOUR
    assert float(data.cursor) == pytest.approx(newest, abs=1e-3)
    assert request.run_key == f"landing-{float(data.cursor)}"


def test_sensor_skips_an_unchanged_landing_and_keeps_its_cursor(schedules, tmp_path, landing):
    now = time.time()
    _land(landing, "messages", "2026-11-01", now - 5 * HOUR)
    first = _sensor_tick(schedules, tmp_path, landing, cursor=None)

    again = _sensor_tick(schedules, tmp_path, landing, cursor=first.cursor)

    assert again.run_requests == []
    assert "no new landing files" in again.skip_message
    assert again.cursor == first.cursor


def test_sensor_loads_only_the_day_of_a_new_file(schedules, tmp_path, landing):
    now = time.time()
    _land(landing, "messages", "2026-11-01", now - 5 * HOUR)
    first = _sensor_tick(schedules, tmp_path, landing, cursor=None)
    _land(landing, "message_events", "2026-11-03", now - HOUR)  # lands after the first tick

    data = _sensor_tick(schedules, tmp_path, landing, cursor=first.cursor)

    request = _only_request(data)
    assert _loaded_days(request) == ["2026-11-03"]
    assert float(data.cursor) > float(first.cursor)
    assert request.run_key != _only_request(first).run_key  # a new run, not a deduplicated one


def test_sensor_reloads_an_old_day_when_a_late_file_lands_in_it(schedules, tmp_path, landing):
    now = time.time()
    _land(landing, "messages", "2026-10-01", now - 30 * HOUR)
    _land(landing, "messages", "2026-11-01", now - 5 * HOUR)
    first = _sensor_tick(schedules, tmp_path, landing, cursor=None)
    late = landing / "opt_events" / "2026-10-01" / "opt_events-20261001-redelivery.jsonl"
    late.parent.mkdir(parents=True)
    late.write_text("{}\n")  # written now: newer than the cursor

    request = _only_request(_sensor_tick(schedules, tmp_path, landing, cursor=first.cursor))

    assert _loaded_days(request) == ["2026-10-01"]


def test_sensor_skips_an_empty_landing(schedules, tmp_path, landing):
    data = _sensor_tick(schedules, tmp_path, landing, cursor=None)
    assert data.run_requests == []
    assert data.skip_message
    assert float(data.cursor) == 0.0


def test_hourly_tick_loads_the_days_written_in_the_recent_hours_incrementally(
    schedules, tmp_path, landing
):
    now = time.time()
    _land(landing, "messages", "2026-11-01", now - (schedules.RECENT_HOURS + 2) * HOUR)  # too old
    _land(landing, "messages", "2026-11-02", now - HOUR)
    _land(landing, "calls", "2026-11-03", now - 60)

    request = _only_request(_schedule_tick(schedules.hourly_refresh, tmp_path, landing))

    assert _loaded_days(request) == ["2026-11-02", "2026-11-03"]
    assert _full_refresh(request) is False
    assert request.run_key is None  # every tick runs; loaded files are skipped by the ledger


def test_hourly_tick_skips_when_nothing_landed_recently(schedules, tmp_path, landing):
    _land(landing, "messages", "2026-11-01", time.time() - (schedules.RECENT_HOURS + 1) * HOUR)

    data = _schedule_tick(schedules.hourly_refresh, tmp_path, landing)

    assert data.run_requests == []
    assert "no new landing files" in data.skip_message


def test_daily_tick_rebuilds_every_export_day_in_full(schedules, tmp_path, landing):
    now = time.time()
    _land(landing, "messages", "2026-09-15", now - 40 * 24 * HOUR)
    _land(landing, "contacts", "2026-11-01", now - 5 * HOUR)
    _land(landing, "calls", "2026-11-02", now - 60)

    request = _only_request(_schedule_tick(schedules.daily_full_build, tmp_path, landing))

    assert _loaded_days(request) == ["2026-09-15", "2026-11-01", "2026-11-02"]
    assert _full_refresh(request) is True


def test_daily_tick_skips_an_empty_landing(schedules, tmp_path, landing):
    data = _schedule_tick(schedules.daily_full_build, tmp_path, landing)
    assert data.run_requests == []
    assert data.skip_message
