"""Differential tests: the public report API equals the reference implementation, key for key.

A batch of random worlds (orchestration_tests/worlds.py) and the regression worlds below are
written as one landing and built once (a dbt build costs a minute or more); Hypothesis then draws
report requests over the built worlds: view, account with or without its sub-accounts, presets
and custom ranges (empty ones and DST days included), campaign / template / step subsets,
tracker, bucket. Each request's API JSON must equal the reference's (floats within 1e-9).

COMMS_DIFF_WORLDS (default 5) and COMMS_DIFF_EXAMPLES (default 60) raise the budget, e.g.
``COMMS_DIFF_WORLDS=40 COMMS_DIFF_EXAMPLES=5000``; COMMS_DIFF_SEED picks another batch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import regression_worlds
import regression_worlds_compliance
import regression_worlds_spend
from differential import build, draw_worlds, mismatches, reference_world
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from worlds import DST_DAYS, START, TODAY

from orchestration import warehouse_connection
from orchestration.reference.facts import World
from orchestration.reference.report import VIEWS

# Scheduled among the long modules (conftest.py): its fixture builds the marts of its random worlds.
pytestmark = pytest.mark.builds(0.5)

WORLDS = int(os.environ.get("COMMS_DIFF_WORLDS", "5"))
EXAMPLES = int(os.environ.get("COMMS_DIFF_EXAMPLES", "60"))
SEED = int(os.environ.get("COMMS_DIFF_SEED", "20261112"))
PRESETS = ("today", "yesterday", "last_7_days", "last_30_days", "this_month", "last_month",
           "all_time")  # fmt: skip
VIEW_FILTERS = {
    "messaging": ("campaign_ids", "template_ids"),
    "calling": ("campaign_ids",),
    "campaign-box": ("campaign_ids",),
    "send-report": ("campaign_ids", "template_ids", "step_numbers"),
    "usage": (),
    "credits": (),
    "conversations": ("tracker",),
    "suppressions": (),
    "delivery-status": ("campaign_ids", "template_ids", "tracker"),
    "compare": ("campaign_ids", "template_ids"),
    "compliance": (),
    "carrier-block-anomalies": (),
}
REGRESSION_CASES = (
    regression_worlds.CASES + regression_worlds_spend.CASES + regression_worlds_compliance.CASES
)


@dataclass
class Built:
    warehouse: Path
    world: World
    con: duckdb.DuckDBPyConnection


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    batch = {f"w{i}_": world for i, world in enumerate(draw_worlds(WORLDS, SEED))}
    batch.update(regression_worlds.worlds())
    batch.update(regression_worlds_spend.worlds())
    batch.update(regression_worlds_compliance.worlds())
    warehouse = build(batch, tmp_path_factory.mktemp("differential"))
    con = warehouse_connection.connect(str(warehouse), read_only=True)
    yield Built(warehouse, reference_world(warehouse), con)
    con.close()


@st.composite
def requests(draw, world: World, accounts: list[str] | None = None) -> dict:
    """One report request over the built worlds (only filter values that exist in scope)."""
    view = draw(st.sampled_from(sorted(VIEWS)))
    account = draw(st.sampled_from(accounts or sorted(world.accounts)))
    subs = draw(st.booleans())
    scope = set(world.descendants(account) if subs else [account])
    day = st.integers(-3, 48).map(lambda k: START.date() + timedelta(days=k))
    date_range = draw(
        st.one_of(
            st.sampled_from(PRESETS),
            st.tuples(day, st.integers(0, 10)).map(lambda p: (p[0], p[0] + timedelta(days=p[1]))),
            st.sampled_from(DST_DAYS).map(lambda d: (d, d)),
            st.just((date(2025, 1, 1), date(2025, 1, 31))),  # nothing in range
        )
    )
    request = {
        "view": view, "account_id": account, "include_sub_accounts": subs,
        "date_range": tuple(d.isoformat() for d in date_range)
        if isinstance(date_range, tuple) else date_range,
        "today": TODAY, "bucket": draw(st.sampled_from(("day", "week", "month"))),
    }  # fmt: skip
    campaigns = sorted(c for c, row in world.campaigns.items() if row["account_id"] in scope)
    templates = sorted(
        t["template_id"] for t in world.rows["templates"] if t["account_id"] in scope
    )
    numbers = sorted(p for p, row in world.phone_numbers.items() if row["account_id"] in scope)
    optional = {
        "campaign_ids": st.lists(st.sampled_from(campaigns), min_size=1, max_size=2, unique=True)
        if campaigns else st.nothing(),
        "template_ids": st.lists(st.sampled_from(templates), min_size=1, max_size=2, unique=True)
        if templates else st.nothing(),
        "step_numbers": st.lists(st.integers(1, 2), min_size=1, max_size=2, unique=True),
        "tracker": st.sampled_from(numbers) if numbers else st.nothing(),
    }  # fmt: skip
    for name in VIEW_FILTERS[view]:
        value = draw(st.one_of(st.none(), optional[name]))
        if value is not None:
            request[name] = value
    return request


def _explain(request: dict, found: list[str]) -> str:
    shown = "\n  ".join(found[:40])
    more = f"\n  ... and {len(found) - 40} more" if len(found) > 40 else ""
    return f"API and reference differ for {request}:\n  {shown}{more}"


def test_api_equals_reference_on_random_requests(built: Built) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def check(data):
        request = data.draw(requests(built.world))
        found = mismatches(built.con, built.world, request)
        assert not found, _explain(request, found)

    check()


@pytest.mark.parametrize("case", REGRESSION_CASES, ids=lambda c: c.name)
def test_regression(built: Built, case: regression_worlds.Case) -> None:
    """A mismatch class found by the random tests, kept as a fixed world and request."""
    request = {"today": TODAY, **case.request}
    found = mismatches(built.con, built.world, request)
    assert not found, f"{case.rule}\n" + _explain(request, found)
