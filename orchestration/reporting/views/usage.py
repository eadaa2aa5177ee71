"""Account usage (kpi-spec "Account usage", Salesmsg-style): segments, calls, contacts and
credits per period, by member and by shared inbox."""

from __future__ import annotations

from typing import Any

from orchestration.kpi_registry.usage import USAGE
from orchestration.reporting.scope import Scope
from orchestration.reporting.sql import bucket_column, ints, one, rows, sums, whole
from orchestration.reporting.views.spend import TABLE as SPEND_TABLE
from orchestration.reporting.views.spend import spend_by_currency

# The additive usage counts of mart_account_usage_daily as the registry lists them (the rest
# are distinct contacts).
_USAGE_SUMS = tuple(k.key for k in USAGE.counts_of("mart_account_usage_daily"))
_SUMS = sums(USAGE.counts_of("mart_account_usage_daily"))
# Opted-in / opted-out contacts are distinct over the whole range (the daily mart is distinct
# per day only): count(distinct) over fct_opt_events, as its YAML says.
_OPTS = """
    count(distinct case when direction = 'opt_in' then contact_id end) as opted_in_contacts,
    count(distinct case when direction = 'opt_out' then contact_id end) as opted_out_contacts
"""


def build(s: Scope):
    w = s.where()
    kpis = ints(
        one(s.con, f"select {_SUMS} from marts.mart_account_usage_daily where {w.sql()}", w.params)
    )
    kpis.update(
        ints(
            one(
                s.con,
                f"select {_OPTS} from marts.fct_opt_events "
                f"where is_platform_recorded and {w.sql()}",
                w.params,
            )
        )
    )
    sections = {
        "by_member": _by_member(s),
        "by_shared_inbox": _by_shared_inbox(s),
        SPEND_TABLE: spend_by_currency(s.con, USAGE, w),
    }
    return kpis, _periods(s, w), sections


def _periods(s: Scope, w) -> list[dict[str, Any]]:
    periods = rows(
        s.con,
        f"""
        with usage as (
            select {bucket_column()} as period_start, {_SUMS}
            from marts.mart_account_usage_daily
            where {w.sql()}
            group by 1
        ),

        opts as (
            select {bucket_column()} as period_start, {_OPTS}
            from marts.fct_opt_events
            where is_platform_recorded and {w.sql()}
            group by 1
        )

        select
            coalesce(usage.period_start, opts.period_start) as period_start,
            {", ".join(f"coalesce(usage.{k}, 0) as {k}" for k in _USAGE_SUMS)},
            coalesce(opts.opted_in_contacts, 0) as opted_in_contacts,
            coalesce(opts.opted_out_contacts, 0) as opted_out_contacts
        from usage
        full outer join opts on usage.period_start = opts.period_start
        order by 1
        """,
        [s.bucket, *w.params, s.bucket, *w.params],
    )
    for row in periods:
        row.update(whole(row))
    return periods


def _by_member(s: Scope) -> list[dict[str, Any]]:
    """Usage per member (user): messaging and calls, whichever the member has."""
    wu = s.where(account_column="m.account_id", date_column="m.date_day")
    wc = s.where(account_column="c.account_id", date_column="c.date_day")
    by_member = rows(
        s.con,
        f"""
        with messaging as (
            -- user_id: the member the usage belongs to (mart_usage_daily), so received
            -- segments count for the owner of the member inbox they arrived in
            select
                m.user_id,
                sum(m.segments_total) as segments_total,
                sum(m.segments_sent) as segments_sent,
                sum(m.segments_received) as segments_received,
                sum(m.messages_sent) as messages_sent,
                sum(m.messages_received) as messages_received,
                sum(m.credits_used) as credits_used
            from marts.mart_usage_daily as m
            where m.user_id is not null and {wu.sql()}
            group by m.user_id
        ),

        calls as (
            select
                c.user_id,
                sum(c.calls_total) as calls_total,
                sum(c.calls_inbound) as calls_inbound,
                sum(c.calls_outbound) as calls_outbound
            from marts.mart_call_usage_daily as c
            where c.user_id is not null and {wc.sql()}
            group by c.user_id
        )

        select
            coalesce(messaging.user_id, calls.user_id) as user_id,
            users.full_name,
            coalesce(messaging.segments_total, 0) as segments_total,
            coalesce(messaging.segments_sent, 0) as segments_sent,
            coalesce(messaging.segments_received, 0) as segments_received,
            coalesce(messaging.messages_sent, 0) as messages_sent,
            coalesce(messaging.messages_received, 0) as messages_received,
            coalesce(messaging.credits_used, 0) as credits_used,
            coalesce(calls.calls_total, 0) as calls_total,
            coalesce(calls.calls_inbound, 0) as calls_inbound,
            coalesce(calls.calls_outbound, 0) as calls_outbound
        from messaging
        full outer join calls on messaging.user_id = calls.user_id
        left join marts.dim_users as users
            on coalesce(messaging.user_id, calls.user_id) = users.user_id
        order by segments_total desc, user_id
        """,
        [*wu.params, *wc.params],
    )
    for row in by_member:
        row.update(whole(row))
    return by_member


def _by_shared_inbox(s: Scope) -> list[dict[str, Any]]:
    wu = s.where(account_column="m.account_id", date_column="m.date_day")
    by_inbox = rows(
        s.con,
        f"""
        select
            m.inbox_id,
            max(i.inbox_name) as inbox_name,
            sum(m.segments_total) as segments_total,
            sum(m.segments_sent) as segments_sent,
            sum(m.segments_received) as segments_received,
            sum(m.credits_used) as credits_used
        from marts.mart_usage_daily as m
        left join marts.dim_inboxes as i on m.inbox_id = i.inbox_id
        where m.inbox_type = 'shared' and {wu.sql()}
        group by m.inbox_id
        order by segments_total desc, m.inbox_id
        """,
        wu.params,
    )
    for row in by_inbox:
        row.update(whole(row))
    return by_inbox
