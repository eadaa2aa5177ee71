"""The Python formula checks pass on a freshly built warehouse and catch a corrupted mart.

They run on the session's small warehouse (conftest.py); each corruption test works on its own
copy of the file, so the tests stay independent.
"""

import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration import formula_checks as fc
from orchestration.resources import Warehouse

ALL_CHECKS = {
    "local_day_matches_python",
    "delivery_outcome_matches_python",
    "reply_rate_matches_python",
    "median_response_time_matches_python",
    "daily_median_response_time_matches_python",
    "delivery_rate_matches_python",
    "carrier_block_rate_matches_python",
    "segments_sent_matches_python",
    "reply_counts_match_python",
    "response_counts_match_python",
    "usage_segments_and_credits_match_python",
    "credits_used_matches_python",
    "conversations_match_python",
    "raw_rows_reconcile_with_staging",
    "landed_data_is_fresh",
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


def _copy(warehouse: Path, tmp_path: Path) -> Path:
    target = tmp_path / "corrupted.duckdb"
    shutil.copy(warehouse, target)
    return target


def _results(database: Path) -> dict[str, dg.AssetCheckResult]:
    return {r.check_name: r for r in fc.run_all(database)}


def _value(result: dg.AssetCheckResult, key: str):
    value = result.metadata[key]
    return getattr(value, "value", value)


def test_every_formula_check_passes_with_both_numbers(warehouse: Path) -> None:
    results = _results(warehouse)
    assert set(results) == ALL_CHECKS
    for name, result in results.items():
        assert result.passed, f"{name}: {result.description}\n{_value(result, 'details')}"
        if name == "landed_data_is_fresh":
            assert _value(result, "age_hours") <= _value(result, "allowed_lag_hours")
            continue
        assert _value(result, "mismatches") == 0
        assert _value(result, "comparisons") > 0
        details = _value(result, "details")
        assert "expected (Python)" in details and "actual (mart)" in details
    # The totals over all accounts and all time are in the metadata, both sides, non-trivial.
    delivery = results["delivery_rate_matches_python"]
    assert _value(delivery, "expected_first_messages_sent") > 0
    assert _value(delivery, "expected_first_messages_sent") == _value(
        delivery, "actual_first_messages_sent"
    )
    median = results["median_response_time_matches_python"]
    assert "all_time" in _value(median, "ranges") and "last_7_days" in _value(median, "ranges")
    assert any(r.startswith("dst_week_") for r in _value(median, "ranges").split(", "))
    assert any(r.startswith("month_") for r in _value(median, "ranges").split(", "))


@pytest.mark.parametrize(
    ("statement", "check", "measure"),
    [
        (
            "update marts.mart_messaging_kpis set delivered_first_messages = "
            "delivered_first_messages + 1 where messaging_kpi_id = (select min(messaging_kpi_id) "
            "from marts.mart_messaging_kpis where first_messages_sent > 0)",
            "delivery_rate_matches_python",
            "delivered_first_messages",
        ),
        (
            "update marts.fct_responses set response_seconds = response_seconds + 7 "
            "where is_answered",
            "median_response_time_matches_python",
            "median_response_seconds",
        ),
        (
            "update marts.fct_campaign_contacts set first_reply_date_day = null "
            "where campaign_contact_id = (select min(campaign_contact_id) "
            "from marts.fct_campaign_contacts where has_replied)",
            "reply_rate_matches_python",
            "replied_contacts",
        ),
        (
            "update marts.mart_calling_kpis set conversations = conversations + 1 "
            "where calling_kpi_key = (select min(calling_kpi_key) from marts.mart_calling_kpis "
            "where calls_answered > conversations)",
            "conversations_match_python",
            "conversations",
        ),
        (
            "update marts.mart_credits_by_billing_period set credits_used = credits_used + 5 "
            "where billing_period_id = (select min(billing_period_id) "
            "from marts.mart_credits_by_billing_period)",
            "credits_used_matches_python",
            "credits_used",
        ),
        (
            "update marts.mart_messaging_kpis set sms_segments_sent = sms_segments_sent + 2 "
            "where messaging_kpi_id = (select min(messaging_kpi_id) "
            "from marts.mart_messaging_kpis where sms_segments_sent > 0)",
            "segments_sent_matches_python",
            "sms_segments_sent",
        ),
        (
            "update marts.fct_messages set delivery_outcome = 'pending' "
            "where message_id = (select max(message_id) from marts.fct_messages "
            "where delivery_outcome = 'delivered' "
            "and date_day >= (select max(date_day) - 3 from marts.fct_messages))",
            "delivery_outcome_matches_python",
            "messages_delivered",
        ),
    ],
    ids=[
        "delivery_rate",
        "median_response",
        "reply_rate",
        "conversations",
        "credits",
        "segments",
        "outcome",
    ],
)
def test_a_corrupted_mart_value_fails_its_check(
    warehouse: Path, tmp_path: Path, statement: str, check: str, measure: str
) -> None:
    database = _copy(warehouse, tmp_path)
    with duckdb.connect(str(database)) as con:
        con.execute(statement)
    result = _results(database)[check]
    assert not result.passed
    assert _value(result, "mismatches") > 0
    first = _value(result, "first_mismatch")
    assert first["measure"] == measure
    assert first["expected"] != first["actual"]
    assert first["expected"] is not None and first["actual"] is not None
    assert str(first["expected"]) in result.description
    assert str(first["actual"]) in result.description


def test_an_account_without_an_allowance_passes_the_credits_check(
    warehouse: Path, tmp_path: Path
) -> None:
    """monthly_credit_allowance is optional (raw-contract): without one, credits remaining is
    unknown (null), which is no mismatch; a missing optional value never fails a check."""
    database = _copy(warehouse, tmp_path)
    with duckdb.connect(str(database)) as con:
        con.execute(
            "update marts.mart_credits_by_billing_period "
            "set credit_allowance = null, credits_remaining = null "
            "where account_id = (select min(account_id) from marts.mart_credits_by_billing_period)"
        )
    result = _results(database)["credits_used_matches_python"]
    assert result.passed, result.description


def test_reconciliation_catches_a_lost_staged_row(warehouse: Path, tmp_path: Path) -> None:
    database = _copy(warehouse, tmp_path)
    with duckdb.connect(str(database)) as con:
        con.execute(
            "create or replace table staging.stg_platform__messages as "
            "select * from staging.stg_platform__messages "
            "where message_id <> (select min(message_id) from staging.stg_platform__messages)"
        )
    result = _results(database)["raw_rows_reconcile_with_staging"]
    assert not result.passed
    first = _value(result, "first_mismatch")
    assert first["account"] == "messages"
    assert first["expected"] == first["actual"] + 1


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


def test_a_missing_mart_fails_its_checks_instead_of_erroring(
    warehouse: Path, tmp_path: Path
) -> None:
    database = _copy(warehouse, tmp_path)
    with duckdb.connect(str(database)) as con:
        con.execute("drop table marts.mart_calling_kpis")
    succeeded, evaluations = _run_in_dagster(database)
    assert not succeeded  # a failed blocking check fails the step, so nothing downstream runs
    assert set(evaluations) == ALL_CHECKS
    assert not evaluations["conversations_match_python"].passed
    assert "mart_calling_kpis" in evaluations["conversations_match_python"].metadata["error"].value
    assert evaluations["delivery_rate_matches_python"].passed


def test_checks_run_in_dagster_on_the_mart_assets(warehouse: Path) -> None:
    succeeded, evaluations = _run_in_dagster(warehouse)
    assert succeeded
    assert set(evaluations) == ALL_CHECKS
    assert all(e.passed for e in evaluations.values())
    delivery = evaluations["delivery_rate_matches_python"]
    assert delivery.asset_key == dg.AssetKey(["marts", "mart_messaging_kpis"])
    assert delivery.metadata["mismatches"].value == 0
