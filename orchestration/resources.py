"""Resources shared by the load assets, the dbt assets and the checks."""

from pathlib import Path

import dagster as dg

from orchestration import settings


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file and the landing folder it is fed from."""

    path: str = str(settings.warehouse_path())
    landing: str = str(settings.DEFAULT_LANDING)

    @property
    def database(self) -> Path:
        return Path(self.path)

    @property
    def landing_root(self) -> Path:
        return Path(self.landing)
