"""`comms-warehouse report` and `comms-warehouse export` (registered in orchestration/cli.py)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orchestration.kpi_registry import REGISTRY, is_fraction, unit_of
from orchestration.kpi_registry.compare import RATES as COMPARED_RATES
from orchestration.reporting.api import BUCKETS, KPI_KEYS, VIEWS, Report, report
from orchestration.reporting.dates import PRESETS, InvalidDateRange
from orchestration.reporting.exports import (
    CAMPAIGN_EXPORTS,
    CONTACT_LISTS,
    export_campaign,
    export_contacts,
    export_report,
)
from orchestration.reporting.source import ReportError

# Rows shown per table in the terminal (JSON and exports hold every row).
TABLE_ROW_LIMIT = 50
# Columns shown in the terminal for the wide tables (JSON and exports hold every column).
DISPLAY_COLUMNS = {
    ("messaging", "rows"): (
        "period_start", "sms_sent", "sms_segments_sent", "replies_received",
        "carrier_block_rate", "delivery_rate", "opt_out_rate", "median_response_seconds", "leads",
    ),
    ("calling", "rows"): (
        "period_start", "calls_dialed", "calls_answered", "conversations", "response_rate",
        "conversation_rate", "average_call_seconds", "call_leads", "deals_closed",
    ),
    ("campaign-box", "rows"): (
        "campaign_id", "campaign_name", "enrollments", "initials_sent", "segments", "replies",
        "reply_rate", "active_senders", "enrollments_per_sender", "auto_opt_outs",
        "manual_opt_outs", "total_opt_outs",
    ),
    ("send-report", "rows"): (
        "campaign_id", "step_number", "template_id", "sent_contacts", "delivered_contacts",
        "soft_bounced_contacts", "hard_bounced_contacts", "clicks", "unique_clickers",
        "unsubscribed_contacts", "credits",
    ),
    ("usage", "rows"): (
        "period_start", "segments_total", "segments_sent", "segments_received", "calls_total",
        "calls_inbound", "calls_outbound", "calls_forwarded", "new_contacts",
        "opted_in_contacts", "opted_out_contacts", "credits_used",
    ),
    ("credits", "rows"): (
        "account_id", "period_start", "period_end", "credit_allowance", "credits_used",
        "credits_remaining", "credits_projected",
    ),
    ("conversations", "timeline"): (
        "timeline_position", "event_type", "date_day", "event_started_at", "phone_number_id",
        "direction", "user_id", "inbound_messages", "outbound_messages", "talk_seconds",
        "call_outcome",
    ),
    ("conversations", "rows"): (
        "date_day", "contact_id", "number_name", "inbound_messages", "outbound_messages",
        "total_messages", "first_message_at", "last_message_at",
    ),
}  # fmt: skip


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        help="DuckDB file to read (default: the published copy of COMMS_WAREHOUSE_PATH or of "
        "the repo's warehouse, else that warehouse)",
    )
    parser.add_argument(
        "--account", help="account id (default: the only root account, if there is one)"
    )
    parser.add_argument(
        "--with-sub-accounts", action="store_true", help="roll up the account's sub-accounts"
    )
    parser.add_argument(
        "--range", dest="preset", choices=PRESETS, help="date preset (default: last_7_days)"
    )
    parser.add_argument("--from", dest="date_from", help="first local day, YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", help="last local day, YYYY-MM-DD")
    parser.add_argument(
        "--campaign", action="extend", nargs="+", metavar="ID", help="campaign id(s)"
    )
    parser.add_argument(
        "--template", action="extend", nargs="+", metavar="ID", help="template id(s)"
    )
    parser.add_argument(
        "--step", action="extend", nargs="+", type=int, metavar="N", help="campaign step(s)"
    )
    parser.add_argument("--tracker", help="phone number id (conversations, delivery-status)")
    parser.add_argument(
        "--contact", help="contact id (conversations: its conversations and whole timeline)"
    )
    parser.add_argument("--bucket", choices=BUCKETS, default="day", help="period rows")
    parser.add_argument(
        "--as-of", help="pin 'today' (YYYY-MM-DD, account-local) for the date presets"
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add the report and export subcommands to the comms-warehouse parser."""
    rep = sub.add_parser("report", help="show a reporting view as a table or JSON")
    rep.add_argument("view", choices=VIEWS)
    _add_filters(rep)
    rep.add_argument("--format", choices=("table", "json"), default="table")
    rep.set_defaults(func=cmd_report)

    exp = sub.add_parser("export", help="export a view or a send-report contact list")
    exp.add_argument(
        "what",
        choices=(*VIEWS, "contacts", *CAMPAIGN_EXPORTS),
        help="a view, a send-report contact list (contacts), or the campaign box's message / "
        "conversation export",
    )
    exp.add_argument("--out", required=True, help="FILE.csv or FILE.xlsx")
    exp.add_argument(
        "--list",
        dest="contact_list",
        choices=tuple(CONTACT_LISTS),
        default="sent",
        help="contact list for `export contacts` (default: sent)",
    )
    _add_filters(exp)
    exp.set_defaults(func=cmd_export)


def _date_range(args: argparse.Namespace):
    if args.date_from or args.date_to:
        if args.preset:
            raise ReportError("give either --range or --from/--to, not both")
        if not (args.date_from and args.date_to):
            raise ReportError("--from and --to go together")
        return (args.date_from, args.date_to)
    return args.preset or "last_7_days"


def _as_of(args: argparse.Namespace) -> date | None:
    if not args.as_of:
        return None
    try:
        return date.fromisoformat(args.as_of)
    except ValueError:
        raise ReportError(f"--as-of {args.as_of!r} is not a YYYY-MM-DD date") from None


def _report(args: argparse.Namespace, view: str) -> Report:
    return report(
        view, warehouse=args.warehouse, account_id=args.account,
        include_sub_accounts=args.with_sub_accounts, date_range=_date_range(args),
        campaign_ids=args.campaign, template_ids=args.template, tracker=args.tracker,
        bucket=args.bucket, today=_as_of(args), step_numbers=args.step,
        contact_id=args.contact,
    )  # fmt: skip


def _fail(error: Exception) -> int:
    Console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
    return 2


def cmd_report(args: argparse.Namespace) -> int:
    try:
        rep = _report(args, args.view)
    except (ReportError, InvalidDateRange) as error:
        return _fail(error)
    if args.format == "json":
        json.dump(rep.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        # A pipe gets a wide console rather than Rich's 80 columns.
        print_report(rep, Console() if sys.stdout.isatty() else Console(width=200))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    try:
        if args.what == "contacts":
            files, count = export_contacts(
                args.contact_list, args.out, warehouse=args.warehouse,
                account_id=args.account, include_sub_accounts=args.with_sub_accounts,
                campaign_ids=args.campaign, template_ids=args.template,
                step_numbers=args.step,
            )  # fmt: skip
            console.print(f"{count:,} contacts ({args.contact_list})")
        elif args.what in CAMPAIGN_EXPORTS:
            files, count = export_campaign(
                args.what, args.out, warehouse=args.warehouse, account_id=args.account,
                include_sub_accounts=args.with_sub_accounts, campaign_ids=args.campaign,
            )  # fmt: skip
            console.print(f"{count:,} rows ({args.what})")
        else:
            rep = _report(args, args.what)
            files = export_report(rep, args.out)
    except (ReportError, InvalidDateRange) as error:
        return _fail(error)
    for path in files:
        console.print(f"wrote {escape(str(path))}")
    return 0


def _format(view: str, key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if is_fraction(view, key):  # the registry's rates and shares, shown as percents
            return f"{value * 100:.1f}%"
        if unit_of(view, key) == "money":  # a message costs fractions of a cent
            return f"{value:,.4f}"
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def _with_interval(row: dict[str, Any]) -> dict[str, Any]:
    """A compare row for the terminal: the item, then each rate as "x/n  rate [lower–upper]"
    (its 95 % Wilson interval); JSON and exports keep every column apart."""
    shown = dict(list(row.items())[:2])  # id and name
    for key, _, numerator, denominator in COMPARED_RATES:
        if row[key] is None:
            shown[key] = f"0/{row[denominator]:,}"
            continue
        low, high = row[f"{key}_lower"] * 100, row[f"{key}_upper"] * 100
        shown[key] = (
            f"{row[numerator]:,}/{row[denominator]:,}  {row[key] * 100:.1f}% [{low:.1f}–{high:.1f}]"
        )
    return shown


def print_report(rep: Report, console: Console) -> None:
    scope = rep.account_id + (" + sub-accounts" if rep.include_sub_accounts else "")
    period = (
        "as of now"
        if not REGISTRY[rep.view].dated
        else (
            "all time"
            if rep.date_from is None
            else f"{rep.date_from} to {rep.date_to} ({rep.time_zone})"
        )
    )
    filters = ", ".join(
        f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in rep.filters.items()
        if k not in ("bucket", "date_range")
    )
    console.print(
        f"[bold]{rep.view}[/bold]  account {scope}  {period}"
        + (escape(f"  [{filters}]") if filters else "")
    )
    kpis = Table(title="KPIs", show_header=True)
    kpis.add_column("key")
    kpis.add_column("value", justify="right")
    for key in KPI_KEYS[rep.view]:
        kpis.add_row(key, _format(rep.view, key, rep.kpis.get(key)))
    if KPI_KEYS[rep.view]:  # compare has no headline, only its items side by side
        console.print(kpis)
    for name, rows in [("rows", rep.rows), *rep.sections.items()]:
        if not rows:
            continue
        table = Table(title=name)
        if rep.view == "compare" and name in ("campaigns", "templates"):
            rows = [_with_interval(row) for row in rows]
        columns = list(DISPLAY_COLUMNS.get((rep.view, name), rows[0]))
        for column in columns:
            numeric = isinstance(rows[0].get(column), int | float) and not isinstance(
                rows[0].get(column), bool
            )
            table.add_column(column, overflow="fold", justify="right" if numeric else "left")
        for row in rows[:TABLE_ROW_LIMIT]:
            table.add_row(*(escape(_format(rep.view, c, row.get(c))) for c in columns))
        if len(rows) > TABLE_ROW_LIMIT:
            table.caption = f"{TABLE_ROW_LIMIT} of {len(rows):,} rows (JSON / export: all)"
        console.print(table)
