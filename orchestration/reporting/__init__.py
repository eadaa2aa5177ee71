"""Reporting layer: the views of the Reporting page, campaign box, send report, usage, credits
and text conversations over the marts, as a Python API, CLI output and CSV / XLSX exports."""

from orchestration.reporting.api import (
    BUCKETS,
    KPI_KEYS,
    VIEWS,
    Report,
    ReportError,
    UnknownFilterValue,
    connect,
    rate,
    report,
)
from orchestration.reporting.dates import PRESETS, InvalidDateRange, resolve_range
from orchestration.reporting.exports import (
    CAMPAIGN_EXPORTS,
    CONTACT_LISTS,
    campaign_export,
    contact_list,
    export_campaign,
    export_contacts,
    export_report,
)

__all__ = [
    "BUCKETS",
    "CAMPAIGN_EXPORTS",
    "CONTACT_LISTS",
    "KPI_KEYS",
    "PRESETS",
    "VIEWS",
    "InvalidDateRange",
    "Report",
    "ReportError",
    "UnknownFilterValue",
    "campaign_export",
    "connect",
    "contact_list",
    "export_campaign",
    "export_contacts",
    "export_report",
    "rate",
    "report",
    "resolve_range",
]
