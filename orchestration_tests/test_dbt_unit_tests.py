"""Every dbt unit test passes. A refresh's `dbt build` leaves unit tests out (fixed inputs: they
prove the SQL, not the data), so CI runs all of them here, once, against the test warehouse."""

import json

from dbt.cli.main import dbtRunner

from orchestration import settings
from orchestration.dbt.assets import dbt_project


def test_every_dbt_unit_test_passes(built_warehouse, monkeypatch):
    # Unit tests only read the warehouse (their fixtures are CTEs; the incremental ones read the
    # table's columns). The session warehouse's own path lets dbt reuse the parse it kept for
    # it: any other path changes dbt's profile hash and forces a full parse.
    monkeypatch.setenv("COMMS_WAREHOUSE_PATH", str(built_warehouse.path))
    project = str(settings.PROJECT_DIR)
    result = dbtRunner().invoke(
        ["test", "--select", "test_type:unit", "--quiet",
         "--project-dir", project, "--profiles-dir", project]
    )  # fmt: skip
    assert result.exception is None, result.exception
    outcomes = {r.node.unique_id: str(r.status) for r in result.result}
    declared = set(json.loads(dbt_project.manifest_path.read_text())["unit_tests"])
    assert declared and set(outcomes) == declared, "some unit tests did not run"
    failed = sorted(uid for uid, status in outcomes.items() if status != "pass")
    assert not failed, failed
