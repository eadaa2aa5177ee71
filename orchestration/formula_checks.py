"""Asset checks that prove the KPI formulas by recomputing them in plain Python.

Each check reads the finest-grain rows it needs (the message, call, campaign and enrollment
rows, with as few columns as possible), applies the kpi-spec rule in Python (set sizes, sums,
`statistics.median`, the response-streak walk) for every account and several date ranges, and
compares the result with what the marts give for the same filter, the way a BI tool would read
them (sum of numerators / sum of denominators over the mart rows in range; median over the
documented fact grain). Counts must match exactly; rates and medians within 1e-9.

The dbt SQL that built the marts is never reused: only its inputs are read, i.e. staging rows
and the per-message facts of fct_messages (local day, canceled flag, campaign attribution of
replies, delivery outcome, computed segments). Two checks re-derive those per-message facts for
a recent / DST-crossing sample: the delivery outcome from the message's events and the spec's
status order and error-code lists, and the local day from created_at and the account's time
zone. Segment counting itself is proven by orchestration_tests/test_sms_segments.py.

All checks only read: they open the DuckDB file read-only and run in the warehouse pool, so
they never overlap a load or a dbt build holding the writer's lock.
"""

import math
import os
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import yaml

from orchestration import settings
from orchestration.landing.assets import WAREHOUSE_POOL
from orchestration.landing.contract import ENTITIES
from orchestration.resources import Warehouse

TOLERANCE = 1e-9
FRESHNESS_ENV = "COMMS_WAREHOUSE_FRESHNESS_HOURS"
DEFAULT_FRESHNESS_HOURS = 36.0
MAX_DETAIL_ROWS = 60

ALL_TIME = (date(1900, 1, 1), date(2999, 12, 31))


def mart_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", name])


def audit_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["audit", name])


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def project_var(name: str, default):
    """A dbt project variable as dbt_project.yml declares it (the checks' own reading)."""
    try:
        config = yaml.safe_load((settings.PROJECT_DIR / "dbt_project.yml").read_text())
        return (config.get("vars") or {}).get(name, default)
    except OSError:
        return default


def connect(database: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(database), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    return con


def stream(con: duckdb.DuckDBPyConnection, sql: str, params=None, batch: int = 100_000):
    """Rows of a query in batches, so millions of rows never sit in memory at once."""
    cursor = con.execute(sql, params or [])
    while rows := cursor.fetchmany(batch):
        yield from rows


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(ts: datetime | None, time_zone: str | None) -> date | None:
    """Account-local calendar day of a naive UTC timestamp."""
    if ts is None or not time_zone:
        return None
    return ts.replace(tzinfo=UTC).astimezone(_zone(time_zone)).date()


def whole_seconds_between(start: datetime, end: datetime) -> int:
    """Second boundaries crossed from start to end (what a `datediff(second)` reports)."""
    return int((end.replace(microsecond=0) - start.replace(microsecond=0)).total_seconds())


def ratio(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


def median_or_none(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class DateRange:
    name: str
    start: date
    end: date

    def __contains__(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def date_ranges(first_day: date, last_day: date, time_zones: Iterable[str]) -> list[DateRange]:
    """All time, the last 7 local days, one whole calendar month, and a DST-crossing week."""
    ranges = [
        DateRange("all_time", *ALL_TIME),
        DateRange("last_7_days", last_day - timedelta(days=6), last_day),
    ]
    month_end = last_day.replace(day=1) - timedelta(days=1)
    month_start = month_end.replace(day=1)
    if month_start < first_day:  # less than a previous whole month of data: the last month
        month_start = last_day.replace(day=1)
        month_end = last_day
    ranges.append(DateRange(f"month_{month_start:%Y_%m}", month_start, month_end))
    dst_day = _first_offset_change(first_day, last_day, time_zones)
    if dst_day:
        ranges.append(
            DateRange(
                f"dst_week_{dst_day:%Y_%m_%d}", dst_day - timedelta(3), dst_day + timedelta(3)
            )
        )
    return ranges


def _first_offset_change(first: date, last: date, time_zones: Iterable[str]) -> date | None:
    """The first local day in [first, last] on which one of the time zones changes offset."""
    zones = [_zone(tz) for tz in sorted({tz for tz in time_zones if tz})]
    day = first + timedelta(days=1)
    while day <= last:
        for zone in zones:
            before = datetime(day.year, day.month, day.day, tzinfo=zone) - timedelta(hours=12)
            after = datetime(day.year, day.month, day.day, 23, 59, tzinfo=zone)
            if before.astimezone(zone).utcoffset() != after.utcoffset():
                return day
        day += timedelta(days=1)
    return None


def sum_days(by_day: dict[date, float], window: DateRange) -> float:
    return sum(v for d, v in by_day.items() if d in window)


@dataclass
class Comparison:
    """Expected (Python) vs actual (mart) numbers for one check, and its verdict."""

    check_name: str
    asset_key: dg.AssetKey
    rows: list[dict] = field(default_factory=list)

    def add(self, account: str, scope: str, measure: str, expected, actual) -> None:
        exact = isinstance(expected, int) and not isinstance(expected, bool)
        self.rows.append(
            {
                "account": account,
                "range": scope,
                "measure": measure,
                "expected": expected,
                "actual": actual,
                "match": _same(expected, actual, exact),
            }
        )

    @property
    def mismatches(self) -> list[dict]:
        return [r for r in self.rows if not r["match"]]

    def result(self, **extra) -> dg.AssetCheckResult:
        mismatches = self.mismatches
        shown = mismatches[:MAX_DETAIL_ROWS] or self.rows[:MAX_DETAIL_ROWS]
        metadata = {
            "comparisons": len(self.rows),
            "mismatches": len(mismatches),
            "accounts": len({r["account"] for r in self.rows}),
            "ranges": ", ".join(sorted({r["range"] for r in self.rows})),
            "details": dg.MetadataValue.md(_table(shown)),
            **extra,
        }
        totals = [r for r in self.rows if r["account"] == "*all*" and r["range"] == "all_time"]
        for row in totals:
            metadata[f"expected_{row['measure']}"] = _plain(row["expected"])
            metadata[f"actual_{row['measure']}"] = _plain(row["actual"])
        if mismatches:
            first = mismatches[0]
            metadata["first_mismatch"] = dg.MetadataValue.json(
                {k: _plain(v) for k, v in first.items() if k != "match"}
            )
            description = (
                f"{len(mismatches)} of {len(self.rows)} numbers differ, e.g. {first['measure']} "
                f"for account {first['account']}, {first['range']}: "
                f"Python {first['expected']!r} vs mart {first['actual']!r}"
            )
        elif self.rows:
            description = f"all {len(self.rows)} numbers match the Python recomputation"
        else:
            description = "no data to compare yet"
        return dg.AssetCheckResult(
            check_name=self.check_name,
            asset_key=self.asset_key,
            passed=not mismatches,
            metadata=metadata,
            description=description,
        )


def _same(expected, actual, exact: bool) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if exact:
        return float(actual).is_integer() and int(actual) == expected
    return math.isclose(float(expected), float(actual), rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def _plain(value):
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return float(value) if hasattr(value, "__float__") else str(value)


def _table(rows: list[dict]) -> str:
    lines = [
        "| account | range | measure | expected (Python) | actual (mart) | match |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['account']} | {r['range']} | {r['measure']} | {r['expected']} | "
            f"{r['actual']} | {'yes' if r['match'] else '**NO**'} |"
        )
    return "\n".join(lines)


def compare_additive(
    comparison: Comparison,
    accounts: Iterable[str],
    ranges: list[DateRange],
    measures: dict[str, tuple[dict, dict]],
    rates: dict[str, tuple[str, str]] | None = None,
) -> None:
    """Per account x range: sums of each measure (expected, actual) and rates from the sums.

    measures: name -> (expected {account: {day: value}}, actual {account: {day: value}}).
    rates: name -> (numerator measure, denominator measure).
    """
    rates = rates or {}
    # Accounts on either side: a mart row under an account the recomputation never saw counts.
    everyone = set(accounts)
    for expected, actual in measures.values():
        everyone |= set(expected) | set(actual)
    for window in ranges:
        grand: dict[str, list[float]] = {m: [0, 0] for m in measures}
        for account in sorted(everyone, key=str):
            sums = {}
            for name, (expected, actual) in measures.items():
                e = int(sum_days(expected.get(account, {}), window))
                a = sum_days(actual.get(account, {}), window)
                sums[name] = (e, a)
                grand[name][0] += e
                grand[name][1] += a
                comparison.add(account, window.name, name, e, a)
            for name, (num, den) in rates.items():
                comparison.add(
                    account,
                    window.name,
                    name,
                    ratio(sums[num][0], sums[den][0]),
                    ratio(sums[num][1], sums[den][1]),
                )
        for name, (e, a) in grand.items():
            comparison.add("*all*", window.name, name, int(e), a)
        for name, (num, den) in rates.items():
            comparison.add(
                "*all*",
                window.name,
                name,
                ratio(grand[num][0], grand[den][0]),
                ratio(grand[num][1], grand[den][1]),
            )


def by_account_day(rows: Iterable[tuple], columns: int) -> list[dict[str, dict[date, float]]]:
    """Rows (account_id, date_day, value1, ...) → one {account: {day: value}} per value."""
    out: list[dict] = [defaultdict(dict) for _ in range(columns)]
    for account, day, *values in rows:
        for i, value in enumerate(values):
            out[i][account][day] = out[i][account].get(day, 0) + (value or 0)
    return out


# --------------------------------------------------------------------------------------------
# The messaging recomputation (one pass over the message rows, shared by several checks)
# --------------------------------------------------------------------------------------------


def _nested():
    return defaultdict(lambda: defaultdict(int))


@dataclass
class MessagingFacts:
    accounts: set[str]
    time_zones: dict[str, str]
    ranges: list[DateRange]
    sms_segments_sent: dict = field(default_factory=_nested)
    segments_received: dict = field(default_factory=_nested)
    credits_used: dict = field(default_factory=_nested)
    campaign_messages_sent: dict = field(default_factory=_nested)
    carrier_blocked_messages: dict = field(default_factory=_nested)
    first_messages_sent: dict = field(default_factory=_nested)
    delivered_first_messages: dict = field(default_factory=_nested)
    replies_received: dict = field(default_factory=_nested)
    campaign_first_replies: dict = field(default_factory=_nested)
    # account -> [(date_day, contact_id)] of first replies per campaign x contact
    first_replies: dict = field(default_factory=lambda: defaultdict(list))
    # account -> [(launched local day, contact_id)] of enrollments
    enrolled: dict = field(default_factory=lambda: defaultdict(list))
    # account -> [(date_day, response_seconds or None)] per streak
    streaks: dict = field(default_factory=lambda: defaultdict(list))


def recompute_messaging(con: duckdb.DuckDBPyConnection) -> MessagingFacts:
    mms_credit_cost = int(project_var("mms_credit_cost", 3))
    time_zones = dict(
        con.execute("select account_id, time_zone from staging.stg_platform__accounts").fetchall()
    )
    first_day, last_day = con.execute(
        "select min(date_day), max(date_day) from marts.fct_messages"
    ).fetchone()
    facts = MessagingFacts(
        accounts=set(time_zones),
        time_zones=time_zones,
        ranges=date_ranges(
            first_day or date.today(), last_day or date.today(), time_zones.values()
        ),
    )
    known_enrollments = {
        r[0]
        for r in con.execute(
            "select enrollment_id from staging.stg_platform__campaign_enrollments"
        ).fetchall()
    }

    # Additive message counts. DuckDB only collapses rows whose every fetched column is equal
    # (count and segment sum per distinct combination, lossless for sums): which rows count,
    # and what a message costs, is decided here.
    for account, day, outbound, canceled, mms, in_campaign, outcome, n, segments in stream(
        con,
        """
        select account_id, date_day, direction = 'outbound', is_canceled, is_mms,
               campaign_id is not null, delivery_outcome, count(*), sum(segments)
        from marts.fct_messages
        group by all
        """,
    ):
        segments = int(segments or 0)
        if outbound and canceled:
            continue
        facts.credits_used[account][day] += mms_credit_cost * n if mms else segments
        if not outbound:
            facts.replies_received[account][day] += n
            if not mms:
                facts.segments_received[account][day] += segments
            continue
        if not mms:
            facts.sms_segments_sent[account][day] += segments
        if in_campaign:
            facts.campaign_messages_sent[account][day] += n
            if outcome == "carrier_blocked":
                facts.carrier_blocked_messages[account][day] += n

    # Delivery rate: the first sent outbound message of each enrollment. DuckDB only sorts
    # (by created_at, then message_id); picking the first row of each enrollment is done here.
    previous = None
    for enrollment, account, day, delivered in stream(
        con,
        """
        select enrollment_id, account_id, date_day, delivery_outcome = 'delivered'
        from marts.fct_messages
        where direction = 'outbound' and enrollment_id is not null and not is_canceled
        order by enrollment_id, created_at, message_id
        """,
    ):
        if enrollment == previous:
            continue
        previous = enrollment
        if enrollment not in known_enrollments:
            continue
        facts.first_messages_sent[account][day] += 1
        if delivered:
            facts.delivered_first_messages[account][day] += 1

    # Reply rate: the first reply of each account x campaign x contact (sorted the same way).
    previous = None
    for account, campaign, contact, day in stream(
        con,
        """
        select account_id, campaign_id, contact_id, date_day
        from marts.fct_messages
        where direction = 'inbound' and campaign_id is not null
        order by account_id, campaign_id, contact_id, created_at, message_id
        """,
    ):
        if (account, campaign, contact) == previous:
            continue
        previous = (account, campaign, contact)
        facts.first_replies[account].append((day, contact))
        facts.campaign_first_replies[account][day] += 1
    for account, contact, launched_at in con.execute(
        """
        select campaigns.account_id, enrollments.contact_id, campaigns.launched_at
        from staging.stg_platform__campaign_enrollments as enrollments
        inner join staging.stg_platform__campaigns as campaigns
            on enrollments.campaign_id = campaigns.campaign_id
        where campaigns.launched_at is not null and enrollments.contact_id is not null
        """
    ).fetchall():
        facts.enrolled[account].append((local_day(launched_at, time_zones.get(account)), contact))

    # Response streaks: walk each conversation in time order (inbound first on ties). Times
    # come as whole epoch seconds (floor), so a difference counts the second boundaries crossed.
    current = current_account = None
    waiting: tuple | None = None  # (streak start second, its local day)
    for account, contact, second, inbound, day in stream(
        con,
        """
        select account_id, contact_id, epoch_us(created_at) // 1000000,
               direction = 'inbound', date_day
        from marts.fct_messages
        where not is_canceled and (direction = 'inbound' or send_type = 'manual')
        order by account_id, contact_id, created_at,
                 case when direction = 'inbound' then 0 else 1 end, message_id
        """,
    ):
        if contact != current or account != current_account:
            if waiting is not None:
                facts.streaks[current_account].append((waiting[1], None))
            current, current_account, waiting = contact, account, None
        if inbound:
            if waiting is None:
                waiting = (second, day)
        elif waiting is not None:  # a person's (manual) answer closes the streak
            facts.streaks[account].append((waiting[1], second - waiting[0]))
            waiting = None
    if waiting is not None:
        facts.streaks[current_account].append((waiting[1], None))
    return facts


def _mart_days(con, sql: str, columns: int) -> list[dict]:
    return by_account_day(con.execute(sql).fetchall(), columns)


def check_reply_rate(con, facts: MessagingFacts) -> dg.AssetCheckResult:
    comparison = Comparison("reply_rate_matches_python", mart_key("fct_campaign_contacts"))
    for window in facts.ranges:
        grand = {k: [0, 0] for k in ("replied_contacts", "enrolled_contacts")}
        actual_rows = con.execute(
            """
            select account_id,
                   count(distinct case when first_reply_date_day between $1 and $2
                         then contact_id end),
                   count(distinct case when is_enrolled
                         and campaign_launched_date_day between $1 and $2 then contact_id end)
            from marts.fct_campaign_contacts
            group by account_id
            """,
            [window.start, window.end],
        ).fetchall()
        actual = {a: (r, e) for a, r, e in actual_rows}
        for account in sorted(facts.accounts | set(actual), key=str):
            replied = len({c for d, c in facts.first_replies.get(account, []) if d in window})
            enrolled = len({c for d, c in facts.enrolled.get(account, []) if d in window})
            a_replied, a_enrolled = actual.get(account, (0, 0))
            comparison.add(account, window.name, "replied_contacts", replied, a_replied)
            comparison.add(account, window.name, "enrolled_contacts", enrolled, a_enrolled)
            comparison.add(
                account,
                window.name,
                "reply_rate",
                ratio(replied, enrolled),
                ratio(a_replied, a_enrolled),
            )
            grand["replied_contacts"][0] += replied
            grand["replied_contacts"][1] += a_replied
            grand["enrolled_contacts"][0] += enrolled
            grand["enrolled_contacts"][1] += a_enrolled
        for name, (e, a) in grand.items():
            comparison.add("*all*", window.name, f"{name}_summed_over_accounts", e, a)
    return comparison.result()


def check_median_response(con, facts: MessagingFacts) -> dg.AssetCheckResult:
    comparison = Comparison("median_response_time_matches_python", mart_key("fct_responses"))
    for window in facts.ranges:
        actual_rows = con.execute(
            """
            select account_id,
                   median(response_seconds) filter (where is_answered),
                   count(*) filter (where is_answered),
                   count(*) filter (where not is_answered)
            from marts.fct_responses
            where date_day between $1 and $2
            group by account_id
            """,
            [window.start, window.end],
        ).fetchall()
        actual = {a: rest for a, *rest in actual_rows}
        everything = []
        for account in sorted(facts.accounts | set(actual), key=str):
            streaks = [s for d, s in facts.streaks.get(account, []) if d in window]
            answered = [s for s in streaks if s is not None]
            everything.extend(answered)
            a_median, a_measured, a_unanswered = actual.get(account, (None, 0, 0))
            comparison.add(
                account,
                window.name,
                "median_response_seconds",
                median_or_none([float(s) for s in answered]),
                a_median,
            )
            comparison.add(account, window.name, "responses_measured", len(answered), a_measured)
            comparison.add(
                account,
                window.name,
                "unanswered_streaks",
                len(streaks) - len(answered),
                a_unanswered,
            )
        a_all = con.execute(
            "select median(response_seconds) from marts.fct_responses "
            "where is_answered and date_day between $1 and $2",
            [window.start, window.end],
        ).fetchone()[0]
        comparison.add(
            "*all*",
            window.name,
            "median_response_seconds",
            median_or_none([float(s) for s in everything]),
            a_all,
        )
    return comparison.result()


def check_daily_medians(con, facts: MessagingFacts) -> dg.AssetCheckResult:
    comparison = Comparison(
        "daily_median_response_time_matches_python", mart_key("mart_response_times_daily")
    )
    expected: dict[tuple, list] = defaultdict(list)
    for account, streaks in facts.streaks.items():
        for day, seconds in streaks:
            expected[(account, day)].append(seconds)
    actual = {
        (a, d): rest
        for a, d, *rest in con.execute(
            "select account_id, date_day, median_response_seconds, responses_measured, "
            "unanswered_streaks from marts.mart_response_times_daily"
        ).fetchall()
    }
    for key in sorted(set(expected) | set(actual), key=lambda k: (k[0], k[1] or date.min)):
        streaks = expected.get(key, [])
        answered = [float(s) for s in streaks if s is not None]
        a_median, a_measured, a_unanswered = actual.get(key, (None, 0, 0))
        day = str(key[1])
        comparison.add(key[0], day, "median_response_seconds", median_or_none(answered), a_median)
        comparison.add(key[0], day, "responses_measured", len(answered), a_measured)
        comparison.add(
            key[0], day, "unanswered_streaks", len(streaks) - len(answered), a_unanswered
        )
    return comparison.result(days=len(set(expected) | set(actual)))


def check_messaging_kpis(con, facts: MessagingFacts) -> list[dg.AssetCheckResult]:
    """The additive Reporting-page KPIs of mart_messaging_kpis, one check per formula."""
    (
        a_segments,
        a_campaign,
        a_blocked,
        a_first,
        a_first_delivered,
        a_replies,
        a_first_replies,
        a_measured,
        a_unanswered,
        a_seconds,
    ) = _mart_days(
        con,
        """
        select account_id, date_day, sum(sms_segments_sent), sum(campaign_messages_sent),
               sum(carrier_blocked_messages), sum(first_messages_sent),
               sum(delivered_first_messages), sum(replies_received), sum(campaign_first_replies),
               sum(responses_measured), sum(unanswered_streaks), sum(response_seconds_total)
        from marts.mart_messaging_kpis
        group by all
        """,
        10,
    )
    key = mart_key("mart_messaging_kpis")
    results = []

    delivery = Comparison("delivery_rate_matches_python", key)
    compare_additive(
        delivery,
        facts.accounts,
        facts.ranges,
        {
            "delivered_first_messages": (facts.delivered_first_messages, a_first_delivered),
            "first_messages_sent": (facts.first_messages_sent, a_first),
        },
        {"delivery_rate": ("delivered_first_messages", "first_messages_sent")},
    )
    results.append(delivery.result())

    blocked = Comparison("carrier_block_rate_matches_python", key)
    compare_additive(
        blocked,
        facts.accounts,
        facts.ranges,
        {
            "carrier_blocked_messages": (facts.carrier_blocked_messages, a_blocked),
            "campaign_messages_sent": (facts.campaign_messages_sent, a_campaign),
        },
        {"carrier_block_rate": ("carrier_blocked_messages", "campaign_messages_sent")},
    )
    results.append(blocked.result())

    segments = Comparison("segments_sent_matches_python", key)
    compare_additive(
        segments,
        facts.accounts,
        facts.ranges,
        {"sms_segments_sent": (facts.sms_segments_sent, a_segments)},
    )
    results.append(segments.result())

    replies = Comparison("reply_counts_match_python", key)
    compare_additive(
        replies,
        facts.accounts,
        facts.ranges,
        {
            "replies_received": (facts.replies_received, a_replies),
            "campaign_first_replies": (facts.campaign_first_replies, a_first_replies),
        },
    )
    results.append(replies.result())

    measured, unanswered, seconds = _nested(), _nested(), _nested()
    for account, streaks in facts.streaks.items():
        for day, value in streaks:
            if value is None:
                unanswered[account][day] += 1
            else:
                measured[account][day] += 1
                seconds[account][day] += value
    responses = Comparison("response_counts_match_python", key)
    compare_additive(
        responses,
        facts.accounts,
        facts.ranges,
        {
            "responses_measured": (measured, a_measured),
            "unanswered_streaks": (unanswered, a_unanswered),
            "response_seconds_total": (seconds, a_seconds),
        },
    )
    results.append(responses.result())
    return results


def check_usage(con, facts: MessagingFacts) -> dg.AssetCheckResult:
    a_sent, a_received, a_credits = _mart_days(
        con,
        """
        select account_id, date_day, sum(segments_sent), sum(segments_received),
               sum(credits_used)
        from marts.mart_usage_daily
        group by all
        """,
        3,
    )
    comparison = Comparison("usage_segments_and_credits_match_python", mart_key("mart_usage_daily"))
    compare_additive(
        comparison,
        facts.accounts,
        facts.ranges,
        {
            "segments_sent": (facts.sms_segments_sent, a_sent),
            "segments_received": (facts.segments_received, a_received),
            "credits_used": (facts.credits_used, a_credits),
        },
    )
    return comparison.result()


def check_credits(con, facts: MessagingFacts) -> dg.AssetCheckResult:
    """credits_used per account x billing period = credits of the messages of those days."""
    comparison = Comparison(
        "credits_used_matches_python", mart_key("mart_credits_by_billing_period")
    )
    periods = con.execute(
        "select account_id, period_start, period_end, credits_used, credit_allowance, "
        "credits_remaining from marts.mart_credits_by_billing_period order by 1, 2"
    ).fetchall()
    covered: dict[str, float] = defaultdict(float)
    for account, start, end, used, allowance, remaining in periods:
        window = DateRange(f"period_{start}", start, end)
        expected = int(sum_days(facts.credits_used.get(account, {}), window))
        covered[account] += expected
        comparison.add(account, window.name, "credits_used", expected, used)
        comparison.add(
            account,
            window.name,
            "credits_remaining",
            # No allowance (optional in the contract): nothing is known to remain.
            None if allowance is None else max(allowance - expected, 0),
            remaining,
        )
    for account in sorted(facts.accounts):  # no credits may fall outside every period
        total = int(sum(facts.credits_used.get(account, {}).values()))
        comparison.add(account, "all_time", "credits_used", total, covered.get(account, 0))
    return comparison.result(periods=len(periods))


# --------------------------------------------------------------------------------------------
# Delivery outcome of each message, from its events (a recent sample: the last 7 days)
# --------------------------------------------------------------------------------------------

# kpi-spec "Message status": ties go to the most advanced status, delivered > undelivered /
# failed > sent > sending > queued. The spec does not place `read` (a delivered message that was
# read: above delivered) or `canceled` (never sent: above sent, below a carrier's verdict).
STATUS_RANK = {
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "canceled": 4,
    "undelivered": 5,
    "failed": 5,
    "received": 6,
    "delivered": 6,
    "read": 7,
}
ERROR_OUTCOMES = {
    **dict.fromkeys(
        ["30004", "30007", "30018", "30024", "30032", "30033", "30034", "30035", "30041"],
        "carrier_blocked",
    ),
    **dict.fromkeys(["21211", "21612", "21614", "30005", "30006"], "hard_bounce"),
    **dict.fromkeys(
        ["30001", "30003", "30008", "30017", "30022", "30023", "30027", "30036"], "soft_bounce"
    ),
    "21610": "opted_out",
}


def outcome_of(final_status: str | None, error_code: str | None) -> str:
    if final_status in ("delivered", "read"):
        return "delivered"
    if final_status in ("undelivered", "failed"):
        return ERROR_OUTCOMES.get(error_code, "other_failure")
    if final_status == "canceled":
        return "canceled"
    return "pending"


def check_delivery_outcomes(con, sample_days: int = 7) -> dg.AssetCheckResult:
    """fct_messages.delivery_outcome = the spec's rule applied to the message's own events."""
    comparison = Comparison("delivery_outcome_matches_python", mart_key("fct_messages"))
    last_day = con.execute(
        "select max(date_day) from marts.fct_messages where direction = 'outbound'"
    ).fetchone()[0]
    if last_day is None:
        return comparison.result()
    window = DateRange(f"last_{sample_days}_days", last_day - timedelta(sample_days - 1), last_day)
    sample = {
        message: [account, outcome, None]
        for message, account, outcome in con.execute(
            "select message_id, account_id, delivery_outcome from marts.fct_messages "
            "where direction = 'outbound' and date_day between $1 and $2",
            [window.start, window.end],
        ).fetchall()
    }
    for message, status, occurred, code, attempt, event in stream(
        con,
        """
        select message_id, status, occurred_at, error_code, attempt, event_id
        from staging.stg_platform__message_events
        where message_id in (
            select message_id from marts.fct_messages
            where direction = 'outbound' and date_day between $1 and $2
        )
        """,
        [window.start, window.end],
    ):
        key = (occurred, STATUS_RANK.get(status, 0), attempt or 0, event)
        entry = sample[message]
        if entry[2] is None or key > entry[2][0]:
            entry[2] = (key, status, code)
    expected: dict = _nested()
    actual: dict = _nested()
    differing: dict = defaultdict(int)
    example = None
    for message, (account, outcome, latest) in sample.items():
        mine = outcome_of(latest[1], latest[2]) if latest else "pending"
        expected[account][mine] += 1
        actual[account][outcome] += 1
        if mine != outcome:
            differing[account] += 1
            example = example or f"{message}: Python {mine}, fct_messages {outcome}"
    for account in sorted(set(expected) | set(actual)):
        outcomes = sorted(set(expected[account]) | set(actual[account]), key=str)
        for outcome in outcomes:
            comparison.add(
                account,
                window.name,
                f"messages_{outcome}",
                expected[account][outcome],
                actual[account][outcome],
            )
        sampled = sum(expected[account].values())
        comparison.add(
            account,
            window.name,
            "messages_with_the_python_outcome",
            sampled,
            sampled - differing[account],
        )
    return comparison.result(sampled_messages=len(sample), example_difference=example or "none")


def check_local_days(con, ranges: list[DateRange], time_zones: dict[str, str]):
    """fct_messages.date_day = the account-local day of created_at, around a DST change."""
    comparison = Comparison("local_day_matches_python", mart_key("fct_messages"))
    window = next((r for r in ranges if r.name.startswith("dst_")), None) or next(
        r for r in ranges if r.name == "last_7_days"
    )
    sampled: dict[str, int] = defaultdict(int)
    differing: dict[str, int] = defaultdict(int)
    example = None
    for message, account, created, day in stream(
        con,
        "select message_id, account_id, created_at, date_day from marts.fct_messages "
        "where created_at >= $1 and created_at < $2",
        [window.start - timedelta(days=1), window.end + timedelta(days=2)],
    ):
        mine = local_day(created, time_zones.get(account))
        sampled[account] += 1
        if mine != day:
            differing[account] += 1
            example = example or f"{message}: Python {mine}, fct_messages {day}"
    for account in sorted(sampled):
        comparison.add(
            account,
            window.name,
            "messages_with_the_python_local_day",
            sampled[account],
            sampled[account] - differing[account],
        )
    return comparison.result(
        sampled_messages=sum(sampled.values()), example_difference=example or "none"
    )


# --------------------------------------------------------------------------------------------
# Calling
# --------------------------------------------------------------------------------------------


def check_calling(con) -> dg.AssetCheckResult:
    threshold = int(project_var("conversation_min_seconds", 90))
    time_zones = dict(
        con.execute("select account_id, time_zone from staging.stg_platform__accounts").fetchall()
    )
    dialed, answered, conversations = _nested(), _nested(), _nested()
    days = []
    for account, started, answered_at, ended in stream(
        con,
        """
        select account_id, started_at, answered_at, ended_at
        from staging.stg_platform__calls
        where direction = 'outbound' and parent_call_id is null
        """,
    ):
        day = local_day(started, time_zones.get(account))
        days.append(day)
        dialed[account][day] += 1
        if answered_at is not None:
            answered[account][day] += 1
            if ended is not None and whole_seconds_between(answered_at, ended) > threshold:
                conversations[account][day] += 1
    a_dialed, a_answered, a_conversations = _mart_days(
        con,
        "select account_id, date_day, sum(calls_dialed), sum(calls_answered), "
        "sum(conversations) from marts.mart_calling_kpis group by all",
        3,
    )
    valid = [d for d in days if d]
    ranges = date_ranges(
        min(valid, default=date.today()), max(valid, default=date.today()), time_zones.values()
    )
    comparison = Comparison("conversations_match_python", mart_key("mart_calling_kpis"))
    compare_additive(
        comparison,
        time_zones,
        ranges,
        {
            "conversations": (conversations, a_conversations),
            "calls_answered": (answered, a_answered),
            "calls_dialed": (dialed, a_dialed),
        },
        {
            "conversation_rate": ("conversations", "calls_answered"),
            "response_rate": ("calls_answered", "calls_dialed"),
        },
    )
    return comparison.result(conversation_min_seconds=threshold)


# --------------------------------------------------------------------------------------------
# Raw vs staged, and freshness
# --------------------------------------------------------------------------------------------


def check_reconciliation(con) -> dg.AssetCheckResult:
    comparison = Comparison(
        "raw_rows_reconcile_with_staging", audit_key("audit__load_reconciliation")
    )
    quarantined = dict(
        con.execute(
            "select entity, count(*) from audit.audit__quarantined_rows group by entity"
        ).fetchall()
    )
    audit = {
        e: (landed, dup)
        for e, landed, dup in con.execute(
            "select entity, sum(landed_rows), sum(duplicate_rows) "
            "from audit.audit__load_reconciliation group by entity"
        ).fetchall()
    }
    ledger = dict(
        con.execute(
            "select entity, sum(rows_loaded) from raw._load_ledger where status = 'loaded' "
            "group by entity"
        ).fetchall()
    )
    for entity in sorted(ENTITIES):
        landed = con.execute(f'select count(*) from raw."{entity}"').fetchone()[0]
        staged = con.execute(f'select count(*) from staging."stg_platform__{entity}"').fetchone()[0]
        audit_landed, duplicates = audit.get(entity, (0, 0))
        duplicates = int(duplicates or 0)
        q = quarantined.get(entity, 0)
        comparison.add(entity, "all_time", "landed_rows_in_audit", landed, audit_landed or 0)
        comparison.add(entity, "all_time", "rows_in_ledger", landed, ledger.get(entity, 0) or 0)
        comparison.add(
            entity, "all_time", "staged+quarantined+duplicates", landed, staged + q + duplicates
        )
        comparison.add(entity, "all_time", "duplicates_not_negative", 1, int(duplicates >= 0))
    return comparison.result()


def check_freshness(con, now: datetime | None = None) -> dg.AssetCheckResult:
    lag_hours = float(os.environ.get(FRESHNESS_ENV) or DEFAULT_FRESHNESS_HOURS)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    newest_export = con.execute(
        "select max(export_date) from raw._load_ledger where status = 'loaded'"
    ).fetchone()[0]
    newest_event = con.execute(
        "select max(created_at) from staging.stg_platform__messages where created_at <= $1",
        [now + timedelta(hours=1)],
    ).fetchone()[0]
    candidates = []
    if newest_export is not None:  # counted from the export day's start (UTC), conservatively
        candidates.append(datetime.combine(newest_export, datetime.min.time()))
    if newest_event is not None:
        candidates.append(newest_event)
    newest = min(max(candidates), now) if candidates else None
    age_hours = None if newest is None else (now - newest).total_seconds() / 3600
    passed = age_hours is not None and age_hours <= lag_hours
    return dg.AssetCheckResult(
        check_name="landed_data_is_fresh",
        asset_key=audit_key("audit__load_reconciliation"),
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "newest_export_date": str(newest_export),
            "newest_message_at": str(newest_event),
            "age_hours": age_hours,
            "allowed_lag_hours": lag_hours,
            "lag_setting": f"env {FRESHNESS_ENV} (default {DEFAULT_FRESHNESS_HOURS:g})",
        },
        description=(
            "nothing has landed"
            if age_hours is None
            else f"newest landed data is {age_hours:.1f} h old (allowed {lag_hours:g} h)"
        ),
    )


# --------------------------------------------------------------------------------------------
# Dagster definitions
# --------------------------------------------------------------------------------------------

MESSAGING_SPECS = [
    dg.AssetCheckSpec(
        "delivery_outcome_matches_python",
        asset=mart_key("fct_messages"),
        blocking=True,
        description="Each recent outbound message's delivery outcome re-derived from its "
        "events (latest by time, ties to the most advanced status; spec error-code lists).",
    ),
    dg.AssetCheckSpec(
        "local_day_matches_python",
        asset=mart_key("fct_messages"),
        blocking=True,
        description="Each message's local day (date_day) re-derived from created_at and the "
        "account's time zone, for the messages around a DST change.",
    ),
    dg.AssetCheckSpec(
        "reply_rate_matches_python",
        asset=mart_key("fct_campaign_contacts"),
        blocking=True,
        description="replied_contacts / enrolled_contacts recomputed from message and "
        "enrollment rows, per account and date range.",
    ),
    dg.AssetCheckSpec(
        "median_response_time_matches_python",
        asset=mart_key("fct_responses"),
        blocking=True,
        description="Median response time, responses measured and unanswered streaks "
        "recomputed by walking each conversation's messages in time order.",
    ),
    dg.AssetCheckSpec(
        "daily_median_response_time_matches_python",
        asset=mart_key("mart_response_times_daily"),
        blocking=True,
        description="Each account-day's median response time recomputed in Python.",
    ),
    dg.AssetCheckSpec(
        "delivery_rate_matches_python",
        asset=mart_key("mart_messaging_kpis"),
        blocking=True,
        description="delivered_first_messages / first_messages_sent from each enrollment's "
        "first sent message.",
    ),
    dg.AssetCheckSpec(
        "carrier_block_rate_matches_python",
        asset=mart_key("mart_messaging_kpis"),
        blocking=True,
        description="carrier_blocked_messages / campaign_messages_sent from message rows.",
    ),
    dg.AssetCheckSpec(
        "segments_sent_matches_python",
        asset=mart_key("mart_messaging_kpis"),
        blocking=True,
        description="sms_segments_sent = segments of sent outbound SMS (MMS and canceled out).",
    ),
    dg.AssetCheckSpec(
        "reply_counts_match_python",
        asset=mart_key("mart_messaging_kpis"),
        blocking=True,
        description="replies_received and campaign_first_replies from inbound message rows.",
    ),
    dg.AssetCheckSpec(
        "response_counts_match_python",
        asset=mart_key("mart_messaging_kpis"),
        blocking=True,
        description="responses_measured, unanswered_streaks, response_seconds_total.",
    ),
    dg.AssetCheckSpec(
        "usage_segments_and_credits_match_python",
        asset=mart_key("mart_usage_daily"),
        blocking=True,
        description="segments sent / received and credits used (segments per SMS, "
        "mms_credit_cost per MMS) per account and range.",
    ),
    dg.AssetCheckSpec(
        "credits_used_matches_python",
        asset=mart_key("mart_credits_by_billing_period"),
        blocking=True,
        description="credits_used and credits_remaining per account x billing period.",
    ),
]


def guarded(database: Path, specs: list[dg.AssetCheckSpec], run) -> list[dg.AssetCheckResult]:
    """Run checks on a read-only connection; a missing table fails every check, with the error."""
    try:
        with connect(database) as con:
            return run(con)
    except duckdb.Error as error:
        return [
            dg.AssetCheckResult(
                check_name=spec.name,
                asset_key=spec.asset_key,
                passed=False,
                severity=(
                    dg.AssetCheckSeverity.WARN
                    if spec.name == "landed_data_is_fresh"
                    else dg.AssetCheckSeverity.ERROR
                ),
                description=f"could not read the warehouse: {error}",
                metadata={"error": str(error)},
            )
            for spec in specs
        ]


@dg.multi_asset_check(
    name="messaging_formula_checks",
    specs=MESSAGING_SPECS,
    pool=WAREHOUSE_POOL,
    description="Recompute the messaging KPIs in Python from message rows and compare.",
)
def messaging_formula_checks(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[dg.AssetCheckResult]:
    yield from guarded(warehouse.database, MESSAGING_SPECS, run_messaging_checks)


def run_messaging_checks(con) -> list[dg.AssetCheckResult]:
    facts = recompute_messaging(con)
    return [
        check_delivery_outcomes(con),
        check_local_days(con, facts.ranges, facts.time_zones),
        check_reply_rate(con, facts),
        check_median_response(con, facts),
        check_daily_medians(con, facts),
        *check_messaging_kpis(con, facts),
        check_usage(con, facts),
        check_credits(con, facts),
    ]


CALLING_SPECS = [
    dg.AssetCheckSpec(
        "conversations_match_python",
        asset=mart_key("mart_calling_kpis"),
        blocking=True,
        description="Conversations (answered outbound calls talking more than "
        "conversation_min_seconds), answered and dialed calls recomputed from call rows.",
    )
]


@dg.multi_asset_check(name="calling_formula_checks", specs=CALLING_SPECS, pool=WAREHOUSE_POOL)
def calling_formula_check(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    (result,) = guarded(warehouse.database, CALLING_SPECS, lambda con: [check_calling(con)])
    return result


LANDING_SPECS = [
    dg.AssetCheckSpec(
        "raw_rows_reconcile_with_staging",
        asset=audit_key("audit__load_reconciliation"),
        blocking=True,
        description="Per entity: rows in raw = staged + quarantined + duplicates, and "
        "= the ledger's rows loaded.",
    ),
    dg.AssetCheckSpec(
        "landed_data_is_fresh",
        asset=audit_key("audit__load_reconciliation"),
        description=f"Warns when the newest landed data is older than "
        f"{FRESHNESS_ENV} hours (default {DEFAULT_FRESHNESS_HOURS:g}).",
    ),
]


@dg.multi_asset_check(
    name="landing_checks",
    specs=LANDING_SPECS,
    pool=WAREHOUSE_POOL,
)
def landing_checks(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[dg.AssetCheckResult]:
    yield from guarded(
        warehouse.database,
        LANDING_SPECS,
        lambda con: [check_reconciliation(con), check_freshness(con)],
    )


formula_checks = [messaging_formula_checks, calling_formula_check, landing_checks]


def run_all(database: Path) -> list[dg.AssetCheckResult]:
    """Every check against a warehouse file, outside Dagster (tests, debugging)."""
    with connect(database) as con:
        return [
            *run_messaging_checks(con),
            check_calling(con),
            check_reconciliation(con),
            check_freshness(con),
        ]
