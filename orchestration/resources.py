"""Resources shared by the load assets, the dbt assets and the checks."""

from pathlib import Path

import dagster as dg

from orchestration import settings


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file and the landing folder it is fed from."""

    # Unset means: resolve when used, from COMMS_WAREHOUSE_PATH / COMMS_WAREHOUSE_LANDING or the
    # repo defaults, as dbt's profile does; so one loaded definition serves any warehouse.
    path: str | None = None
    landing: str | None = None

    @property
    def database(self) -> Path:
        return settings.warehouse_path(self.path)

    @property
    def landing_root(self) -> Path:
        return settings.landing_path(self.landing)
