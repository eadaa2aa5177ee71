"""The dbt project as Dagster assets: one asset per model and seed, dbt tests as asset checks."""

import os
import shutil
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration import settings
from orchestration.landing.assets import WAREHOUSE_POOL, raw_asset_key

dbt_project = DbtProject(
    project_dir=settings.PROJECT_DIR,
    profiles_dir=settings.PROJECT_DIR,
    # Honour DBT_TARGET_PATH as dbt does, so parallel checkouts don't share a target folder.
    target_path=os.environ.get("DBT_TARGET_PATH", "target"),
)
# `dagster dev` re-parses on start; the CLI parses before it loads these definitions.
dbt_project.prepare_if_dev()


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt sources are the raw tables the load assets write, so lineage runs file → KPI."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return raw_asset_key(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # Group by layer (staging, intermediate, marts, audit, seeds) as the folders do.
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return fqn[1] if len(fqn) > 2 else "dbt"


translator = WarehouseTranslator(
    settings=DagsterDbtTranslatorSettings(
        enable_asset_checks=True, enable_source_tests_as_checks=True
    )
)


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False  # rebuild incremental models from scratch (the daily full build)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def warehouse_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
):
    """`dbt build` of the selected models: seeds, models and their tests in dependency order."""
    args = ["build", "--full-refresh"] if config.full_refresh else ["build"]
    invocation = dbt.cli(args, context=context)
    try:
        yield from invocation.stream()
    finally:
        # If the step dies mid-stream, dbt must not live on holding the warehouse file's lock.
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait()
        _prune_run_folders(keep=10)


def _prune_run_folders(keep: int) -> None:
    """dagster-dbt gives every run its own target folder; keep the latest few for debugging."""
    runs = sorted(
        (p for p in dbt_project.target_path.glob("warehouse_dbt_assets-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    for stale in runs[:-keep]:
        shutil.rmtree(stale, ignore_errors=True)
