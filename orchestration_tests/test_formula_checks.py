"""The formula checks compare the published reports with the reference implementation.

They run on the session's small warehouse (conftest.py); each test that changes the warehouse
works on its own copy (``warehouse_copy``).
"""

import multiprocessing
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration import formula_checks as fc
from orchestration import warehouse_connection
from orchestration.formula_checks import changes, compliance, parallel, sampling
from orchestration.formula_checks.comparison import campaign_keys, compare_view
from orchestration.formula_checks.sampling import changed_requests, sample_requests
from orchestration.kpi_registry import REGISTRY
from orchestration.kpi_registry.definitions import CAMPAIGNS
from orchestration.reference import slices
from orchestration.reference.compare import differences
from orchestration.reference.facts import World
from orchestration.reference.report import reference_report
from orchestration.reference.sampled import copied
from orchestration.reference.staged import read_staged
from orchestration.resources import Warehouse

ALL_CHECKS = {
    *fc.VIEW_CHECKS,
    "raw_rows_reconcile_with_staging",
    "landed_data_is_fresh",
    compliance.COMPLIANCE_CHECK,
    compliance.ANOMALY_CHECK,
}


@pytest.fixture(scope="module")
def warehouse(built_warehouse) -> Path:
    """The session's warehouse. Its data ends on END_DATE, so freshness allows for that age."""
    data_ends = datetime.combine(built_warehouse.end_date, datetime.min.time())
    age_hours = (datetime.now() - data_ends).total_seconds() / 3600
    previous = os.environ.get(fc.FRESHNESS_ENV)
    os.environ[fc.FRESHNESS_ENV] = str(age_hours + 48)
    yield built_warehouse.path
    if previous is None:
        os.environ.pop(fc.FRESHNESS_ENV, None)
    else:
        os.environ[fc.FRESHNESS_ENV] = previous


def _results(database: Path) -> dict[str, dg.AssetCheckResult]:
    return {r.check_name: r for r in fc.run_all(database)}


def _value(result: dg.AssetCheckResult, key: str):
    value = result.metadata[key]
    return getattr(value, "value", value)


def test_every_check_passes_on_the_session_warehouse(warehouse: Path) -> None:
    results = _results(warehouse)
    assert set(results) == ALL_CHECKS
    for name in fc.VIEW_CHECKS:
        result = results[name]
        assert _value(result, "requests") > 0 and _value(result, "comparisons") > 0
        assert result.passed, f"{name}: {result.description}\n{_value(result, 'details')}"
        assert _value(result, "failed_accounts") == []
    assert results["raw_rows_reconcile_with_staging"].passed


def test_compliance_and_anomaly_checks_warn_and_never_block(warehouse_copy: Path) -> None:
    """A violation or an anomaly is a finding about the sending, not a fault of the warehouse:
    the checks warn (never blocking, no account held back) and pass once there is none."""
    assert all(not spec.blocking for spec in compliance.SPECS)
    con = warehouse_connection.connect(str(warehouse_copy))
    rows = con.execute("select count(*) from marts.fct_compliance_violations").fetchone()[0]
    found = compliance.check_compliance(con)
    assert found.severity == dg.AssetCheckSeverity.WARN and found.passed == (rows == 0)
    assert sum(_value(found, "by_rule").values()) == rows
    assert "failed_accounts" not in found.metadata
    con.execute(
        "update marts.mart_carrier_block_anomalies set is_anomaly = true where anomaly_check_id "
        "= (select min(anomaly_check_id) from marts.mart_carrier_block_anomalies)"
    )
    flagged = compliance.check_anomalies(con)
    assert not flagged.passed and flagged.severity == dg.AssetCheckSeverity.WARN
    assert _value(flagged, "anomalies") >= 1 and _value(flagged, "by_account")
    con.execute("delete from marts.fct_compliance_violations")
    con.execute("update marts.mart_carrier_block_anomalies set is_anomaly = false")
    assert compliance.check_compliance(con).passed and compliance.check_anomalies(con).passed
    con.close()


def test_the_sample_holds_roll_ups_single_accounts_and_a_dst_week(warehouse: Path) -> None:
    with fc.connect(warehouse) as con:
        requests = sample_requests(con)
        roots = {a for (a,) in con.execute(
            "select account_id from staging.stg_platform__accounts where parent_account_id is null"
        ).fetchall()}  # fmt: skip
    rolled_up = {r.account_id for r in requests if r.include_sub_accounts}
    assert rolled_up and rolled_up <= roots
    assert any(r.range_name.startswith("dst_week_") for r in requests)
    assert any(not r.include_sub_accounts for r in requests)


def _calls_dialed_gaps(database: Path, account_id: str) -> dict[str, int]:
    """Per sampled range of the account: published - reference calls_dialed, where they differ."""
    with fc.connect(database) as con:
        requests = [r for r in sample_requests(con) if r.account_id == account_id]
        comparison = compare_view(con, World(read_staged(con)), "calling", requests)
    return {
        r["range"]: int(r["published"]) - int(r["reference"])
        for r in comparison.rows
        if r["key"] == "kpis.calls_dialed"
    }


def test_a_corrupted_mart_row_fails_its_check_with_both_numbers(warehouse_copy: Path) -> None:
    with fc.connect(warehouse_copy) as con:
        account_id = next(r.account_id for r in sample_requests(con) if r.include_sub_accounts)
    before = _calls_dialed_gaps(warehouse_copy, account_id)
    with warehouse_connection.connect(str(warehouse_copy)) as con:
        con.execute(
            "update marts.mart_calling_kpis set calls_dialed = calls_dialed + 7 "
            "where rowid = (select min(rowid) from marts.mart_calling_kpis "
            "where account_id = ? and calls_dialed > 0)",
            [account_id],
        )
    after = _calls_dialed_gaps(warehouse_copy, account_id)
    moved = {scope: gap - before.get(scope, 0) for scope, gap in after.items()}
    assert moved.get("all_time (with sub-accounts)") == 7, "the corruption went unnoticed"
    assert set(moved.values()) <= {0, 7}  # ranges without the corrupted day do not move
    result = _results(warehouse_copy)["calling_matches_reference"]
    assert not result.passed
    assert account_id in _value(result, "failed_accounts")
    details = _value(result, "details")
    assert "| published | reference |" in details and "kpis.calls_dialed" in details


def test_an_account_without_allowance_is_not_a_failure(warehouse_copy: Path) -> None:
    """Issue 10 finding 2: the allowance is optional; credits_remaining is then null."""
    with warehouse_connection.connect(str(warehouse_copy)) as con:
        (account_id,) = con.execute(
            "select min(account_id) from staging.stg_platform__accounts "
            "where parent_account_id is null"
        ).fetchone()
        # The landed row and the staged table (materialized, so it does not follow raw).
        for table in ("raw.accounts", "staging.stg_platform__accounts"):
            con.execute(
                f"update {table} set monthly_credit_allowance = null where account_id = ?",
                [account_id],
            )
        # What the credits mart publishes for such an account (nothing known to remain).
        con.execute(
            "update marts.mart_credits_by_billing_period set credit_allowance = null, "
            "credits_remaining = null, credits_overage = null where account_id = ?",
            [account_id],
        )
    with fc.connect(warehouse_copy) as con:
        world = World(read_staged(con))
        requests = [r for r in sample_requests(con) if r.account_id == account_id]
        comparison = compare_view(con, world, "credits", requests)
        reference = reference_report(world, "credits", account_id, date_range="all_time")
    assert reference["kpis"]["credits_remaining"] is None
    assert all(p["credits_remaining"] is None for p in reference["rows"])
    allowance_keys = ("credit_allowance", "credits_remaining", "credits_overage")
    assert not [r for r in comparison.rows if r["key"].endswith(allowance_keys)]


def test_reconciliation_catches_a_lost_staged_row(warehouse_copy: Path) -> None:
    with warehouse_connection.connect(str(warehouse_copy)) as con:
        con.execute(
            "create or replace table staging.stg_platform__messages as "
            "select * from staging.stg_platform__messages "
            "where message_id <> (select min(message_id) from staging.stg_platform__messages)"
        )
        result = fc.check_reconciliation(con)
    assert not result.passed
    assert "staged+quarantined+duplicates of messages" in result.description


def test_freshness_warns_on_stale_data(warehouse: Path, monkeypatch) -> None:
    monkeypatch.setenv(fc.FRESHNESS_ENV, "1")
    with fc.connect(warehouse) as con:
        stale = fc.check_freshness(con, now=datetime.now() + timedelta(days=3))
        fresh = fc.check_freshness(con)
    assert not stale.passed
    assert stale.severity == dg.AssetCheckSeverity.WARN
    assert _value(stale, "age_hours") > 1
    assert fresh.severity == dg.AssetCheckSeverity.WARN


def _run_in_dagster(database: Path) -> tuple[bool, dict]:
    keys = {spec.asset_key for check in fc.formula_checks for spec in check.check_specs}
    defs = dg.Definitions(
        assets=[dg.AssetSpec(key) for key in keys],
        asset_checks=fc.formula_checks,
        jobs=[dg.define_asset_job("checks", selection=dg.AssetSelection.all_asset_checks())],
        resources={"warehouse": Warehouse(path=str(database))},
    )
    result = defs.resolve_job_def("checks").execute_in_process(raise_on_error=False)
    return result.success, {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_a_missing_mart_fails_its_check_instead_of_erroring(warehouse_copy: Path) -> None:
    with warehouse_connection.connect(str(warehouse_copy)) as con:
        con.execute("drop table marts.mart_calling_kpis")
    succeeded, evaluations = _run_in_dagster(warehouse_copy)
    assert not succeeded  # a failed blocking check fails the step, so nothing downstream runs
    assert set(evaluations) == ALL_CHECKS
    calling = evaluations["calling_matches_reference"]
    assert not calling.passed
    assert "mart_calling_kpis" in str(calling.metadata["errors"].value)
    assert evaluations["raw_rows_reconcile_with_staging"].passed


def test_checks_run_in_dagster_on_the_mart_assets(warehouse: Path, warehouse_copy: Path) -> None:
    # On a copy: checks that pass record their watermark in the warehouse (changes.record_passed),
    # a write the other worker's readers of the session warehouse would collide with.
    succeeded, evaluations = _run_in_dagster(warehouse_copy)
    assert set(evaluations) == ALL_CHECKS
    messaging = evaluations["messaging_matches_reference"]
    assert messaging.asset_key == dg.AssetKey(["marts", "mart_messaging_kpis"])
    assert succeeded, {n: e.description for n, e in evaluations.items() if not e.passed}


# ------------------------------------------------------------------ a refresh that added rows


def _mark_loaded_later(con, day: str, account_id: str) -> datetime:
    """Stamp the account's messages of one UTC day (and their events) as loaded after every
    other row, as a refresh that added them would; return the instant before them."""
    (newest,) = con.execute("select max(_loaded_at) from staging.stg_platform__messages").fetchone()
    later = newest + timedelta(hours=1)
    ids = "select message_id from staging.stg_platform__messages where account_id = $a " \
        "and created_at::date = $d"  # fmt: skip
    for table in ("stg_platform__messages", "stg_platform__message_events"):
        con.execute(
            f"update staging.{table} set _loaded_at = $t where message_id in ({ids})",
            {"t": later, "a": account_id, "d": day},
        )
    return newest


def test_changed_days_are_the_local_days_of_the_rows_staged_since(warehouse_copy: Path) -> None:
    with warehouse_connection.connect(str(warehouse_copy)) as con:
        account_id, day, zone = con.execute(
            "select m.account_id, min(m.created_at)::date, any_value(a.time_zone) "
            "from staging.stg_platform__messages as m "
            "inner join staging.stg_platform__accounts as a using (account_id) "
            "group by m.account_id order by m.account_id limit 1"
        ).fetchone()
        after = _mark_loaded_later(con, str(day), account_id)
        stamps = [t for (t,) in con.execute(
            "select created_at from staging.stg_platform__messages where _loaded_at > $1", [after]
        ).fetchall()]  # fmt: skip
        found = changes.changed_days(con, after)
        assert set(found) == {account_id}
        local = {t.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date() for t in stamps}
        assert found[account_id] == local and stamps
        # A row without a local day (a template) may move any day of its account (its staged
        # model is a view of the landed rows).
        con.execute(
            "update raw.templates set _loaded_at = $1 where template_id = "
            "(select min(template_id) from staging.stg_platform__templates)",
            [after + timedelta(hours=2)],
        )
        assert changes.UNDATED in set().union(*changes.changed_days(con, after).values())


def test_changed_requests_hold_the_changed_days_and_a_fixed_sample(warehouse: Path) -> None:
    with fc.connect(warehouse) as con:
        full = sample_requests(con)
        alone = next(r for r in full if not r.include_sub_accounts)
        last = alone.today
        changed = {alone.account_id: {last, last - timedelta(days=1), last - timedelta(days=20)}}
        picked = changed_requests(con, full, changed)
        assert picked == changed_requests(con, full, changed)  # reproducible
        undated = changed_requests(con, full, {alone.account_id: {changes.UNDATED}})
    mine = [
        r for r in picked if (r.account_id, r.include_sub_accounts) == (alone.account_id, False)
    ]
    ranges = {r.date_range for r in mine}
    assert (str(last - timedelta(days=1)), str(last)) in ranges  # the newest run, as one range
    assert (str(last - timedelta(days=20)),) * 2 in ranges  # an older changed day (late events)
    assert sum(r.range_name.startswith("unchanged_") for r in mine) == sampling.UNCHANGED_DAYS
    # Every sampled scope is still checked (its sample of unchanged days) ...
    scopes = {(r.account_id, r.include_sub_accounts) for r in full}
    assert {(r.account_id, r.include_sub_accounts) for r in picked} == scopes
    # ... and a change without a day checks the scope's full-sample requests.
    assert set(full) & set(undated) >= {r for r in full if r.account_id == alone.account_id}


def test_the_watermark_scopes_only_a_refresh_of_the_same_project(warehouse_copy: Path) -> None:
    with fc.connect(warehouse_copy) as con:
        through, current = changes.newest_load(con), changes.fingerprint(con)
        # The refresh that built the warehouse passed its checks, so it recorded its watermark.
        assert through is not None and changes.since(con, full_refresh=False) == through
        assert changes.since(con, full_refresh=True) is None  # the daily full build: all
    with warehouse_connection.connect(str(warehouse_copy)) as con:
        con.execute(f"drop table {changes.WATERMARK.table}")
    with fc.connect(warehouse_copy) as con:
        assert changes.since(con, full_refresh=False) is None  # never recorded: check all
    changes.record_passed(warehouse_copy, through, "another project")
    with fc.connect(warehouse_copy) as con:
        assert changes.since(con, full_refresh=False) is None  # the project changed: all
    changes.record_passed(warehouse_copy, through, current)
    with fc.connect(warehouse_copy) as con:
        assert changes.since(con, full_refresh=False) == through


def test_a_corrupted_row_on_a_changed_day_fails_the_incremental_check(warehouse_copy) -> None:
    """After a refresh that added rows, the checks read the changed days: a wrong number there
    fails, and the result states the rule it applied."""
    with fc.connect(warehouse_copy) as con:
        alone = next(r for r in sample_requests(con) if not r.include_sub_accounts)
    with warehouse_connection.connect(str(warehouse_copy)) as con:
        day = con.execute(
            "select max(date_day) from marts.mart_messaging_kpis where account_id = ? "
            "and sms_sent > 0",
            [alone.account_id],
        ).fetchone()[0]
        con.execute(
            "update marts.mart_messaging_kpis set sms_sent = sms_sent + 5 where account_id = ? "
            "and date_day = ? and rowid = (select min(rowid) from marts.mart_messaging_kpis "
            "where account_id = ? and date_day = ? and sms_sent > 0)",
            [alone.account_id, day, alone.account_id, day],
        )
        after = _mark_loaded_later(con, str(day), alone.account_id)
    with fc.connect(warehouse_copy) as con:
        results = {r.check_name: r for r in fc.run_reference_checks(con, after)}
    messaging = results["messaging_matches_reference"]
    assert not messaging.passed and alone.account_id in _value(messaging, "failed_accounts")
    assert "kpis.sms_sent" in _value(messaging, "details")
    assert _value(messaging, "rule").startswith(f"rows staged after {after}")
    assert results["calling_matches_reference"].passed


def test_credits_read_after_the_accounts_midnight_are_checked_as_of_their_day(warehouse_copy):
    """The credits mart projects the current period as of the day it was built (kpi-spec
    "Account usage": used / elapsed days x period days). A check that runs after the account's
    next local midnight (a long build, a nightly schedule) must compare that day's projection,
    not one for the check's day: here the mart is what the build of the day before published."""
    with warehouse_connection.connect(str(warehouse_copy)) as con:
        found = con.execute(
            "select account_id from marts.mart_credits_by_billing_period "
            "where is_current_period and elapsed_days >= 2 order by account_id limit 1"
        ).fetchone()
        if found is None:  # every account's period starts today: no day before in the period
            pytest.skip("no current billing period has a day before the as-of day")
        (account_id,) = found
        con.execute(
            "update marts.mart_credits_by_billing_period set elapsed_days = elapsed_days - 1, "
            "credits_projected = credits_used * period_days / (elapsed_days - 1.0) "
            "where account_id = ? and is_current_period",
            [account_id],
        )
        con.execute(
            "update marts.mart_credits_by_billing_period set as_of_date = as_of_date - 1 "
            "where account_id = ?",
            [account_id],
        )
    request = sampling.Request(account_id, False, "all_time", "all_time", None)
    with fc.connect(warehouse_copy) as con:
        world = World(read_staged(con, accounts=[account_id]))
        comparison = compare_view(con, world, "credits", [request])
    assert (comparison.requests, comparison.errors, comparison.rows) == (1, [], [])

    with warehouse_connection.connect(
        str(warehouse_copy)
    ) as con:  # a day no build can have measured yet
        con.execute(
            "update marts.mart_credits_by_billing_period set as_of_date = current_date + 2 "
            "where account_id = ?",
            [account_id],
        )
    with fc.connect(warehouse_copy) as con:
        comparison = compare_view(con, world, "credits", [request])
    assert [e.split(":")[0] for e in comparison.errors] == [account_id]


# ------------------------------------------------------------------ the row budget: slices


def _budget_below_the_roll_ups(con) -> int:
    """A budget the session world's rolled-up roots exceed but its smallest campaign slices
    fit: half the messages of the smallest root scope."""
    sizes, children = sampling.account_messages(con), sampling.children_of(con)
    roots = children.get(None, [])
    return (
        min(
            sum(sizes.get(a, 0) for a in sampling.scope_accounts(root, True, children))
            for root in roots
        )
        // 2
    )


def test_a_scope_over_the_row_budget_is_checked_on_campaign_slices(warehouse, monkeypatch):
    """Over the budget, a scope is compared on campaigns whose slice fits it, through the API's
    campaign filter; no reference world holds more messages than the budget; every check still
    passes, and those whose view takes no campaign filter compare the whole scopes only."""
    with fc.connect(warehouse) as con:
        budget = _budget_below_the_roll_ups(con)
        requests = sample_requests(con, budget=budget)
        sliced = {(r.account_id, r.include_sub_accounts, r.campaign_id) for r in requests}
        sliced = {s for s in sliced if s[2] is not None}
        children = sampling.children_of(con)
        for account_id, roll_up, campaign in sliced:
            accounts = sampling.scope_accounts(account_id, roll_up, children)
            assert slices.slice_sizes(con, accounts)[campaign] <= budget
        assert {r.include_sub_accounts for r in requests if r.campaign_id} == {True}
        # the root over the budget still has a roll-up compared whole: a sub-tree that fits
        rolled = {r.account_id for r in requests if r.include_sub_accounts and not r.campaign_id}
        assert rolled and all(children.get(a) for a in rolled)
        # an incremental refresh checks the same slices (here: their unchanged days only)
        assert {r.scope for r in changed_requests(con, requests, {})} == {r.scope for r in requests}
        assert all(r.api_arguments()["campaign_ids"] == [r.campaign_id] for r in requests
                   if r.campaign_id)  # fmt: skip
    held = []  # the messages of each world's rows, as the check's process hands them over
    fork = parallel._fork
    monkeypatch.setattr(
        parallel,
        "_fork",
        lambda rows: held.append(len(rows["messages"])) or fork(rows),
    )
    monkeypatch.setenv(sampling.ROW_BUDGET_ENV, str(budget))
    results = _results(warehouse)
    assert held and max(held) <= budget, held
    for name, (view, _) in fc.VIEW_CHECKS.items():
        result = results[name]
        assert result.passed, f"{name}: {result.description}\n{_value(result, 'details')}"
        if CAMPAIGNS in REGISTRY[view].filters:
            assert _value(result, "comparisons") > 0
    assert "compared on its campaigns' slices only" in _value(results[name], "rule")


def test_sizing_under_a_budget_sizes_every_slice_that_fits_exactly(warehouse) -> None:
    """slice_sizes_of with a budget (the sampling's) sizes only the campaigns whose enrolled
    contacts alone fit it: each as slice_sizes sizes it, every campaign whose slice fits among
    them, for each scope (rolled-up roots, accounts alone) and budgets at the slices' sizes."""
    with fc.connect(warehouse) as con:
        children = sampling.children_of(con)
        scopes = [sampling.scope_accounts(root, True, children) for root in children[None]]
        scopes += [[account] for account in sorted(sampling.account_messages(con))]
        exact = [slices.slice_sizes(con, accounts) for accounts in scopes]
        sizes = sorted({n for by_campaign in exact for n in by_campaign.values()})
        left_out = 0
        for budget in sizes[:: max(1, len(sizes) // 6)]:
            for whole, bounded in zip(exact, slices.slice_sizes_of(con, scopes, budget),
                                      strict=True):  # fmt: skip
                assert bounded == {campaign: whole[campaign] for campaign in bounded}
                assert {c for c, n in whole.items() if n <= budget} <= bounded.keys(), budget
                left_out += len(whole) - len(bounded)
        assert left_out > 0  # the lower bound did leave campaigns out


def _as_multiset(rows) -> list[str]:
    """Rows in an order-free form: a read has no order (two reads of a table may differ)."""
    if isinstance(rows, dict):  # _owners: column -> {id: account}
        return sorted(repr(sorted(v.items())) for v in rows.values())
    return sorted(repr(sorted(row.items())) for row in rows)


def test_each_world_reads_the_same_rows_from_the_copies(warehouse) -> None:
    """The rows every sampled world reads are selected from the large staged tables once per
    check run (reference/sampled.py); each world then reads from those copies exactly the rows
    it reads from the staged tables: whole scopes and campaign slices, the owners of the rows
    they name included. The copies are gone afterwards."""
    with fc.connect(warehouse) as con:
        requests = sample_requests(con, budget=_budget_below_the_roll_ups(con))
        children = sampling.children_of(con)
        worlds = sorted(
            {
                (tuple(sorted(sampling.scope_accounts(account, roll_up, children))), campaign)
                for account, roll_up, campaign in sampling.by_scope(requests)
            },
            key=str,
        )
        assert {campaign is None for _, campaign in worlds} == {True, False}
        with copied(con, [(list(accounts), campaign) for accounts, campaign in worlds]) as copies:
            for accounts, campaign in worlds:
                expected = read_staged(con, list(accounts), campaign)
                found = read_staged(con, list(accounts), campaign, copies)
                assert found.keys() == expected.keys()
                assert sum(map(len, found.values())) > 0
                for entity, rows in expected.items():
                    assert _as_multiset(found[entity]) == _as_multiset(rows), (
                        accounts, campaign, entity,
                    )  # fmt: skip
        temporary = "select count(*) from duckdb_tables() where temporary"
        assert con.execute(temporary).fetchone() == (0,)


def test_a_campaign_slice_answers_as_the_whole_account_does(warehouse) -> None:
    """The slice (the campaign's contacts with their whole history) holds every row a
    campaign-filtered report reads: the reference over the slice equals the reference over the
    whole world, for campaigns of a rolled-up root and every view with a campaign filter,
    on the keys that apply the filter. Proven on the reference alone, not through the marts."""
    with fc.connect(warehouse) as con:
        whole = World(read_staged(con))
        root = sampling.children_of(con)[None][0]
        accounts = sampling.scope_accounts(root, True, sampling.children_of(con))
        sizes = slices.slice_sizes(con, accounts)
        # the smallest and largest slices and two more drawn (each about 1 s of CPU here)
        by_size = sorted(sizes, key=lambda c: (sizes[c], c))
        campaigns = [by_size[0], by_size[-1], *random.Random(3).sample(by_size[1:-1], 2)]
        views = [v for v, _ in fc.VIEW_CHECKS.values() if CAMPAIGNS in REGISTRY[v].filters]
        compared = 0
        for campaign in campaigns:
            part = World(read_staged(con, accounts, campaign))
            assert len(part.rows["messages"]) < len(whole.rows["messages"])
            for view in views:
                arguments = {"account_id": root, "include_sub_accounts": True,
                             "date_range": "all_time", "campaign_ids": [campaign]}  # fmt: skip
                expected = campaign_keys(view, reference_report(whole, view, **arguments))
                found = campaign_keys(view, reference_report(part, view, **arguments))
                # as the checks compare: a row of zeros on one side only is no difference
                assert differences(found, expected) == [], (campaign, view)
                compared += 1
    assert campaigns and compared == len(campaigns) * len(views)


def _plant_three_more_sms_sent(warehouse, campaign_id: str) -> None:
    """A wrong number in one campaign slice of the messaging mart: three SMS too many."""
    with warehouse_connection.connect(str(warehouse)) as con:
        con.execute(
            "update marts.mart_messaging_kpis set sms_sent = sms_sent + 3 where rowid = "
            "(select min(rowid) from marts.mart_messaging_kpis where campaign_id = ? "
            "and sms_sent > 0)",
            [campaign_id],
        )


def test_a_wrong_number_in_a_campaign_slice_fails_its_check(warehouse_copy, monkeypatch):
    with fc.connect(warehouse_copy) as con:
        budget = _budget_below_the_roll_ups(con)
        sliced = next(r for r in sample_requests(con, budget=budget) if r.campaign_id)
    _plant_three_more_sms_sent(warehouse_copy, sliced.campaign_id)
    monkeypatch.setenv(sampling.ROW_BUDGET_ENV, str(budget))
    with fc.connect(warehouse_copy) as con:
        results = {r.check_name: r for r in fc.run_reference_checks(con)}
    messaging = results["messaging_matches_reference"]
    assert not messaging.passed and sliced.account_id in _value(messaging, "failed_accounts")
    details = _value(messaging, "details")
    assert "kpis.sms_sent" in details and f"(campaign {sliced.campaign_id})" in details
    assert results["calling_matches_reference"].passed


def test_a_scope_no_campaign_slice_fits_is_named_as_not_compared(warehouse, monkeypatch):
    monkeypatch.setenv(sampling.ROW_BUDGET_ENV, "1")
    with fc.connect(warehouse) as con:
        skipped: list[str] = []
        assert sample_requests(con, budget=1, skipped=skipped) == []
        results = {r.check_name: r for r in fc.run_reference_checks(con)}
    assert skipped and all(r.passed for r in results.values())
    usage = results["usage_matches_reference"]
    assert usage.description.startswith("usage: nothing compared")
    assert f"not compared (over the budget, no campaign's slice fits it): {skipped[0]}" in (
        _value(usage, "rule")
    )


def _shown_results(results) -> list[tuple]:
    return [
        (r.check_name, r.passed, r.description, sorted((k, str(v)) for k, v in r.metadata.items()))
        for r in results
    ]


def test_worlds_compared_in_their_own_processes_equal_worlds_compared_in_turn(
    warehouse_copy, monkeypatch
) -> None:
    """parallel.py computes each reference world in a forked process: the results, a wrong
    number's difference and every count included, are those of the same worlds compared in
    turn in the check's own process, on whole scopes and campaign slices alike."""
    with fc.connect(warehouse_copy) as con:
        budget = _budget_below_the_roll_ups(con)
        requests = sample_requests(con, budget=budget)
        sliced = next(r for r in requests if r.campaign_id)
        worlds = sum(1 for _ in fc._worlds(con, requests, budget))
    _plant_three_more_sms_sent(warehouse_copy, sliced.campaign_id)
    monkeypatch.setenv(sampling.ROW_BUDGET_ENV, str(budget))
    forks = []
    fork = parallel._fork
    monkeypatch.setattr(parallel, "_fork", lambda rows: forks.append(1) or fork(rows))
    with fc.connect(warehouse_copy) as con:
        forked = fc.run_reference_checks(con)
        monkeypatch.setattr(parallel, "FORKING", False)
        in_turn = fc.run_reference_checks(con)
    assert len(forks) == worlds > parallel.WORLDS_AT_ONCE  # more worlds than run at once
    assert not {r.check_name: r for r in forked}["messaging_matches_reference"].passed
    assert _shown_results(forked) == _shown_results(in_turn)


def _broken(world, published):
    raise ValueError("the reference broke")


def _gone(world, published):
    os._exit(3)


@pytest.mark.parametrize(
    ("compared", "error"), [(_broken, "ValueError: the reference broke"), (_gone, "exit code 3")]
)
def test_a_world_whose_process_fails_fails_the_check_run(warehouse, monkeypatch, compared, error):
    """A reference world that raises, or whose process dies, fails the run with the reason
    (as an error in the reference did in the check's process); no world's process is left."""
    monkeypatch.setattr(parallel, "_compared", compared)
    with fc.connect(warehouse) as con, pytest.raises(parallel.ReferenceWorldFailed, match=error):
        fc.run_reference_checks(con)
    assert multiprocessing.active_children() == []
