"""An hourly refresh's row-by-row data tests read the rows loaded since the last build that
passed; a full build reads every row (orchestration/dbt/test_scope.py and
macros/tests/get_where_subquery.sql).

On a copy of the session warehouse, bad staged rows are planted on both sides of the watermark
its refresh recorded: two new rows sharing a key and a new row without a key, and an old row
without a key. The model's folded test (column_rules, whose unique and not_null rules check
message_id among its columns; the planted rows are copies of a good row but for message_id) is
run scoped to the watermark and in full, counting the failures dbt reports and those its log
line names per rule. A base model's test likewise: a landed row repeated since the watermark
fails the scoped test, one repeated before it only the full one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from orchestration import settings, warehouse_connection
from orchestration.dbt import test_scope
from orchestration.dbt.assets import dbt_project
from orchestration.dbt.folded_tests import failing_rules_logged, failures_by_rule

# Scheduled among the long modules (conftest.py):
# two dbt test runs on a copy of the session warehouse.
pytestmark = pytest.mark.builds(0.4)

TABLE = "staging.stg_platform__messages"
TEST = "column_rules_stg_platform__messages"
UNIQUE, NOT_NULL = "message_id is not unique", "message_id is null"


def _fingerprint() -> str:
    return test_scope.project_fingerprint(dbt_project.manifest_path, dbt_project.project_dir)


def _plant(warehouse: Path, loaded_at: dt.datetime, *message_ids: str | None) -> None:
    """Copies of one staged message under `message_ids`, loaded at `loaded_at`."""
    with warehouse_connection.connect(str(warehouse)) as con:
        for message_id in message_ids:
            con.execute(
                f"insert into {TABLE} select * replace (? as message_id, ? as _loaded_at) "
                f"from {TABLE} limit 1",
                [message_id, loaded_at],
            )


def _failures(
    dbt: str, warehouse: Path, target: Path, loaded_after: str | None, test: str = TEST
) -> dict[str, int]:
    """Failures per rule of a `dbt test` of `test`, scoped to `loaded_after` if given: from the
    failure line the test logs, checked against the total dbt reports."""
    env = dict(os.environ, COMMS_WAREHOUSE_PATH=str(warehouse), DBT_TARGET_PATH=str(target))
    env.pop(test_scope.ENV_VAR, None)
    if loaded_after:
        env[test_scope.ENV_VAR] = loaded_after
    project = str(settings.PROJECT_DIR)
    run = subprocess.run(
        [dbt, "test", "--select", test, "--project-dir", project, "--profiles-dir", project],
        env=env, check=False, capture_output=True, text=True,
    )  # fmt: skip
    results = json.loads((target / "run_results.json").read_text())["results"]
    # The run also reports dbt's on-run-start hook (register_raw_tables), which is no test.
    (total,) = [r["failures"] for r in results if r["unique_id"].startswith("test.")]
    logged = [failing_rules_logged(line.split("  ", 1)[-1]) for line in run.stdout.splitlines()]
    failing = [failures_by_rule(text) for text in logged if text]
    by_rule = failing[0] if failing else {}
    assert len(failing) <= 1 and sum(by_rule.values()) == total, (total, run.stdout[-2000:])
    return by_rule


def test_the_refresh_records_a_watermark_after_every_row_it_tested(built_warehouse):
    watermark = test_scope.tested_through(built_warehouse.path, _fingerprint())
    with warehouse_connection.connect(str(built_warehouse.path), read_only=True) as con:
        (newest,) = con.execute("select max(loaded_at) from raw._load_ledger").fetchone()
    assert watermark is not None and watermark >= newest
    # Another project (a model, test, macro or variable changed): every row is tested again.
    assert test_scope.tested_through(built_warehouse.path, "another project") is None


def test_scoped_tests_read_new_rows_and_full_tests_every_row(
    warehouse_copy, tmp_path, dbt_reusing_parse
):
    watermark = test_scope.tested_through(warehouse_copy, _fingerprint())
    _plant(warehouse_copy, watermark + dt.timedelta(seconds=1), "dup_new", "dup_new", None)
    _plant(warehouse_copy, watermark - dt.timedelta(days=1), None)
    target = tmp_path / "target"
    dbt = dbt_reusing_parse(target)

    scoped = _failures(dbt, warehouse_copy, target, watermark.isoformat(sep=" "))
    # The new rows only: one key twice, one row without a key (the old one is not read).
    assert scoped == {UNIQUE: 1, NOT_NULL: 1}

    full = _failures(dbt, warehouse_copy, target, None)
    # Every row: the same key twice, and both rows without a key.
    assert full == {UNIQUE: 1, NOT_NULL: 2}


def _land_again(warehouse: Path, loaded_at: dt.datetime, copies: int, newest: bool) -> None:
    """`copies` copies of one landed message (its file and record number again), loaded at
    `loaded_at`: the first landed row, or the last."""
    order = "_file_id desc, _row_number desc" if newest else "_file_id, _row_number"
    with warehouse_connection.connect(str(warehouse)) as con:
        for _ in range(copies):
            con.execute(
                "insert into raw.messages select * replace (? as _loaded_at) "
                f"from raw.messages order by {order} limit 1",
                [loaded_at],
            )


def test_a_base_model_s_tests_read_the_new_landed_rows_when_scoped(
    warehouse_copy, tmp_path, dbt_reusing_parse
):
    """A base model documents `_loaded_at`, so an hourly refresh tests its new landed rows:
    one file and record number landed twice since the watermark fails the scoped test, one
    landed twice before it only the full one."""
    watermark = test_scope.tested_through(warehouse_copy, _fingerprint())
    _land_again(warehouse_copy, watermark + dt.timedelta(seconds=1), copies=2, newest=False)
    _land_again(warehouse_copy, watermark - dt.timedelta(days=1), copies=1, newest=True)
    target = tmp_path / "target"
    dbt = dbt_reusing_parse(target)
    test, repeated = "column_rules_base_platform__messages", "_file_id, _row_number is not unique"

    # The new rows only: the two copies landed since share a file and record number.
    assert _failures(dbt, warehouse_copy, target, watermark.isoformat(sep=" "), test) == {
        repeated: 1
    }
    # Every row: both records landed more than once.
    assert _failures(dbt, warehouse_copy, target, None, test) == {repeated: 2}
