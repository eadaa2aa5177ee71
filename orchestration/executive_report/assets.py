"""The Dagster asset that writes warehouse/reports/<account_id>.html after each refresh."""

import contextlib
import os
from datetime import date, datetime
from pathlib import Path

import dagster as dg

from orchestration.executive_report.data import gather, root_accounts
from orchestration.executive_report.render import render
from orchestration.publishing import published_path
from orchestration.reporting.api import connect
from orchestration.resources import Warehouse


def reports_dir(warehouse: str | os.PathLike) -> Path:
    """COMMS_WAREHOUSE_REPORTS, else reports/ beside the warehouse file."""
    explicit = os.environ.get("COMMS_WAREHOUSE_REPORTS")
    if explicit:
        return Path(explicit).expanduser().resolve()
    return Path(warehouse).expanduser().resolve().parent / "reports"


def render_reports(
    published: str | os.PathLike,
    out_dir: str | os.PathLike,
    end_day: date | None = None,
    now: datetime | None = None,
) -> dict[str, Path]:
    """Render one report per top-level account from a published copy; returns account -> file.

    Each file is written beside its final name and renamed over it, so a reader (or a mail job
    picking the files up) never sees half a page.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    con = connect(published)  # read-only
    try:
        for account in root_accounts(con):
            html = render(gather(con, account["account_id"], end_day=end_day, now=now))
            target = out / f"{_safe(account['account_id'])}.html"
            temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            try:
                temp.write_text(html, encoding="utf-8")
                os.replace(temp, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
            written[account["account_id"]] = target
    finally:
        con.close()
    return written


def _safe(account_id: str) -> str:
    """Account ids become file names: keep them to a safe character set."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in account_id).lstrip(".")


class ExecutiveReportConfig(dg.Config):
    # The last local day the report covers (YYYY-MM-DD). Default: yesterday in each account's
    # time zone, or the latest day with activity when the data stops earlier.
    end_day: str | None = None


@dg.asset(
    name="executive_report",
    group_name="reports",
    deps=["published_marts"],
    kinds={"html"},
    description=(
        "One self-contained HTML report per top-level (admin) account, rolled up over its "
        "sub-accounts: headline KPIs for the last 7 local days vs the 7 before, 30-day trends, "
        "the calling funnel, templates by carrier-block rate, credits against the allowance. "
        "Written to reports/<account_id>.html beside the warehouse; numbers come from the "
        "reporting API over the published marts."
    ),
)
def executive_report(
    context: dg.AssetExecutionContext, config: ExecutiveReportConfig, warehouse: Warehouse
):
    # It reads only the published copy, so it needs no slot in the warehouse pool.
    written = render_reports(
        published_path(warehouse.database),
        reports_dir(warehouse.database),
        end_day=date.fromisoformat(config.end_day) if config.end_day else None,
    )
    context.log.info(
        f"wrote {len(written)} executive report(s) to {reports_dir(warehouse.database)}"
    )
    return dg.MaterializeResult(
        metadata={
            "reports": len(written),
            "folder": dg.MetadataValue.path(str(reports_dir(warehouse.database))),
            "files": dg.MetadataValue.md(
                "\n".join(f"- `{a}`: {p}" for a, p in sorted(written.items())) or "none"
            ),
        }
    )
