"""Inline SVG charts drawn in Python: no JavaScript, no fonts or images fetched at view time."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

NAVY = "#1d3557"
TEAL = "#2a9d8f"
ORANGE = "#e76f51"
GOLD = "#e9a23b"
PURPLE = "#6d597a"
GREY = "#8d99ae"
GRID = "#e6e9ef"
INK = "#2b2d42"
MUTED = "#6b7280"

FONT = "font-family=\"-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\""

Formatter = Callable[[float], str]


@dataclass
class Series:
    label: str
    values: Sequence[float | None]
    color: str
    area: bool = False  # fill under the line
    dashed: bool = False


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1-2-2.5-5 steps)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw:
            break
    ticks = [0.0]
    while ticks[-1] < top - 1e-12:
        ticks.append(ticks[-1] + step)
    return ticks


DURATION_STEPS = (15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def duration_ticks(top: float, count: int = 4) -> list[float]:
    """Ticks for seconds at round durations (30 s, 5 min, 1 h, 6 h, ...)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 60.0]
    step = next((s for s in DURATION_STEPS if s * count >= top), None)
    step = step or 86400 * math.ceil(top / count / 86400)
    ticks = [0.0]
    while ticks[-1] < top - 1e-9:
        ticks.append(ticks[-1] + step)
    return ticks


@dataclass(frozen=True)
class _Plot:
    """Where a line chart draws: the plot area inside its margins, ``days`` points across and
    0..``y_top`` up."""

    left: float
    top: float
    width: float
    height: float
    days: int
    y_top: float

    def x(self, i: int) -> float:
        return self.left + (self.width * (i / (self.days - 1) if self.days > 1 else 0.5))

    def y(self, v: float) -> float:
        return self.top + self.height * (1 - min(v, self.y_top) / self.y_top)


def line_chart(
    days: Sequence[date],
    series: Sequence[Series],
    y_format: Formatter,
    width: int = 560,
    height: int = 230,
    y_max: float | None = None,
    highlight_from: date | None = None,
    title: str = "",
    ticks: Callable[[float], list[float]] = nice_ticks,
) -> str:
    """A daily line chart; ``highlight_from`` shades the report period at the right end."""
    left, right, top, bottom = 56, 12, 30, 34
    values = [v for s in series for v in s.values if v is not None]
    peak = max(values, default=0.0)
    ticks = ticks(peak if y_max is None else y_max)
    plot = _Plot(
        left, top, width - left - right, height - top - bottom, len(days), ticks[-1] or 1.0
    )
    parts = [_svg_open(width, height, title)]
    if highlight_from is not None and plot.days > 1 and highlight_from in days:
        x0 = max(plot.x(days.index(highlight_from)) - plot.width / (plot.days - 1) / 2, left)
        parts.append(
            f'<rect x="{x0:.1f}" y="{top}" width="{left + plot.width - x0:.1f}" '
            f'height="{plot.height}" fill="#f1f5fb"/>'
        )
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" x2="{left + plot.width}" y1="{plot.y(tick):.1f}" '
            f'y2="{plot.y(tick):.1f}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{plot.y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{MUTED}" {FONT}>{escape(y_format(tick))}</text>'
        )
    n = plot.days
    for i, day in enumerate(days):
        if i % 7 == (n - 1) % 7:  # a label each week, the last day always labelled
            anchor = "end" if i == n - 1 else ("start" if i == 0 else "middle")
            parts.append(
                f'<text x="{plot.x(i):.1f}" y="{height - bottom + 16}" text-anchor="{anchor}" '
                f'font-size="11" fill="{MUTED}" {FONT}>{day.strftime("%b %-d")}</text>'
            )
    parts += [_line(plot, s) for s in series]
    parts.append(_legend(series, left, 16))
    parts.append("</svg>")
    return "".join(parts)


def _line(plot: _Plot, s: Series) -> str:
    """One series: a line per run of known days (area filled if asked), dots at a short run's
    points or at the last one."""
    x, y = plot.x, plot.y
    parts = []
    for run in _runs(s.values):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
        if s.area and len(run) > 1:
            first, last = run[0][0], run[-1][0]
            parts.append(
                f'<polygon points="{x(first):.1f},{y(0):.1f} {points} '
                f'{x(last):.1f},{y(0):.1f}" fill="{s.color}" fill-opacity="0.12"/>'
            )
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        if len(run) > 1:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{s.color}" '
                f'stroke-width="2.2" stroke-linejoin="round" stroke-linecap="round"{dash}/>'
            )
        for i, v in run if len(run) <= 2 else run[-1:]:
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{s.color}"/>')
    return "".join(parts)


def funnel_chart(
    stages: Sequence[tuple[str, int]], width: int = 560, height: int = 230, title: str = ""
) -> str:
    """Horizontal bars, widest first, each with its count and its share of the previous stage."""
    left, right, top = 120, 120, 14
    bar_h, gap = 30, 12
    plot_w = width - left - right
    widest = max((count for _, count in stages), default=0) or 1
    colors = [NAVY, "#2f5d8a", TEAL, GOLD, ORANGE]
    parts = [_svg_open(width, height, title)]
    previous = None
    for i, (label, count) in enumerate(stages):
        y0 = top + i * (bar_h + gap)
        w = max(plot_w * count / widest, 2 if count else 0)
        x0 = left + (plot_w - w) / 2
        parts.append(
            f'<text x="{left - 10}" y="{y0 + bar_h / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="12" fill="{INK}" {FONT}>{escape(label)}</text>'
            f'<rect x="{x0:.1f}" y="{y0}" width="{w:.1f}" height="{bar_h}" rx="4" '
            f'fill="{colors[i % len(colors)]}"/>'
            f'<text x="{left + plot_w + 10}" y="{y0 + bar_h / 2 + 4:.1f}" font-size="12" '
            f'fill="{INK}" font-weight="600" {FONT}>{count:,}'
        )
        if previous is not None:
            share = f"{count / previous:.0%}" if previous else "–"
            parts.append(f'<tspan fill="{MUTED}" font-weight="400"> · {share}</tspan>')
        parts.append("</text>")
        previous = count
    parts.append("</svg>")
    return "".join(parts)


def usage_bar(used: int, allowance: int | None, projected: float | None, width: int = 360) -> str:
    """Credits used against the allowance, with a tick at the projected period-end use."""
    height = 22
    parts = [_svg_open(width, height, "Credits used against the allowance")]
    parts.append(f'<rect x="0" y="5" width="{width}" height="12" rx="6" fill="{GRID}"/>')
    if allowance:
        share = used / allowance
        color = TEAL if share < 0.8 else (GOLD if share <= 1 else ORANGE)
        parts.append(
            f'<rect x="0" y="5" width="{width * min(share, 1):.1f}" height="12" rx="6" '
            f'fill="{color}"/>'
        )
        if projected:
            px = width * min(projected / allowance, 1) - 1
            parts.append(
                f'<rect x="{max(px, 0):.1f}" y="1" width="2.5" height="20" fill="{INK}" '
                'fill-opacity="0.55"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive non-null points (a null day breaks the line rather than dropping to 0)."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, v in enumerate(values):
        if v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, float(v)))
    if current:
        runs.append(current)
    return runs


def _legend(series: Sequence[Series], x: int, y: int) -> str:
    parts = []
    for s in series:
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        parts.append(
            f'<line x1="{x}" x2="{x + 16}" y1="{y - 4}" y2="{y - 4}" stroke="{s.color}" '
            f'stroke-width="3"{dash}/><text x="{x + 21}" y="{y}" font-size="11.5" fill="{INK}" '
            f"{FONT}>{escape(s.label)}</text>"
        )
        x += 30 + int(len(s.label) * 6.4)
    return "".join(parts)


def _svg_open(width: int, height: int, title: str) -> str:
    label = f' role="img" aria-label="{escape(title)}"' if title else ""
    return f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}"{label}>'
