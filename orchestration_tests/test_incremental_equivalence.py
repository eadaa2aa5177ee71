"""An incremental build of every incremental model gives exactly the table a full refresh gives.

Two warehouses are built from the same small generated landing data:

* incremental: load every export day but the last, build, then load the last day plus a file
  of LATE delivery events for messages of earlier days (a delivered-after-soft-bounce retry,
  a late failure, an old out-of-order duplicate, and events far older than the lookback)
  and build again incrementally; a message of an earlier day names an account that only
  lands on the last day (set aside first, modeled once its account lands); the only message
  to a contact is canceled by an event of the last day (its conversation must go); a click,
  an opt-out and a lead land late for messages of an early day, and an opt-out of one contact
  names another contact's message (the contact-day facts rebuild both contacts' old days);
  a call of an early day lands late, an early call is re-exported under another contact, and
  a contact is re-exported with a number in another time zone (timeline, quiet hours);
  a reply of an early day names its campaign but no enrollment, and the contact's enrollment
  in that campaign lands on the last day (the reply is credited to it once it lands); a
  message and a delivery event of an early day are exported again on the last day (the early
  file's rows turn into duplicates: the audit models count files again that no row of the
  last day is in); an enrollment's first message, sent days before the lookback, is
  canceled on the last day (its second message becomes the first); an opt-out and a lead of
  one contact name another contact's reply, and an outbound message to the replying contact
  sent before the reply lands on the last day (the reply, and so the opt-out and the lead of
  the contact that lands nothing, move to another campaign); an opt-out, a lead, an
  enrollment and a clicked message of an early day are exported again on the last day under
  another contact, and a delivery event under another message (late_moves.py: the old contact
  or message must lose them);
* full: load everything at once and build with --full-refresh.

Every incremental model (read from dbt's manifest, so a new one is covered without editing
this test), and the marts built on them (ALSO_COMPARED), must be identical: EXCEPT ALL in
both directions returns no row. The load time (`_loaded_at`, and the audit's `loaded_at`) is
left out of the comparison: it is when this warehouse loaded the row, which differs between the
two warehouses by construction.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import late_landings as late
import late_moves
import pytest

from datagen.generate import generate
from orchestration import warehouse_connection
from orchestration.landing.loader import load_landing

REPO = Path(__file__).resolve().parents[1]
ALSO_COMPARED = ["marts.mart_messaging_kpis"]
SELECT = " ".join(
    ["+config.materialized:incremental", *(f"+{t.split('.')[1]}" for t in ALSO_COMPARED)]
)
LOAD_TIMES = {"_loaded_at", "loaded_at"}


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )


def _env(tmp: Path, name: str, dbt_reusing_parse) -> tuple[dict[str, str], str]:
    """The environment of a warehouse of its own, named like the worker's (conftest.py), with a
    dbt target folder started from the worker's parse; and the dbt that re-uses that parse
    (conftest.py's `dbt_reusing_parse`)."""
    target = tmp / f"target_{name}"
    dbt = dbt_reusing_parse(target)  # it sets the variables its launcher reads: copied here
    env = dict(os.environ)
    env.update(
        COMMS_WAREHOUSE_PATH=str(tmp / name / "warehouse.duckdb"),
        DBT_PROFILES_DIR=str(REPO),
        DBT_TARGET_PATH=str(target),
        DBT_LOG_PATH=str(tmp / f"logs_{name}"),
    )
    return env, dbt


def _load(landing: Path, env: dict[str, str]) -> None:
    load_landing(landing, Path(env["COMMS_WAREHOUSE_PATH"]))


def _dbt(dbt: str, args: list[str], env: dict[str, str]) -> None:
    _run([dbt, *args, "--project-dir", str(REPO), "--profiles-dir", str(REPO)], env)


def _incremental_models(env: dict[str, str]) -> list[str]:
    """schema.table of every incremental model in the manifest the last build wrote."""
    manifest = json.loads((Path(env["DBT_TARGET_PATH"]) / "manifest.json").read_text())
    models = [
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    ]
    assert models, "the manifest names no incremental model"
    return sorted(models)


def _attach_full_build(con: duckdb.DuckDBPyConnection, warehouse: str) -> None:
    """Attach the full build's warehouse as full_build, its marts file as full_build_marts."""
    con.execute(f"attach '{warehouse}' as full_build (read_only)")
    marts = warehouse_connection.marts_path(warehouse)
    con.execute(f"attach '{marts}' as full_build_marts (read_only)")


def _in_full_build(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """`table` (schema.name) in whichever file of the full build holds it."""
    schema, name = table.split(".")
    (catalog,) = con.execute(
        "select database_name from duckdb_tables() where database_name in "
        "('full_build', 'full_build_marts') and schema_name = ? and table_name = ? "
        "union all select database_name from duckdb_views() where database_name = 'full_build' "
        "and schema_name = ? and view_name = ?",
        [schema, name, schema, name],
    ).fetchone()
    return f"{catalog}.{table}"


def _differences(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    """Rows only in this warehouse's table, rows only in full_build's (load time left out)."""
    columns = [row[0] for row in con.execute(f"describe {table}").fetchall()]
    compared = ", ".join(f'"{c}"' for c in columns if c not in LOAD_TIMES)
    counts = []
    full = _in_full_build(con, table)
    for left, right in ((table, full), (full, table)):
        query = f"select {compared} from {left} except all select {compared} from {right}"
        counts.append(con.execute(f"select count(*) from ({query})").fetchone()[0])
    return counts[0], counts[1]


@pytest.mark.builds(1)
def test_incremental_build_equals_full_refresh(tmp_path: Path, dbt_reusing_parse) -> None:
    landing = tmp_path / "landing"
    generate(landing, scale=2000, seed=11, end_date=date(2026, 3, 10), dirt_rate=0.02)

    days = sorted({p.name for p in landing.glob("*/*") if p.is_dir()})
    last_day = days[-1]
    late.account_landing_late(landing, days[-2], last_day)
    late.contact_canceled_late(landing, days[-3], last_day)
    late.enrollment_landing_late(landing, days[-3], last_day)
    late.first_message_canceled_late(landing, days[-6], last_day)
    late.reply_reattributed_late(landing, days[-6], last_day)
    late_moves.rows_move_contact(landing, days[-6], last_day)
    late_moves.event_moves_message(landing, days[-6], last_day)

    # batch 1: every export day but the last
    first_batch = tmp_path / "landing_first"
    for entity_day in landing.glob("*/*"):
        if entity_day.is_dir() and entity_day.name != last_day:
            shutil.copytree(entity_day, first_batch / entity_day.parent.name / entity_day.name)

    incremental, incremental_dbt = _env(tmp_path, "incremental", dbt_reusing_parse)
    built = incremental["COMMS_WAREHOUSE_PATH"]
    _load(first_batch, incremental)
    _dbt(
        incremental_dbt,
        ["build", "--select", SELECT, "--exclude-resource-type", "test", "unit_test"],
        incremental,
    )

    # the last export day also carries late events for messages of earlier days
    late_events = late.late_events(built, last_day)
    late.write_jsonl(landing / "message_events" / last_day, "late-callbacks.jsonl", late_events)
    late_ids = sorted({event["message_id"] for event in late_events})
    before = late.snapshot(built, late_ids)
    late.contact_rows_late(built, landing, last_day)
    moved_call = late.calls_landing_late(built, landing, last_day)
    late.contact_moves_zone(built, landing, last_day)
    assert late.timeline_contact(built, moved_call) not in (
        None,
        "con_call_moved",
    )
    assert late.conversations_of(built, "con_canceled_late") == 1
    assert late.reply_enrollment(built) is None
    exported_again = late.exported_again_late(built, landing, days[-4], last_day)
    duplicates_before = late.duplicates_in(built, exported_again)
    assert late.first_of_enrollment(built) == ["SMfirstmoves1"]
    first_campaign, late_campaign = late.CROSS_CAMPAIGNS
    assert late.names_reply_rows(built) == {
        "contact_days": [(first_campaign, 1, 1)],
        "sends": [(late_campaign, False)],
    }
    assert late_moves.moved_rows(built) == {
        "opted": [("con_opted_from", 1, 1)],
        "violations": [("con_opted_from", "SMmovesoptafter")],
        "reply_enrollment": [("enr_moves",)],
        "first_clicks": [("con_clicker", "click_moves1")],
        "unsubscribed": [("con_opted_from",)],
        "campaign_contacts": [("con_enrolled_from", True, True)],
    }
    assert late_moves.event_outcomes(built) == [
        ("SMeventfrom", "delivered"),
        ("SMeventto", "pending"),
    ]

    _load(landing, incremental)  # already-loaded files are skipped: only the last day lands
    _dbt(
        incremental_dbt,
        ["build", "--select", SELECT, "--exclude-resource-type", "test", "unit_test"],
        incremental,
    )

    full, full_dbt = _env(tmp_path, "full", dbt_reusing_parse)
    _load(landing, full)
    _dbt(
        full_dbt,
        [
            "build",
            "--select",
            SELECT,
            "--full-refresh",
            "--exclude-resource-type",
            "test",
            "unit_test",
        ],
        full,
    )

    con = warehouse_connection.connect(built, read_only=True)
    _attach_full_build(con, full["COMMS_WAREHOUSE_PATH"])
    for table in [*_incremental_models(incremental), *ALSO_COMPARED]:
        rows = con.execute(f"select count(*) from {table}").fetchone()[0]
        assert rows > 0, f"{table} is empty"
        only_incremental, only_full = _differences(con, table)
        assert (only_incremental, only_full) == (0, 0), (
            f"{table}: {only_incremental} rows only in the incremental build, "
            f"{only_full} only in the full refresh"
        )
    late_account = con.execute(
        "select count(*) from marts.fct_messages where message_id = 'SMaccountlandslate'"
    ).fetchone()[0]
    con.close()
    assert late_account == 1, "a message whose account landed late must be modeled"
    assert late.conversations_of(built, "con_canceled_late") == 0, (
        "a conversation whose only message was canceled late must be gone"
    )
    assert late.reply_enrollment(built) == "enr_landed_late", (
        "a reply naming no enrollment is credited to its contact's enrollment that landed late"
    )
    assert late.timeline_contact(built, moved_call) == "con_call_moved"
    assert late.timeline_contact(built, "CAlandedlate") is not None, (
        "a call landed late must join its contact's timeline"
    )
    # the early files the last day exported a row of again count one more duplicate each,
    # and every landed file still adds up
    duplicates_after = late.duplicates_in(built, exported_again)
    assert set(duplicates_before) == set(exported_again) == set(duplicates_after)
    assert all(duplicates_after[f] == duplicates_before[f] + 1 for f in exported_again), (
        duplicates_before,
        duplicates_after,
    )
    assert late.unreconciled(built) == 0
    assert late.first_of_enrollment(built) == ["SMfirstmoves2"], (
        "the second message of an enrollment whose first was canceled late becomes its first"
    )
    # the reply moved to the late campaign's message, which has no step: the opt-out and the
    # lead naming it follow it, and the opt-out counts against the contact's own send
    assert late.names_reply_rows(built) == {
        "contact_days": [(late_campaign, 1, 1)],
        "sends": [(late_campaign, True)],
    }
    # rows exported again under another contact or message left their old one
    assert late_moves.moved_rows(built) == {
        "opted": [("con_opted_to", 1, 1)],
        "violations": [],
        "reply_enrollment": [("none",)],
        "first_clicks": [("con_click_to", "click_moves1"), ("con_clicker", "click_moves2")],
        "unsubscribed": [("con_opted_to",)],
        "campaign_contacts": [("con_enrolled_from", False, True), ("con_enrolled_to", True, False)],
    }
    assert late_moves.event_outcomes(built) == [
        ("SMeventfrom", "pending"),
        ("SMeventto", "delivered"),
    ]
    # the late events changed rows the first build had already published
    after = late.snapshot(built, late_ids)
    assert before.keys() == after.keys() and before, "late events must target published messages"
    changed = [message_id for message_id in before if before[message_id] != after[message_id]]
    assert len(changed) >= len(before) // 2, (
        f"only {len(changed)} of {len(before)} late messages changed"
    )
