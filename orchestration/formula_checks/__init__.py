"""Dagster asset checks: the published numbers against the reference implementation.

Each report view gets one blocking check on the mart it reads most. The check runs the public
reporting API (over the marts) and orchestration.reference (over the staged rows only) for a
sample of accounts and ranges, a DST week included (sampling.py), and fails when any number
differs. The reference holds what it reads, so a row budget bounds it: a sampled scope over the
budget is compared on campaigns' slices (sampling.py, reference/slices.py); the worlds are
computed side by side, each in a process of its own (parallel.py). A refresh that only added
rows since the checks last passed (changes.py) checks, for the same accounts, the days that
changed plus a fixed random sample of the rest (sampling.changed_requests); the
--full-refresh build checks the whole sample again. The result
says which rule applied; its metadata holds both numbers of each difference and names the
accounts concerned under ``failed_accounts`` (the publish step holds back only those). The
landing checks (reconciliation, freshness) live in landing.py. All checks read on a read-only
connection in the warehouse pool, so they never overlap a load or a dbt build; only a passing
reference run then records its watermark (changes.record_passed).
"""

import gc
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration import warehouse_connection
from orchestration.formula_checks import changes, compliance, sampling
from orchestration.formula_checks.comparison import Comparison
from orchestration.formula_checks.landing import (
    DEFAULT_FRESHNESS_HOURS,
    FRESHNESS_ENV,
    RECONCILIATION_ASSET,
    check_freshness,
    check_reconciliation,
)
from orchestration.formula_checks.parallel import compare_worlds
from orchestration.formula_checks.sampling import changed_requests, sample_requests
from orchestration.kpi_registry import VIEWS
from orchestration.landing.assets import WAREHOUSE_POOL
from orchestration.publishing import full_refresh_run
from orchestration.reference.sampled import copied
from orchestration.reference.staged import fetch_staged
from orchestration.resources import Warehouse

# check name -> (report view, the mart it proves)
VIEW_CHECKS = {
    "messaging_matches_reference": ("messaging", "mart_messaging_kpis"),
    "calling_matches_reference": ("calling", "mart_calling_kpis"),
    "campaign_box_matches_reference": ("campaign-box", "mart_campaign_box"),
    "send_report_matches_reference": ("send-report", "mart_send_report"),
    "usage_matches_reference": ("usage", "mart_account_usage_daily"),
    "credits_match_reference": ("credits", "mart_credits_by_billing_period"),
    "conversations_match_reference": ("conversations", "fct_text_conversations"),
    "suppressions_match_reference": ("suppressions", "fct_suppressions"),
    "delivery_status_matches_reference": ("delivery-status", "mart_delivery_status_daily"),
    "compliance_matches_reference": ("compliance", "fct_compliance_violations"),
    "carrier_block_anomalies_match_reference": (
        "carrier-block-anomalies",
        "mart_carrier_block_anomalies",
    ),
}
# Not checked here: compare (the reference recomputes the messaging view once per campaign and
# template, far too slow for a refresh; the differential tests cover it). Spend is a table of
# the messaging and usage views, checked with them.
# A view the API does not serve yet has nothing to prove.
VIEW_CHECKS = {name: vm for name, vm in VIEW_CHECKS.items() if vm[0] in VIEWS}


def mart_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", name])


def connect(database: Path) -> duckdb.DuckDBPyConnection:
    return warehouse_connection.connect(database, read_only=True)


def _result(name: str, comparison: Comparison, rule: str) -> dg.AssetCheckResult:
    metadata = {
        "rule": rule,
        "requests": comparison.requests,
        "comparisons": comparison.compared,
        "mismatches": len(comparison.rows),
        "failed_accounts": dg.MetadataValue.json(comparison.failed_accounts),
        "details": dg.MetadataValue.md(comparison.details()),
    }
    if comparison.rows:
        metadata["first_mismatch"] = dg.MetadataValue.json(comparison.rows[0])
    if comparison.errors:
        metadata["errors"] = dg.MetadataValue.json(comparison.errors[:20])
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=mart_key(VIEW_CHECKS[name][1]),
        passed=comparison.passed,
        metadata=metadata,
        description=f"{comparison.description()} ({rule})",
    )


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, then collect once. The reference holds about a
    million staged rows as long-lived, acyclic dicts; each automatic gen-2 pass re-scanned them
    all, ~17 % of the check's CPU on the demo (50.1 s with, 41.6 s without)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def run_reference_checks(con, after: datetime | None = None) -> list[dg.AssetCheckResult]:
    """Every view's check on the sampled requests; with ``after``, only those an incremental
    refresh checks: the days changed by the rows staged after it, plus a fixed sample."""
    with _collection_paused():
        return _compare_views(con, after)


FULL_RULE = "every sampled request: the full check"
CHANGED_RULE = (
    "rows staged after {after} UTC: per sampled account scope, its changed local days of the "
    "newest {newest} as one range, up to {older} older changed days and {rest} unchanged day "
    "drawn with a fixed seed; all its sampled requests when a row without a local day changed"
)
BUDGET_RULE = (
    "; a scope over {budget:,} messages compared on its campaigns' slices only (views with a "
    "campaign filter, the keys that apply it): {sliced}"
)
SKIPPED_RULE = "; not compared (over the budget, no campaign's slice fits it): {skipped}"


def _compare_views(con, after: datetime | None) -> list[dg.AssetCheckResult]:
    budget, skipped = sampling.row_budget(), []
    requests, rule = sample_requests(con, budget=budget, skipped=skipped), FULL_RULE
    if after is not None:
        requests = changed_requests(con, requests, changes.changed_days(con, after))
        rule = CHANGED_RULE.format(
            after=after,
            newest=sampling.NEWEST_DAYS,
            older=sampling.OLDER_CHANGED_DAYS,
            rest=sampling.UNCHANGED_DAYS,
        )
    sliced = sorted({_scope_name(r) for r in requests if r.campaign_id is not None})
    if sliced:
        rule += BUDGET_RULE.format(budget=budget, sliced=", ".join(sliced))
    if skipped:
        rule += SKIPPED_RULE.format(skipped=", ".join(skipped))
    comparisons = {view: Comparison(view) for view, _ in VIEW_CHECKS.values()}
    # closed here, on any error too: its copies are dropped while the connection is open
    with closing(_worlds(con, requests, budget)) as worlds:
        for compared in compare_worlds(con, worlds, list(comparisons)):
            for view, comparison in compared.items():
                comparisons[view].add(comparison)
    return [_result(name, comparisons[view], rule) for name, (view, _) in VIEW_CHECKS.items()]


def _scope_name(request: sampling.Request) -> str:
    rolled = " with sub-accounts" if request.include_sub_accounts else ""
    return f"{request.account_id}{rolled}: {request.campaign_id}"


def _worlds(con, requests: list[sampling.Request], budget: int):
    """The reference worlds' staged rows, one world at a time, each with the requests it
    answers: one per campaign slice; the whole scopes' requests share a world while their
    accounts' messages fit the budget together (scopes overlap: a root rolled up and its
    sub-account alone). The whole scopes' worlds come first, the largest first, then the
    slices, those with the most contacts (whose whole histories are their rows) first:
    parallel.py computes worlds side by side, and the world that takes longest (the most rows,
    every view) starts first, so the run does not end waiting on a large world read last. The
    rows they read are selected from the large staged tables once for all
    (reference/sampled.py)."""
    children, sizes = sampling.children_of(con), sampling.account_messages(con)
    sliced: list[tuple[list[str], str, list[sampling.Request]]] = []
    groups: list[tuple[set[str], list[sampling.Request]]] = []
    for (account_id, roll_up, campaign), selected in sampling.by_scope(requests).items():
        accounts = set(sampling.scope_accounts(account_id, roll_up, children))
        if campaign is not None:
            sliced.append((sorted(accounts), campaign, selected))
            continue
        merged = groups[-1][0] | accounts if groups else accounts
        if groups and sum(sizes.get(a, 0) for a in merged) <= budget:
            groups[-1] = (merged, groups[-1][1] + selected)
        else:
            groups.append((accounts, selected))
    groups.sort(key=lambda group: -sum(sizes.get(a, 0) for a in group[0]))
    worlds = [(sorted(accounts), None, selected) for accounts, selected in groups] + sliced
    if not worlds:
        return
    with copied(con, [(accounts, campaign) for accounts, campaign, _ in worlds]) as copies:
        sliced.sort(key=lambda s: -len(copies.contacts[(tuple(s[0]), s[1])]))  # stable
        for accounts, campaign, selected in worlds[: len(groups)] + sliced:
            # read in the yield: no name here holds the last world's rows meanwhile
            yield fetch_staged(con, accounts, campaign, copies), selected


REFERENCE_SPECS = [
    dg.AssetCheckSpec(
        name,
        asset=mart_key(mart),
        blocking=True,
        description=f"The {view} report (API over the marts) equals the reference "
        "implementation (staged rows, kpi-spec) for sampled accounts and ranges; an account "
        f"scope over {sampling.ROW_BUDGET_ENV} messages (default "
        f"{sampling.DEFAULT_ROW_BUDGET:,}) on the slices of campaigns that fit it (the views "
        "with a campaign filter, the keys that apply it). A refresh "
        "that added rows since the checks last passed checks, per sampled account scope, the "
        f"local days its new rows fall on (those of the newest {sampling.NEWEST_DAYS} days and "
        f"up to {sampling.OLDER_CHANGED_DAYS} older ones) plus {sampling.UNCHANGED_DAYS} "
        "unchanged day, drawn with a fixed seed (all its sampled requests when a row without a "
        "local day changed); the --full-refresh build, a first check or a changed project "
        "checks every sampled request.",
    )
    for name, (view, mart) in VIEW_CHECKS.items()
]

LANDING_SPECS = [
    dg.AssetCheckSpec(
        "raw_rows_reconcile_with_staging",
        asset=RECONCILIATION_ASSET,
        blocking=True,
        description="Per entity: rows in raw = staged + quarantined + duplicates, and "
        "= the ledger's rows loaded.",
    ),
    dg.AssetCheckSpec(
        "landed_data_is_fresh",
        asset=RECONCILIATION_ASSET,
        description=f"Warns when the newest landed data is older than "
        f"{FRESHNESS_ENV} hours (default {DEFAULT_FRESHNESS_HOURS:g}).",
    ),
]


# Checks that warn and never block, even when the warehouse cannot be read.
WARNING_CHECKS = {"landed_data_is_fresh", *(spec.name for spec in compliance.SPECS)}


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
                severity=dg.AssetCheckSeverity.WARN
                if spec.name in WARNING_CHECKS
                else dg.AssetCheckSeverity.ERROR,
                description=f"could not read the warehouse: {error}",
                metadata={"error": str(error)},
            )
            for spec in specs
        ]


@dg.multi_asset_check(
    name="reference_checks",
    specs=REFERENCE_SPECS,
    pool=WAREHOUSE_POOL,
    description="Compare every report view with the reference implementation.",
)
def reference_checks(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[dg.AssetCheckResult]:
    seen: dict = {}

    def run(con) -> list[dg.AssetCheckResult]:
        # What this run proves: the rows loaded so far, under the project as it is now.
        seen["through"], seen["fingerprint"] = changes.newest_load(con), changes.fingerprint(con)
        return run_reference_checks(con, changes.since(con, full_refresh_run(context)))

    results = guarded(warehouse.database, REFERENCE_SPECS, run)
    if all(r.passed for r in results) and seen.get("through") and seen.get("fingerprint"):
        changes.record_passed(warehouse.database, seen["through"], seen["fingerprint"])
    yield from results


@dg.multi_asset_check(name="landing_checks", specs=LANDING_SPECS, pool=WAREHOUSE_POOL)
def landing_checks(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[dg.AssetCheckResult]:
    yield from guarded(
        warehouse.database,
        LANDING_SPECS,
        lambda con: [check_reconciliation(con), check_freshness(con)],
    )


@dg.multi_asset_check(
    name="compliance_checks",
    specs=compliance.SPECS,
    pool=WAREHOUSE_POOL,
    description="Warn on compliance violations and carrier-block anomalies.",
)
def compliance_checks(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[dg.AssetCheckResult]:
    yield from guarded(
        warehouse.database,
        compliance.SPECS,
        lambda con: [compliance.check_compliance(con), compliance.check_anomalies(con)],
    )


formula_checks = [reference_checks, landing_checks, compliance_checks]


def run_all(database: Path) -> list[dg.AssetCheckResult]:
    """Every check against a warehouse file, outside Dagster (tests, debugging)."""
    with connect(database) as con:
        return [
            *run_reference_checks(con),
            check_reconciliation(con),
            check_freshness(con),
            compliance.check_compliance(con),
            compliance.check_anomalies(con),
        ]
