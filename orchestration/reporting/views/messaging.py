"""The Reporting page's messaging view (kpi-spec "Messaging"): headline, per-period rows,
labels and the reply rate per step."""

from __future__ import annotations

from typing import Any

from orchestration.kpi_registry.messaging import MESSAGING
from orchestration.reporting.scope import Scope, reply_rate_selection
from orchestration.reporting.sql import bucket_column, ints, one, rows, sums, whole
from orchestration.reporting.views.spend import TABLE as SPEND_TABLE
from orchestration.reporting.views.spend import spend_by_currency

# The additive counts come from this mart as the registry lists them: a new count there (and
# its mart column) is in the headline and, when published per period, in the period rows.
_MART = "mart_messaging_kpis"
_PERIOD_COUNTS = MESSAGING.counts_of(_MART, per_period=True)
if any(k.ignores for k in _PERIOD_COUNTS):  # the period rows take every filter of the view
    raise ValueError("a per-period count of mart_messaging_kpis ignores a filter")


def build(s: Scope):
    counts = _headline(s)
    # Only the sections the caller reads: the per-step rows join every outbound message of
    # fct_messages, most of the view's time on a large warehouse.
    section_builders = {
        "labels": _labels,
        "reply_rate_by_step": _reply_rate_by_step,
        SPEND_TABLE: lambda s: spend_by_currency(
            s.con, MESSAGING, s.where_for(MESSAGING, "spend", SPEND_TABLE)
        ),
    }
    sections = {name: make(s) for name, make in section_builders.items() if s.wants(name)}
    periods = _periods(
        s,
        s.where_for(MESSAGING, "sms_sent"),
        s.where_for(MESSAGING, "median_response_seconds"),
    )
    return counts, periods, sections


def _headline(s: Scope) -> dict[str, Any]:
    """The headline: sums of the additive counts, distinct contacts, the reply-rate selection's
    counts and the median response time, each under the filters it honours; then the ratios."""
    con = s.con
    counts: dict[str, Any] = {}
    # The mart's additive counts, one query per set of filters they honour (the campaign
    # counter's rows carry no template: it ignores the template filter).
    groups: dict[frozenset[str], list] = {}
    for kpi in MESSAGING.counts_of(_MART):
        groups.setdefault(kpi.ignores, []).append(kpi)
    for group in groups.values():
        w = s.where_for(MESSAGING, group[0].key)
        counts.update(
            ints(one(con, f"select {sums(group)} from marts.{_MART} where {w.sql()}", w.params))
        )
    # Unique contacts over the whole range (rule 5): count(distinct) at contact x day grain.
    wd = s.where_for(MESSAGING, "contacts_reached")
    counts.update(
        ints(
            one(
                con,
                f"""
                select
                    count(distinct case when messages_sent > 0 then contact_id end)
                        as contacts_reached,
                    count(distinct case when opt_out_messages > 0 then contact_id end)
                        as opted_out_contacts,
                    count(distinct case when ai_filter_opt_outs > 0 then contact_id end)
                        as ai_filtered_contacts
                from marts.fct_messaging_contact_days
                where {wd.sql()}
                """,
                wd.params,
            )
        )
    )
    counts.update(reply_rate_counts(s))
    counts.update(_responses(s))
    return MESSAGING.derive(counts)


def _responses(s: Scope) -> dict[str, Any]:
    """Median response time and its sample; ignores the campaign and template filters."""
    wr = s.where_for(MESSAGING, "median_response_seconds")
    responses = one(
        s.con,
        f"""
        select
            median(response_seconds) filter (where is_answered) as median_response_seconds,
            count(*) filter (where is_answered) as responses_measured,
            count(*) filter (where not is_answered) as unanswered_streaks
        from marts.fct_responses
        where {wr.sql()}
        """,
        wr.params,
    )
    return {
        "median_response_seconds": (
            None
            if responses.get("median_response_seconds") is None
            else float(responses["median_response_seconds"])
        ),
        "responses_measured": int(responses.get("responses_measured") or 0),
        "unanswered_streaks": int(responses.get("unanswered_streaks") or 0),
    }


def _periods(s: Scope, w, wr) -> list[dict[str, Any]]:
    """Per day / week / month: the per-period counts, the median, and their rates."""
    periods = rows(
        s.con,
        f"""
        with kpis as (
            select {bucket_column()} as period_start, {sums(_PERIOD_COUNTS)}
            from marts.{_MART}
            where {w.sql()}
            group by 1
        ),

        responses as (
            select
                {bucket_column()} as period_start,
                median(response_seconds) filter (where is_answered) as median_response_seconds,
                count(*) filter (where is_answered) as responses_measured
            from marts.fct_responses
            where {wr.sql()}
            group by 1
        )

        select
            coalesce(kpis.period_start, responses.period_start) as period_start,
            {", ".join(f"coalesce(kpis.{k.key}, 0) as {k.key}" for k in _PERIOD_COUNTS)},
            responses.median_response_seconds,
            coalesce(responses.responses_measured, 0) as responses_measured
        from kpis
        full outer join responses on kpis.period_start = responses.period_start
        order by 1
        """,
        [s.bucket, *w.params, s.bucket, *wr.params],
    )
    for row in periods:
        row.update(whole(row))
        MESSAGING.derive(row, period_row=True)
        if row["median_response_seconds"] is not None:
            row["median_response_seconds"] = float(row["median_response_seconds"])
    return periods


def _labels(s: Scope) -> list[dict[str, Any]]:
    """Per label: contacts it was added to in range, and its share of all assignments."""
    wl = s.where_for(MESSAGING, "label_contacts", "labels")
    labels = rows(
        s.con,
        f"""
        with assigned as (
            select
                label_id,
                count(*) as label_assignments,
                count(distinct contact_id) as label_contacts
            from marts.fct_label_assignments
            where {wl.sql()}
            group by label_id
        )

        select
            coalesce(labels.label_name, assigned.label_id) as label,
            assigned.label_id,
            assigned.label_contacts,
            assigned.label_assignments
        from assigned
        left join marts.dim_labels as labels on assigned.label_id = labels.label_id
        order by assigned.label_contacts desc, label, assigned.label_id
        """,
        wl.params,
    )
    return MESSAGING.shares(labels, "labels")


def reply_rate_counts(s: Scope) -> dict[str, int]:
    """replied_contacts and enrolled_contacts over one selection (reply_rate_selection)."""
    selection, params = reply_rate_selection(s)
    row = one(
        s.con,
        f"""{selection}
        select
            (select count(*) from first_replies) as replied_contacts,
            (select count(distinct contact_id) from enrolled) as enrolled_contacts
        """,
        params,
    )
    return {
        "replied_contacts": int(row.get("replied_contacts") or 0),
        "enrolled_contacts": int(row.get("enrolled_contacts") or 0),
    }


def _reply_rate_by_step(s: Scope) -> list[dict[str, Any]]:
    """Per step: replied_contacts = contacts whose first reply (the headline's) is credited to
    the step, so the steps add up to the headline; step_contacts_sent = contacts of the
    selection sent the step (fct_messages, the chosen templates only; messages without a step,
    e.g. a sender's manual follow-up, are a row of their own, step_number null)."""
    selection, params = reply_rate_selection(s)
    sent_template = ""
    if s.template_ids:
        sent_template = "and list_contains(?, m.template_id)"
        params = [*params, s.template_ids]
    steps = rows(
        s.con,
        f"""{selection},

        replied as (
            select first_reply_step_number as step_number, count(*) as replied_contacts
            from first_replies
            group by 1
        ),

        sent as (
            select m.step_number, count(distinct m.contact_id) as step_contacts_sent
            from marts.fct_messages as m
            inner join enrolled as e
                on m.campaign_id = e.campaign_id and m.contact_id = e.contact_id
            where m.direction = 'outbound' and not m.is_canceled {sent_template}
            group by 1
        )

        select
            coalesce(replied.step_number, sent.step_number) as step_number,
            coalesce(replied.replied_contacts, 0) as replied_contacts,
            coalesce(sent.step_contacts_sent, 0) as step_contacts_sent
        from replied
        -- messages without a step are a row of their own (null = null never joins)
        full outer join sent on replied.step_number is not distinct from sent.step_number
        order by 1 nulls last
        """,
        params,
    )
    for row in steps:
        row.update(whole(row))
        MESSAGING.derive(row, "reply_rate_by_step")
    return steps
