"""The KPI registry (orchestration/kpi_registry/) agrees with the marts and the semantic layer.

Read from the project's YAML, no warehouse: every registered source is a documented column of a
contract-enforced mart, and every KPI's semantic metric has its label, its type (ratio metrics
with the registry's numerator and denominator) and an aggregation that fits its kind. The API's
JSON keys are held to the registry in test_reporting.py, on a built warehouse.
"""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from orchestration.kpi_registry import REGISTRY
from orchestration.kpi_registry.definitions import (
    COUNT,
    DISTINCT,
    FLOAT_TOLERANCE,
    MEAN,
    MEDIAN,
    PER,
    RATE,
    RATIOS,
    SHARE,
    Kpi,
    View,
    rate,
)

REPO = Path(__file__).resolve().parents[1]
ENTRIES = [
    (view, table, kpi)
    for view in REGISTRY.values()
    for table, entries in {"kpis": view.kpis, **view.sections}.items()
    for kpi in entries
]


def _ids(entry) -> str:
    view, table, kpi = entry
    return f"{view.name}.{table}.{kpi.key}"


@pytest.fixture(scope="module")
def mart_columns() -> dict[str, set[str]]:
    columns = {}
    for path in (REPO / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text()).get("models") or []:
            columns[model["name"]] = {c["name"] for c in model.get("columns", [])}
    return columns


@pytest.fixture(scope="module")
def semantic() -> tuple[dict, dict]:
    """(metrics by name, measures by name as (model ref, measure))."""
    folder = REPO / "models" / "semantic"
    metrics = yaml.safe_load((folder / "_semantic__metrics.yml").read_text())["metrics"]
    models = yaml.safe_load((folder / "_semantic__models.yml").read_text())["semantic_models"]
    measures = {
        measure["name"]: (model["model"], measure)
        for model in models
        for measure in model.get("measures", [])
    }
    return {m["name"]: m for m in metrics}, measures


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_every_source_is_a_documented_mart_column(entry, mart_columns):
    *_, kpi = entry
    if kpi.kind in RATIOS:
        assert kpi.source is None
        return
    assert kpi.table in mart_columns, f"{kpi.source}: no such mart"
    assert kpi.column in mart_columns[kpi.table], f"{kpi.source}: no such column"


# Several registry entries may share one metric (customer and agent messages are one metric
# grouped by sender side): only a metric of one entry must carry that entry's label.
SHARED_METRICS = {m for m, n in Counter(k.metric for _, _, k in ENTRIES).items() if n > 1}
AGGREGATIONS = {COUNT: {"sum", "count"}, DISTINCT: {"count_distinct"}, MEDIAN: {"percentile"}}


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_every_kpi_has_its_semantic_metric(entry, semantic):
    view, table, kpi = entry
    metrics, measures = semantic
    if kpi.metric is None:
        assert kpi.kind == SHARE or table != "kpis", (
            f"{kpi.key}: only shares and section keys go without a metric"
        )
        return
    assert kpi.metric in metrics, f"{kpi.key}: no metric {kpi.metric!r} in models/semantic/"
    metric = metrics[kpi.metric]
    assert metric.get("description"), kpi.metric
    if kpi.metric not in SHARED_METRICS:
        assert metric["label"] == kpi.label, kpi.metric
    params = metric["type_params"]
    if kpi.kind in (RATE, MEAN):
        parts = {p.key: p.metric for p in (view.kpis if table == "kpis" else view.sections[table])}
        assert metric["type"] == "ratio", kpi.metric
        assert (params["numerator"], params["denominator"]) == (
            parts[kpi.numerator],
            parts[kpi.denominator],
        ), kpi.metric
    elif kpi.kind == PER:
        parts = {p.key: p.metric for p in view.kpis}
        assert metric["type"] == "derived", kpi.metric
        named = [m["name"] for m in params["metrics"]]
        assert named == [parts[kpi.numerator], parts[kpi.denominator]], kpi.metric
        assert "floor(" in params["expr"], kpi.metric
    else:
        assert metric["type"] == "simple", kpi.metric
        model, measure = measures[params["measure"]]
        assert measure["agg"] in AGGREGATIONS[kpi.kind], (kpi.metric, measure["agg"])
        if kpi.kind == MEDIAN:
            assert measure["agg_params"]["percentile"] == 0.5
        if kpi.kind in (DISTINCT, MEDIAN):
            # Non-additive (kpi-spec rule 5): counted on the same finest grain as the API.
            assert model == f"ref('{kpi.table}')", (kpi.metric, model, kpi.table)


def test_whole_counts_compare_exactly_and_fractional_values_within_float_rounding():
    for view in REGISTRY.values():
        assert len(view.keys) == len(set(view.keys))
    calling, messaging = REGISTRY["calling"], REGISTRY["messaging"]
    assert calling.kpi("calls_dialed").tolerance == 0
    assert messaging.kpi("contacts_reached").tolerance == 0
    # sums of fractional seconds, projections, rates and medians: float rounding
    assert calling.kpi("talk_seconds_answered").tolerance == FLOAT_TOLERANCE
    assert REGISTRY["credits"].kpi("credits_projected").tolerance == FLOAT_TOLERANCE
    assert messaging.kpi("reply_rate").tolerance == FLOAT_TOLERANCE
    assert messaging.kpi("median_response_seconds").tolerance == FLOAT_TOLERANCE


def test_a_rate_naming_an_unregistered_key_fails_at_import():
    numerator = Kpi("hits", "Hits", COUNT, "spec", source="mart_x.hits")
    with pytest.raises(ValueError, match="misses not registered"):
        View(
            "demo",
            frozenset(),
            dated=True,
            kpis=(
                numerator,
                Kpi("hit_rate", "Hit rate", RATE, "spec", numerator="hits", denominator="misses"),
            ),
        )
    with pytest.raises(ValueError, match="ratio"):
        Kpi("hit_rate", "Hit rate", RATE, "spec", source="mart_x.hit_rate")


def test_ratios_are_derived_from_their_numerator_and_denominator():
    calling = REGISTRY["calling"]
    # 3 of 8 dialed answered, 2 conversations, 150.5 s of talk over 2 calls with talk time,
    # 0 call leads: the lead rates have no denominator (kpi-spec rule 3: null).
    counts = {
        "calls_dialed": 8, "calls_answered": 3, "calls_answered_by_machine": 1,
        "conversations": 2, "talk_seconds_answered": 150.5, "calls_with_talk_time": 2,
        "call_leads": 0, "deals_closed": 1, "deals_closed_cohort": 0,
    }  # fmt: skip
    derived = calling.derive(dict(counts))
    assert derived["response_rate"] == 3 / 8
    assert derived["average_call_seconds"] == 75.25
    assert derived["conversation_rate"] == 2 / 3
    assert derived["conversation_rate_dialed"] == 2 / 8
    assert derived["call_to_lead_rate"] == 0.0
    assert derived["lead_to_deal_rate"] is None and derived["lead_to_deal_rate_cohort"] is None
    # The campaign box (kpi-spec): 3 replies of 8 initials = 37.5 %; 13 enrollments over 2
    # active senders = 1 sender : 6 contacts; no sender, no ratio.
    box = REGISTRY["campaign-box"]
    shown = box.derive({"replies": 3, "initials_sent": 8, "enrollments": 13, "active_senders": 2})
    assert shown["reply_rate"] == 0.375 and shown["enrollments_per_sender"] == 6
    assert box.derive({"enrollments": 13, "active_senders": 0})["enrollments_per_sender"] is None
    # A per-period row gets only the ratios published per period.
    row = REGISTRY["messaging"].derive({"leads": 2, "sms_sent": 4}, period_row=True)
    assert "sms_to_lead_rate" not in row
    assert rate(None, 0) is None and rate(None, 4) == 0.0


def test_shares_are_of_the_whole_table():
    rows = [{"outcome_calls": 3}, {"outcome_calls": 1}]
    REGISTRY["calling"].shares(rows, "call_outcomes")
    assert [r["outcome_share"] for r in rows] == [0.75, 0.25]


def test_a_key_honours_its_views_filters_unless_it_ignores_them():
    messaging = REGISTRY["messaging"]
    assert messaging.honours("sms_sent") == {"date_range", "campaign_ids", "template_ids"}
    assert messaging.honours("campaigns_created") == {"date_range", "campaign_ids"}
    assert messaging.honours("median_response_seconds") == {"date_range"}
    assert REGISTRY["campaign-box"].honours("reply_rate") == {"campaign_ids"}


def test_the_reporting_readme_lists_each_views_registered_keys_in_order():
    readme = (REPO / "orchestration" / "reporting" / "README.md").read_text()
    table = readme.split("## Views", 1)[1].split("\n## ", 1)[0]
    listed = {
        cells[1]: [key.strip() for key in cells[3].split(",") if key.strip()]
        for cells in (line.split("|") for line in table.splitlines() if line.startswith("| "))
        if cells[1].strip() in REGISTRY
    }
    listed = {view.strip(): keys for view, keys in listed.items()}
    assert listed == {name: list(view.keys) for name, view in REGISTRY.items()}
