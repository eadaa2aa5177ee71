"""Published numbers (the reporting API over the marts) against the reference implementation.

Pure Python, no Dagster: ``compare_view`` runs one view for every sampled request through both
and returns a ``Comparison`` naming every number that differs, with both values, and the
accounts concerned. The reference reads only staged rows (orchestration.reference), so this
proves the marts with code that shares nothing with the models. The headline keys compared,
and the tolerance of each, are the KPI registry's (a key either side lacks is a difference);
the rows and sections are compared key for key by orchestration.reference.compare.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from orchestration.formula_checks.sampling import Request
from orchestration.kpi_registry import REGISTRY
from orchestration.kpi_registry.definitions import CAMPAIGNS
from orchestration.reference.compare import MISSING, Difference, differences
from orchestration.reference.facts import World
from orchestration.reference.report import reference_report
from orchestration.reporting.api import report

MAX_DETAIL_ROWS = 60


@dataclass
class Comparison:
    view: str
    compared: int = 0  # numbers compared
    requests: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)  # the numbers that differ
    errors: list[str] = field(default_factory=list)

    def add(self, other: Comparison) -> None:
        """Take in another world's comparison of the same view."""
        self.compared += other.compared
        self.requests += other.requests
        self.rows += other.rows
        self.errors += other.errors

    @property
    def failed_accounts(self) -> list[str]:
        return sorted({r["account"] for r in self.rows})

    @property
    def passed(self) -> bool:
        return not self.rows and not self.errors

    def description(self) -> str:
        if self.errors:
            return f"{self.view}: {self.errors[0]}"
        if not self.requests:
            return (
                f"{self.view}: nothing compared: no sampled scope fits the row budget whole, "
                "and a campaign's slice cannot answer this view"
            )
        if not self.rows:
            return (
                f"{self.view}: all {self.compared} numbers of {self.requests} requests match "
                "the reference"
            )
        first = self.rows[0]
        return (
            f"{self.view}: {len(self.rows)} of {self.compared} numbers differ, e.g. "
            f"{first['key']} for account {first['account']} ({first['range']}): "
            f"published {first['published']} vs reference {first['reference']}"
        )

    def details(self) -> str:
        """A markdown table of the differing numbers, both sides, headline KPIs first."""
        lines = ["| account | range | key | published | reference |", "|---|---|---|---|---|"]
        headline_first = sorted(self.rows, key=lambda r: not r["key"].startswith("kpis."))
        for r in headline_first[:MAX_DETAIL_ROWS]:
            lines.append(
                f"| {r['account']} | {r['range']} | {r['key']} | {r['published']} | "
                f"{r['reference']} |"
            )
        if len(self.rows) > MAX_DETAIL_ROWS:
            lines.append(f"| ... {len(self.rows) - MAX_DETAIL_ROWS} more | | | | |")
        return "\n".join(lines)


CONTAINERS = frozenset({dict, list})  # a report's JSON (reference_report's) has no others


def _leaves(value: Any) -> int:
    """The numbers (and other scalars) in a report's JSON: what a comparison compares."""
    if type(value) is list:
        return sum(map(_leaves, value))
    if type(value) is not dict:
        return 1
    nested = [v for v in value.values() if type(v) in CONTAINERS]
    return len(value) - len(nested) + sum(map(_leaves, nested))


def _shown(value: Any) -> str:
    return json.dumps(value, default=str)[:120]


@dataclass
class Published:
    """One view's published side for the requests of one reference world: per request the API's
    report and the arguments the reference answers it with; the requests the API failed on."""

    view: str
    answers: list[tuple[Request, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    as_of_days: dict[str, date] | None = None  # credits: each account's mart as_of_date


def compare_view(con, world: World, view: str, requests: list[Request]) -> Comparison:
    """The view for every request ``world`` can answer: a campaign's slice answers only views
    that take the campaign filter, and only the keys that apply it (``campaign_keys``)."""
    return compare_published(world, published_side(con, view, requests))


def published_side(con, view: str, requests: list[Request]) -> Published:
    """What the API publishes for the view's requests (those a world can answer; an undated
    view once per scope): all the check reads from the warehouse, no reference world needed."""
    out = Published(view)
    seen = set()
    if CAMPAIGNS not in REGISTRY[view].filters:
        requests = [r for r in requests if r.campaign_id is None]
    if requests and view == "credits":
        out.as_of_days = _credits_as_of_days(con)
    for request in requests:
        arguments = request.api_arguments()
        if not REGISTRY[view].dated:  # "as of now": once per account scope (or slice)
            if request.scope in seen:
                continue
            seen.add(request.scope)
        if view == "credits":
            arguments["today"] = None  # the billing periods are as of the build's local today
        try:
            published = report(view, con=con, **arguments).to_dict()
        except Exception as error:  # a view that cannot be produced is a failed check, named
            out.errors.append(f"the API failed for {request}: {error}")
            continue
        arguments["today"] = date.fromisoformat(published["today"])
        out.answers.append((request, arguments, published))
    return out


def compare_published(world: World, published: Published) -> Comparison:
    """The reference's report for each published one, and every number that differs: all
    the check computes from the staged rows, with no connection (it runs apart, parallel.py)."""
    view, as_of_days = published.view, published.as_of_days
    comparison = Comparison(view)
    if as_of_days is not None:
        _check_as_of_days(world, as_of_days, comparison)
    comparison.errors += published.errors
    for request, arguments, answer in published.answers:
        if view == "credits":  # each account's periods run through its own local today
            arguments = {**arguments, "now": datetime.now().astimezone()}
            arguments["as_of_days"] = as_of_days
        reference = reference_report(world, view, **arguments)
        if request.campaign_id is not None:
            answer, reference = campaign_keys(view, answer), campaign_keys(view, reference)
        comparison.requests += 1
        comparison.compared += _leaves(reference["kpis"]) + _leaves(reference["rows"])
        comparison.compared += _leaves(reference["sections"])
        scope = request.range_name + (
            " (with sub-accounts)" if request.include_sub_accounts else ""
        )
        if request.campaign_id is not None:
            scope += f" (campaign {request.campaign_id})"
        skipped = campaign_ignored(view) if request.campaign_id is not None else frozenset()
        found_all = headline_differences(view, answer["kpis"], reference["kpis"], skipped)
        found_all += differences(
            {k: answer[k] for k in ("rows", "sections")},
            {k: reference[k] for k in ("rows", "sections")},
        )
        for found in found_all:
            comparison.rows.append({
                "account": request.account_id,
                "range": scope,
                "key": found.path,
                "published": _shown(found.published),
                "reference": _shown(found.reference),
            })  # fmt: skip
    return comparison


def campaign_ignored(view: str, table: str = "kpis") -> frozenset[str]:
    """The keys of a view's table that ignore the campaign filter (the registry's)."""
    registered = REGISTRY[view]
    entries = registered.kpis if table == "kpis" else registered.sections.get(table, ())
    return frozenset(k.key for k in entries if CAMPAIGNS in k.ignores)


def campaign_keys(view: str, report_json: dict) -> dict:
    """A report without the keys that ignore the campaign filter: computed over the whole
    account, they cannot come out of a campaign's slice. A section whose registered keys all
    ignore it goes whole."""
    registered = REGISTRY[view]
    ignored = functools.partial(campaign_ignored, view)

    def without(rows: list, keys: set[str]) -> list:
        return [{k: v for k, v in row.items() if k not in keys} for row in rows]

    sections = {}
    for table, rows in report_json["sections"].items():
        entries = registered.sections.get(table, ())
        if entries and all(CAMPAIGNS in k.ignores for k in entries):
            continue
        sections[table] = without(rows, ignored(table))
    headline = ignored("kpis")
    return {
        **report_json,
        "kpis": {k: v for k, v in report_json["kpis"].items() if k not in headline},
        "rows": without(report_json["rows"], headline),
        "sections": sections,
    }


def _credits_as_of_days(con) -> dict[str, date]:
    """The local day each account's billing periods were built on (the mart's as_of_date):
    the reference measures the periods on the same day, so a check that runs after an
    account's midnight compares the same day's projection."""
    return dict(
        con.execute(
            "select account_id, max(as_of_date) from marts.mart_credits_by_billing_period "
            "group by account_id"
        ).fetchall()
    )


def _check_as_of_days(world: World, days: dict[str, date], comparison: Comparison) -> None:
    """A day after the account's local today cannot be the build's, and fails the check."""
    now = datetime.now().astimezone()
    for account_id, day in sorted(days.items()):
        if account_id in world.accounts and day > world.day(now, account_id):
            comparison.errors.append(
                f"{account_id}: the credits are as of {day}, after the account's today"
            )


def headline_differences(
    view: str, published: dict, reference: dict, skipped: frozenset[str] = frozenset()
) -> list[Difference]:
    """The view's registered KPI keys but ``skipped``, each within its tolerance (whole counts
    exactly); a registered key missing on either side, or a key the registry does not know,
    differs."""
    out = []
    registered = REGISTRY[view]
    for key in sorted((set(published) | set(reference)) - set(registered.keys)):
        out.append(Difference(f"kpis.{key}", published.get(key, MISSING), "<not registered>"))
    for kpi in registered.kpis:
        if kpi.key in skipped:
            continue
        ours, theirs = published.get(kpi.key, MISSING), reference.get(kpi.key, MISSING)
        if not _equal(ours, theirs, kpi.tolerance):
            out.append(Difference(f"kpis.{kpi.key}", ours, theirs))
    return out


def _equal(published: Any, reference: Any, tolerance: float) -> bool:
    if published is MISSING or reference is MISSING:
        return False
    numbers = (int, float)
    if isinstance(published, numbers) and isinstance(reference, numbers):
        return math.isclose(published, reference, rel_tol=tolerance, abs_tol=tolerance)
    return published == reference
