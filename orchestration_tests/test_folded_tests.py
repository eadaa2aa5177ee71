"""The folded column tests (macros/tests/folded_column_tests.sql): one dbt node, column_rules,
per model and severity for every not_null, unique, accepted_values and relationships rule, each
column's rule intact.

From the manifest: no model or seed keeps dbt's per-column tests, each has at most one folded
test per severity, every primary key is tested unique and not null, and each folded test is a
Dagster asset check on its model. On a copy of the session warehouse: one bad row planted for
each kind fails its model's test through the Dagster stream the refresh uses (and a view's
folded test, run beside them, reads the view once), and the check names the model (its
asset), and per column the rule, whose text names the kind, and the count
(orchestration/dbt/folded_tests.py); a row outside a column's `where:` is not counted. The
refresh summary groups warn relationships by the parents those descriptions name. The folded
totals of a model (totals_match) name a broken comparison the same way.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
from dagster_dbt import DbtCliResource

from orchestration import settings, warehouse_connection
from orchestration.dbt import test_scope
from orchestration.dbt.assets import dbt_component, dbt_project, warehouse_dbt_assets
from orchestration.dbt.folded_tests import failures_by_rule, stream_with_failing_columns

# Scheduled among the long modules (conftest.py): a dbt test run on a copy of the session warehouse.
pytestmark = pytest.mark.builds(0.3)

FOLDED = ("not_null", "unique", "accepted_values", "relationships")
RULES = "column_rules"
# Models without a row key: one row per entity and landed file, a view over the load ledger.
WITHOUT_KEY = {"audit__load_reconciliation"}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text())


def _tests(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]


def _kind(test: dict) -> str | None:
    return (test.get("test_metadata") or {}).get("name")


def _tested(test: dict) -> str:
    """The unique id of the model, seed or source a test is on (a source's test has no
    attached node)."""
    return test["attached_node"] or test["depends_on"]["nodes"][0]


def _columns(test: dict, kind: str) -> list[str]:
    columns = test["test_metadata"]["kwargs"].get(kind) or []
    return [c if isinstance(c, str) else c.get("name") or ", ".join(c["columns"]) for c in columns]


def test_models_and_seeds_have_one_folded_test_per_severity(manifest):
    tests = _tests(manifest)
    # dbt's own per-column tests are left on sources only (a raw table's one not_null; the
    # load ledger's rules are folded).
    unfolded = [
        t["name"]
        for t in tests
        if _kind(t) in FOLDED or (_kind(t) or "").removesuffix("_columns") in FOLDED
        if not all(node.startswith("source.") for node in t["depends_on"]["nodes"])
    ]
    assert not unfolded, f"fold these into the model's column_rules test: {unfolded}"
    folded = [t for t in tests if _kind(t) == RULES]
    per_node = Counter((_tested(t), t["config"]["severity"]) for t in folded)
    assert [k for k, n in per_node.items() if n > 1] == []
    for test in folded:
        # The name says model (or source and table) and (warn) severity: the refresh summary
        # groups by it.
        model = "_".join(_tested(test).split(".")[2:])
        suffix = "__warn" if test["config"]["severity"].lower() == "warn" else ""
        assert test["name"] == f"{RULES}_{model}{suffix}"
        kinds = set(test["test_metadata"]["kwargs"]) - {"model"}
        assert kinds and kinds <= set(FOLDED), (test["name"], kinds)


def test_every_primary_key_is_tested_unique_and_not_null(manifest):
    tested: dict[tuple[str, str], set[str]] = {}
    for test in _tests(manifest):
        if _kind(test) == RULES:
            for kind in ("unique", "not_null"):
                key = (test["attached_node"], kind)
                tested.setdefault(key, set()).update(_columns(test, kind))
    keyed = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")]
    for node in keyed:
        uid = node["unique_id"]
        if node["name"] not in WITHOUT_KEY:
            assert tested.get((uid, "unique")), f"{node['name']} has no unique key test"
        for column, spec in node["columns"].items():
            if "primary key" in (spec.get("description") or "").lower():
                assert column in tested.get((uid, "unique"), ()), (uid, column)
                assert column in tested.get((uid, "not_null"), ()), (uid, column)


def test_each_folded_test_is_an_asset_check_on_its_model(manifest):
    checks = {(key.asset_key, key.name) for key in warehouse_dbt_assets.check_keys}
    for test in _tests(manifest):
        if _kind(test) == RULES:
            model = manifest["nodes"].get(test["attached_node"])
            if model is None:  # a source's test: a check on the raw asset
                continue
            key = dbt_component.translator.get_asset_spec(
                manifest, test["attached_node"], dbt_project
            ).key
            assert (key, test["name"]) in checks, test["name"]


# The planted rows: one per folded kind on fct_messages (copies of one of its rows), and two
# compliance violations with a null opt-out: one under its rule's `where:`, one outside it.
PLANTED = {
    "planted_null_account": {"account_id": None},
    "planted_bad_direction": {"direction": "sideways"},
    "planted_unknown_account": {"account_id": "no_such_account"},
    "planted_unknown_contact": {"contact_id": "no_such_contact"},
}


def _plant(warehouse: Path) -> int:
    """Plants the bad rows; returns the fct_messages rows naming an unknown contact before."""
    with warehouse_connection.connect(str(warehouse)) as con:
        (orphans,) = con.execute(
            "select count(*) from marts.fct_messages where contact_id is not null "
            "and contact_id not in (select contact_id from marts.dim_contacts)"
        ).fetchone()
        # Copies of a good row (a known contact), each with one fault; and the row again.
        good = (
            "from marts.fct_messages where direction = 'outbound' "
            "and contact_id in (select contact_id from marts.dim_contacts) limit 1"
        )
        for message_id, changes in PLANTED.items():
            replace = ", ".join(f"? as {column}" for column in ["message_id", *changes])
            con.execute(
                f"insert into marts.fct_messages select * replace ({replace}) {good}",
                [message_id, *changes.values()],
            )
        con.execute(f"insert into marts.fct_messages select * {good}")
        # A landed row loaded twice (its file and record number again), and a row of the same
        # file under a record number of its own (not a repeat): base_platform__messages.
        first = "from raw.messages order by _file_id, _row_number limit 1"
        con.execute(f"insert into raw.messages select * {first}")
        con.execute(f"insert into raw.messages select * replace (-1 as _row_number) {first}")
        # A null opt-out on a violation of each rule: only sent_after_opt_out needs one.
        for violation_id, rule in [("planted_in_rule", "sent_after_opt_out"),
                                   ("planted_other_rule", "sent_in_quiet_hours")]:  # fmt: skip
            con.execute(
                "insert into marts.fct_compliance_violations select * replace (? as violation_id,"
                " null as opt_out_event_row_id) from marts.fct_compliance_violations "
                "where rule = ? limit 1",
                [violation_id, rule],
            )
    return orphans


def _check_results(
    warehouse: Path, target: Path, names: list[str], monkeypatch, dbt_reusing_parse
) -> dict:
    """The asset check evaluations of a `dbt test` of `names`, through the refresh's stream."""
    monkeypatch.setenv("COMMS_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.delenv(test_scope.ENV_VAR, raising=False)
    dbt = DbtCliResource(
        project_dir=os.fspath(settings.PROJECT_DIR), dbt_executable=dbt_reusing_parse(target)
    )
    invocation = dbt.cli(
        ["test", "--select", " ".join(names)],
        manifest=dbt_project.manifest_path,
        dagster_dbt_translator=dbt_component.translator,
        target_path=target,
        raise_on_error=False,
    )
    return {
        e.check_name: e
        for e in stream_with_failing_columns(invocation)
        if isinstance(e, dg.AssetCheckEvaluation)
    }


def test_a_planted_bad_row_fails_each_kind_naming_the_column(
    warehouse_copy, tmp_path, monkeypatch, dbt_reusing_parse
):
    orphans = _plant(warehouse_copy)
    names = ["column_rules_fct_messages", "column_rules_fct_messages__warn",
             "column_rules_fct_compliance_violations", "column_rules_base_platform__messages",
             f"{RULES}_{VIEW}"]  # fmt: skip
    checks = _check_results(
        warehouse_copy, tmp_path / "target", names, monkeypatch, dbt_reusing_parse
    )
    _assert_the_view_is_read_once(checks.pop(f"{RULES}_{VIEW}"), tmp_path / "target")

    # Worked from the planted rows: one null account, one repeated message_id, one value outside
    # inbound/outbound, one unknown account (error), one more unknown contact (warn), one
    # null opt-out under the rule that needs it (the other rule's row is not counted), and one
    # landed row twice.
    expected = {
        "column_rules_fct_messages": {
            "account_id is null": 1,
            "message_id is not unique": 1,
            "direction is not an accepted value": 1,
            "account_id is not in dim_accounts.account_id": 1,
        },
        "column_rules_fct_messages__warn": {
            "contact_id is not in dim_contacts.contact_id": orphans + 1
        },
        "column_rules_fct_compliance_violations": {"opt_out_event_row_id is null": 1},
        # a combination of columns: one file and record number twice
        "column_rules_base_platform__messages": {"_file_id, _row_number is not unique": 1},
    }
    assert set(checks) == set(expected)
    for name, failing in expected.items():
        check = checks[name]
        assert check.asset_key == _asset_key(name), name
        assert check.passed is False, name
        found = failures_by_rule(check.description or "")
        warn = name.endswith("__warn")
        if warn:  # its other columns fail on the landing's own dirt (rows kept on purpose)
            assert {rule: found.get(rule) for rule in failing} == failing, (name, found)
        else:
            assert found == failing, name
        assert check.metadata["failing_columns"].value == found
        rows = check.metadata["dagster_dbt/failed_row_count"].value
        assert rows == sum(found.values()), name
        assert check.severity == (
            dg.AssetCheckSeverity.WARN if warn else dg.AssetCheckSeverity.ERROR
        )


def test_a_broken_total_fails_naming_its_comparison(
    warehouse_copy, tmp_path, monkeypatch, dbt_reusing_parse
):
    """The folded totals of one model (macros/stats/test_totals_match.sql): one comparison
    broken fails the model's node, and the check names that comparison and both totals. The
    load ledger's folded rules (a source's test) name theirs the same way."""
    with warehouse_connection.connect(str(warehouse_copy)) as con:
        con.execute(
            "insert into raw._load_ledger select * replace ('planted' as file_path, "
            "'unpacked' as status) from raw._load_ledger limit 1"
        )
        (replied,) = con.execute(
            "select count(*) from marts.fct_enrollments where has_replied"
        ).fetchone()
        # Two replies more on one campaign than its enrollments hold.
        con.execute(
            "update marts.mart_campaign_box set replies = replies + 2 "
            "where campaign_id = (select min(campaign_id) from marts.mart_campaign_box)"
        )
    names = ["totals_match_mart_campaign_box", "totals_match_fct_opt_events",
             "column_rules_platform__load_ledger"]  # fmt: skip
    checks = _check_results(
        warehouse_copy, tmp_path / "target", names, monkeypatch, dbt_reusing_parse
    )
    ledger = checks["column_rules_platform__load_ledger"]
    assert ledger.passed is False
    assert failures_by_rule(ledger.description or "") == {"status is not an accepted value": 1}
    assert checks["totals_match_fct_opt_events"].passed is True
    check = checks["totals_match_mart_campaign_box"]
    assert check.passed is False
    assert check.severity == dg.AssetCheckSeverity.ERROR
    # The campaign box's replies summed to the replied enrollments before the two were added.
    failing = {
        f"sum(replies) = {replied + 2}, not count(*) of fct_enrollments where has_replied"
        f" = {replied}": 1
    }
    assert failures_by_rule(check.description or "") == failing
    assert check.metadata["failing_columns"].value == failing
    assert check.metadata["dagster_dbt/failed_row_count"].value == 1


# A view with rules of all four kinds, none of them broken by the planted rows.
VIEW = "stg_platform__contact_labels"


def _assert_the_view_is_read_once(check, target: Path) -> None:
    """A view's rules read one common table expression of it (DuckDB and PostgreSQL compute it
    once), where a test per kind computed the view once per kind."""
    assert check.passed is True
    (compiled,) = target.glob(f"compiled/**/{RULES}_{VIEW}.sql")
    sql = compiled.read_text()
    assert len(re.findall(rf'"{VIEW}"', sql)) == 1, sql
    assert {f"{kind}_counted as" for kind in FOLDED} <= set(re.findall(r"\w+_counted as", sql))


def _asset_key(test_name: str) -> dg.AssetKey:
    """The asset of the model a folded test is named after."""
    model = test_name.removeprefix(f"{RULES}_").removesuffix("__warn")
    manifest = json.loads(dbt_project.manifest_path.read_text())
    spec = dbt_component.translator.get_asset_spec(
        manifest, f"model.comms_warehouse.{model}", dbt_project
    )
    return spec.key


def test_the_summary_groups_warn_relationships_by_the_parent_the_check_names(capsys):
    from orchestration import cli
    from orchestration.run_summary import CheckOutcome

    def warning(model: str, description: str) -> CheckOutcome:
        rows = sum(failures_by_rule(description).values())
        name = f"{RULES}_{model}__warn"
        return CheckOutcome(name, f"marts/{model}", False, False, description, failed_rows=rows)

    cli._print_warnings([
        warning("fct_messages", "contact_id is not in dim_contacts.contact_id: 12; "
                "user_id is not in dim_users.user_id: 3"),
        warning("fct_calls", "contact_id is not in dim_contacts.contact_id: 1000"),
        CheckOutcome("landed_data_is_fresh", "raw/messages", False, False, "3 days old"),
    ])  # fmt: skip
    out = capsys.readouterr().err  # the console writes to stderr
    # By parent: 12 + 1,000 rows in two columns of two models; 3 in one; the rest as it is.
    assert "not in dim_contacts: 1,012 rows, 2 columns: fct_calls, fct_messages" in out
    assert "not in dim_users: 3 rows, 1 column: fct_messages" in out
    assert "raw/messages :: landed_data_is_fresh 3 days old" in out
