"""The KPI registry: every KPI key of every report view, defined once.

An entry says what a key is (label, kind), where it comes from (the mart column or the finest
fact grain it is counted on), which of its view's filters it honours, which semantic metric
publishes it, and the kpi-spec line it implements. A rate, mean, share or "per" ratio names its
numerator and denominator keys and is computed here, by ``derive`` / ``rate``, from them: the
reporting API, its exports, the executive report, the formula checks and the tests all read
this module, and ``orchestration_tests/test_kpi_registry.py`` fails when a mart column or a
semantic metric disagrees with it (``test_reporting.py``: when an API JSON key does).

Why a Python module, not a YAML file: every reader is Python, the entries are typed and checked
when the module loads (a rate naming an unregistered key fails at import), and no loader layer
sits between the definition and its readers. The semantic layer is YAML that dbt must parse on
its own, so it cannot read this file; the agreement test holds it to it instead.

Adding a KPI: an entry here, the mart column (with its dbt unit test worked from the spec), the
semantic measure and metric; the tests name whatever is missing. The reference implementation
(``orchestration/reference/``) does NOT read this module: it is the independent check.

The entries are one long table on purpose (a few hundred lines of data, no logic): one place to
read every definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Kinds: how a key's value comes about over the filtered rows.
COUNT = "count"  # sum of an additive mart column
DISTINCT = "distinct count"  # count(distinct ...) at the finest fact grain (kpi-spec rule 5)
MEDIAN = "median"  # median over the fact grain
RATE = "rate"  # numerator / denominator, a fraction 0..1, null when the denominator is 0
MEAN = "mean"  # numerator (a total) / denominator (a count), in the numerator's unit
SHARE = "share"  # a row's numerator / the same key summed over every row of its table
PER = "per"  # floor(numerator / denominator): the campaign box's "1 sender : n contacts"
KINDS = (COUNT, DISTINCT, MEDIAN, RATE, MEAN, SHARE, PER)
RATIOS = (RATE, MEAN, SHARE, PER)  # computed here from two keys, never read from a mart

# How a key compares with the reference implementation (the formula checks, Kpi.tolerance):
# whole counts exactly; sums of fractional seconds or credits, and whatever divides or
# interpolates, within a relative FLOAT_TOLERANCE (the order of float additions differs).
FLOAT_TOLERANCE = 1e-9

# Filters a view may take (the account and, for dated views, the date range apply to every key
# unless the key ignores them).
DATE_RANGE = "date_range"
CAMPAIGNS = "campaign_ids"
TEMPLATES = "template_ids"
STEPS = "step_numbers"
TRACKER = "tracker"
CONTACT = "contact_id"


@dataclass(frozen=True)
class Kpi:
    """One KPI key of one view (or one section table of a view).

    source: ``table.column`` of the marts: for a COUNT the additive mart column summed, for a
    DISTINCT / MEDIAN the fact grain and the column counted or ranked; none for a ratio.
    metric: the semantic-layer metric (models/semantic/), when it is not named as the key; None
    for a key MetricFlow has no metric for (shares: a group over the ungrouped total).
    """

    key: str
    label: str
    kind: str
    spec: str  # the kpi-spec line it implements
    source: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    ignores: frozenset[str] = frozenset()
    per_period: bool = False  # also a column of the view's per-period rows
    unit: str = "count"  # count | fraction | seconds | credits
    metric: str | None = ""  # "" = the key itself

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: unknown kind {self.kind!r}")
        if (self.kind in RATIOS) != bool(self.numerator and self.denominator):
            raise ValueError(f"{self.key}: a {self.kind} has a numerator and denominator iff ratio")
        if (self.kind in RATIOS) == bool(self.source):
            raise ValueError(f"{self.key}: a ratio has no source, every other kind one")
        if self.metric == "":
            object.__setattr__(self, "metric", self.key)

    @property
    def tolerance(self) -> float:
        whole = self.kind in (DISTINCT, PER) or (self.kind == COUNT and self.unit == "count")
        return 0.0 if whole else FLOAT_TOLERANCE

    @property
    def table(self) -> str | None:
        return self.source.split(".")[0] if self.source else None

    @property
    def column(self) -> str | None:
        return self.source.split(".")[1] if self.source else None


@dataclass(frozen=True)
class View:
    """A report view: its filters, its headline KPIs in display order, its section tables."""

    name: str
    filters: frozenset[str]
    dated: bool  # False: "as of now", the date range does not apply
    kpis: tuple[Kpi, ...]
    sections: dict[str, tuple[Kpi, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for table, entries in {"kpis": self.kpis, **self.sections}.items():
            keys = [k.key for k in entries]
            if len(keys) != len(set(keys)):
                raise ValueError(f"{self.name}.{table}: a key is registered twice")
            for kpi in entries:
                for part in (kpi.numerator, kpi.denominator):
                    if part is not None and part not in keys:
                        raise ValueError(f"{self.name}.{table}.{kpi.key}: {part} not registered")
                stray = kpi.ignores - self.filters - {DATE_RANGE}
                if stray:
                    raise ValueError(f"{self.name}.{kpi.key} ignores filters it never takes")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k.key for k in self.kpis)

    def kpi(self, key: str, table: str = "kpis") -> Kpi:
        entries = self.kpis if table == "kpis" else self.sections[table]
        for kpi in entries:
            if kpi.key == key:
                return kpi
        raise KeyError(f"{self.name}.{table} has no KPI {key!r}")

    def counts_of(self, mart: str, per_period: bool = False) -> tuple[Kpi, ...]:
        """The view's headline COUNT keys summed from one mart (those published per period)."""
        return tuple(
            k
            for k in self.kpis
            if k.kind == COUNT and k.table == mart and (k.per_period or not per_period)
        )

    def honours(self, key: str, table: str = "kpis") -> frozenset[str]:
        """The filters the key applies: the view's (and its date range) minus those it ignores."""
        taken = self.filters | ({DATE_RANGE} if self.dated else set())
        return frozenset(taken - self.kpi(key, table).ignores)

    def derive(
        self, values: dict[str, Any], table: str = "kpis", period_row: bool = False
    ) -> dict[str, Any]:
        """Fill in, in place, every ratio key of ``table`` (rates, means, "per") from its
        numerator and denominator in ``values``; for a per-period row only the ratios
        published per period."""
        entries = self.kpis if table == "kpis" else self.sections[table]
        for kpi in entries:
            if period_row and not kpi.per_period:
                continue
            if kpi.kind in (RATE, MEAN) and kpi.numerator in values and kpi.denominator in values:
                values[kpi.key] = rate(values[kpi.numerator], values[kpi.denominator])
            elif kpi.kind == PER and kpi.numerator in values and kpi.denominator in values:
                values[kpi.key] = per(values[kpi.numerator], values[kpi.denominator])
        return values

    def shares(self, rows: list[dict[str, Any]], table: str) -> list[dict[str, Any]]:
        """Each row's SHARE keys: its numerator over the numerator summed over every row."""
        for kpi in self.sections[table]:
            if kpi.kind == SHARE:
                total = sum(row[kpi.numerator] or 0 for row in rows)
                for row in rows:
                    row[kpi.key] = rate(row[kpi.numerator], total)
        return rows


def rate(numerator: Any, denominator: Any) -> float | None:
    """numerator / denominator, null when the denominator is 0 or null (kpi-spec rule 3)."""
    if not denominator:
        return None
    return float(numerator or 0) / float(denominator)


def per(numerator: Any, denominator: Any) -> int | None:
    """floor(numerator / denominator), null without a denominator (kpi-spec Campaign box)."""
    if not denominator:
        return None
    return int(numerator or 0) // int(denominator)


def _kpi(key, label, kind, source, spec, **options) -> Kpi:
    return Kpi(key=key, label=label, kind=kind, source=source, spec=spec, **options)


def _ratio(key, label, kind, numerator, denominator, spec, **options) -> Kpi:
    unit = options.pop("unit", "fraction" if kind in (RATE, SHARE) else "count")
    return Kpi(key=key, label=label, kind=kind, numerator=numerator, denominator=denominator,
               spec=spec, unit=unit, **options)  # fmt: skip


_RESPONSE_FILTERS = frozenset({CAMPAIGNS, TEMPLATES})  # contacts' conversations, not campaigns
_MK = "mart_messaging_kpis"
_CD = "fct_messaging_contact_days"
_CC = "fct_campaign_contacts"

# fmt: off
MESSAGING = View(
    "messaging", frozenset({CAMPAIGNS, TEMPLATES}), dated=True,
    kpis=(
        _kpi("campaigns_created", "Campaigns created", COUNT, f"{_MK}.campaigns_created",
             "Campaign counter: campaigns with created_at in range",
             ignores=frozenset({TEMPLATES})),
        _kpi("standard_campaigns_created", "Standard campaigns created", COUNT,
             f"{_MK}.standard_campaigns_created", "Campaign counter, split standard",
             ignores=frozenset({TEMPLATES})),
        _kpi("keyword_campaigns_created", "Keyword campaigns created", COUNT,
             f"{_MK}.keyword_campaigns_created", "Campaign counter, split keyword",
             ignores=frozenset({TEMPLATES})),
        _kpi("sms_sent", "SMS sent", COUNT, f"{_MK}.sms_sent",
             "outbound messages created in range, MMS included; canceled excluded",
             per_period=True),
        _kpi("sms_segments_sent", "SMS segments sent", COUNT, f"{_MK}.sms_segments_sent",
             "sum of segments of outbound non-MMS messages in range", per_period=True),
        _kpi("carrier_blocked_messages", "Carrier-blocked messages", COUNT,
             f"{_MK}.carrier_blocked_messages", "carrier_blocked outbound campaign messages",
             per_period=True),
        _kpi("campaign_messages_sent", "Campaign messages sent", COUNT,
             f"{_MK}.campaign_messages_sent", "outbound campaign messages, in range",
             per_period=True),
        _ratio("carrier_block_rate", "Carrier block rate", RATE, "carrier_blocked_messages",
               "campaign_messages_sent",
               "carrier_block_rate = carrier_blocked_messages / campaign_messages_sent",
               per_period=True),
        _kpi("replies_received", "Replies received", COUNT, f"{_MK}.replies_received",
             "inbound messages in range attributed to the selected campaigns/templates",
             per_period=True),
        _kpi("delivered_first_messages", "Delivered first messages", COUNT,
             f"{_MK}.delivered_first_messages",
             "delivered first outbound message of each campaign enrollment", per_period=True),
        _kpi("first_messages_sent", "First messages sent", COUNT, f"{_MK}.first_messages_sent",
             "first outbound message of each campaign enrollment created in range",
             per_period=True),
        _ratio("delivery_rate", "Delivery rate", RATE, "delivered_first_messages",
               "first_messages_sent",
               "delivery_rate = delivered_first_messages / first_messages_sent", per_period=True),
        _kpi("opt_out_messages", "Opt-out messages", COUNT, f"{_MK}.opt_out_messages",
             "inbound keyword opt-outs + opt-out-language messages in range", per_period=True),
        _ratio("opt_out_rate", "Opt-out rate", RATE, "opt_out_messages", "sms_sent",
               "opt_out_rate = opt_out_messages / sms_sent", per_period=True),
        _kpi("opted_out_contacts", "Opted-out contacts", DISTINCT, f"{_CD}.contact_id",
             "unique contacts who opted out in range"),
        _kpi("contacts_reached", "Contacts", DISTINCT, f"{_CD}.contact_id",
             "unique contacts with >= 1 outbound message in range"),
        _ratio("opt_out_rate_contacts", "Opt-out rate (prose variant)", RATE,
               "opted_out_contacts", "contacts_reached",
               "opt_out_rate_contacts = opted_out_contacts / contacts_reached"),
        _kpi("ai_filtered_contacts", "AI-filtered contacts", DISTINCT, f"{_CD}.contact_id",
             "unique contacts with an ai_filter opt_event in range"),
        _ratio("ai_filtering_rate", "AI filtering rate", RATE, "ai_filtered_contacts",
               "contacts_reached", "ai_filtering_rate = ai_filtered_contacts / contacts_reached"),
        _kpi("replied_contacts", "Replied contacts", DISTINCT, f"{_CC}.contact_id",
             "contacts whose first reply to a selected campaign falls in range"),
        _kpi("enrolled_contacts", "Enrolled contacts", DISTINCT, f"{_CC}.contact_id",
             "contacts enrolled in the selected campaigns (and sent the selected templates)"),
        _ratio("reply_rate", "Reply rate", RATE, "replied_contacts", "enrolled_contacts",
               "reply_rate = replied_contacts / enrolled_contacts, one selection both sides"),
        _kpi("median_response_seconds", "Median response time", MEDIAN,
             "fct_responses.response_seconds",
             "median time from an unanswered streak's first inbound message to the next "
             "manual outbound message", ignores=_RESPONSE_FILTERS, per_period=True,
             unit="seconds"),
        _kpi("responses_measured", "Responses measured", COUNT,
             "fct_responses.response_seconds", "streaks answered (the median's sample)",
             ignores=_RESPONSE_FILTERS, per_period=True),
        _kpi("unanswered_streaks", "Unanswered streaks", COUNT,
             "fct_responses.streak_start_message_id",
             "streaks never answered: counted in unanswered_streaks, not in the median",
             ignores=_RESPONSE_FILTERS),
        _kpi("leads", "SMS leads", COUNT, f"{_MK}.leads",
             "leads created in range with channel sms attributed to the selected campaigns",
             per_period=True),
        _ratio("sms_to_lead_rate", "SMS to lead conversion", RATE, "leads", "sms_sent",
               "sms_to_lead_rate = leads / sms_sent"),
        _kpi("delivered_messages", "Delivered messages", COUNT, f"{_MK}.delivered_messages",
             "outbound messages delivered (the prose variant's denominator)"),
        _ratio("sms_to_lead_rate_delivered", "SMS to lead conversion (prose variant)", RATE,
               "leads", "delivered_messages",
               "sms_to_lead_rate_delivered = leads / delivered_messages"),
        _ratio("contact_to_lead_rate", "Contact to lead conversion", RATE, "leads",
               "contacts_reached", "contact_to_lead_rate = leads / contacts_reached"),
    ),
    sections={
        "labels": (
            _kpi("label_contacts", "Label contacts", DISTINCT, "fct_label_assignments.contact_id",
                 "per label: contacts with the label added in range",
                 ignores=_RESPONSE_FILTERS),
            _kpi("label_assignments", "Label assignments", COUNT,
                 "fct_label_assignments.label_assignment_id",
                 "label assignments in range (label_share's parts)", ignores=_RESPONSE_FILTERS),
            _ratio("label_share", "Label share", SHARE, "label_assignments", "label_assignments",
                   "its share of all label assignments in range", ignores=_RESPONSE_FILTERS,
                   metric=None),
        ),
        # No metric: MetricFlow's step_* metrics count per campaign x step
        # (mart_messaging_kpis_by_step), not over the headline's reply-rate selection.
        "reply_rate_by_step": (
            _kpi("replied_contacts", "Step replied contacts", DISTINCT, f"{_CC}.contact_id",
                 "reply rate per step: a contact counts once, at the step of its first reply",
                 metric=None),
            _kpi("step_contacts_sent", "Step contacts sent", DISTINCT, "fct_messages.contact_id",
                 "contacts of the selection sent the step", metric=None),
            _ratio("reply_rate", "Reply rate per step", RATE, "replied_contacts",
                   "step_contacts_sent", "reply_rate, also published per step", metric=None),
        ),
    },
)

_CK = "mart_calling_kpis"
CALLING = View(
    "calling", frozenset({CAMPAIGNS}), dated=True,
    kpis=(
        _kpi("calls_dialed", "Total calls dialed", COUNT, f"{_CK}.calls_dialed",
             "outbound calls started in range", per_period=True),
        _kpi("calls_answered", "Total calls answered", COUNT, f"{_CK}.calls_answered",
             "outbound calls with answered_at set", per_period=True),
        _kpi("calls_answered_by_machine", "Calls answered by machine", COUNT,
             f"{_CK}.calls_answered_by_machine", "answered_by machine, published separately",
             per_period=True),
        _kpi("conversations", "Conversations (calls)", COUNT, f"{_CK}.conversations",
             "answered outbound calls whose talk time is > conversation_min_seconds",
             per_period=True),
        _ratio("response_rate", "Call response rate", RATE, "calls_answered", "calls_dialed",
               "response_rate = calls_answered / calls_dialed", per_period=True),
        _kpi("talk_seconds_answered", "Talk seconds (answered)", COUNT,
             f"{_CK}.talk_seconds_answered", "talk time of answered calls whose talk time is known",
             per_period=True, unit="seconds"),
        _kpi("calls_with_talk_time", "Answered calls with a known talk time", COUNT,
             f"{_CK}.calls_with_talk_time", "answered outbound calls with ended_at set",
             per_period=True),
        _ratio("average_call_seconds", "Average call time", MEAN, "talk_seconds_answered",
               "calls_with_talk_time", "average_call_seconds: mean talk time of answered calls "
               "whose talk time is known", per_period=True, unit="seconds"),
        _ratio("conversation_rate", "Conversation rate", RATE, "conversations",
               "calls_answered", "conversation_rate = conversations / calls_answered",
               per_period=True),
        _ratio("conversation_rate_dialed", "Conversation rate (prose variant)", RATE,
               "conversations", "calls_dialed", "conversation_rate_dialed = conversations / "
               "calls_dialed", per_period=True),
        _kpi("call_leads", "Call leads", COUNT, f"{_CK}.call_leads",
             "leads with channel call created in range", per_period=True),
        _kpi("deals_closed", "Deals closed", COUNT, f"{_CK}.deals_closed",
             "deals closed in range whose lead came from a call", per_period=True),
        _ratio("call_to_lead_rate", "Call to lead conversion", RATE, "call_leads",
               "calls_dialed", "call_to_lead_rate = call_leads / calls_dialed", per_period=True),
        _ratio("lead_to_deal_rate", "Lead to deal conversion", RATE, "deals_closed",
               "call_leads", "lead_to_deal_rate = deals_closed / call_leads (can exceed 1)",
               per_period=True),
        _kpi("deals_closed_cohort", "Deals closed from the range's leads", COUNT,
             f"{_CK}.deals_closed_cohort", "deals ever closed from leads created in range",
             per_period=True),
        _ratio("lead_to_deal_rate_cohort", "Lead to deal conversion (cohort)", RATE,
               "deals_closed_cohort", "call_leads",
               "lead_to_deal_rate_cohort = deals ever closed from leads created in range / "
               "leads created in range", per_period=True),
    ),
    sections={
        "call_outcomes": (
            _kpi("outcome_calls", "Calls by outcome", COUNT, "mart_call_outcomes.outcome_calls",
                 "per outcome: calls with that outcome"),
            _ratio("outcome_share", "Outcome share", SHARE, "outcome_calls", "outcome_calls",
                   "its share of all calls with an outcome", metric=None),
        ),
    },
)

_BOX = "mart_campaign_box"
CAMPAIGN_BOX = View(
    "campaign-box", frozenset({CAMPAIGNS}), dated=False,
    kpis=(
        _kpi("enrollments", "Enrollments", COUNT, f"{_BOX}.enrollments",
             "the N of \"x of N\" enrollments"),
        _kpi("initials_sent", "Initials sent", COUNT, f"{_BOX}.initials_sent",
             "enrollments whose first step message was sent"),
        _kpi("segments", "Segments", COUNT, f"{_BOX}.segments",
             "segments of outbound SMS (not MMS) in the campaign"),
        _kpi("replies", "Replies", COUNT, f"{_BOX}.replies",
             "enrollments with >= 1 inbound reply, opted-out ones included"),
        _ratio("reply_rate", "Reply % (campaign box)", RATE, "replies", "initials_sent",
               "reply_rate = replies / initials_sent", metric="campaign_box_reply_rate"),
        _kpi("active_senders", "Active senders", COUNT, f"{_BOX}.active_senders",
             "assigned, not removed, user not deactivated"),
        _ratio("enrollments_per_sender", "Senders : contacts", PER, "enrollments",
               "active_senders", "1 sender per floor(enrollments / active_senders)"),
        _kpi("auto_opt_outs", "Auto opt-outs", COUNT, f"{_BOX}.auto_opt_outs",
             "enrollments opted out by a keyword or ai_filter opt_event in this campaign"),
        _kpi("manual_opt_outs", "Manual opt-outs", COUNT, f"{_BOX}.manual_opt_outs",
             "enrollments opted out by a manual opt_event in this campaign"),
        _kpi("total_opt_outs", "Total opt-outs", COUNT, f"{_BOX}.total_opt_outs",
             "auto + manual"),
    ),
)

_SR = "fct_send_recipients"
SEND_REPORT = View(
    "send-report", frozenset({CAMPAIGNS, TEMPLATES, STEPS}), dated=False,
    kpis=(
        _kpi("sent_contacts", "Contacts sent to", DISTINCT, f"{_SR}.contact_id",
             "contacts sent to"),
        _kpi("delivered_contacts", "Contacts delivered to", DISTINCT, f"{_SR}.contact_id",
             "contacts delivered to"),
        _kpi("soft_bounced_contacts", "Soft-bounced contacts", DISTINCT, f"{_SR}.contact_id",
             "contacts whose message finally soft-bounced"),
        _kpi("hard_bounced_contacts", "Hard-bounced contacts", DISTINCT, f"{_SR}.contact_id",
             "contacts whose message finally hard-bounced"),
        _kpi("clicks", "Clicks", COUNT, f"{_SR}.clicks", "all link clicks"),
        _kpi("unique_clickers", "Unique clickers", DISTINCT, f"{_SR}.contact_id",
             "contacts who clicked"),
        _kpi("unsubscribed_contacts", "Unsubscribed contacts", DISTINCT, f"{_SR}.contact_id",
             "contacts who opted out attributed to this send"),
        _kpi("credits", "Credits (send)", COUNT, f"{_SR}.credits", "credits the send used",
             unit="credits"),
    ),
    sections={
        "links": (
            _kpi("clicks", "Clicks per link", COUNT, "mart_send_report_links.clicks",
                 "links: clicks per tracked link", metric="link_clicks"),
            _kpi("unique_clickers", "Unique clickers per link", COUNT,
                 "mart_send_report_links.unique_clickers",
                 "links: unique clickers per tracked link", metric="link_unique_clickers"),
        ),
    },
)

_AU = "mart_account_usage_daily"
_OPT = "fct_opt_events"
USAGE = View(
    "usage", frozenset(), dated=True,
    kpis=(
        _kpi("segments_total", "Total segments", COUNT, f"{_AU}.segments_total",
             "total segments (sent + received)", per_period=True),
        _kpi("segments_sent", "Segments sent", COUNT, f"{_AU}.segments_sent",
             "segments, outbound only", per_period=True),
        _kpi("segments_received", "Segments received", COUNT, f"{_AU}.segments_received",
             "segments, inbound only", per_period=True),
        _kpi("calls_total", "Total calls", COUNT, f"{_AU}.calls_total", "all calls",
             per_period=True),
        _kpi("calls_inbound", "Calls received", COUNT, f"{_AU}.calls_inbound", "received calls",
             per_period=True),
        _kpi("calls_outbound", "Calls made", COUNT, f"{_AU}.calls_outbound", "made calls",
             per_period=True),
        _kpi("calls_forwarded", "Calls forwarded", COUNT, f"{_AU}.calls_forwarded",
             "inbound calls forwarded to another number", per_period=True),
        _kpi("new_contacts", "New contacts", COUNT, f"{_AU}.new_contacts", "contacts created",
             per_period=True),
        _kpi("opted_in_contacts", "Opted-in contacts", DISTINCT, f"{_OPT}.contact_id",
             "contacts that opted in, in range", per_period=True),
        _kpi("opted_out_contacts", "Opted-out contacts (account usage)", DISTINCT,
             f"{_OPT}.contact_id", "contacts that opted out, in range", per_period=True,
             metric="usage_opted_out_contacts"),
        _kpi("credits_used", "Credits used (by day)", COUNT, f"{_AU}.credits_used",
             "credits used, in range", per_period=True, unit="credits",
             metric="daily_credits_used"),
    ),
)

_CB = "mart_credits_by_billing_period"
CREDITS = View(
    "credits", frozenset(), dated=True,
    kpis=(
        _kpi("credits_used", "Credits used", COUNT, f"{_CB}.credits_used",
             "per billing period: credits used", unit="credits"),
        _kpi("credit_allowance", "Credit allowance", COUNT, f"{_CB}.credit_allowance",
             "per billing period: the allowance", unit="credits"),
        _kpi("credits_remaining", "Credits remaining", COUNT, f"{_CB}.credits_remaining",
             "per billing period: what is left", unit="credits"),
        _kpi("credits_projected", "Credits projected", COUNT, f"{_CB}.credits_projected",
             "projected use at period end from the burn rate so far", unit="credits"),
    ),
)

_TC = "fct_text_conversations"
CONVERSATIONS = View(
    "conversations", frozenset({TRACKER, CONTACT}), dated=True,
    kpis=(
        _kpi("conversations", "Text conversations", COUNT, f"{_TC}.conversation_id",
             "one contact with one account on one local calendar day", per_period=True,
             metric="text_conversations"),
        _kpi("conversation_messages", "Conversation messages", COUNT, f"{_TC}.total_messages",
             "total messages (the day's whole conversation)", per_period=True),
        _kpi("conversation_inbound_messages", "Conversation inbound messages", COUNT,
             f"{_TC}.inbound_messages", "inbound counts", per_period=True),
        _kpi("conversation_outbound_messages", "Conversation outbound messages", COUNT,
             f"{_TC}.outbound_messages", "outbound counts", per_period=True),
    ),
    sections={
        "frequency_by_hour": (
            _kpi("customer_messages", "Customer messages by hour", COUNT,
                 "fct_messages.message_id",
                 "message frequency by hour of day, customer", metric="hourly_messages"),
            _kpi("agent_messages", "Agent messages by hour", COUNT,
                 "fct_messages.message_id", "message frequency by hour of day, agent",
                 metric="hourly_messages"),
        ),
    },
)

SUPPRESSIONS = View(
    "suppressions", frozenset(), dated=True,
    kpis=(
        _kpi("suppressed_contacts", "Suppressed contacts", DISTINCT,
             "fct_suppressions.contact_id",
             "a contact whose messages hard-bounced 3 times is suppressed from that moment on"),
    ),
)
_CV = "fct_compliance_violations"
COMPLIANCE = View(
    "compliance", frozenset(), dated=True,
    kpis=(
        _kpi("compliance_violations", "Compliance violations", DISTINCT, f"{_CV}.violation_id",
             "compliance audit: messages sent against a rule, one per message and rule"),
        _kpi("violations_after_opt_out", "Sent after an opt-out", DISTINCT,
             f"{_CV}.violation_id",
             "sent to a contact whose latest opt event with the account was an opt-out"),
        _kpi("violations_in_quiet_hours", "Sent in quiet hours", DISTINCT,
             f"{_CV}.violation_id", "sent 21:00-08:00 in the recipient's local time"),
        _kpi("violations_to_suppressed_contacts", "Sent to suppressed contacts", DISTINCT,
             f"{_CV}.violation_id", "sent to a contact on the 3-hard-bounce suppression list"),
    ),
)

_CBA = "mart_carrier_block_anomalies"
CARRIER_BLOCK_ANOMALIES = View(
    "carrier-block-anomalies", frozenset(), dated=False,
    kpis=(
        _kpi("flagged_templates", "Templates flagged", DISTINCT, f"{_CBA}.anomaly_check_id",
             "templates whose carrier-block rate on the last day is far above their baseline"),
        _kpi("flagged_tracking_numbers", "Tracking numbers flagged", DISTINCT,
             f"{_CBA}.anomaly_check_id",
             "numbers whose carrier-block rate on the last day is far above their baseline"),
    ),
)
# fmt: on

REGISTRY: dict[str, View] = {
    v.name: v
    for v in (
        MESSAGING, CALLING, CAMPAIGN_BOX, SEND_REPORT, USAGE, CREDITS, CONVERSATIONS, SUPPRESSIONS,
        COMPLIANCE, CARRIER_BLOCK_ANOMALIES,
    )
}  # fmt: skip
VIEWS = tuple(REGISTRY)


def is_fraction(view_name: str, key: str) -> bool:
    """Whether a column of a view's tables is a fraction (shown as a percent)."""
    v = REGISTRY[view_name]
    return any(
        kpi.key == key and kpi.unit == "fraction"
        for entries in (v.kpis, *v.sections.values())
        for kpi in entries
    )
