"""The late landings of the incremental equivalence test (test_incremental_equivalence.py):
each writer adds to the landing folder the rows of one way data arrives late or moves (an
account, an enrollment, a call or a contact landing after the rows that name it; a cancel, an
opt-out or a repeated export on the last day), and each reader returns what the test asserts
about that case in a built warehouse.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb

from orchestration import warehouse_connection


def account_landing_late(landing: Path, early_day: str, last_day: str) -> None:
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
    write_jsonl(landing / "messages" / early_day, "late-account.jsonl", [message])
    write_jsonl(landing / "accounts" / last_day, "late-account.jsonl", [account])


def contact_canceled_late(landing: Path, early_day: str, last_day: str) -> None:
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
    write_jsonl(landing / "messages" / early_day, "canceled-late.jsonl", [message])
    write_jsonl(landing / "message_events" / last_day, "cancel.jsonl", [canceled])


def enrollment_landing_late(landing: Path, early_day: str, last_day: str) -> None:
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
    write_jsonl(landing / "messages" / early_day, "enrolled-late.jsonl", messages)
    write_jsonl(landing / "campaign_enrollments" / last_day, "enrolled-late.jsonl", [enrollment])


def built_rows(warehouse: str, query: str, params: list | None = None) -> list[tuple]:
    """The rows a query returns from the built warehouse (read-only, closed after)."""
    return built_row_sets(warehouse, {"rows": query}, params)["rows"]


def built_row_sets(
    warehouse: str, queries: dict[str, str], params: list | None = None
) -> dict[str, list[tuple]]:
    """The rows of each named query from the built warehouse, on one read-only connection
    closed after, even when a query fails."""
    with warehouse_connection.connect(warehouse, read_only=True) as con:
        return {
            name: con.execute(query, params or []).fetchall() for name, query in queries.items()
        }


def raw_row(con: duckdb.DuckDBPyConnection, query: str) -> dict:
    """The first row of a query on a raw table, by column name."""
    cursor = con.execute(query)
    header = [column[0] for column in cursor.description]
    return dict(zip(header, cursor.fetchone(), strict=True))


def write_jsonl(folder: Path, name: str, rows: list[dict]) -> None:
    """Landed rows of a JSON-lines entity file, one object per line."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join(json.dumps(row) for row in rows))


def write_csv(folder: Path, name: str, rows: list[dict]) -> None:
    """Landed rows of a CSV entity (raw columns, without the loader's own `_` columns)."""
    columns = [column for column in rows[0] if not column.startswith("_")]
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[c] is None else str(row[c]) for c in columns])


def calls_landing_late(warehouse: str, landing: Path, last_day: str) -> str:
    """A call of an early day lands on the last day for a contact with text conversations (the
    contact's timeline renumbers), and an early call is re-exported under another contact (it
    leaves the first contact's timeline). Returns the moved call's id."""
    with warehouse_connection.connect(warehouse, read_only=True) as con:
        account_id, contact_id, at = con.execute(
            "select account_id, contact_id, first_message_at from marts.fct_text_conversations "
            "order by first_message_at, conversation_id limit 1"
        ).fetchone()
        moved = raw_row(
            con,
            "select * from raw.calls where call_id = (select min(event_id) from "
            "marts.fct_contact_timeline where event_type = 'call') limit 1",
        )
    moved["contact_id"] = "con_call_moved"
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    late = {**moved, "call_id": "CAlandedlate", "account_id": account_id,
            "contact_id": contact_id, "campaign_id": None, "answered_at": None,
            "started_at": stamp, "ended_at": stamp}  # fmt: skip
    write_csv(landing / "calls" / last_day, "late-calls.csv", [moved, late])
    return moved["call_id"]


def contact_moves_zone(warehouse: str, landing: Path, last_day: str) -> None:
    """The contact with the most messages sent is re-exported on the last day with a Honolulu
    number: its recipient time zone, and so its quiet-hours violations, move."""
    with warehouse_connection.connect(warehouse, read_only=True) as con:
        contact = raw_row(
            con,
            "select * from raw.contacts where contact_id = (select contact_id from "
            "marts.fct_messages where is_sms_sent group by contact_id "
            "order by count(*) desc, contact_id limit 1) order by _loaded_at desc limit 1",
        )
    contact.update(phone="+18085550123", updated_at=f"{last_day}T00:00:00Z")
    write_csv(landing / "contacts" / last_day, "moved-zone.csv", [contact])


def timeline_contact(warehouse: str, call_id: str) -> str | None:
    query = "select contact_id from marts.fct_contact_timeline where event_id = ?"
    rows = built_rows(warehouse, query, [call_id])
    return rows[0][0] if rows else None


def exported_again_late(warehouse: str, landing: Path, early_day: str, last_day: str) -> list[str]:
    """A staged message and a staged delivery event of an early day exported again on the last
    day: the last day's copies become the kept rows, the early rows duplicates. Returns the
    early files' paths (relative to the landing root)."""
    con = warehouse_connection.connect(warehouse, read_only=True)
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
        write_jsonl(landing / entity / last_day, "exported-again.jsonl", [row])
    con.close()
    return early_files


def duplicates_in(warehouse: str, file_paths: list[str]) -> dict[str, int]:
    """audit__load_reconciliation's duplicate_rows of the given files."""
    rows = built_rows(
        warehouse,
        "select file_path, duplicate_rows from audit.audit__load_reconciliation "
        "where list_contains(?, file_path)",
        [file_paths],
    )
    return dict(rows)


def unreconciled(warehouse: str) -> int:
    query = "select count(*) from audit.audit__load_reconciliation where not is_reconciled"
    return built_rows(warehouse, query)[0][0]


def first_message_canceled_late(landing: Path, early_day: str, last_day: str) -> None:
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
        write_jsonl(landing / entity / day, "first-moves.jsonl", rows)


def first_of_enrollment(warehouse: str) -> list[str]:
    query = (
        "select message_id from marts.fct_messages "
        "where enrollment_id = 'enr_first_moves' and is_first_message_of_enrollment"
    )
    return [row[0] for row in built_rows(warehouse, query)]


def reply_enrollment(warehouse: str) -> str | None:
    query = (
        "select attributed_enrollment_id from intermediate.int_messages__inbound_attributed "
        "where message_id = 'SMenrolledlatereply'"
    )
    rows = built_rows(warehouse, query)
    assert len(rows) == 1, "the reply naming no enrollment must be attributed"
    return rows[0][0]


def contact_rows_late(warehouse: str, landing: Path, last_day: str) -> None:
    """A click, an opt-out and a lead of an early day land on the last day for a campaign
    message already built, and an opt-out of another contact names that message."""
    con = warehouse_connection.connect(warehouse, read_only=True)
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
        lines = [row, cross] if entity == "opt_events" else [row]
        write_jsonl(landing / entity / last_day, "late.jsonl", lines)


def conversations_of(warehouse: str, contact_id: str) -> int:
    query = "select count(*) from marts.fct_text_conversations where contact_id = ?"
    return built_rows(warehouse, query, [contact_id])[0][0]


def late_events(warehouse: str, last_day: str) -> list[dict]:
    """Late delivery events for outbound messages already loaded from earlier export days."""
    con = warehouse_connection.connect(warehouse, read_only=True)
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


def snapshot(warehouse: str, message_ids: list[str]) -> dict[str, tuple]:
    """Delivery columns of the given messages as fct_messages publishes them."""
    rows = built_rows(
        warehouse,
        """
        select
            message_id, delivery_outcome, is_canceled, is_sms_sent, delivery_event_count, attempts
        from marts.fct_messages
        where list_contains(?, message_id)
        """,
        [message_ids],
    )
    return {row[0]: row[1:] for row in rows}


CROSS_ACCOUNT = "acc_reply_moves"
CROSS_CAMPAIGNS = ("cmp_reply_first", "cmp_reply_late")


def reply_reattributed_late(landing: Path, early_day: str, last_day: str) -> None:
    """Contact X's opt-out and lead of an early day name contact Y's reply (the same account:
    staging allows it), and an outbound message to Y sent before that reply lands on the last
    day. The reply moves from the first campaign's step to the late campaign without a step
    (kpi-spec attribution: the latest outbound before it), so X's opt-out and lead move to the
    late campaign (int_opt_events__linked: the named reply's campaign) and the opt-out counts
    against X's own send of that campaign (no step to credit). Nothing of X lands late."""
    first, moved_to = CROSS_CAMPAIGNS
    account = {"account_id": CROSS_ACCOUNT, "name": "Reply moves", "time_zone": "America/Chicago",
               "created_at": f"{early_day}T00:00:00Z"}  # fmt: skip
    campaigns = [
        {"campaign_id": campaign, "account_id": CROSS_ACCOUNT, "name": campaign,
         "campaign_type": "standard", "created_at": f"{early_day}T00:00:00Z"}
        for campaign in CROSS_CAMPAIGNS
    ]  # fmt: skip
    steps = [{"campaign_id": campaign, "step_number": 1} for campaign in CROSS_CAMPAIGNS]
    sent = {"account_id": CROSS_ACCOUNT, "direction": "outbound", "send_type": "blast"}
    messages = [
        {**sent, "message_id": "SMreplymovesx", "contact_id": "con_names_reply",
         "campaign_id": moved_to, "step_number": 1, "created_at": f"{early_day}T09:00:00Z",
         "body": "Spring offer"},
        {**sent, "message_id": "SMreplymovesfirst", "contact_id": "con_reply_moves",
         "campaign_id": first, "step_number": 1, "created_at": f"{early_day}T10:00:00Z",
         "body": "Summer offer"},
        {"account_id": CROSS_ACCOUNT, "message_id": "SMreplymoves", "direction": "inbound",
         "contact_id": "con_reply_moves", "created_at": f"{early_day}T12:00:00Z",
         "body": "Who is this?"},
    ]  # fmt: skip
    late_message = {**sent, "message_id": "SMreplymoveslate", "contact_id": "con_reply_moves",
                    "campaign_id": moved_to, "send_type": "manual",
                    "created_at": f"{early_day}T11:00:00Z", "body": "Following up"}  # fmt: skip
    named = {"account_id": CROSS_ACCOUNT, "contact_id": "con_names_reply",
             "message_id": "SMreplymoves"}  # fmt: skip
    opt_out = {**named, "opt_event_id": "opt_names_reply", "direction": "opt_out",
               "method": "manual", "occurred_at": f"{early_day}T13:00:00Z"}  # fmt: skip
    lead = {**named, "lead_id": "lead_names_reply", "channel": "sms",
            "created_at": f"{early_day}T13:30:00Z"}  # fmt: skip
    for entity, day, rows in (
        ("accounts", early_day, [account]),
        ("campaigns", early_day, campaigns),
        ("campaign_steps", early_day, steps),
        ("messages", early_day, messages),
        ("opt_events", early_day, [opt_out]),
        ("leads", early_day, [lead]),
        ("messages", last_day, [late_message]),
    ):
        write_jsonl(landing / entity / day, "reply-moves.jsonl", rows)


def names_reply_rows(warehouse: str) -> dict[str, list[tuple]]:
    """What contact X of reply_reattributed_late has: its contact-day rows (campaign, opt-out
    events, leads) and its send rows (campaign, unsubscribed)."""
    queries = {
        "contact_days": "select campaign_id, opt_out_events, leads "
        "from marts.fct_messaging_contact_days where contact_id = 'con_names_reply' "
        "and (opt_out_events > 0 or leads > 0) order by campaign_id",
        "sends": "select campaign_id, unsubscribed from marts.fct_send_recipients "
        "where contact_id = 'con_names_reply' order by campaign_id",
    }
    return built_row_sets(warehouse, queries)
