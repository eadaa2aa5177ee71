"""The keys a run records once for every incremental model (macros/incremental/changed_keys.sql)
never hand a model groups other than its own watermark gives.

One small world lands in three loads. After the first, every incremental model is built. After
the second, every one but int_text_conversations and the models built on it, as a build that
failed there leaves them (their watermark stays at the first load, older than the keys the next
build records). After the third: a `dbt compile` of fct_messages, which
runs no on-run-start hook, finds the recorded keys of the second load's build and must not use
them (the raw tables have grown since); a lone `dbt build --full-refresh` of one model; then the
usual incremental build of them all. Every incremental model must then equal a --full-refresh
build of the same files (EXCEPT ALL both ways, load times left out), the recorded keys must
be those of the load before the newest, and the recorded named messages every raw message
version an opt event or lead names.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from test_incremental_equivalence import (
    SELECT,
    _attach_full_build,
    _dbt,
    _differences,
    _env,
    _incremental_models,
    _load,
)

from datagen.generate import generate
from orchestration import warehouse_connection

NOT_TESTS = ["--exclude-resource-type", "test", "unit_test"]


def _landing_until(landing: Path, folder: Path, last: str) -> None:
    """Copy every export day up to `last` of `landing` into `folder`."""
    for entity_day in landing.glob("*/*"):
        if entity_day.is_dir() and entity_day.name <= last:
            shutil.copytree(
                entity_day, folder / entity_day.parent.name / entity_day.name, dirs_exist_ok=True
            )


def _named_in_raw(con) -> set[tuple]:
    """Every raw message version an opt event or lead names, matched here in Python."""
    named = {m for (m,) in con.execute("select message_id from raw.opt_events").fetchall()}
    named |= {m for (m,) in con.execute("select message_id from raw.leads").fetchall()}
    versions = con.execute(
        "select message_id, account_id, contact_id, enrollment_id from raw.messages"
    ).fetchall()
    return {version for version in versions if version[0] is not None and version[0] in named}


def _recorded_named(con) -> set[tuple]:
    rows = con.execute("select * from main._changed_keys_named").fetchall()
    assert len(rows) == len(set(rows)), "one row per named message version"
    return set(rows)


@pytest.mark.builds(1)
def test_recorded_keys_follow_each_model_watermark(tmp_path: Path, dbt_reusing_parse) -> None:
    landing = tmp_path / "landing"
    generate(landing, scale=1000, seed=7, end_date=date(2026, 3, 10), dirt_rate=0.02)
    days = sorted({p.name for p in landing.glob("*/*") if p.is_dir()})

    built, dbt = _env(tmp_path, "incremental", dbt_reusing_parse)
    landed = tmp_path / "landed"
    _landing_until(landing, landed, days[-3])
    _load(landed, built)
    _dbt(dbt, ["build", "--select", SELECT, *NOT_TESTS], built)

    _landing_until(landing, landed, days[-2])
    _load(landed, built)
    _dbt(
        dbt,
        ["build", "--select", SELECT, "--exclude", "int_text_conversations+", *NOT_TESTS],
        built,
    )

    _landing_until(landing, landed, days[-1])
    _load(landed, built)
    _dbt(dbt, ["compile", "--select", "fct_messages"], built)
    compiled = next(Path(built["DBT_TARGET_PATH"]).rglob("compiled/**/fct_messages.sql"))
    assert "_changed_keys_" not in compiled.read_text(), (
        "keys recorded before the last load must not be read once the raw tables have grown"
    )
    lone = ["build", "--full-refresh", "--select", "int_conversations__response_times"]
    _dbt(dbt, [*lone, *NOT_TESTS], built)
    _dbt(dbt, ["build", "--select", SELECT, *NOT_TESTS], built)

    full, full_dbt = _env(tmp_path, "full", dbt_reusing_parse)
    _load(landing, full)
    _dbt(full_dbt, ["build", "--select", SELECT, "--full-refresh", *NOT_TESTS], full)

    with warehouse_connection.connect(built["COMMS_WAREHOUSE_PATH"], read_only=True) as con:
        since, second_newest = con.execute(
            "select (select since from main._changed_keys_run), max(_loaded_at) from raw.messages"
            " where _loaded_at < (select max(_loaded_at) from raw.messages)"
        ).fetchone()
        assert since == second_newest, "the last build records the keys since the load before"
        named = _named_in_raw(con)
        assert named, "the world's opt events and leads name messages"
        assert _recorded_named(con) == named, (
            "the recorded named messages are every raw message version an opt event or lead names"
        )
        _attach_full_build(con, full["COMMS_WAREHOUSE_PATH"])
        for table in _incremental_models(built):
            assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0, table
            assert _differences(con, table) == (0, 0), f"{table} differs from the full build"
