"""What a refresh changed since the reference checks last passed: accounts and local days.

An hourly refresh adds about a day of rows; proving every sampled request again would recompute
the whole history each hour. So the reference checks keep a watermark in the warehouse
(``WATERMARK``): the newest load their last passing run had seen, and the fingerprint of
what decided the numbers then (the dbt project's, as the data tests record it, and this
package's, the reference's and the reporting API's code). Rows staged since then are the change.

Each changed row is dated by its own local day in its account's zone (ground rule 1): messages
by ``created_at``, their delivery events and link clicks by their message's, calls by
``started_at`` and so on. A changed row of an entity without such a day (an account, a user, a
campaign ...) may move any day, so it marks its account ``UNDATED``: its requests are checked
in full. The daily --full-refresh build, a first check, a failed one (the watermark stays) or a
changed project check everything (``since`` returns None).
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from orchestration.dbt import test_scope
from orchestration.watermark import Watermark

WATERMARK = Watermark("main._reference_checks_watermark", "checked_through")
UNDATED = None  # the "day" of a change that may move every day of its account

_ORCHESTRATION = Path(__file__).resolve().parents[1]
# The code that decides a check's two sides, besides the dbt project.
CODE = ("formula_checks", "reference", "reporting", "kpi_registry")

# entity -> (its account, the timestamp that dates it), each read from the staged row itself,
# or through its message (delivery events, clicks) or its campaign (enrollments).
DATED = {
    "messages": ("account_id", "created_at"),
    "calls": ("account_id", "started_at"),
    "opt_events": ("account_id", "occurred_at"),
    "leads": ("account_id", "created_at"),
    "deals": ("account_id", "closed_at"),
    "contacts": ("account_id", "created_at"),
    "contact_labels": ("account_id", "occurred_at"),
}
THROUGH_MESSAGE = ("message_events", "link_clicks")
BY_CAMPAIGN = ("campaign_steps", "campaign_senders")
UNDATED_ENTITIES = (
    "accounts", "users", "inboxes", "phone_numbers", "labels", "templates", "campaigns",
    "campaign_steps", "campaign_senders",
)  # fmt: skip


@functools.cache
def code_fingerprint() -> str:
    """A hash of the Python that computes either side of a check (this package, the reference,
    the reporting API and the KPI registry). Once per process: the code that runs is the code
    imported when it started, and a check run asks twice (what it proves, what it may skip)."""
    digest = hashlib.sha256()
    for name in CODE:
        root = _ORCHESTRATION / name
        files = sorted(root.rglob("*.py")) + sorted(root.rglob("*.sql")) if root.is_dir() else []
        for path in files or [root.with_suffix(".py")]:
            digest.update(str(path.relative_to(_ORCHESTRATION)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(con) -> str | None:
    """The project's fingerprint (the data tests' watermark carries the dbt project's) with
    this code's; None when no passing dbt build recorded one (another target, a first build)."""
    try:
        row = con.execute(f"select fingerprint from {test_scope.WATERMARK.table}").fetchone()
    except duckdb.CatalogException:
        return None
    return None if row is None else f"{row[0]}:{code_fingerprint()}"


def newest_load(con) -> datetime | None:
    """When the newest file in the warehouse was loaded (the clock of `_loaded_at`)."""
    return con.execute(
        "select max(loaded_at) from raw._load_ledger where status = 'loaded'"
    ).fetchone()[0]


def since(con, full_refresh: bool) -> datetime | None:
    """The rows to treat as changed: those loaded after this instant; None: check everything."""
    current = fingerprint(con)
    if full_refresh or current is None:
        return None
    return WATERMARK.read(con, current)


def record_passed(database: Path, through: datetime, fingerprint: str) -> None:
    """Every reference check passed on the rows loaded through ``through``."""
    WATERMARK.record(database, through, fingerprint)


def changed_days(con, after: datetime) -> dict[str, set[date | None]]:
    """account -> the local days of its rows staged after ``after`` (``UNDATED`` among them
    when a row without a local day changed). DuckDB only fetches and filters the rows; their
    local days are worked here, in each account's zone."""
    stamped = [
        f"select {account}, {at} from staging.stg_platform__{entity} where _loaded_at > $after"
        for entity, (account, at) in DATED.items()
    ]
    # the messages of every changed event and click, in one pass over the messages
    through = " union all ".join(
        f"select message_id from staging.stg_platform__{entity} where _loaded_at > $after"
        for entity in THROUGH_MESSAGE
    )
    stamped.append(
        "select account_id, created_at from staging.stg_platform__messages "
        f"where message_id in ({through})"
    )
    stamped.append(
        "select c.account_id, e.enrolled_at from staging.stg_platform__campaign_enrollments as e "
        "inner join staging.stg_platform__campaigns as c on e.campaign_id = c.campaign_id "
        "where e._loaded_at > $after"
    )
    zones = dict(
        con.execute("select account_id, time_zone from staging.stg_platform__accounts").fetchall()
    )
    out: dict[str, set[date | None]] = defaultdict(set)
    sql = " union ".join(stamped)
    for account, at in con.execute(sql, {"after": after}).fetchall():
        if account in zones:
            out[account].add(_local_day(at, zones[account]))
    for entity in UNDATED_ENTITIES:
        for (account,) in con.execute(_accounts_of(entity), [after]).fetchall():
            out[account].add(UNDATED)
    return dict(out)


def _accounts_of(entity: str) -> str:
    """The accounts of an undated entity's rows staged after $1 (a campaign's part: its
    campaign's account)."""
    if entity in BY_CAMPAIGN:
        return (
            f"select distinct c.account_id from staging.stg_platform__{entity} as x "
            "inner join staging.stg_platform__campaigns as c on x.campaign_id = c.campaign_id "
            "where x._loaded_at > $1"
        )
    return f"select distinct account_id from staging.stg_platform__{entity} where _loaded_at > $1"


def _local_day(at: datetime | None, zone: str) -> date | None:
    if at is None:
        return UNDATED
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).date()
