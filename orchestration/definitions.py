"""Dagster definitions: load assets → dbt assets → published marts → executive report, the
refresh job, its schedules and sensor."""

import dagster as dg

from orchestration.dbt.assets import warehouse_dbt_assets
from orchestration.executive_report.assets import executive_report
from orchestration.formula_checks import formula_checks
from orchestration.landing.assets import load_landing_files
from orchestration.publishing import mart_and_seed_keys, published_marts_asset
from orchestration.resources import Warehouse
from orchestration.schedules import daily_full_build, hourly_refresh, new_landing_files, refresh_job

defs = dg.Definitions(
    assets=[
        load_landing_files,
        warehouse_dbt_assets,
        # BI tools and the report read a copy of the marts published at the end of each refresh.
        published_marts_asset(mart_and_seed_keys(warehouse_dbt_assets)),
        executive_report,
    ],
    asset_checks=formula_checks,
    jobs=[refresh_job],
    schedules=[hourly_refresh, daily_full_build],
    sensors=[new_landing_files],
    resources={
        "warehouse": Warehouse(),
    },
)
