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
  canceled on the last day (its second message becomes the first);
* full: load everything at once and build with --full-refresh.

Every incremental model (read from dbt's manifest, so a new one is covered without editing
this test), and the marts built on them (ALSO_COMPARED), must be identical: EXCEPT ALL in
both directions returns no row. The load time (`_loaded_at`, and the audit's `loaded_at`) is
left out of the comparison: it is when this warehouse loaded the row, which differs between the
two warehouses by construction.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from datagen.generate import generate
from orchestration.landing.loader import load_landing

REPO = Path(__file__).resolve().parents[1]
ALSO_COMPARED = [
    "marts.mart_messaging_kpis",
    "marts.fct_text_conversations",
    "marts.fct_responses",
]
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


def _differences(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    """Rows only in this warehouse's table, rows only in full_build's (load time left out)."""
    columns = [row[0] for row in con.execute(f"describe {table}").fetchall()]
    compared = ", ".join(f'"{c}"' for c in columns if c not in LOAD_TIMES)
    counts = []
    for left, right in ((table, f"full_build.{table}"), (f"full_build.{table}", table)):
        query = f"select {compared} from {left} except all select {compared} from {right}"
        counts.append(con.execute(f"select count(*) from ({query})").fetchone()[0])
    return counts[0], counts[1]


def _account_landing_late(landing: Path, early_day: str, last_day: str) -> None:
    """A message of an early day names an account that only lands on the last day: set aside
    (unknown account) by the first build, staged and modeled once its account lands."""
    account = {
        "account_id": "acc_late",
        "name": "Landed late",
        "time_zone": "America/Chicago",
        "created_at": f"{early_day}T00:00:00Z",
    }
    message = {
        "message_id": "SMaccountlandslate",
        "account_id": "acc_late",
        "contact_id": "con_late",
        "direction": "inbound",
        "created_at": f"{early_day}T12:00:00Z",
        "body": "Is this still available?",
    }
    (landing / "messages" / early_day / "late-account.jsonl").write_text(json.dumps(message))
    (landing / "accounts" / last_day).mkdir(parents=True, exist_ok=True)
    (landing / "accounts" / last_day / "late-account.jsonl").write_text(json.dumps(account))


def _contact_canceled_late(landing: Path, early_day: str, last_day: str) -> None:
    """The only message to a contact, sent on an early day, is canceled by an event of the last
    day: its conversation exists after the first build and must be gone after the second."""
    accounts = sorted((landing / "accounts").glob("*/*.jsonl"))
    account_id = json.loads(accounts[0].read_text().splitlines()[0])["account_id"]
    message = {
        "message_id": "SMcanceledlate",
        "account_id": account_id,
        "contact_id": "con_canceled_late",
        "direction": "outbound",
        "created_at": f"{early_day}T15:00:00Z",
        "send_type": "manual",
        "body": "See you tomorrow",
    }
    canceled = {
        "event_id": "late_cancel_only_message",
        "message_id": "SMcanceledlate",
        "status": "canceled",
        "occurred_at": f"{last_day}T09:00:00Z",
        "attempt": 0,
    }
    (landing / "messages" / early_day).mkdir(parents=True, exist_ok=True)
    (landing / "messages" / early_day / "canceled-late.jsonl").write_text(json.dumps(message))
    (landing / "message_events" / last_day).mkdir(parents=True, exist_ok=True)
    (landing / "message_events" / last_day / "cancel.jsonl").write_text(json.dumps(canceled))


def _enrollment_landing_late(landing: Path, early_day: str, last_day: str) -> None:
    """A campaign message and its reply of an early day name no enrollment; the contact's
    enrollment in the campaign lands on the last day. The reply is credited to the contact's
    latest enrollment in the campaign at or before it (kpi-spec attribution), so the late
    enrollment changes a conversation no message of the last day touches."""
    campaigns = sorted((landing / "campaigns").glob("*/*.jsonl"))
    campaign = json.loads(campaigns[0].read_text().splitlines()[0])
    conversation = {"account_id": campaign["account_id"], "contact_id": "con_enrolled_late",
                    "campaign_id": campaign["campaign_id"]}  # fmt: skip
    messages = [
        {**conversation, "message_id": "SMenrolledlateout", "direction": "outbound",
         "created_at": f"{early_day}T10:00:00Z", "send_type": "blast", "body": "Spring offer"},
        {**conversation, "message_id": "SMenrolledlatereply", "direction": "inbound",
         "created_at": f"{early_day}T11:00:00Z", "body": "Tell me more"},
    ]  # fmt: skip
    enrollment = {
        "enrollment_id": "enr_landed_late",
        "campaign_id": campaign["campaign_id"],
        "contact_id": "con_enrolled_late",
        "enrolled_at": f"{early_day}T09:00:00Z",
    }
    (landing / "messages" / early_day).mkdir(parents=True, exist_ok=True)
    (landing / "messages" / early_day / "enrolled-late.jsonl").write_text(
        "\n".join(json.dumps(message) for message in messages)
    )
    (landing / "campaign_enrollments" / last_day).mkdir(parents=True, exist_ok=True)
    (landing / "campaign_enrollments" / last_day / "enrolled-late.jsonl").write_text(
        json.dumps(enrollment)
    )


def _raw_row(con: duckdb.DuckDBPyConnection, query: str) -> dict:
    """The first row of a query on a raw table, by column name."""
    cursor = con.execute(query)
    header = [column[0] for column in cursor.description]
    return dict(zip(header, cursor.fetchone(), strict=True))


def _write_csv(folder: Path, name: str, rows: list[dict]) -> None:
    """Landed rows of a CSV entity (raw columns, without the loader's own `_` columns)."""
    columns = [column for column in rows[0] if not column.startswith("_")]
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[c] is None else str(row[c]) for c in columns])


def _calls_landing_late(warehouse: str, landing: Path, last_day: str) -> str:
    """A call of an early day lands on the last day for a contact with text conversations (the
    contact's timeline renumbers), and an early call is re-exported under another contact (it
    leaves the first contact's timeline). Returns the moved call's id."""
    con = duckdb.connect(warehouse, read_only=True)
    account_id, contact_id, at = con.execute(
        "select account_id, contact_id, first_message_at from marts.fct_text_conversations "
        "order by first_message_at, conversation_id limit 1"
    ).fetchone()
    moved = _raw_row(
        con,
        "select * from raw.calls where call_id = (select min(event_id) from "
        "marts.fct_contact_timeline where event_type = 'call') limit 1",
    )
    con.close()
    moved["contact_id"] = "con_call_moved"
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    late = {**moved, "call_id": "CAlandedlate", "account_id": account_id,
            "contact_id": contact_id, "campaign_id": None, "answered_at": None,
            "started_at": stamp, "ended_at": stamp}  # fmt: skip
    _write_csv(landing / "calls" / last_day, "late-calls.csv", [moved, late])
    return moved["call_id"]


def _contact_moves_zone(warehouse: str, landing: Path, last_day: str) -> None:
    """The contact with the most messages sent is re-exported on the last day with a Honolulu
    number: its recipient time zone, and so its quiet-hours violations, move."""
    con = duckdb.connect(warehouse, read_only=True)
    contact = _raw_row(
        con,
        "select * from raw.contacts where contact_id = (select contact_id from marts.fct_messages "
        "where is_sms_sent group by contact_id order by count(*) desc, contact_id limit 1) "
        "order by _loaded_at desc limit 1",
    )
    con.close()
    contact.update(phone="+18085550123", updated_at=f"{last_day}T00:00:00Z")
    _write_csv(landing / "contacts" / last_day, "moved-zone.csv", [contact])


def _timeline_contact(warehouse: str, call_id: str) -> str | None:
    con = duckdb.connect(warehouse, read_only=True)
    query = "select contact_id from marts.fct_contact_timeline where event_id = ?"
    rows = con.execute(query, [call_id]).fetchall()
    con.close()
    return rows[0][0] if rows else None


def _exported_again_late(warehouse: str, landing: Path, early_day: str, last_day: str) -> list[str]:
    """A staged message and a staged delivery event of an early day exported again on the last
    day: the last day's copies become the kept rows, the early rows duplicates. Returns the
    early files' paths (relative to the landing root)."""
    con = duckdb.connect(warehouse, read_only=True)
    early_files = []
    for entity in ("messages", "message_events"):
        file_id, row_number = con.execute(
            f"select _file_id, _row_number from staging.stg_platform__{entity} "
            "where _export_date = ? order by _file_id, _row_number limit 1",
            [date.fromisoformat(early_day)],
        ).fetchone()
        raw = con.execute(
            f"select * from raw.{entity} where _file_id = ? and _row_number = ?",
            [file_id, row_number],
        )
        names = [column[0] for column in raw.description]
        values = dict(zip(names, raw.fetchone(), strict=True))
        early_files.append(values["_file_path"])
        row = {n: v for n, v in values.items() if not n.startswith("_") and v}
        (landing / entity / last_day).mkdir(parents=True, exist_ok=True)
        (landing / entity / last_day / "exported-again.jsonl").write_text(json.dumps(row))
    con.close()
    return early_files


def _duplicates_in(warehouse: str, file_paths: list[str]) -> dict[str, int]:
    """audit__load_reconciliation's duplicate_rows of the given files."""
    con = duckdb.connect(warehouse, read_only=True)
    rows = con.execute(
        "select file_path, duplicate_rows from audit.audit__load_reconciliation "
        "where list_contains(?, file_path)",
        [file_paths],
    ).fetchall()
    con.close()
    return dict(rows)


def _unreconciled(warehouse: str) -> int:
    con = duckdb.connect(warehouse, read_only=True)
    query = "select count(*) from audit.audit__load_reconciliation where not is_reconciled"
    count = con.execute(query).fetchone()[0]
    con.close()
    return count


def _first_message_canceled_late(landing: Path, early_day: str, last_day: str) -> None:
    """An enrollment's first message, sent on an early day (outside the lookback), is canceled
    by an event of the last day: its second message, which nothing of the last day names,
    becomes the enrollment's first (fct_messages' is_first_message_of_enrollment moves)."""
    campaigns = sorted((landing / "campaigns").glob("*/*.jsonl"))
    campaign = json.loads(campaigns[0].read_text().splitlines()[0])
    enrollment = {
        "enrollment_id": "enr_first_moves",
        "campaign_id": campaign["campaign_id"],
        "contact_id": "con_first_moves",
        "enrolled_at": f"{early_day}T08:00:00Z",
    }
    sent = {"account_id": campaign["account_id"], "contact_id": "con_first_moves",
            "campaign_id": campaign["campaign_id"], "enrollment_id": "enr_first_moves",
            "direction": "outbound", "send_type": "blast", "body": "Hello again"}  # fmt: skip
    messages = [
        {**sent, "message_id": f"SMfirstmoves{n}", "created_at": f"{early_day}T{hour}:00:00Z"}
        for n, hour in ((1, 10), (2, 11))
    ]
    canceled = {
        "event_id": "late_cancel_first",
        "message_id": "SMfirstmoves1",
        "status": "canceled",
        "occurred_at": f"{last_day}T08:00:00Z",
        "attempt": 0,
    }
    for entity, day, rows in (
        ("campaign_enrollments", early_day, [enrollment]),
        ("messages", early_day, messages),
        ("message_events", last_day, [canceled]),
    ):
        (landing / entity / day).mkdir(parents=True, exist_ok=True)
        (landing / entity / day / "first-moves.jsonl").write_text(
            "\n".join(json.dumps(row) for row in rows)
        )


def _first_of_enrollment(warehouse: str) -> list[str]:
    con = duckdb.connect(warehouse, read_only=True)
    query = (
        "select message_id from marts.fct_messages "
        "where enrollment_id = 'enr_first_moves' and is_first_message_of_enrollment"
    )
    rows = [row[0] for row in con.execute(query).fetchall()]
    con.close()
    return rows


def _reply_enrollment(warehouse: str) -> str | None:
    con = duckdb.connect(warehouse, read_only=True)
    query = (
        "select attributed_enrollment_id from intermediate.int_messages__inbound_attributed "
        "where message_id = 'SMenrolledlatereply'"
    )
    rows = con.execute(query).fetchall()
    con.close()
    assert len(rows) == 1, "the reply naming no enrollment must be attributed"
    return rows[0][0]


def _contact_rows_late(warehouse: str, landing: Path, last_day: str) -> None:
    """A click, an opt-out and a lead of an early day land on the last day for a campaign
    message already built, and an opt-out of another contact names that message."""
    con = duckdb.connect(warehouse, read_only=True)
    sent = con.execute(
        """
        select message_id, account_id, contact_id, campaign_id, created_at
        from marts.fct_messages
        where direction = 'outbound' and is_sms_sent and step_number is not null
        order by created_at, message_id
        limit 50
        """
    ).fetchall()
    con.close()
    message_id, account_id, contact_id, campaign_id, created_at = sent[0]
    other = next(row for row in sent if row[2] != contact_id)
    at = created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = {
        "link_clicks": {"click_id": "late_click", "message_id": message_id, "link_id": "lnk_late",
                        "url": "https://example.com/late", "clicked_at": at},
        "opt_events": {"opt_event_id": "late_opt_out", "account_id": account_id,
                       "contact_id": contact_id, "direction": "opt_out", "method": "keyword",
                       "occurred_at": at, "message_id": message_id},
        "leads": {"lead_id": "late_lead", "account_id": account_id, "contact_id": contact_id,
                  "created_at": at, "channel": "sms", "campaign_id": campaign_id,
                  "message_id": message_id},
    }  # fmt: skip
    cross = {"opt_event_id": "late_cross_opt_out", "account_id": other[1], "contact_id": other[2],
             "direction": "opt_out", "method": "manual", "occurred_at": at,
             "message_id": message_id}  # fmt: skip
    for entity, row in rows.items():
        folder = landing / entity / last_day
        folder.mkdir(parents=True, exist_ok=True)
        lines = [row, cross] if entity == "opt_events" else [row]
        (folder / "late.jsonl").write_text("\n".join(json.dumps(line) for line in lines))


def _conversations_of(warehouse: str, contact_id: str) -> int:
    con = duckdb.connect(warehouse, read_only=True)
    query = "select count(*) from marts.fct_text_conversations where contact_id = ?"
    count = con.execute(query, [contact_id]).fetchone()[0]
    con.close()
    return count


def _late_events(warehouse: str, last_day: str) -> list[dict]:
    """Late delivery events for outbound messages already loaded from earlier export days."""
    con = duckdb.connect(warehouse, read_only=True)
    messages = con.execute(
        """
        select message_id, created_at
        from raw.messages
        where direction = 'outbound' and message_id is not null and created_at is not null
        order by message_id
        """
    ).fetchall()
    con.close()
    assert len(messages) >= 8, "need outbound messages to attach late events to"
    picked = messages[:: max(1, len(messages) // 8)][:8]
    events = []
    for i, (message_id, created_at) in enumerate(picked):
        created = str(created_at).replace(" ", "T")
        created = created if created.endswith("Z") or "+" in created[10:] else created + "Z"
        if i % 4 == 0:
            # soft bounce then delivered on the retry: delivered, not bounced
            events.append(
                {
                    "event_id": f"late_{i}_a",
                    "message_id": message_id,
                    "status": "undelivered",
                    "occurred_at": created,
                    "error_code": "30003",
                    "attempt": 1,
                }
            )
            events.append(
                {
                    "event_id": f"late_{i}_b",
                    "message_id": message_id,
                    "status": "delivered",
                    "occurred_at": f"{last_day}T12:00:00Z",
                    "error_code": None,
                    "attempt": 2,
                }
            )
        elif i % 4 == 1:
            # a late carrier block
            events.append(
                {
                    "event_id": f"late_{i}",
                    "message_id": message_id,
                    "status": "undelivered",
                    "occurred_at": f"{last_day}T13:00:00Z",
                    "error_code": "30007",
                    "attempt": 0,
                }
            )
        elif i % 4 == 2:
            # an out-of-order event stamped at the message's own time (far outside the lookback)
            events.append(
                {
                    "event_id": f"late_{i}",
                    "message_id": message_id,
                    "status": "queued",
                    "occurred_at": created,
                    "error_code": None,
                    "attempt": 0,
                }
            )
        else:
            # a late cancellation: the message leaves sms_sent
            events.append(
                {
                    "event_id": f"late_{i}",
                    "message_id": message_id,
                    "status": "canceled",
                    "occurred_at": f"{last_day}T14:00:00Z",
                    "error_code": None,
                    "attempt": 0,
                }
            )
    return events


def _snapshot(warehouse: str, message_ids: list[str]) -> dict[str, tuple]:
    """Delivery columns of the given messages as fct_messages publishes them."""
    con = duckdb.connect(warehouse, read_only=True)
    rows = con.execute(
        """
        select
            message_id, delivery_outcome, is_canceled, is_sms_sent, delivery_event_count, attempts
        from marts.fct_messages
        where list_contains(?, message_id)
        """,
        [message_ids],
    ).fetchall()
    con.close()
    return {row[0]: row[1:] for row in rows}


@pytest.mark.builds(1)
def test_incremental_build_equals_full_refresh(tmp_path: Path, dbt_reusing_parse) -> None:
    landing = tmp_path / "landing"
    generate(landing, scale=2000, seed=11, end_date=date(2026, 3, 10), dirt_rate=0.02)

    days = sorted({p.name for p in landing.glob("*/*") if p.is_dir()})
    last_day = days[-1]
    _account_landing_late(landing, days[-2], last_day)
    _contact_canceled_late(landing, days[-3], last_day)
    _enrollment_landing_late(landing, days[-3], last_day)
    _first_message_canceled_late(landing, days[-6], last_day)

    # batch 1: every export day but the last
    first_batch = tmp_path / "landing_first"
    for entity_day in landing.glob("*/*"):
        if entity_day.is_dir() and entity_day.name != last_day:
            shutil.copytree(entity_day, first_batch / entity_day.parent.name / entity_day.name)

    incremental, incremental_dbt = _env(tmp_path, "incremental", dbt_reusing_parse)
    _load(first_batch, incremental)
    _dbt(
        incremental_dbt,
        ["build", "--select", SELECT, "--exclude-resource-type", "test", "unit_test"],
        incremental,
    )

    # the last export day also carries late events for messages of earlier days
    late_dir = landing / "message_events" / last_day
    late_dir.mkdir(parents=True, exist_ok=True)
    late_events = _late_events(incremental["COMMS_WAREHOUSE_PATH"], last_day)
    with open(late_dir / "late-callbacks.jsonl", "w") as handle:
        for event in late_events:
            handle.write(json.dumps(event) + "\n")
    late_ids = sorted({event["message_id"] for event in late_events})
    before = _snapshot(incremental["COMMS_WAREHOUSE_PATH"], late_ids)
    _contact_rows_late(incremental["COMMS_WAREHOUSE_PATH"], landing, last_day)
    moved_call = _calls_landing_late(incremental["COMMS_WAREHOUSE_PATH"], landing, last_day)
    _contact_moves_zone(incremental["COMMS_WAREHOUSE_PATH"], landing, last_day)
    assert _timeline_contact(incremental["COMMS_WAREHOUSE_PATH"], moved_call) not in (
        None,
        "con_call_moved",
    )
    assert _conversations_of(incremental["COMMS_WAREHOUSE_PATH"], "con_canceled_late") == 1
    assert _reply_enrollment(incremental["COMMS_WAREHOUSE_PATH"]) is None
    exported_again = _exported_again_late(
        incremental["COMMS_WAREHOUSE_PATH"], landing, days[-4], last_day
    )
    duplicates_before = _duplicates_in(incremental["COMMS_WAREHOUSE_PATH"], exported_again)
    assert _first_of_enrollment(incremental["COMMS_WAREHOUSE_PATH"]) == ["SMfirstmoves1"]

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

    con = duckdb.connect(incremental["COMMS_WAREHOUSE_PATH"], read_only=True)
    con.execute(f"attach '{full['COMMS_WAREHOUSE_PATH']}' as full_build (read_only)")
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
    assert _conversations_of(incremental["COMMS_WAREHOUSE_PATH"], "con_canceled_late") == 0, (
        "a conversation whose only message was canceled late must be gone"
    )
    assert _reply_enrollment(incremental["COMMS_WAREHOUSE_PATH"]) == "enr_landed_late", (
        "a reply naming no enrollment is credited to its contact's enrollment that landed late"
    )
    assert _timeline_contact(incremental["COMMS_WAREHOUSE_PATH"], moved_call) == "con_call_moved"
    assert _timeline_contact(incremental["COMMS_WAREHOUSE_PATH"], "CAlandedlate") is not None, (
        "a call landed late must join its contact's timeline"
    )
    # the early files the last day exported a row of again count one more duplicate each,
    # and every landed file still adds up
    duplicates_after = _duplicates_in(incremental["COMMS_WAREHOUSE_PATH"], exported_again)
    assert set(duplicates_before) == set(exported_again) == set(duplicates_after)
    assert all(duplicates_after[f] == duplicates_before[f] + 1 for f in exported_again), (
        duplicates_before,
        duplicates_after,
    )
    assert _unreconciled(incremental["COMMS_WAREHOUSE_PATH"]) == 0
    assert _first_of_enrollment(incremental["COMMS_WAREHOUSE_PATH"]) == ["SMfirstmoves2"], (
        "the second message of an enrollment whose first was canceled late becomes its first"
    )
    # the late events changed rows the first build had already published
    after = _snapshot(incremental["COMMS_WAREHOUSE_PATH"], late_ids)
    assert before.keys() == after.keys() and before, "late events must target published messages"
    changed = [message_id for message_id in before if before[message_id] != after[message_id]]
    assert len(changed) >= len(before) // 2, (
        f"only {len(changed)} of {len(before)} late messages changed"
    )
