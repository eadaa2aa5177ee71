"""Dagster assets that load landing files into raw tables, partitioned by export day."""

from collections import defaultdict
from pathlib import Path

import dagster as dg

from orchestration.landing.contract import ENTITIES
from orchestration.landing.loader import discover, load_landing
from orchestration.resources import Warehouse

# Export days appear as files land, so the partitions are added by the refresh and the sensor.
export_days = dg.DynamicPartitionsDefinition(name="export_day")

# Loads and dbt builds both write the one DuckDB file; one pool keeps them from overlapping.
WAREHOUSE_POOL = "warehouse"


def register_export_days(instance: dg.DagsterInstance, landing: Path) -> list[str]:
    """Add a partition for every export day folder in the landing; return all known days."""
    days = sorted({f.export_date.isoformat() for f in discover(landing) if f.export_date})
    known = set(instance.get_dynamic_partitions(export_days.name))
    instance.add_dynamic_partitions(export_days.name, [d for d in days if d not in known])
    return instance.get_dynamic_partitions(export_days.name)


def all_export_days_tags(days: list[str]) -> dict[str, str]:
    """Run tags for one run over every export day: already-loaded files are skipped cheaply."""
    return {
        "dagster/asset_partition_range_start": days[0],
        "dagster/asset_partition_range_end": days[-1],
    }


def raw_asset_key(entity: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", entity])


@dg.multi_asset(
    name="load_landing_files",
    specs=[
        dg.AssetSpec(
            raw_asset_key(entity),
            description=f"Raw `{entity}` rows as landed, every contract column as text.",
            group_name="raw",
            kinds={"duckdb"},
            skippable=True,
        )
        for entity in ENTITIES
    ],
    partitions_def=export_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def load_landing_files(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Load the new files of the selected export days; files already in the ledger are skipped."""
    days = {_day(key) for key in context.partition_keys}
    entities = {key.path[-1] for key in context.selected_asset_keys}
    results = load_landing(
        warehouse.landing_root,
        warehouse.database,
        export_dates=days,
        entities=entities,
        load_id=context.run_id,
    )
    by_entity = defaultdict(list)
    for result in results:
        by_entity[result.entity].append(result)
        if result.status == "rejected":
            context.log.warning(f"rejected {result.reason}")
    for entity in sorted(entities):
        loaded = by_entity.get(entity, [])
        yield dg.MaterializeResult(
            asset_key=raw_asset_key(entity),
            metadata={
                "files_loaded": sum(r.status == "loaded" for r in loaded),
                "files_rejected": sum(r.status == "rejected" for r in loaded),
                "files_duplicate": sum(r.status == "duplicate" for r in loaded),
                "rows_loaded": sum(r.rows_loaded for r in loaded),
                "rejections": dg.MetadataValue.md(
                    "\n".join(f"- {r.reason}" for r in loaded if r.status == "rejected") or "none"
                ),
            },
        )


def _day(partition_key: str):
    from datetime import date

    return date.fromisoformat(partition_key)
