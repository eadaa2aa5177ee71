"""The folded column tests' failing columns on their Dagster asset checks.

A folded test, `column_rules` (macros/tests/folded_column_tests.sql), checks every not_null,
unique, accepted_values and relationships rule of one model and severity in one dbt node, so
dbt's own result says only "Got 15 results". When it fails, the test materialization
(macros/tests/test_materialization.sql) logs one line naming each failing column, its rule
(whose text names the kind) and its count:

    folded test failures: column_rules_fct_messages__warn on fct_messages:
        contact_id is not in dim_contacts.contact_id: 12; user_id is not in dim_users.user_id: 3

(one line in the log). `stream_with_failing_columns` reads that line from dbt's event stream
and puts it on the test's asset check: the description (what the refresh summary prints) and
the metadata `failing_columns` ({"<column> <rule>": count}). The folded totals of a model,
`totals_match` (macros/stats/test_totals_match.sql), log their failing comparisons in the same
shape ("sum(replies) = 10, not count(*) of fct_enrollments where has_replied = 12: 1").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import dagster as dg
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
from dagster_shared.record import copy, is_record

# Written by log_folded_test_failures in macros/tests/test_materialization.sql.
LOG_PREFIX = "folded test failures: "
_LOG_LINE = re.compile(r"^folded test failures: (?P<test>\S+) on (?P<model>\S+): (?P<failing>.+)$")
_RULE_COUNT = re.compile(r"^(?P<rule>.+): (?P<count>\d+)$")
# "<column> is not in <parent>.<field>", the rule of a folded relationships test.
_NOT_IN_PARENT = re.compile(r" is not in (?P<parent>\w+)\.\w+$")


def stream_with_failing_columns(invocation: DbtCliInvocation) -> Iterator:
    """dagster-dbt's `invocation.stream()`, with each failing folded test's columns on its
    asset check. dbt logs the line while the test runs, before the test's result event."""
    failing: dict[str, str] = {}
    for event in invocation.stream_raw_events():
        info = event.raw_event["info"]
        if info["name"] == "JinjaLogInfo" and info["msg"].startswith(LOG_PREFIX):
            unique_id = event.raw_event["data"].get("node_info", {}).get("unique_id")
            line = failing_rules_logged(info["msg"])
            if unique_id and line:
                failing[unique_id] = line
        for dagster_event in event.to_default_asset_events(
            manifest=invocation.manifest,
            dagster_dbt_translator=invocation.dagster_dbt_translator,
            context=invocation.context,
            target_path=invocation.target_path,
            project=invocation.project,
        ):
            yield _with_failing_columns(dagster_event, failing)


def failing_rules_logged(message: str) -> str | None:
    """The "<column> <rule>: <count>; ..." part of a folded test's failure line, or None for
    any other message."""
    line = _LOG_LINE.match(message.strip())
    return line["failing"] if line else None


def _with_failing_columns(event, failing: dict[str, str]):
    if not isinstance(event, dg.AssetCheckResult | dg.AssetCheckEvaluation):
        return event
    unique_id = event.metadata.get("unique_id")
    text = failing.get(str(getattr(unique_id, "value", unique_id)))
    if text is None:
        return event
    event = event.with_metadata({**event.metadata, "failing_columns": failures_by_rule(text)})
    # An AssetCheckResult (in the refresh's asset step) is a NamedTuple, an
    # AssetCheckEvaluation (dbt run outside an asset) a Dagster record.
    if is_record(event):
        return copy(event, description=text)
    return event._replace(description=text)


def failures_by_rule(text: str) -> dict[str, int]:
    """{"<column> <rule>": count} from a failing folded test's description ({} from any other
    text)."""
    parts = [_RULE_COUNT.match(part) for part in text.split("; ")] if text else []
    if not parts or not all(parts):
        return {}
    return {part["rule"]: int(part["count"]) for part in parts}


def rows_not_in_parents(text: str) -> dict[str, int]:
    """{parent model: rows} of a failing folded relationships test's description: the rows
    naming a record its parent lacks, by parent."""
    rows: dict[str, int] = {}
    for rule, count in failures_by_rule(text).items():
        parent = _NOT_IN_PARENT.search(rule)
        if parent:
            rows[parent["parent"]] = rows.get(parent["parent"], 0) + count
    return rows
