"""CSV and XLSX exports of every reporting view and of the contact lists behind the send report."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from orchestration.reporting.api import Report, report
from orchestration.reporting.source import ReportError, connect

# The send report's contact lists (kpi-spec "SMS send report"): name -> fct_send_recipients
# condition. Fixed SQL chosen by name; no user value is ever part of the SQL.
CONTACT_LISTS = {
    "sent": "true",
    "delivered": "was_delivered",
    "clicked": "clicked",
    "bounced": "(is_soft_bounced or is_hard_bounced)",
    "soft_bounced": "is_soft_bounced",
    "hard_bounced": "is_hard_bounced",
    "unsubscribed": "unsubscribed",
    "re_engagement": "is_re_engagement_audience",
}
CONTACT_COLUMNS = (
    "contact_id", "account_id", "phone", "first_name", "last_name", "email",
    "campaign_ids", "step_numbers", "first_sent_at",
)  # fmt: skip
FORMATS = (".csv", ".xlsx")


def contact_list(
    list_name: str,
    warehouse: str | os.PathLike | None = None,
    account_id: str | None = None,
    include_sub_accounts: bool = False,
    campaign_ids: str | Iterable[str] | None = None,
    template_ids: str | Iterable[str] | None = None,
    step_numbers: int | Iterable[int] | None = None,
    con=None,
) -> list[dict[str, Any]]:
    """The contacts behind a send-report number, one row per contact (with phone, name, email).

    list_name: sent, delivered, clicked, bounced (soft or hard), soft_bounced, hard_bounced,
    unsubscribed or re_engagement (delivered but neither clicked nor replied). Over several
    sends (no campaign / step chosen, or several) a contact is listed once, with the campaigns
    and steps it is on the list for, so the row count equals the send report's KPI.
    """
    if list_name not in CONTACT_LISTS:
        raise ReportError(f"unknown contact list {list_name!r}; lists: {', '.join(CONTACT_LISTS)}")
    own = con is None
    con = con or connect(warehouse)
    try:
        # Validates the account, campaigns and templates exactly as the send report does.
        scope = report(
            "send-report", account_id=account_id, include_sub_accounts=include_sub_accounts,
            campaign_ids=campaign_ids, template_ids=template_ids, step_numbers=step_numbers,
            con=con,
        )  # fmt: skip
        return _list_contacts(con, list_name, scope)
    finally:
        if own:
            con.close()


def _list_contacts(con, list_name: str, scope: Report) -> list[dict[str, Any]]:
    """The contacts of ``scope``'s sends on list ``list_name``, each once with its campaigns and
    steps."""
    clauses = [CONTACT_LISTS[list_name], "list_contains(?, r.account_id)"]
    params: list[Any] = [scope.account_ids]
    for key, column in (
        ("campaign_ids", "r.campaign_id"),
        ("template_ids", "r.template_id"),
        ("step_numbers", "r.step_number"),
    ):
        if scope.filters.get(key):
            clauses.append(f"list_contains(?, {column})")
            params.append(scope.filters[key])
    cursor = con.execute(
        f"""
        with recipients as (
            select r.*
            from marts.fct_send_recipients as r
            where {" and ".join(clauses)}
        )

        select
            r.contact_id,
            r.account_id,
            c.phone,
            c.first_name,
            c.last_name,
            c.email,
            string_agg(distinct r.campaign_id, ';' order by r.campaign_id) as campaign_ids,
            string_agg(distinct cast(r.step_number as varchar), ';'
                order by cast(r.step_number as varchar)) as step_numbers,
            min(r.first_sent_at) as first_sent_at
        from recipients as r
        left join marts.dim_contacts as c on r.contact_id = c.contact_id
        group by r.contact_id, r.account_id, c.phone, c.first_name, c.last_name, c.email
        order by r.account_id, r.contact_id
        """,
        params,
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# The campaign box's "digging deeper" exports (kpi-spec "Campaign box").
CAMPAIGN_EXPORTS = {
    # Every message of the campaign's conversations: outbound sends and the replies credited
    # to the campaign, with the text (fct_message_bodies: personal data; join dim_contacts for
    # contact details).
    "campaign-messages": (
        "marts.fct_messages left join marts.fct_message_bodies using (message_id)",
        "message_id, account_id, campaign_id, enrollment_id, contact_id, direction, created_at, "
        "date_day, send_type, user_id, template_id, step_number, is_mms, segments, credits, "
        "final_status, delivery_outcome, is_opt_out_message, body",
        "account_id, campaign_id, contact_id, created_at, message_id",
    ),
    # Per enrollment: inbound and outbound counts, first and last message, replied, opted out
    # and how.
    "campaign-conversations": (
        "marts.fct_enrollments",
        "enrollment_id, account_id, campaign_id, contact_id, assigned_user_id, enrolled_at, "
        "is_initial_sent, outbound_messages, inbound_messages, first_conversation_message_at, "
        "last_conversation_message_at, has_replied, first_replied_at, is_opted_out, "
        "opt_out_method, opted_out_at, is_auto_opt_out, is_manual_opt_out",
        "account_id, campaign_id, enrolled_at, enrollment_id",
    ),
}


def campaign_export(
    kind: str,
    warehouse: str | os.PathLike | None = None,
    account_id: str | None = None,
    include_sub_accounts: bool = False,
    campaign_ids: str | Iterable[str] | None = None,
    con=None,
) -> list[dict[str, Any]]:
    """The campaign box's message export or conversation export (kind: campaign-messages or
    campaign-conversations) for the chosen campaigns, else every campaign in scope."""
    if kind not in CAMPAIGN_EXPORTS:
        raise ReportError(f"unknown campaign export {kind!r}; use {', '.join(CAMPAIGN_EXPORTS)}")
    table, columns, order = CAMPAIGN_EXPORTS[kind]
    own = con is None
    con = con or connect(warehouse)
    try:
        scope = report(
            "campaign-box", account_id=account_id, include_sub_accounts=include_sub_accounts,
            campaign_ids=campaign_ids, con=con,
        )  # fmt: skip
        campaigns = [row["campaign_id"] for row in scope.rows]
        extra = " and not is_canceled" if kind == "campaign-messages" else ""
        cursor = con.execute(
            f"select {columns} from {table} "
            f"where list_contains(?, account_id) and list_contains(?, campaign_id){extra} "
            f"order by {order}",
            [scope.account_ids, campaigns],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        if own:
            con.close()


def export_campaign(kind: str, out: str | os.PathLike, **filters: Any) -> tuple[list[Path], int]:
    """Write the campaign message or conversation export as CSV or XLSX; (files, rows)."""
    rows = campaign_export(kind, **filters)
    header = [c.strip() for c in CAMPAIGN_EXPORTS[kind][1].split(",")]
    return write_tables(out, {kind: rows}, main=kind, columns={kind: header}), len(rows)


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple | dict):
        return ";".join(str(v) for v in value) if not isinstance(value, dict) else str(value)
    return value


def _append(sheet, values: list[Any]) -> None:
    """Append a row of data to an XLSX sheet as data: control characters XLSX cannot hold are
    dropped, and a text starting with '=' stays text (never a formula a spreadsheet would run)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def _columns(rows: list[dict[str, Any]], default: Iterable[str] = ()) -> list[str]:
    columns = list(default)
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    return columns


def _csv_text(value: Any) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def write_tables(
    out: str | os.PathLike,
    tables: dict[str, list[dict[str, Any]]],
    main: str,
    about: dict[str, Any] | None = None,
    columns: dict[str, Iterable[str]] | None = None,
) -> list[Path]:
    """Write tables to ``out``: an .xlsx workbook with one sheet per table (plus ``about``), or
    CSV: ``out`` holds the ``main`` table and each other table goes beside it as
    ``<stem>-<table>.csv``. Returns the files written."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ReportError(f"export to .csv or .xlsx, not {out.name!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or {}
    if suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        first = True
        order = [main, *(name for name in tables if name != main)]
        for name in order:
            rows = tables[name]
            if first:
                sheet.title = name[:31]
                first = False
            else:
                sheet = book.create_sheet(name[:31])
            header = _columns(rows, columns.get(name, ()))
            _append(sheet, header)
            for row in rows:
                _append(sheet, [_cell(row.get(c)) for c in header])
        if about:
            sheet = book.create_sheet("about")
            _append(sheet, ["key", "value"])
            for key, value in about.items():
                _append(sheet, [key, _csv_text(value)])
        book.save(out)
        return [out]
    written = []
    for name in [main, *(name for name in tables if name != main)]:
        rows = tables[name]
        path = out if name == main else out.with_name(f"{out.stem}-{name}.csv")
        header = _columns(rows, columns.get(name, ()))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow([_csv_text(row.get(c)) for c in header])
        written.append(path)
    return written


def _about(rep: Report) -> dict[str, Any]:
    return {
        "view": rep.view,
        "account_id": rep.account_id,
        "include_sub_accounts": rep.include_sub_accounts,
        "account_ids": ";".join(rep.account_ids),
        "time_zone": rep.time_zone,
        "date_from": rep.date_from,
        "date_to": rep.date_to,
        **{f"filter_{k}": v for k, v in rep.filters.items()},
    }


def export_report(rep: Report, out: str | os.PathLike) -> list[Path]:
    """Write a report (KPIs, rows and every section) as CSV or XLSX; returns the files."""
    return write_tables(out, rep.tables(), main="rows", about=_about(rep))


def export_contacts(
    list_name: str, out: str | os.PathLike, **filters: Any
) -> tuple[list[Path], int]:
    """Write one send-report contact list as CSV or XLSX; returns (files, contacts)."""
    rows = contact_list(list_name, **filters)
    files = write_tables(
        out, {list_name: rows}, main=list_name, columns={list_name: CONTACT_COLUMNS}
    )
    return files, len(rows)
