"""Text conversations (kpi-spec "Text conversations", CallRail-style): one contact with one
account on one local day; volume, frequency by hour, and one contact's timeline."""

from __future__ import annotations

from typing import Any

from orchestration.reporting.scope import Scope
from orchestration.reporting.sql import Where, bucket_column, ints, one, rows, whole


def _conversation_where(s: Scope, prefix: str) -> Where:
    w = s.where(account_column=f"{prefix}account_id", date_column=f"{prefix}date_day")
    if s.tracker is not None:
        w.add(
            f"{prefix}conversation_id in (select conversation_id "
            "from marts.bdg_text_conversation_trackers where phone_number_id = ?)",
            s.tracker,
        )
    if s.contact_id is not None:
        w.add(f"{prefix}contact_id = ?", s.contact_id)
    return w


def build(s: Scope):
    w = _conversation_where(s, "t.")
    kpis = ints(
        one(
            s.con,
            f"""
            select
                count(*) as conversations,
                sum(t.total_messages) as conversation_messages,
                sum(t.inbound_messages) as conversation_inbound_messages,
                sum(t.outbound_messages) as conversation_outbound_messages
            from marts.fct_text_conversations as t
            where {w.sql()}
            """,
            w.params,
        )
    )
    found = rows(
        s.con,
        f"""
        select
            t.conversation_id, t.account_id, t.contact_id, t.date_day,
            t.first_message_at, t.last_message_at,
            t.inbound_messages, t.outbound_messages, t.total_messages,
            t.last_phone_number_id, t.number_name_phone_number_id,
            p.friendly_name as number_name, t.phone_numbers_used
        from marts.fct_text_conversations as t
        left join marts.dim_phone_numbers as p
            on t.number_name_phone_number_id = p.phone_number_id
        where {w.sql()}
        order by t.first_message_at desc, t.conversation_id
        """,
        w.params,
    )
    sections = {"volume": _volume(s, w), "frequency_by_hour": _by_hour(s, w)}
    if s.contact_id is not None:
        sections["timeline"] = _timeline(s)
    return kpis, found, sections


def _volume(s: Scope, w: Where) -> list[dict[str, Any]]:
    volume = rows(
        s.con,
        f"""
        select
            {bucket_column("t.date_day")} as period_start,
            count(*) as conversations,
            sum(t.total_messages) as conversation_messages,
            sum(t.inbound_messages) as conversation_inbound_messages,
            sum(t.outbound_messages) as conversation_outbound_messages
        from marts.fct_text_conversations as t
        where {w.sql()}
        group by 1
        order by 1
        """,
        [s.bucket, *w.params],
    )
    for row in volume:
        row.update(whole(row))
    return volume


def _by_hour(s: Scope, w: Where) -> list[dict[str, Any]]:
    """Frequency by local hour, customer vs agent, over the messages of the filtered
    conversations (canceled outbound messages are part of no conversation)."""
    hourly = rows(
        s.con,
        f"""
        with conversations as (
            select t.account_id, t.contact_id, t.date_day
            from marts.fct_text_conversations as t
            where {w.sql()}
        ),

        by_hour as (
            select
                m.hour_of_day,
                count(*) filter (where m.direction = 'inbound') as customer_messages,
                count(*) filter (where m.direction = 'outbound') as agent_messages
            from marts.fct_messages as m
            inner join conversations as c
                on m.account_id = c.account_id
                and m.contact_id = c.contact_id
                and m.date_day = c.date_day
            where not m.is_canceled
            group by m.hour_of_day
        )

        select
            hours.hour_of_day,
            coalesce(by_hour.customer_messages, 0) as customer_messages,
            coalesce(by_hour.agent_messages, 0) as agent_messages
        from range(24) as hours (hour_of_day)
        left join by_hour on hours.hour_of_day = by_hour.hour_of_day
        order by hours.hour_of_day
        """,
        w.params,
    )
    for row in hourly:
        row.update(whole(row))
    return hourly


def _timeline(s: Scope) -> list[dict[str, Any]]:
    """The contact's whole timeline (calls and text conversations, every day)."""
    wt = s.where(date_column=None).add("contact_id = ?", s.contact_id)
    return [
        whole(row)
        for row in rows(
            s.con,
            f"""
            select
                timeline_position, event_type, event_id, account_id, date_day,
                event_started_at, event_ended_at, phone_number_id, direction, user_id,
                campaign_id, inbound_messages, outbound_messages, total_messages,
                is_answered, talk_seconds, call_outcome, call_status
            from marts.fct_contact_timeline
            where {wt.sql()}
            order by account_id, timeline_position
            """,
            wt.params,
        )
    ]
