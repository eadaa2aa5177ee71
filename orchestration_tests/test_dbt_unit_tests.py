"""Every dbt unit test passes. A refresh's `dbt build` leaves unit tests out (fixed inputs: they
prove the SQL, not the data), so CI runs all of them here, once, against the test warehouse."""

import json
import subprocess

import pytest

from orchestration import settings
from orchestration.dbt.assets import dbt_project

# Scheduled among the long modules (conftest.py): dbt runs every unit test.
pytestmark = pytest.mark.builds(0.5)


def test_every_dbt_unit_test_passes(warehouse_copy, tmp_path, monkeypatch, dbt_reusing_parse):
    # Unit tests only read the warehouse (their fixtures are CTEs; the incremental ones read the
    # table's columns), but dbt-duckdb opens it read-write, which would lock out the other test
    # worker's readers of the session warehouse: so a copy.
    monkeypatch.setenv("COMMS_WAREHOUSE_PATH", str(warehouse_copy))
    # In a target folder of its own, started from the worker's parse, which the refresh's dbt
    # re-uses for a warehouse of the same name in another folder (conftest.py): a partial parse.
    # (A plain `dbt` in the worker's own folder parsed the project in full, and left the next
    # refresh on this worker a parse it could not re-use: a second full parse.)
    target = tmp_path / "target"
    dbt = dbt_reusing_parse(target)
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    project = str(settings.PROJECT_DIR)
    # In a child process: dbt-duckdb keeps its read-write connection open for the life of the
    # process, and the tests after this one open the same file read-only.
    subprocess.run(
        [dbt, "test", "--select", "test_type:unit", "--quiet",
         "--project-dir", project, "--profiles-dir", project],
        check=False,
    )  # fmt: skip
    run_results = target / "run_results.json"
    results = json.loads(run_results.read_text())["results"]
    # The run also reports dbt's on-run-start hook (register_raw_tables), which is no unit test.
    outcomes = {
        r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")
    }
    declared = set(json.loads(dbt_project.manifest_path.read_text())["unit_tests"])
    assert declared and set(outcomes) == declared, "some unit tests did not run"
    failed = sorted(uid for uid, status in outcomes.items() if status != "pass")
    assert not failed, failed


# PostgreSQL cuts identifiers at 63 bytes and dbt names a unit test's relation after the test:
# a longer name fails only on that engine (test_engine_parity), so say it here, on every machine.
POSTGRES_IDENTIFIER_LIMIT = 63


def test_every_unit_test_name_fits_a_postgres_identifier():
    tests = json.loads(dbt_project.manifest_path.read_text())["unit_tests"].values()
    too_long = sorted(t["name"] for t in tests if len(t["name"]) > POSTGRES_IDENTIFIER_LIMIT)
    assert not too_long, f"unit test names over {POSTGRES_IDENTIFIER_LIMIT} characters: {too_long}"
