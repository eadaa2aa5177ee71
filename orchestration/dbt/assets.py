"""The dbt project as Dagster assets: one asset per model and seed, dbt tests as asset checks.

Built with the dbt component (`DbtProjectComponent`), which Dagster recommends over the older
`@dbt_assets` decorator, subclassed in Python for the few things this project needs (sources as
the raw load assets, the full-refresh switch, the warehouse pool).
"""

import importlib
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster.components.resolved.core_models import OpSpec
from dagster_dbt import DbtCliResource, DbtProject, DbtProjectComponent
from dagster_dbt.components.dbt_component_utils import DagsterDbtComponentTranslatorSettings

from orchestration import settings
from orchestration.landing.assets import WAREHOUSE_POOL, raw_asset_key

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
DBT_OP_NAME = "warehouse_dbt_assets"


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False  # rebuild incremental models from scratch (the daily full build)


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
        """`dbt build` of the selected models: seeds, models and their tests in order."""
        args = ["build", "--full-refresh"] if context.op_config["full_refresh"] else ["build"]
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
# The component keeps its state under the dg project's defs module ([tool.dg] in pyproject.toml);
# anchoring the tree at the repo makes that independent of the working directory.
_tree = dg.ComponentTree.from_module(
    defs_module=importlib.import_module("orchestration"), project_root=settings.PROJECT_DIR
)
dbt_defs = dbt_component.build_defs(_tree.load_context)
(warehouse_dbt_assets,) = dbt_defs.assets
