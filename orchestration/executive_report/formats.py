"""How the report writes its numbers: counts, rates, durations, days, and a KPI's change
versus the previous period."""

from __future__ import annotations

from datetime import date
from typing import Any


def fmt_count(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def fmt_rate(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{float(value) * 100:.{digits}f}%"


def fmt_seconds(value: Any) -> str:
    if value is None:
        return "–"
    seconds = round(float(value))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


# By the registry's unit.
FORMATS = {"count": fmt_count, "credits": fmt_count, "fraction": fmt_rate, "seconds": fmt_seconds}


def fmt_day(day: date, year: bool = False) -> str:
    return day.strftime("%a %-d %b %Y" if year else "%a %-d %b")


def change(current: Any, previous: Any, unit: str, rise_is_good: bool | None) -> tuple[str, str]:
    """(text, css class) of the change versus the previous period: fractions in points."""
    if current is None or previous is None:
        return "no comparison", "flat"
    if unit == "fraction":
        delta = (float(current) - float(previous)) * 100
        text = f"{delta:+.1f} pts"
        size = abs(delta) >= 0.05
    elif not previous:
        return ("new" if current else "no change"), "flat"
    else:
        delta = (float(current) - float(previous)) / float(previous) * 100
        text = f"{delta:+.1f}%"
        size = abs(delta) >= 0.05
    if not size:
        return "no change", "flat"
    arrow = "▲" if delta > 0 else "▼"
    tone = "flat" if rise_is_good is None else ("good" if (delta > 0) == rise_is_good else "bad")
    return f"{arrow} {text}", tone


def fmt_count_short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if value >= 1_000:
        return f"{value / 1_000:.1f}k".replace(".0k", "k")
    return f"{value:.0f}"
