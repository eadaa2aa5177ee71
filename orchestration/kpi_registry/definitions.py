"""What a KPI entry is: the kinds, the filters a view takes, ``Kpi`` and ``View``, and the ratio
arithmetic every reader shares (``rate``, ``per``). The entries themselves live in one module per
view family beside this one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Kinds: how a key's value comes about over the filtered rows.
COUNT = "count"  # sum of an additive mart column
DISTINCT = "distinct count"  # count(distinct ...) at the finest fact grain (kpi-spec rule 5)
MEDIAN = "median"  # median over the fact grain
RATE = "rate"  # numerator / denominator, a fraction 0..1, null when the denominator is 0
MEAN = "mean"  # numerator (a total) / denominator (a count), in the numerator's unit
SHARE = "share"  # a row's numerator / the same key summed over every row of its table
PER = "per"  # floor(numerator / denominator): the campaign box's "1 sender : n contacts"
KINDS = (COUNT, DISTINCT, MEDIAN, RATE, MEAN, SHARE, PER)
RATIOS = (RATE, MEAN, SHARE, PER)  # computed here from two keys, never read from a mart

# How a key compares with the reference implementation (the formula checks, Kpi.tolerance):
# whole counts exactly; sums of fractional seconds or credits, and whatever divides or
# interpolates, within a relative FLOAT_TOLERANCE (the order of float additions differs).
FLOAT_TOLERANCE = 1e-9

# Filters a view may take (the account and, for dated views, the date range apply to every key
# unless the key ignores them).
DATE_RANGE = "date_range"
CAMPAIGNS = "campaign_ids"
TEMPLATES = "template_ids"
STEPS = "step_numbers"
TRACKER = "tracker"
CONTACT = "contact_id"


@dataclass(frozen=True)
class Kpi:
    """One KPI key of one view (or one section table of a view).

    source: ``table.column`` of the marts: for a COUNT the additive mart column summed, for a
    DISTINCT / MEDIAN the fact grain and the column counted or ranked; none for a ratio.
    metric: the semantic-layer metric (models/semantic/), when it is not named as the key; None
    for a key MetricFlow has no metric for (shares: a group over the ungrouped total).
    """

    key: str
    label: str
    kind: str
    spec: str  # the kpi-spec line it implements
    source: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    ignores: frozenset[str] = frozenset()
    per_period: bool = False  # also a column of the view's per-period rows
    unit: str = "count"  # count | fraction | seconds | credits | money (in its price_unit)
    metric: str | None = ""  # "" = the key itself

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: unknown kind {self.kind!r}")
        if (self.kind in RATIOS) != bool(self.numerator and self.denominator):
            raise ValueError(f"{self.key}: a {self.kind} has a numerator and denominator iff ratio")
        if (self.kind in RATIOS) == bool(self.source):
            raise ValueError(f"{self.key}: a ratio has no source, every other kind one")
        if self.metric == "":
            object.__setattr__(self, "metric", self.key)

    @property
    def tolerance(self) -> float:
        whole = self.kind in (DISTINCT, PER) or (self.kind == COUNT and self.unit == "count")
        return 0.0 if whole else FLOAT_TOLERANCE

    @property
    def table(self) -> str | None:
        return self.source.split(".")[0] if self.source else None

    @property
    def column(self) -> str | None:
        return self.source.split(".")[1] if self.source else None


@dataclass(frozen=True)
class View:
    """A report view: its filters, its headline KPIs in display order, its section tables."""

    name: str
    filters: frozenset[str]
    dated: bool  # False: "as of now", the date range does not apply
    kpis: tuple[Kpi, ...]
    sections: dict[str, tuple[Kpi, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for table, entries in {"kpis": self.kpis, **self.sections}.items():
            keys = [k.key for k in entries]
            if len(keys) != len(set(keys)):
                raise ValueError(f"{self.name}.{table}: a key is registered twice")
            for kpi in entries:
                for part in (kpi.numerator, kpi.denominator):
                    if part is not None and part not in keys:
                        raise ValueError(f"{self.name}.{table}.{kpi.key}: {part} not registered")
                stray = kpi.ignores - self.filters - {DATE_RANGE}
                if stray:
                    raise ValueError(f"{self.name}.{kpi.key} ignores filters it never takes")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k.key for k in self.kpis)

    def kpi(self, key: str, table: str = "kpis") -> Kpi:
        entries = self.kpis if table == "kpis" else self.sections[table]
        for kpi in entries:
            if kpi.key == key:
                return kpi
        raise KeyError(f"{self.name}.{table} has no KPI {key!r}")

    def counts_of(self, mart: str, per_period: bool = False) -> tuple[Kpi, ...]:
        """The view's headline COUNT keys summed from one mart (those published per period)."""
        return tuple(
            k
            for k in self.kpis
            if k.kind == COUNT and k.table == mart and (k.per_period or not per_period)
        )

    def honours(self, key: str, table: str = "kpis") -> frozenset[str]:
        """The filters the key applies: the view's (and its date range) minus those it ignores."""
        taken = self.filters | ({DATE_RANGE} if self.dated else set())
        return frozenset(taken - self.kpi(key, table).ignores)

    def derive(
        self, values: dict[str, Any], table: str = "kpis", period_row: bool = False
    ) -> dict[str, Any]:
        """Fill in, in place, every ratio key of ``table`` (rates, means, "per") from its
        numerator and denominator in ``values``; for a per-period row only the ratios
        published per period."""
        entries = self.kpis if table == "kpis" else self.sections[table]
        for kpi in entries:
            if period_row and not kpi.per_period:
                continue
            if kpi.kind in (RATE, MEAN) and kpi.numerator in values and kpi.denominator in values:
                values[kpi.key] = rate(values[kpi.numerator], values[kpi.denominator])
            elif kpi.kind == PER and kpi.numerator in values and kpi.denominator in values:
                values[kpi.key] = per(values[kpi.numerator], values[kpi.denominator])
        return values

    def shares(self, rows: list[dict[str, Any]], table: str) -> list[dict[str, Any]]:
        """Each row's SHARE keys: its numerator over the numerator summed over every row."""
        for kpi in self.sections[table]:
            if kpi.kind == SHARE:
                total = sum(row[kpi.numerator] or 0 for row in rows)
                for row in rows:
                    row[kpi.key] = rate(row[kpi.numerator], total)
        return rows


def rate(numerator: Any, denominator: Any) -> float | None:
    """numerator / denominator, null when the denominator is 0 or null (kpi-spec rule 3)."""
    if not denominator:
        return None
    return float(numerator or 0) / float(denominator)


def per(numerator: Any, denominator: Any) -> int | None:
    """floor(numerator / denominator), null without a denominator (kpi-spec Campaign box)."""
    if not denominator:
        return None
    return int(numerator or 0) // int(denominator)


def kpi(key, label, kind, source, spec, **options) -> Kpi:
    return Kpi(key=key, label=label, kind=kind, source=source, spec=spec, **options)


def ratio(key, label, kind, numerator, denominator, spec, **options) -> Kpi:
    unit = options.pop("unit", "fraction" if kind in (RATE, SHARE) else "count")
    return Kpi(key=key, label=label, kind=kind, numerator=numerator, denominator=denominator,
               spec=spec, unit=unit, **options)  # fmt: skip
