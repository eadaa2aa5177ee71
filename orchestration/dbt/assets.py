"""The dbt project as Dagster assets: one asset per model and seed, dbt tests as asset checks.

Built with the dbt component (`DbtProjectComponent`), which Dagster recommends over the older
`@dbt_assets` decorator, subclassed in Python for the few things this project needs (sources as
the raw load assets, the full-refresh switch, the warehouse pool).
"""

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster.components.resolved.core_models import OpSpec
from dagster_dbt import DbtCliResource, DbtProject, DbtProjectComponent
from dagster_dbt.compat import DBT_PYTHON_VERSION
from dagster_dbt.components.dbt_component_utils import DagsterDbtComponentTranslatorSettings

from orchestration import settings
from orchestration.dbt import changed_scope, test_scope
from orchestration.dbt.folded_tests import stream_with_failing_columns
from orchestration.dbt.guard import dbt_executable
from orchestration.landing.assets import WAREHOUSE_POOL, raw_asset_key
from orchestration.landing.loader import utc_now
from orchestration.targets import mirror_build, target_name, use_build_environment

# The component runs the `dbt` on PATH; make that the one installed beside this Python, so
# `.venv/bin/comms-warehouse` works without an activated venv.
_BIN = str(Path(sys.executable).parent)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")

dbt_project = DbtProject(
    project_dir=settings.PROJECT_DIR,
    profiles_dir=settings.PROJECT_DIR,
    # Honour DBT_TARGET_PATH as dbt does, so parallel checkouts don't share a target folder.
    target_path=os.environ.get("DBT_TARGET_PATH", "target"),
)
# Under `dagster dev`, parse the project first so the UI shows the current models.
dbt_project.prepare_if_dev()
DBT_OP_NAME = "warehouse_dbt_assets"


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False  # rebuild incremental models from scratch (the daily full build)
    # Set when the run leaves out the models and seeds no new row reaches (changed_scope.py):
    # the sources it counts as changed. A subset that still runs every test that may find
    # something new.
    changed_sources: list[str] | None = None


class WarehouseDbtComponent(DbtProjectComponent):
    """dbt sources are the raw tables the load assets write, so lineage runs file → KPI."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=raw_asset_key(props["name"]))
        # Group by layer (staging, intermediate, marts, audit, semantic) as the folders do.
        fqn = props.get("fqn", [])
        if props["resource_type"] == "seed":
            return spec.replace_attributes(group_name="reference")
        return spec.replace_attributes(group_name=fqn[1] if len(fqn) > 2 else "dbt")

    @property
    def op_config_schema(self) -> type[dg.Config]:
        return DbtBuildConfig

    def execute(self, context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator:
        """`dbt build` of the selected models: seeds, models and their data tests in order.

        Unit tests are left out: their inputs are fixed rows, so they prove the SQL, not the
        data, and give the same answer on every refresh (dbt recommends running them in
        development and CI only). CI runs every one of them against the test warehouse
        (orchestration_tests/test_dbt_unit_tests.py). They were 59 of 700 nodes and a quarter of
        the node time of a small refresh, and on a new warehouse they forced a second, empty
        build first (the unit tests of an incremental path read the existing table's columns).
        """
        # dbt dies with this process, even one killed outright (orchestration/dbt/guard.py).
        dbt = _DbtBuildCli(dbt_project, dbt_executable=dbt_executable(dbt_project.target_path))
        # The target named here, not only through DBT_TARGET: a run the schedule starts sees
        # COMMS_WAREHOUSE_TARGET alone (orchestration/targets).
        args = ["build", "--target", target_name(), *REFRESH_EXCLUDES]
        op_config = context.op_execution_context.op_config
        full_refresh = op_config["full_refresh"]
        if full_refresh:
            args.append("--full-refresh")
        scope = _TestScope(context, full_refresh, op_config["changed_sources"])
        use_build_environment(settings.warehouse_path())
        invocation = dbt.cli(args, context=context)
        try:
            # dagster-dbt's stream, plus the failing columns of a folded test on its check.
            yield from stream_with_failing_columns(invocation)
            scope.passed()
            # Built on PostgreSQL or Spark: what the checks and the publish step read comes
            # into the DuckDB file (orchestration/targets).
            mirrored = mirror_build(settings.warehouse_path())
            if mirrored:
                context.log.info(f"copied {len(mirrored)} relations from {target_name()}")
        finally:
            os.environ.pop(test_scope.ENV_VAR, None)
            # If the step dies mid-stream, dbt must not live on holding the warehouse file's lock.
            if invocation.process.poll() is None:
                invocation.process.terminate()
                invocation.process.wait()
            _prune_run_folders(keep=10)


class _DbtBuildCli(DbtCliResource):
    """dagster-dbt's dbt command, without the two things it does before starting dbt that this
    project never uses: it runs `dbt --version` in a subprocess (a whole dbt start-up, ~2.3 s of
    CPU) to learn whether the executable is dbt Core or Fusion, and it connects a dbt adapter in
    this process, loading dbt's macros (~2.3 s of CPU), only for the optional row-count and
    column-metadata fetchers (`.fetch_row_counts()`, `.fetch_column_metadata()`), which this
    project does not call. The executable is the dbt-core installed beside this Python
    (orchestration/dbt/guard.py), so its version is that distribution's."""

    @cached_property
    def _cli_version(self):  # dagster-dbt's own reading of the dbt-core installed here
        return DBT_PYTHON_VERSION

    def _initialize_dbt_core_adapter(self, args):  # no adapter: nothing here reads one
        return None


# What a refresh's `dbt build` leaves out (see `execute`).
REFRESH_EXCLUDES = ("--exclude-resource-type", "unit_test")


class _TestScope:
    """An incremental build's data tests read the rows loaded since the last build that passed
    (orchestration/dbt/test_scope.py); a full build, a first one, a UI subset or another target
    tests every row. Says which in the run's log."""

    def __init__(
        self, context: dg.AssetExecutionContext, full_refresh: bool, changed: list[str] | None
    ):
        self.warehouse, self.log = settings.warehouse_path(), context.log
        self.started_at = utc_now()
        # A subset runs some tests only: it neither uses nor moves the watermark. A refresh
        # leaving out what no new row reaches runs every test that reads a row loaded since.
        self.changed = None if changed is None else set(changed)
        self.whole = target_name() == "duckdb" and (changed is not None or not context.is_subset)
        self.fingerprint = test_scope.project_fingerprint(
            dbt_project.manifest_path, dbt_project.project_dir
        )
        after = None
        if self.whole and not full_refresh:
            after = test_scope.tested_through(self.warehouse, self.fingerprint)
        self.after = after
        os.environ.pop(test_scope.ENV_VAR, None)
        if after is not None:
            os.environ[test_scope.ENV_VAR] = after.isoformat(sep=" ")
            context.log.info(f"row-by-row data tests read rows loaded after {after} (UTC)")
        else:
            context.log.info("data tests read every row")

    def passed(self) -> None:
        if not self.whole:
            return
        if self.changed is not None and self.after is not None:
            # A file loaded (by `comms-warehouse load`) after the run chose what to leave out,
            # into a source it counted as unchanged: what reads it was neither built nor tested.
            # The watermark stays, so the next refresh builds and tests it.
            missed = changed_scope.loaded_after(self.warehouse, self.after) - self.changed
            if missed:
                self.log.warning(f"rows loaded meanwhile into {sorted(missed)}: built next time")
                return
        test_scope.record_passed_build(self.warehouse, self.started_at, self.fingerprint)


def _prune_run_folders(keep: int) -> None:
    """dagster-dbt gives every run its own target folder; keep the latest few for debugging."""
    runs = sorted(
        (p for p in dbt_project.target_path.glob(f"{DBT_OP_NAME}-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    for stale in runs[:-keep]:
        shutil.rmtree(stale, ignore_errors=True)


dbt_component = WarehouseDbtComponent(
    project=dbt_project,
    op=OpSpec(name=DBT_OP_NAME, pool=WAREHOUSE_POOL),
    translation_settings=DagsterDbtComponentTranslatorSettings(
        enable_asset_checks=True,
        enable_source_tests_as_checks=True,
        enable_code_references=False,  # a beta feature that warns on every load
    ),
)
# `build_defs_for_component` is Dagster's way to use a component outside a `dg` defs folder. The
# component keeps local state under the project named by [tool.dg] in pyproject.toml, which it
# looks up from the working directory, so build it from the repo whatever folder we run in.
with contextlib.chdir(settings.PROJECT_DIR):
    dbt_defs = dg.build_defs_for_component(dbt_component)
(warehouse_dbt_assets,) = dbt_defs.assets
