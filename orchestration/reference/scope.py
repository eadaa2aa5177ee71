"""What a report request selects: accounts, local date range, filters, buckets (kpi-spec
ground rules 1, 2 and 6), and the spec's ratio rule (ground rule 3)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Scope:
    account_id: str
    account_ids: tuple[str, ...]
    date_from: date | None
    date_to: date | None
    campaign_ids: frozenset[str] | None = None
    template_ids: frozenset[str] | None = None
    step_numbers: frozenset[int] | None = None
    tracker: str | None = None
    contact_id: str | None = None
    bucket: str = "day"
    today: date | None = None
    now: datetime | None = None  # the instant ``today`` stands for, when the caller knows it
    # Per account, the local day its billing periods are measured on, when the caller knows
    # it (the day a published table was built, read after the account's next midnight).
    as_of_days: dict[str, date] | None = None

    def owns(self, row: dict[str, Any]) -> bool:
        return row["account_id"] in self.account_ids

    def dated(self, day: date | None) -> bool:
        """Ground rule 1: the range is inclusive on both ends, in local days."""
        if day is None:
            return False
        return (self.date_from is None or day >= self.date_from) and (
            self.date_to is None or day <= self.date_to
        )

    @property
    def days(self) -> tuple[date | None, date | None]:
        return self.date_from, self.date_to

    def in_period(self, start: date) -> Scope:
        """This request narrowed to the days of its bucket starting at ``start``."""
        if self.bucket == "week":
            end = start + timedelta(days=6)
        elif self.bucket == "month":
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        else:
            end = start
        first = start if self.date_from is None else max(start, self.date_from)
        last = end if self.date_to is None else min(end, self.date_to)
        return replace(self, date_from=first, date_to=last)

    def campaign_chosen(self, campaign_id: str | None) -> bool:
        return self.campaign_ids is None or campaign_id in self.campaign_ids

    def template_chosen(self, template_id: str | None) -> bool:
        return self.template_ids is None or template_id in self.template_ids

    def period(self, day: date) -> date:
        """The first day of ``day``'s bucket: the day, its ISO week (Monday) or its month."""
        if self.bucket == "week":
            return day - timedelta(days=day.weekday())
        if self.bucket == "month":
            return day.replace(day=1)
        return day


def rate(numerator: Any, denominator: Any) -> float | None:
    """Ground rule 3: numerator / denominator, null when the denominator is 0."""
    return None if not denominator else (numerator or 0) / denominator


def median(values: list[float]) -> float | None:
    """kpi-spec "Median response time": even count -> mean of the two middle values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def resolve_preset(preset: str | tuple | list | None, today: date):
    """kpi-spec ground rule 1 presets in the account's local calendar, inclusive ranges."""
    if isinstance(preset, tuple | list):
        return tuple(d if isinstance(d, date) else date.fromisoformat(d) for d in preset)
    name = preset or "last_7_days"
    first_of_month = today.replace(day=1)
    return {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "last_7_days": (today - timedelta(days=6), today),
        "last_30_days": (today - timedelta(days=29), today),
        "this_month": (first_of_month, today),
        "last_month": (
            (first_of_month - timedelta(days=1)).replace(day=1),
            first_of_month - timedelta(days=1),
        ),
        "all_time": (None, None),
    }[name]
