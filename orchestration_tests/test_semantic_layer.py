"""The semantic layer (models/semantic/): MetricFlow validates it, and `mf query` gives the same
numbers as SQL over the marts and as the reporting API, on one small warehouse.

`mf` reads the semantic manifest from <project>/target/semantic_manifest.json (a fixed path), and
the repo's own target/ may be in use by a developer, so the test works in a private "shadow"
project folder: symlinks to every top-level entry of the repo plus its own target/. The warehouse
is a copy of the session's (conftest.py), parsed there, and every mf call runs there with
DBT_PROJECT_DIR / DBT_PROFILES_DIR pointing at it.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import mf_server
import pytest

from orchestration import warehouse_connection
from orchestration.kpi_registry import REGISTRY
from orchestration.kpi_registry.definitions import MEAN, RATE

# Scheduled among the long modules (conftest.py):
# its fixture parses a shadow dbt project; mf runs queries.
pytestmark = pytest.mark.builds(0.7)

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# A two-week window well inside the generated data (local days, inclusive).
RANGE = (date(2026, 10, 20), date(2026, 11, 2))
SKIP_IN_SHADOW = {"target", "logs", "warehouse", "dbt_packages", ".git", ".venv", ".dagster_home"}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("semantic_layer")


@pytest.fixture(scope="module")
def project(workdir: Path) -> Path:
    """The shadow dbt project folder (see the module docstring)."""
    project = workdir / "project"
    project.mkdir()
    for entry in REPO.iterdir():
        if entry.name not in SKIP_IN_SHADOW:
            (project / entry.name).symlink_to(entry)
    (project / "target").mkdir()
    return project


def _env(project: Path, warehouse: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        COMMS_WAREHOUSE_PATH=str(warehouse),
        DBT_PROFILES_DIR=str(project),
        DBT_PROJECT_DIR=str(project),
        DBT_TARGET_PATH=str(project / "target"),
        DBT_LOG_PATH=str(project.parent / "logs"),
    )
    return env


def _dbt(project: Path, env: dict[str, str], *args: str) -> None:
    command = [str(BIN / "dbt"), *args, "--quiet"]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"dbt {' '.join(args)} failed:\n{output[-4000:]}"


@pytest.fixture(scope="module")
def warehouse(workdir: Path, project: Path, built_warehouse) -> Path:
    """A copy of the session's warehouse (conftest.py), with the shadow project parsed for mf."""
    database = workdir / "wh.duckdb"
    warehouse_connection.copy_warehouse(built_warehouse.path, database)
    _dbt(project, _env(project, database), "parse")
    assert (project / "target" / "semantic_manifest.json").exists()
    return database


@pytest.fixture(scope="module")
def mf(workdir: Path, project: Path, warehouse: Path):
    """A function running `mf <args>` in the shadow project against the warehouse, with
    `.query(...)` returning the rows of an `mf query --csv` as dicts of strings."""
    counter = iter(range(1000))
    log = workdir / "mf_server.log"
    # One process runs every mf command of the module (mf_server.py says why).
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("mf_server.py"))],
        cwd=project, env=_env(project, warehouse), text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("w"),
    )  # fmt: skip

    def run(*args: str) -> subprocess.CompletedProcess:
        server.stdin.write(json.dumps(list(args)) + "\n")
        server.stdin.flush()
        stray = []  # anything printed past the redirection (none expected) goes with stdout
        while not (line := server.stdout.readline()).startswith(mf_server.REPLY):
            assert line, f"the mf server ended:\n{log.read_text()[-4000:]}"
            stray.append(line)
        reply = json.loads(line.removeprefix(mf_server.REPLY))
        result = subprocess.CompletedProcess(
            ["mf", *args], reply["returncode"], "".join(stray) + reply["stdout"], reply["stderr"]
        )
        assert result.returncode == 0, (
            f"mf {' '.join(args)}:\n{result.stdout[-4000:]}{result.stderr[-4000:]}"
        )
        return result

    def query(
        metrics: Sequence[str],
        group_by: Sequence[str] = (),
        where: Iterable[str] = (),
        start: date | None = RANGE[0],
        end: date | None = RANGE[1],
        saved_query: str | None = None,
    ) -> list[dict[str, str]]:
        out = workdir / f"query_{next(counter)}.csv"
        args = ["query", "--quiet", "--csv", str(out)]
        if saved_query:
            args += ["--saved-query", saved_query]
        else:
            args += ["--metrics", ",".join(metrics)]
        if group_by:
            args += ["--group-by", ",".join(group_by)]
        for clause in where:
            args += ["--where", clause]
        if start is not None:
            args += ["--start-time", start.isoformat()]
        if end is not None:
            args += ["--end-time", end.isoformat()]
        run(*args)
        if not out.exists():  # mf writes no file for an empty result
            return []
        with out.open(newline="") as handle:
            return list(csv.DictReader(handle))

    run.query = query
    run.project = project
    yield run
    server.stdin.close()
    server.wait(timeout=60)


# --------------------------------------------------------------------------- helpers


def sql(warehouse: Path, query: str, params: Sequence = ()) -> list[dict]:
    """Run SQL read-only and close again (mf opens the file itself between our queries)."""
    con = warehouse_connection.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(query, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def num(value) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def same(a, b) -> bool:
    a, b = num(a), num(b)
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def ratio(numerator, denominator) -> float | None:
    if not denominator:
        return None
    return numerator / denominator


def assert_rows_equal(
    mf_rows, expected: dict[tuple, dict], keys: Sequence[str], metrics: Sequence[str]
):
    """mf rows (CSV strings) keyed by `keys` equal the expected dict, metric by metric."""
    got = {}
    for row in mf_rows:
        key = tuple(row[k][:10] if k.startswith("metric_time") else row[k] for k in keys)
        got[key] = row
    # Keys where every expected metric is null or 0 may be absent from mf's output.
    wanted = {
        k: v for k, v in expected.items() if any(num(v[m]) not in (None, 0.0) for m in metrics)
    }
    missing = sorted(set(wanted) - set(got))
    assert not missing, f"mf has no row for {missing[:5]}"
    mismatches = []
    for key, row in got.items():
        exp = expected.get(key)
        for metric in metrics:
            expected_value = None if exp is None else exp[metric]
            if not same(row[metric], expected_value) and not (
                num(row[metric]) in (None, 0.0) and num(expected_value) in (None, 0.0)
            ):
                mismatches.append((key, metric, row[metric], expected_value))
    assert not mismatches, f"{len(mismatches)} mismatches, e.g. {mismatches[:5]}"
    assert got, "mf returned no rows"


def busiest_account(warehouse: Path) -> str:
    return sql(
        warehouse,
        "select account_id from marts.mart_messaging_kpis where date_day between ? and ? "
        "group by account_id order by sum(sms_sent) desc, account_id limit 1",
        RANGE,
    )[0]["account_id"]


# --------------------------------------------------------------------------- tests


# Every KPI key of the registry (orchestration/kpi_registry/) -> its metric: keys two views
# share for different things are named apart there; shares of a total (label_share,
# outcome_share) are no metric. test_kpi_registry.py checks the YAML; this checks what
# MetricFlow compiled from it.
REGISTERED = [
    kpi
    for view in REGISTRY.values()
    for entries in (view.kpis, *view.sections.values())
    for kpi in entries
    if kpi.metric
]


def test_validate_configs_and_every_kpi_has_its_metric(mf):
    # Semantic checks and the data-warehouse checks (every dimension, entity, measure and metric
    # is queried once against the warehouse).
    result = mf("validate-configs")
    text = result.stdout + result.stderr
    assert text.count("ERRORS: 0, FUTURE_ERRORS: 0") >= 6, text[-3000:]
    assert not re.search(r"ERRORS: [1-9]", text), text[-3000:]

    manifest = json.loads((mf.project / "target" / "semantic_manifest.json").read_text())
    metrics = {m["name"]: m for m in manifest["metrics"]}
    missing = sorted({k.metric for k in REGISTERED} - set(metrics))
    assert not missing, f"KPI keys without a metric: {missing}"
    for view in REGISTRY.values():
        for entries in (view.kpis, *view.sections.values()):
            by_key = {k.key: k for k in entries}
            for kpi in entries:
                if kpi.kind not in (RATE, MEAN) or not kpi.metric:
                    continue
                params = metrics[kpi.metric]["type_params"]
                assert metrics[kpi.metric]["type"] == "ratio", kpi.metric
                assert (params["numerator"]["name"], params["denominator"]["name"]) == (
                    by_key[kpi.numerator].metric,
                    by_key[kpi.denominator].metric,
                ), kpi.metric
    undocumented = [name for name, m in metrics.items() if not m.get("description")]
    assert not undocumented, undocumented


def test_the_readme_semantic_layer_commands_run_as_written(mf, warehouse):
    """Every `mf` command of the README's "The semantic layer" block, exactly as written (the
    block's first line sets the environment the fixture gives every mf call)."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## The semantic layer", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line) for line in block.splitlines() if line.startswith("mf ")]
    assert [c[1] for c in commands] == ["validate-configs", "query"], block
    accounts = {r["a"] for r in sql(warehouse, "select account_id as a from marts.dim_accounts")}
    for command in commands:
        out = mf(*command[1:]).stdout
        if command[1] == "query":
            shown = {word for line in out.splitlines() for word in line.split()}
            assert accounts & shown, out[-2000:]  # a row per account and day


def test_messaging_counts_and_rates_by_account_and_day(mf, warehouse):
    metrics = [
        "sms_sent", "sms_segments_sent", "replies_received", "carrier_block_rate",
        "delivery_rate", "opt_out_rate", "sms_to_lead_rate", "sms_to_lead_rate_delivered",
    ]  # fmt: skip
    rows = mf.query(metrics, ["metric_time__day", "account"])
    expected = {
        (r["account_id"], str(r["date_day"])): {
            "sms_sent": r["sms_sent"],
            "sms_segments_sent": r["sms_segments_sent"],
            "replies_received": r["replies_received"],
            "carrier_block_rate": ratio(r["carrier_blocked"], r["campaign_sent"]),
            "delivery_rate": ratio(r["delivered_first"], r["first_sent"]),
            "opt_out_rate": ratio(r["opt_outs"], r["sms_sent"]),
            "sms_to_lead_rate": ratio(r["leads"], r["sms_sent"]),
            "sms_to_lead_rate_delivered": ratio(r["leads"], r["delivered"]),
        }
        for r in sql(
            warehouse,
            """
            select
                account_id, date_day,
                sum(sms_sent) as sms_sent,
                sum(sms_segments_sent) as sms_segments_sent,
                sum(replies_received) as replies_received,
                sum(carrier_blocked_messages) as carrier_blocked,
                sum(campaign_messages_sent) as campaign_sent,
                sum(delivered_first_messages) as delivered_first,
                sum(first_messages_sent) as first_sent,
                sum(opt_out_messages) as opt_outs,
                sum(leads) as leads,
                sum(delivered_messages) as delivered
            from marts.mart_messaging_kpis
            where date_day between ? and ?
            group by account_id, date_day
            """,
            RANGE,
        )
    }
    assert_rows_equal(rows, expected, ["account", "metric_time__day"], metrics)


def test_unique_contact_kpis_over_a_range_are_distinct_not_summed(mf, warehouse):
    """Contacts, opted-out contacts and the reply rate over two weeks, per account: count
    distinct over the whole range (a sum of daily distinct counts would be larger)."""
    metrics = [
        "contacts_reached", "opted_out_contacts", "opt_out_rate_contacts", "ai_filtering_rate",
        "contact_to_lead_rate", "replied_contacts", "enrolled_contacts", "reply_rate",
    ]  # fmt: skip
    rows = mf.query(metrics, ["account"])
    contacts = {
        r["account_id"]: r
        for r in sql(
            warehouse,
            """
            select
                account_id,
                count(distinct case when messages_sent > 0 then contact_id end) as reached,
                count(distinct case when opt_out_messages > 0 then contact_id end) as opted_out,
                count(distinct case when ai_filter_opt_outs > 0 then contact_id end) as ai_filtered,
                sum(case when messages_sent > 0 then 1 else 0 end) as reached_contact_days
            from marts.fct_messaging_contact_days
            where date_day between ? and ?
            group by account_id
            """,
            RANGE,
        )
    }
    leads = {
        r["account_id"]: r["leads"]
        for r in sql(
            warehouse,
            "select account_id, sum(leads) as leads from marts.mart_messaging_kpis "
            "where date_day between ? and ? group by account_id",
            RANGE,
        )
    }
    replied = {
        r["account_id"]: r["n"]
        for r in sql(
            warehouse,
            "select account_id, count(distinct contact_id) as n from marts.fct_campaign_contacts "
            "where is_enrolled and first_reply_date_day between ? and ? group by account_id",
            RANGE,
        )
    }
    enrolled = {
        r["account_id"]: r["n"]
        for r in sql(
            warehouse,
            "select account_id, count(distinct contact_id) as n from marts.fct_campaign_contacts "
            "where is_enrolled and campaign_launched_date_day between ? and ? group by account_id",
            RANGE,
        )
    }
    accounts = set(contacts) | set(replied) | set(enrolled) | set(leads)
    expected = {}
    for account in accounts:
        c = contacts.get(account, {})
        reached = c.get("reached", 0)
        expected[(account,)] = {
            "contacts_reached": reached,
            "opted_out_contacts": c.get("opted_out", 0),
            "opt_out_rate_contacts": ratio(c.get("opted_out", 0), reached),
            "ai_filtering_rate": ratio(c.get("ai_filtered", 0), reached),
            "contact_to_lead_rate": ratio(leads.get(account, 0), reached),
            "replied_contacts": replied.get(account, 0),
            "enrolled_contacts": enrolled.get(account, 0),
            "reply_rate": ratio(replied.get(account, 0), enrolled.get(account, 0)),
        }
    assert_rows_equal(rows, expected, ["account"], metrics)
    # The data is rich enough for the distinct count to matter.
    assert any(c["reached_contact_days"] > c["reached"] for c in contacts.values())


def test_median_response_time_by_account_and_day_and_over_the_range(mf, warehouse):
    metrics = ["median_response_seconds", "responses_measured", "unanswered_streaks"]
    query = """
        select
            account_id{day},
            median(response_seconds) filter (where is_answered) as median_response_seconds,
            count(*) filter (where is_answered) as responses_measured,
            count(*) filter (where not is_answered) as unanswered_streaks
        from marts.fct_responses
        where date_day between ? and ?
        group by account_id{day}
    """
    by_day = {
        (r["account_id"], str(r["date_day"])): r
        for r in sql(warehouse, query.format(day=", date_day"), RANGE)
    }
    assert_rows_equal(mf.query(metrics, ["metric_time__day", "account"]), by_day,
                      ["account", "metric_time__day"], metrics)  # fmt: skip
    whole = {(r["account_id"],): r for r in sql(warehouse, query.format(day=""), RANGE)}
    assert_rows_equal(mf.query(metrics, ["account"]), whole, ["account"], metrics)
    # An even-sized sample exists, so the "mean of the two middle values" rule is exercised.
    assert any(
        r["responses_measured"] % 2 == 0 and r["responses_measured"] for r in by_day.values()
    )


def test_calling_kpis_with_a_campaign_filter(mf, warehouse):
    campaign = sql(
        warehouse,
        "select campaign_id from marts.mart_calling_kpis where campaign_id is not null "
        "and date_day between ? and ? group by campaign_id order by sum(calls_dialed) desc, "
        "campaign_id limit 1",
        RANGE,
    )[0]["campaign_id"]
    metrics = [
        "calls_dialed", "calls_answered", "conversations", "response_rate", "conversation_rate",
        "conversation_rate_dialed", "average_call_seconds", "call_to_lead_rate",
    ]  # fmt: skip
    query = """
        select
            account_id{day},
            sum(calls_dialed) as dialed, sum(calls_answered) as answered,
            sum(conversations) as conversations, sum(talk_seconds_answered) as talk,
            sum(calls_with_talk_time) as with_talk_time, sum(call_leads) as call_leads
        from marts.mart_calling_kpis
        where date_day between ? and ? {campaign}
        group by account_id{day}
    """

    def expect(r):
        return {
            "calls_dialed": r["dialed"],
            "calls_answered": r["answered"],
            "conversations": r["conversations"],
            "response_rate": ratio(r["answered"], r["dialed"]),
            "conversation_rate": ratio(r["conversations"], r["answered"]),
            "conversation_rate_dialed": ratio(r["conversations"], r["dialed"]),
            "average_call_seconds": ratio(r["talk"], r["with_talk_time"]),
            "call_to_lead_rate": ratio(r["call_leads"], r["dialed"]),
        }

    all_days = {
        (r["account_id"], str(r["date_day"])): expect(r)
        for r in sql(warehouse, query.format(day=", date_day", campaign=""), RANGE)
    }
    assert_rows_equal(mf.query(metrics, ["metric_time__day", "account"]), all_days,
                      ["account", "metric_time__day"], metrics)  # fmt: skip
    one_campaign = {
        (r["account_id"],): expect(r)
        for r in sql(
            warehouse, query.format(day="", campaign="and campaign_id = ?"), [*RANGE, campaign]
        )
    }
    rows = mf.query(metrics, ["account"], where=[f"{{{{ Entity('campaign') }}}} = '{campaign}'"])
    assert_rows_equal(rows, one_campaign, ["account"], metrics)


def test_usage_by_local_week_and_credits_by_billing_period(mf, warehouse):
    metrics = ["segments_total", "segments_sent", "calls_total", "calls_forwarded", "new_contacts"]
    rows = mf.query(metrics, ["metric_time__week", "account"], start=None, end=None)
    messaging = sql(
        warehouse,
        """
        select account_id, cast(date_trunc('week', date_day) as date) as week,
            sum(segments_total) as segments_total, sum(segments_sent) as segments_sent,
            sum(new_contacts) as new_contacts
        from marts.mart_usage_daily group by 1, 2
        """,
    )
    calls = sql(
        warehouse,
        """
        select account_id, cast(date_trunc('week', date_day) as date) as week,
            sum(calls_total) as calls_total, sum(calls_forwarded) as calls_forwarded
        from marts.mart_call_usage_daily group by 1, 2
        """,
    )
    expected: dict[tuple, dict] = {}
    for r in messaging + calls:
        entry = expected.setdefault((r["account_id"], str(r["week"])), dict.fromkeys(metrics))
        entry.update({k: v for k, v in r.items() if k in metrics})
    assert_rows_equal(rows, expected, ["account", "metric_time__week"], metrics)

    metrics = ["credits_used", "credit_allowance", "credits_remaining", "credits_projected"]
    rows = mf.query(metrics, ["metric_time__day", "account"], start=None, end=None)
    expected = {
        (r["account_id"], str(r["period_start"])): r
        for r in sql(
            warehouse,
            "select account_id, period_start, credits_used, credit_allowance, credits_remaining, "
            "credits_projected from marts.mart_credits_by_billing_period",
        )
    }
    assert_rows_equal(rows, expected, ["account", "metric_time__day"], metrics)


def test_campaign_box_and_send_report_per_campaign(mf, warehouse):
    metrics = ["enrollments", "initials_sent", "replies", "campaign_box_reply_rate",
               "enrollments_per_sender", "total_opt_outs", "segments"]  # fmt: skip
    rows = mf.query(metrics, ["campaign"], start=None, end=None)
    expected = {
        (r["campaign_id"],): r
        for r in sql(
            warehouse,
            "select campaign_id, enrollments, initials_sent, replies, "
            "reply_rate as campaign_box_reply_rate, enrollments_per_sender, total_opt_outs, "
            "segments from marts.mart_campaign_box",
        )
    }
    assert_rows_equal(rows, expected, ["campaign"], metrics)

    metrics = ["sent_contacts", "delivered_contacts", "hard_bounced_contacts", "clicks",
               "unique_clickers", "unsubscribed_contacts", "credits"]  # fmt: skip
    rows = mf.query(metrics, ["campaign", "send_recipient__send_step_number"], start=None, end=None)
    expected = {
        (r["campaign_id"], str(r["step_number"])): r
        for r in sql(
            warehouse,
            f"select campaign_id, step_number, {', '.join(metrics)} from marts.mart_send_report",
        )
    }
    assert_rows_equal(rows, expected, ["campaign", "send_recipient__send_step_number"], metrics)
    # Per campaign across its steps: distinct contacts, not a sum over steps.
    rows = mf.query(["sent_contacts", "clicks"], ["campaign"], start=None, end=None)
    expected = {
        (r["campaign_id"],): r
        for r in sql(
            warehouse,
            "select campaign_id, count(distinct contact_id) as sent_contacts, "
            "sum(clicks) as clicks from marts.fct_send_recipients group by campaign_id",
        )
    }
    assert_rows_equal(rows, expected, ["campaign"], ["sent_contacts", "clicks"])


def test_text_conversations_with_a_tracker_filter(mf, warehouse):
    metrics = ["text_conversations", "conversation_messages", "conversation_inbound_messages"]
    rows = mf.query(metrics, ["metric_time__day", "account"])
    expected = {
        (r["account_id"], str(r["date_day"])): r
        for r in sql(
            warehouse,
            """
            select account_id, date_day, count(*) as text_conversations,
                sum(total_messages) as conversation_messages,
                sum(inbound_messages) as conversation_inbound_messages
            from marts.fct_text_conversations where date_day between ? and ?
            group by 1, 2
            """,
            RANGE,
        )
    }
    assert_rows_equal(rows, expected, ["account", "metric_time__day"], metrics)
    tracker = sql(
        warehouse,
        "select phone_number_id from marts.bdg_text_conversation_trackers "
        "group by 1 order by count(*) desc, 1 limit 1",
    )[0]["phone_number_id"]
    rows = mf.query(["tracker_conversations"], ["account"],
                    where=[f"{{{{ Entity('tracker') }}}} = '{tracker}'"])  # fmt: skip
    expected = {
        (r["account_id"],): r
        for r in sql(
            warehouse,
            "select c.account_id, count(*) as tracker_conversations "
            "from marts.fct_text_conversations as c where c.date_day between ? and ? "
            "and c.conversation_id in (select conversation_id from "
            "marts.bdg_text_conversation_trackers where phone_number_id = ?) group by 1",
            [*RANGE, tracker],
        )
    }
    assert_rows_equal(rows, expected, ["account"], ["tracker_conversations"])


def test_mf_equals_the_reporting_api(mf, warehouse):
    try:
        from orchestration.reporting.api import report
    except ImportError:  # pragma: no cover - the API lands separately
        pytest.skip("orchestration.reporting.api is not available")
    account = busiest_account(warehouse)
    where = [f"{{{{ Entity('account') }}}} = '{account}'"]
    messaging = report("messaging", warehouse=warehouse, account_id=account, date_range=RANGE).kpis
    keys = ["sms_sent", "sms_segments_sent", "carrier_block_rate", "delivery_rate",
            "opt_out_rate", "opt_out_rate_contacts", "contacts_reached", "contact_to_lead_rate",
            "median_response_seconds", "unanswered_streaks", "leads"]  # fmt: skip
    (row,) = mf.query(keys, where=where)
    differ = [(k, row[k], messaging[k]) for k in keys if not same(row[k], messaging[k])]
    assert not differ, differ
    # Reply rate (no campaign chosen): the numerator also takes only the campaigns launched in
    # range, a second date filter MetricFlow applies per query (see the metric's description).
    launched = (
        "{{ TimeDimension('campaign_contact__campaign_launched_date_day', 'day') }} "
        f"between '{RANGE[0]}' and '{RANGE[1]}'"
    )
    (replied,) = mf.query(["replied_contacts"], where=[*where, launched])
    (enrolled,) = mf.query(["enrolled_contacts"], where=where)
    assert same(replied["replied_contacts"], messaging["replied_contacts"])
    assert same(enrolled["enrolled_contacts"], messaging["enrolled_contacts"])
    assert messaging["replied_contacts"] <= messaging["enrolled_contacts"]
    # Roll-up of an account with its sub-accounts: mf filters through bdg_account_hierarchy.
    parent = sql(
        warehouse,
        "select ancestor_account_id from marts.bdg_account_hierarchy where depth > 0 "
        "group by 1 order by count(*) desc, 1 limit 1",
    )[0]["ancestor_account_id"]
    tree = report(
        "messaging",
        warehouse=warehouse,
        account_id=parent,
        include_sub_accounts=True,
        date_range=RANGE,
    )
    assert len(tree.account_ids) > 1
    rollup = tree.kpis
    subtree = (
        "{{ Entity('account') }} in (select descendant_account_id from "
        f"marts.bdg_account_hierarchy where ancestor_account_id = '{parent}')"
    )
    (row,) = mf.query(keys, where=[subtree])
    differ = [(k, row[k], rollup[k]) for k in keys if not same(row[k], rollup[k])]
    assert not differ, differ

    calling = report("calling", warehouse=warehouse, account_id=account, date_range=RANGE).kpis
    keys = ["calls_dialed", "calls_answered", "conversations", "response_rate", "conversation_rate",
            "average_call_seconds", "lead_to_deal_rate", "lead_to_deal_rate_cohort"]  # fmt: skip
    (row,) = mf.query(keys, where=where)
    differ = [(k, row[k], calling[k]) for k in keys if not same(row[k], calling[k])]
    assert not differ, differ

    usage = report("usage", warehouse=warehouse, account_id=account, date_range=RANGE).kpis
    pairs = {
        "segments_total": "segments_total",
        "segments_received": "segments_received",
        "calls_total": "calls_total",
        "calls_forwarded": "calls_forwarded",
        "new_contacts": "new_contacts",
        "opted_in_contacts": "opted_in_contacts",
        "usage_opted_out_contacts": "opted_out_contacts",
    }
    (row,) = mf.query(list(pairs), where=where)
    differ = [(m, row[m], usage[k]) for m, k in pairs.items() if not same(row[m], usage[k])]
    assert not differ, differ

    # Text conversations with the tracker filter: a semi-join through the bridge, as the API does.
    tracker = sql(
        warehouse,
        "select phone_number_id from marts.bdg_text_conversation_trackers "
        "where account_id = ? and date_day between ? and ? "
        "group by 1 order by count(*) desc, 1 limit 1",
        [account, *RANGE],
    )[0]["phone_number_id"]
    texts = report(
        "conversations", warehouse=warehouse, account_id=account, date_range=RANGE, tracker=tracker
    ).kpis
    pairs = {
        "text_conversations": "conversations",
        "conversation_messages": "conversation_messages",
        "conversation_inbound_messages": "conversation_inbound_messages",
        "conversation_outbound_messages": "conversation_outbound_messages",
    }
    through_tracker = (
        "{{ Entity('text_conversation') }} in (select conversation_id from "
        f"marts.bdg_text_conversation_trackers where phone_number_id = '{tracker}')"
    )
    (row,) = mf.query(list(pairs), where=[*where, through_tracker])
    differ = [(m, row[m], texts[k]) for m, k in pairs.items() if not same(row[m], texts[k])]
    assert not differ, differ
    assert texts["conversations"] > 0


def test_compliance_metrics_equal_the_reporting_api(mf, warehouse):
    """The compliance view's counts per rule, by MetricFlow over the same local days."""
    from orchestration.reporting.api import report

    account = busiest_account(warehouse)
    where = [f"{{{{ Entity('account') }}}} = '{account}'"]
    api = report("compliance", warehouse=warehouse, account_id=account, date_range=RANGE).kpis
    keys = ["compliance_violations", "violations_after_opt_out", "violations_in_quiet_hours",
            "violations_to_suppressed_contacts"]  # fmt: skip
    (row,) = mf.query(keys, where=where)
    differ = [(k, row[k], api[k]) for k in keys if not same(row[k] or 0, api[k])]
    assert not differ, differ
    assert api["compliance_violations"] == sum(api[k] for k in keys[1:])


def test_labels_and_reply_rate_per_step(mf, warehouse):
    metrics = ["label_contacts", "label_assignments"]
    rows = mf.query(metrics, ["label"], start=None, end=None)
    expected = {
        (r["label_id"],): r
        for r in sql(
            warehouse,
            "select label_id, count(distinct contact_id) as label_contacts, "
            "count(*) as label_assignments from marts.fct_label_assignments group by 1",
        )
    }
    assert_rows_equal(rows, expected, ["label"], metrics)

    metrics = ["step_contacts_sent", "step_replied_contacts", "step_reply_rate"]
    keys = ["campaign", "messaging_step_kpi_row__step_number"]
    rows = mf.query(metrics, keys)
    expected = {
        (r["campaign_id"], "" if r["step_number"] is None else str(r["step_number"])): {
            "step_contacts_sent": r["sent"],
            "step_replied_contacts": r["replied"],
            "step_reply_rate": ratio(r["replied"], r["sent"]),
        }
        for r in sql(
            warehouse,
            """
            select campaign_id, step_number, sum(step_contacts_sent) as sent,
                sum(replied_contacts) as replied
            from marts.mart_messaging_kpis_by_step where date_day between ? and ?
            group by 1, 2
            """,
            RANGE,
        )
    }
    assert_rows_equal(rows, expected, keys, metrics)


def test_saved_query_reporting_calling_daily(mf, warehouse):
    rows = mf.query([], saved_query="reporting_calling_daily")
    metrics = ["calls_dialed", "conversations", "conversation_rate", "lead_to_deal_rate",
               "lead_to_deal_rate_cohort"]  # fmt: skip
    expected = {
        (r["account_id"], str(r["date_day"])): {
            "calls_dialed": r["dialed"],
            "conversations": r["conversations"],
            "conversation_rate": ratio(r["conversations"], r["answered"]),
            "lead_to_deal_rate": ratio(r["deals"], r["call_leads"]),
            "lead_to_deal_rate_cohort": ratio(r["cohort"], r["call_leads"]),
        }
        for r in sql(
            warehouse,
            """
            select account_id, date_day, sum(calls_dialed) as dialed,
                sum(calls_answered) as answered, sum(conversations) as conversations,
                sum(call_leads) as call_leads, sum(deals_closed) as deals,
                sum(deals_closed_cohort) as cohort
            from marts.mart_calling_kpis where date_day between ? and ? group by 1, 2
            """,
            RANGE,
        )
    }
    assert_rows_equal(rows, expected, ["account", "metric_time__day"], metrics)
