"""Date range presets, resolved in an account's local calendar (kpi-spec ground rule 1)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PRESETS = (
    "today",
    "yesterday",
    "last_7_days",
    "last_30_days",
    "this_month",
    "last_month",
    "all_time",
)
DEFAULT_PRESET = "last_7_days"

DateRangeArg = str | tuple[date | str, date | str] | None


class InvalidDateRange(ValueError):
    """A date range preset or explicit range that cannot be used."""


def local_today(time_zone: str, now: datetime | None = None) -> date:
    """Today's date in ``time_zone`` (an IANA name), for ``now`` (default: the current instant)."""
    instant = now or datetime.now(ZoneInfo("UTC"))
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    return instant.astimezone(ZoneInfo(time_zone)).date()


def _as_date(value: date | str, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidDateRange(f"{what} date {value!r} is not a YYYY-MM-DD date") from None


def resolve_range(date_range: DateRangeArg, today: date) -> tuple[date | None, date | None]:
    """Inclusive local ``(from, to)`` days; ``(None, None)`` for all time.

    Presets: today, yesterday, last_7_days (the 7 days ending today, today included; the
    default), last_30_days (30 days ending today), this_month (1st of the month to today),
    last_month (the whole previous calendar month), all_time. Or an explicit ``(from, to)``
    pair of dates / ISO strings, inclusive on both ends.
    """
    if date_range is None:
        date_range = DEFAULT_PRESET
    if isinstance(date_range, tuple | list):
        if len(date_range) != 2:
            raise InvalidDateRange("an explicit date range is a (from, to) pair")
        start, end = _as_date(date_range[0], "from"), _as_date(date_range[1], "to")
        if start > end:
            raise InvalidDateRange(f"the range starts ({start}) after it ends ({end})")
        return start, end
    preset = str(date_range).strip().lower().replace("-", "_").replace(" ", "_")
    if preset == "today":
        return today, today
    if preset == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if preset == "last_7_days":
        return today - timedelta(days=6), today
    if preset == "last_30_days":
        return today - timedelta(days=29), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last_day = today.replace(day=1) - timedelta(days=1)
        return last_day.replace(day=1), last_day
    if preset == "all_time":
        return None, None
    raise InvalidDateRange(
        f"unknown date range preset {date_range!r}; use one of {', '.join(PRESETS)} "
        "or an explicit (from, to) pair"
    )
