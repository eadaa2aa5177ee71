"""Late landings of the incremental equivalence test (test_incremental_equivalence.py) that move
a row to another owner: a row of an early day exported again on the last day under another
contact or message (a correction; staging keeps the latest export). The row leaves its old
owner, whose rows nothing of the last day names any more, so an incremental build must find the
old owner from the row's earlier version. Each writer lands its rows in an account of its own,
so no generated row of the last day touches them; each reader returns what the test asserts.
"""

from __future__ import annotations

from pathlib import Path

from late_landings import built_row_sets, built_rows, write_jsonl

ACCOUNT = "acc_rows_move"
CAMPAIGN = "cmp_rows_move"


def _account(landing: Path, early_day: str) -> None:
    """The account and its one-step campaign, landed on the early day."""
    stamp = f"{early_day}T00:00:00Z"
    rows = {
        "accounts": {"account_id": ACCOUNT, "name": "Rows move",
                     "time_zone": "America/Chicago", "created_at": stamp},
        "campaigns": {"campaign_id": CAMPAIGN, "account_id": ACCOUNT, "name": "Rows move",
                      "campaign_type": "standard", "created_at": stamp},
        "campaign_steps": {"campaign_id": CAMPAIGN, "step_number": 1},
    }  # fmt: skip
    for entity, row in rows.items():
        write_jsonl(landing / entity / early_day, "rows-move.jsonl", [row])


def _sent(message_id: str, contact_id: str, at: str) -> dict:
    return {"message_id": message_id, "account_id": ACCOUNT, "contact_id": contact_id,
            "direction": "outbound", "campaign_id": CAMPAIGN, "step_number": 1,
            "send_type": "blast", "created_at": at, "body": "Rows move offer"}  # fmt: skip


def rows_move_contact(landing: Path, early_day: str, last_day: str) -> None:
    """Early-day rows exported again on the last day under another contact of the account:
    - an opt-out and a lead of con_opted_from (sent the campaign before and after the opt-out:
      a message sent after an opt-out) move to con_opted_to (sent it before): con_opted_from's
      opt-out, lead, unsubscribe and violation go;
    - the enrollment con_enrolled_from's reply was credited to (the reply names no enrollment:
      the contact's latest one in the campaign) moves to con_enrolled_to: the reply loses it,
      and con_enrolled_to, who has no message, joins the campaign's reply-rate population;
    - the earlier of con_clicker's two messages whose links it clicked moves to
      con_click_to: con_clicker's later click becomes its first of the link."""
    _account(landing, early_day)
    at = f"{early_day}T"
    # fmt: off
    opt_out = {"opt_event_id": "opt_moves", "account_id": ACCOUNT, "contact_id": "con_opted_from",
               "direction": "opt_out", "method": "keyword", "occurred_at": f"{at}10:00:00Z",
               "campaign_id": CAMPAIGN}
    lead = {"lead_id": "lead_moves", "account_id": ACCOUNT, "contact_id": "con_opted_from",
            "channel": "sms", "campaign_id": CAMPAIGN, "created_at": f"{at}10:30:00Z"}
    enrollment = {"enrollment_id": "enr_moves", "campaign_id": CAMPAIGN,
                  "contact_id": "con_enrolled_from", "enrolled_at": f"{at}08:00:00Z"}
    reply = {"message_id": "SMmovesreply", "account_id": ACCOUNT, "direction": "inbound",
             "contact_id": "con_enrolled_from", "created_at": f"{at}10:00:00Z", "body": "Maybe"}
    clicked = [_sent("SMmovesclick1", "con_clicker", f"{at}09:00:00Z"),
               _sent("SMmovesclick2", "con_clicker", f"{at}11:00:00Z")]
    clicks = [{"click_id": f"click_moves{n}", "message_id": f"SMmovesclick{n}",
               "link_id": "lnk_moves", "url": "https://example.com/moves",
               "clicked_at": f"{at}{hour}:30:00Z"} for n, hour in ((1, "09"), (2, "11"))]
    # fmt: on
    messages = [
        _sent("SMmovesoptbefore", "con_opted_from", f"{at}09:00:00Z"),
        _sent("SMmovesoptafter", "con_opted_from", f"{at}12:00:00Z"),
        _sent("SMmovesoptto", "con_opted_to", f"{at}09:30:00Z"),
        _sent("SMmovesenrolled", "con_enrolled_from", f"{at}09:00:00Z"),
        reply,
        *clicked,
    ]  # fmt: skip
    early = {"opt_events": [opt_out], "leads": [lead], "campaign_enrollments": [enrollment],
             "messages": messages, "link_clicks": clicks}  # fmt: skip
    late = {"opt_events": [{**opt_out, "contact_id": "con_opted_to"}],
            "leads": [{**lead, "contact_id": "con_opted_to"}],
            "campaign_enrollments": [{**enrollment, "contact_id": "con_enrolled_to"}],
            "messages": [{**clicked[0], "contact_id": "con_click_to"}]}  # fmt: skip
    for day, rows in ((early_day, early), (last_day, late)):
        for entity, entity_rows in rows.items():
            write_jsonl(landing / entity / day, "rows-move.jsonl", entity_rows)


def moved_rows(warehouse: str) -> dict[str, list[tuple]]:
    """Where the rows of rows_move_contact sit in a built warehouse."""
    queries = {
        "opted": "select contact_id, sum(opt_out_events), sum(leads) "
        "from marts.fct_messaging_contact_days where account_id = ? "
        "and (opt_out_events > 0 or leads > 0) group by contact_id order by contact_id",
        "violations": "select contact_id, message_id from marts.fct_compliance_violations "
        "where account_id = ? and rule = 'sent_after_opt_out' order by message_id",
        "reply_enrollment": "select coalesce(enrollment_id, 'none') "
        "from marts.fct_messages where account_id = ? and message_id = 'SMmovesreply'",
        "first_clicks": "select contact_id, click_id from marts.fct_link_clicks "
        "where account_id = ? and is_first_click_by_contact_for_link order by click_id",
        "unsubscribed": "select contact_id from marts.fct_send_recipients "
        "where account_id = ? and unsubscribed order by contact_id",
        "campaign_contacts": "select contact_id, is_enrolled, has_replied "
        "from marts.fct_campaign_contacts where account_id = ? order by contact_id",
    }
    return built_row_sets(warehouse, queries, [ACCOUNT])


def event_moves_message(landing: Path, early_day: str, last_day: str) -> None:
    """The 'delivered' callback of SMeventfrom, of an early day, is exported again on the last
    day for SMeventto: SMeventfrom's final status falls back to its 'sent' callback."""
    _account(landing, early_day)
    at = f"{early_day}T"
    messages = [_sent("SMeventfrom", "con_event_from", f"{at}09:00:00Z"),
                _sent("SMeventto", "con_event_to", f"{at}09:05:00Z")]  # fmt: skip
    events = [
        {"event_id": f"ev_{name}", "message_id": message, "status": status,
         "occurred_at": f"{at}{minute}Z", "attempt": 0}
        for name, message, status, minute in (
            ("from_sent", "SMeventfrom", "sent", "09:01:00"),
            ("moves", "SMeventfrom", "delivered", "09:08:00"),
            ("to_sent", "SMeventto", "sent", "09:06:00"),
        )
    ]  # fmt: skip
    write_jsonl(landing / "messages" / early_day, "event-moves.jsonl", messages)
    write_jsonl(landing / "message_events" / early_day, "event-moves.jsonl", events)
    moved = {**events[1], "message_id": "SMeventto"}
    write_jsonl(landing / "message_events" / last_day, "event-moves.jsonl", [moved])


def event_outcomes(warehouse: str) -> list[tuple]:
    query = (
        "select message_id, delivery_outcome from marts.fct_messages "
        "where message_id in ('SMeventfrom', 'SMeventto') order by message_id"
    )
    return built_rows(warehouse, query)
