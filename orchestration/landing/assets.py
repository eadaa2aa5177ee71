"""Dagster assets that load landing files into raw tables, partitioned by export day."""

from collections import defaultdict
from collections.abc import Iterable

import dagster as dg

from orchestration.landing.contract import ENTITIES
from orchestration.landing.loader import LandingFile, load_landing
from orchestration.resources import Warehouse

# Export days appear as files land, so the partitions are added by the refresh and the sensor.
export_days = dg.DynamicPartitionsDefinition(name="export_day")

# Loads and dbt builds both write the one DuckDB file; one pool keeps them from overlapping.
WAREHOUSE_POOL = "warehouse"


def register_export_days(instance: dg.DagsterInstance, files: list[LandingFile]) -> list[str]:
    """Add a partition for every export day the files have; return all known days in order."""
    days = sorted({f.export_date.isoformat() for f in files if f.export_date})
    known = set(instance.get_dynamic_partitions(export_days.name))
    instance.add_dynamic_partitions(export_days.name, [d for d in days if d not in known])
    return instance.get_dynamic_partitions(export_days.name)


def export_days_tags(known_days: list[str], days: Iterable[str]) -> dict[str, str] | None:
    """Run tags for one run over `days`: the span they cover in partition order, or None.

    Only the days with new files are loaded: a run over every day would record a
    materialization per entity and day, thousands of events for nothing.
    """
    positions = sorted({known_days.index(day) for day in days if day in known_days})
    if not positions:
        return None
    return {
        "dagster/asset_partition_range_start": known_days[positions[0]],
        "dagster/asset_partition_range_end": known_days[positions[-1]],
    }


def export_days_changed_since(files: list[LandingFile], since: float) -> set[str]:
    """Export days with a file written after `since` (a POSIX time)."""
    return {
        f.export_date.isoformat() for f in files if f.export_date and f.path.stat().st_mtime > since
    }


def raw_asset_key(entity: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", entity])


# The ledger is written by the same loads, and dbt's source tests check it.
LEDGER_KEY = raw_asset_key("_load_ledger")


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
    ]
    + [
        dg.AssetSpec(
            LEDGER_KEY,
            description="The load ledger: every landing file seen, loaded, rejected or duplicate.",
            group_name="raw",
            kinds={"duckdb"},
            skippable=True,
        )
    ],
    partitions_def=export_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def load_landing_files(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Load the new files of the selected export days; files already in the ledger are skipped."""
    days = {_day(key) for key in context.partition_keys}
    entities = {key.path[-1] for key in context.selected_asset_keys if key != LEDGER_KEY}
    results = load_landing(
        warehouse.landing_root,
        warehouse.database,
        export_dates=days,
        entities=entities,
        load_id=context.run.run_id,
    )
    by_entity = defaultdict(list)
    for result in results:
        if result.status != "skipped":  # only what this run did
            by_entity[result.entity].append(result)
        if result.status == "rejected":
            context.log.warning(f"rejected {result.reason}")
    # Every selected entity reports, even with nothing new: a skipped output would skip the
    # dbt build downstream of it.
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

    if LEDGER_KEY in context.selected_asset_keys:
        done = [r for r in results if r.status != "skipped"]
        yield dg.MaterializeResult(
            asset_key=LEDGER_KEY,
            metadata={
                status: sum(r.status == status for r in done)
                for status in ("loaded", "rejected", "duplicate")
            },
        )


def _day(partition_key: str):
    from datetime import date

    return date.fromisoformat(partition_key)
