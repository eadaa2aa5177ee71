"""The engine a refresh builds on: DuckDB (the default), PostgreSQL or a local Spark (README,
"Running on Spark or PostgreSQL").

`comms-warehouse refresh --target postgres|spark` runs the same Dagster job as on DuckDB; only two
steps learn the target, and the warehouse's DuckDB file stays the one place everything after the
build reads:

1. **Load.** The loader alone decides, on DuckDB, what each landing file is and why it is
   rejected (orchestration/landing/loader.py); on another target the rows it accepted, and the
   ledger, are then carried to the target (`send_raw_rows`: PostgreSQL by COPY,
   orchestration/landing/postgres.py; Spark as Parquet files, orchestration/landing/spark.py).
2. **Build.** dbt builds every model and runs its data tests on the target (`--target`). Then
   the schemas read after the build (`MIRRORED_SCHEMAS`: the staged rows the reference reads,
   the audit tables the reconciliation reads, the marts and the seeds) are copied from the target
   into the DuckDB file, replacing what it held there in one transaction (`mirror_build`; from
   Spark, its tables' Parquet folders: its catalog ends with dbt's process).

So the formula checks, the published copy for BI tools, the executive report and the exports
run the same code on every engine, and they read the target's own rows: what they prove and
publish is what the target built. The other way, one connection layer (SQLAlchemy with sqlglot,
or Ibis) under the checks, the reference reader, the reporting API and the exports, would
translate a few hundred DuckDB queries for each engine and make every reader as slow as a
round trip to a server; the BI copy is a DuckDB file on every engine anyway, so the copy is
made once, earlier. What it costs is one copy of four schemas per refresh (`make bench
TARGET=postgres` prints it inside the dbt build's time).
"""

from __future__ import annotations

import os
from pathlib import Path

TARGETS = ("duckdb", "postgres", "spark")
DEFAULT_TARGET = "duckdb"
TARGET_ENV = "COMMS_WAREHOUSE_TARGET"
# What the refresh reads after the build, schema -> the names copied: the staged rows (formula
# checks and the reference read `stg_*`; the `base_*` views under them are the target's own
# business), the audit tables (reconciliation), the marts and the seeds (checks, published
# copy, report, exports).
MIRRORED_SCHEMAS = {"staging": "stg_", "audit": "", "marts": "", "reference": ""}


def target_name() -> str:
    """The target of this process: COMMS_WAREHOUSE_TARGET, else DuckDB."""
    name = os.environ.get(TARGET_ENV) or DEFAULT_TARGET
    if name not in TARGETS:
        raise ValueError(f"{TARGET_ENV}={name!r}: the targets are {', '.join(TARGETS)}")
    return name


def use_target(name: str | None) -> str:
    """Build on `name` (None: the current choice) from now on, in this process and in the dbt
    it starts (dbt reads DBT_TARGET as its --target)."""
    os.environ[TARGET_ENV] = name or target_name()
    chosen = target_name()  # validates
    os.environ["DBT_TARGET"] = chosen
    return chosen


def send_raw_rows(warehouse: Path) -> int:
    """After a load: carry the raw and ledger rows the target lacks to it (DuckDB: nothing to
    do, the loader wrote them there). Returns the ledger rows sent."""
    target = target_name()
    if target == "postgres":
        from orchestration.landing.postgres import copy_raw_to_postgres

        return copy_raw_to_postgres(warehouse)
    if target == "spark":
        from orchestration.landing.spark import copy_raw_to_spark, spark_dir

        return copy_raw_to_spark(warehouse, spark_dir(warehouse))
    return 0


def use_build_environment(warehouse: Path) -> None:
    """Before a build: set what the target's dbt profile reads about this build from the
    environment, which dbt inherits. Spark built `large` (its JVM sized by the raw rows,
    orchestration/targets/spark.py) sets COMMS_SPARK_SCALE; every other build leaves it unset,
    as the project's parse at start-up saw it (orchestration/dbt/parse_state.py)."""
    from orchestration.targets.spark import SCALE_VARIABLE, spark_scale

    os.environ.pop(SCALE_VARIABLE, None)
    if target_name() == "spark":
        from orchestration.landing.spark import spark_dir

        if spark_scale(spark_dir(warehouse)) == "large":
            os.environ[SCALE_VARIABLE] = "large"


def mirror_build(warehouse: Path) -> dict[str, int]:
    """After a build: copy the target's MIRRORED_SCHEMAS into the DuckDB file (DuckDB: nothing
    to do). Returns rows per "schema.table" copied."""
    target = target_name()
    if target == "postgres":
        from orchestration.targets.postgres import mirror_from_postgres

        return mirror_from_postgres(warehouse, MIRRORED_SCHEMAS)
    if target == "spark":
        from orchestration.landing.spark import spark_dir
        from orchestration.targets.spark import mirror_from_spark

        return mirror_from_spark(
            warehouse, MIRRORED_SCHEMAS, spark_dir(warehouse), _manifest_path()
        )
    return {}


def _manifest_path() -> Path:
    """The project's parsed manifest (the dbt step's, DBT_TARGET_PATH honoured as dbt does):
    which models and seeds exist, and their descriptions."""
    from orchestration import settings

    return settings.PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target") / "manifest.json"
