"""Views of campaign sends and who may be sent to: the campaign box, the per-send report and the
suppression list."""

from orchestration.kpi_registry.definitions import (
    CAMPAIGNS,
    COUNT,
    DISTINCT,
    PER,
    RATE,
    STEPS,
    TEMPLATES,
    View,
    kpi,
    ratio,
)

# fmt: off
_BOX = "mart_campaign_box"
CAMPAIGN_BOX = View(
    "campaign-box", frozenset({CAMPAIGNS}), dated=False,
    kpis=(
        kpi("enrollments", "Enrollments", COUNT, f"{_BOX}.enrollments",
            "the N of \"x of N\" enrollments"),
        kpi("initials_sent", "Initials sent", COUNT, f"{_BOX}.initials_sent",
            "enrollments whose first step message was sent"),
        kpi("segments", "Segments", COUNT, f"{_BOX}.segments",
            "segments of outbound SMS (not MMS) in the campaign"),
        kpi("replies", "Replies", COUNT, f"{_BOX}.replies",
            "enrollments with >= 1 inbound reply, opted-out ones included"),
        ratio("reply_rate", "Reply % (campaign box)", RATE, "replies", "initials_sent",
              "reply_rate = replies / initials_sent", metric="campaign_box_reply_rate"),
        kpi("active_senders", "Active senders", COUNT, f"{_BOX}.active_senders",
            "assigned, not removed, user not deactivated"),
        ratio("enrollments_per_sender", "Senders : contacts", PER, "enrollments",
              "active_senders", "1 sender per floor(enrollments / active_senders)"),
        kpi("auto_opt_outs", "Auto opt-outs", COUNT, f"{_BOX}.auto_opt_outs",
            "enrollments opted out by a keyword or ai_filter opt_event in this campaign"),
        kpi("manual_opt_outs", "Manual opt-outs", COUNT, f"{_BOX}.manual_opt_outs",
            "enrollments opted out by a manual opt_event in this campaign"),
        kpi("total_opt_outs", "Total opt-outs", COUNT, f"{_BOX}.total_opt_outs",
            "auto + manual"),
    ),
)

_SR = "fct_send_recipients"
SEND_REPORT = View(
    "send-report", frozenset({CAMPAIGNS, TEMPLATES, STEPS}), dated=False,
    kpis=(
        kpi("sent_contacts", "Contacts sent to", DISTINCT, f"{_SR}.contact_id",
            "contacts sent to"),
        kpi("delivered_contacts", "Contacts delivered to", DISTINCT, f"{_SR}.contact_id",
            "contacts delivered to"),
        kpi("soft_bounced_contacts", "Soft-bounced contacts", DISTINCT, f"{_SR}.contact_id",
            "contacts whose message finally soft-bounced"),
        kpi("hard_bounced_contacts", "Hard-bounced contacts", DISTINCT, f"{_SR}.contact_id",
            "contacts whose message finally hard-bounced"),
        kpi("clicks", "Clicks", COUNT, f"{_SR}.clicks", "all link clicks"),
        kpi("unique_clickers", "Unique clickers", DISTINCT, f"{_SR}.contact_id",
            "contacts who clicked"),
        kpi("unsubscribed_contacts", "Unsubscribed contacts", DISTINCT, f"{_SR}.contact_id",
            "contacts who opted out attributed to this send"),
        kpi("credits", "Credits (send)", COUNT, f"{_SR}.credits", "credits the send used",
            unit="credits"),
    ),
    sections={
        "links": (
            kpi("clicks", "Clicks per link", COUNT, "mart_send_report_links.clicks",
                "links: clicks per tracked link", metric="link_clicks"),
            kpi("unique_clickers", "Unique clickers per link", COUNT,
                "mart_send_report_links.unique_clickers",
                "links: unique clickers per tracked link", metric="link_unique_clickers"),
        ),
    },
)

SUPPRESSIONS = View(
    "suppressions", frozenset(), dated=True,
    kpis=(
        kpi("suppressed_contacts", "Suppressed contacts", DISTINCT,
            "fct_suppressions.contact_id",
            "a contact whose messages hard-bounced 3 times is suppressed from that moment on"),
    ),
)
# fmt: on
