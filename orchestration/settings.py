"""Where things live. Every entry point resolves paths here, so any working directory works."""

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent  # the repo root is the dbt project
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "comms.duckdb"
DEFAULT_LANDING = PROJECT_DIR / "landing"


def warehouse_path(explicit: str | os.PathLike | None = None) -> Path:
    """The DuckDB file: an explicit path, else COMMS_WAREHOUSE_PATH, else the repo default."""
    chosen = explicit or os.environ.get("COMMS_WAREHOUSE_PATH") or DEFAULT_WAREHOUSE
    return Path(chosen).expanduser().resolve()


def landing_path(explicit: str | os.PathLike | None = None) -> Path:
    """The landing root: an explicit path, else COMMS_WAREHOUSE_LANDING, else the repo default."""
    chosen = explicit or os.environ.get("COMMS_WAREHOUSE_LANDING") or DEFAULT_LANDING
    return Path(chosen).expanduser().resolve()


def use_warehouse(path: Path) -> None:
    """Point dbt's profile (which reads COMMS_WAREHOUSE_PATH) at this warehouse file."""
    os.environ["COMMS_WAREHOUSE_PATH"] = str(path)
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))


def project_vars() -> dict:
    """dbt_project.yml's `vars`: the thresholds the models ran with (a refresh passes none)."""
    import yaml  # dbt's dependency; imported here so path lookups stay light

    with (PROJECT_DIR / "dbt_project.yml").open() as project:
        return yaml.safe_load(project).get("vars") or {}
