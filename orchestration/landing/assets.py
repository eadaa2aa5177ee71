"""Dagster assets that load landing files into raw tables, one asset per entity plus the ledger."""

from collections import defaultdict
from collections.abc import Iterable

import dagster as dg

from orchestration.landing.contract import ENTITIES
from orchestration.landing.discovery import LandingFile
from orchestration.landing.loader import load_landing
from orchestration.resources import Warehouse
from orchestration.targets import send_raw_rows

# Loads and dbt builds both write the one DuckDB file; one pool keeps them from overlapping.
WAREHOUSE_POOL = "warehouse"

LOAD_OP_NAME = "load_landing_files"


class LoadConfig(dg.Config):
    """Which export days (YYYY-MM-DD) a run loads; None loads every day.

    The raw assets are not partitioned by export day: the ledger already records every file with
    its day and load, and files load once, so per-day partitions told nothing new, while writing
    a materialization per entity and day (thousands of SQLite commits, half of a small first
    refresh). A run now records one materialization per entity, whatever the number of days.
    """

    export_days: list[str] | None = None


def load_run_config(days: Iterable[str] | None) -> dict:
    """The run config for the load step of a run over `days` (None: every day)."""
    chosen = None if days is None else sorted(set(days))
    return {LOAD_OP_NAME: {"config": {"export_days": chosen}}}


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
    name=LOAD_OP_NAME,
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
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def load_landing_files(context: dg.AssetExecutionContext, config: LoadConfig, warehouse: Warehouse):
    """Load the new files of the chosen export days; files already in the ledger are skipped."""
    days = None if config.export_days is None else {_day(d) for d in config.export_days}
    entities = {key.path[-1] for key in context.selected_asset_keys if key != LEDGER_KEY}
    results = load_landing(
        warehouse.landing_root,
        warehouse.database,
        export_dates=days,
        entities=entities,
        load_id=context.run.run_id,
    )
    # On PostgreSQL or Spark, the rows the loader accepted go on to the engine dbt builds on.
    send_raw_rows(warehouse.database)
    by_entity = defaultdict(list)
    for result in results:
        if result.status != "skipped":  # only what this run did
            by_entity[result.entity].append(result)
        if result.status == "rejected":
            # Info, not a warning: the refresh summary and the ledger list every rejection.
            context.log.info(f"rejected {result.reason}")
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
                "export_days": len({r.export_date for r in loaded if r.export_date}),
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
