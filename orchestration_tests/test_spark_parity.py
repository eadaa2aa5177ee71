"""The same landing refreshed on Spark gives DuckDB's marts, row for row, and every unit test
passes there.

One Spark build serves every test here, because on a local Spark a node costs its planning
whatever its data (README, Portability): `comms-warehouse refresh --target spark` of the session
world (dirt, late events, DST days) into a warehouse of its own. The refresh hands the loader's
accepted rows to Spark as Parquet (orchestration/landing/spark.py), builds every seed, model and
data test there (a blocking failure fails the refresh), checks and copies the built schemas back
into its DuckDB file (orchestration/targets/spark.py). Then:
- every unit test passes on Spark, run in a new process over the refresh's tables (registered
  from their folders by `register_built_tables`, the views rebuilt); first, since it alone
  does not need the session's DuckDB warehouse (`spark_refresh`);
- Spark's own files: every table of the marts and audit schemas, read by DuckDB straight from
  its Parquet folder, holds the rows of DuckDB's build (test_engine_parity.py's comparison:
  EXCEPT ALL both ways, doubles to 9 significant digits, load times aside: the refresh loaded
  the landing itself);
- what the refresh copied back holds DuckDB's tables, columns, types and rows.

It needs the `spark` extra and Java 17 (.ci/run installs both); without them it skips, and under
CI (CI set) fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import copy_dbt_parse
from test_engine_parity import (
    _LOAD_TIMES,
    COMPARED_SCHEMAS,
    _assert_identical,
    _attach_duckdb,
    _compare,
    _duck_columns,
    assert_reads_back,
    run_dbt_in_one_process,
)

from orchestration.landing.spark import SPARK_DIR_VARIABLE, spark_dir

# Weighed for the test scheduler (conftest.py) as the longest module: its Spark refresh and unit
# tests took about 440 s of CPU, more than the crash-recovery test's four DuckDB builds.
pytestmark = pytest.mark.builds(6)


@pytest.fixture(scope="module")
def spark_refresh(landing, tmp_path_factory) -> Path:
    """`comms-warehouse refresh --target spark` of the session landing into a warehouse of its
    own (and its own Dagster home); returns the warehouse file. It needs the landing, not the
    session warehouse, and the module's first test does not ask for that either: `make test`
    starts this module and the kill test together, and while the kill test's worker builds the
    session warehouse this one refreshes on Spark rather than wait for that build idle."""
    missing = _spark_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}: .ci/run installs the spark extra and Java 17")
        pytest.skip(missing)
    folder = tmp_path_factory.mktemp("spark_refresh")
    warehouse = folder / "comms.duckdb"
    env = {k: v for k, v in os.environ.items() if k != SPARK_DIR_VARIABLE}
    env["DAGSTER_HOME"] = str(folder / "dagster_home")
    # Its own dbt target folder: a Spark parse there, where the unit tests start from it
    # (`_spark_parse`), and the worker's DuckDB parse left for the worker's next refreshes (a
    # parse for Spark in the worker's folder had the next one parse the project in full again).
    env["DBT_TARGET_PATH"] = str(_spark_parse(warehouse))
    cli = [str(Path(sys.executable).parent / "comms-warehouse"), "refresh", "--target", "spark"]
    run = subprocess.run(
        [*cli, "--landing", str(landing), "--warehouse", str(warehouse)],
        cwd=folder, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return warehouse


def _spark_parse(warehouse: Path) -> Path:
    """The dbt target folder of the Spark refresh of `warehouse`, holding its parse."""
    return warehouse.parent / "target"


def _spark_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    for module in ("pyspark", "dbt.adapters.spark"):
        try:
            __import__(module)
        except ImportError:
            return f"the `spark` extra is not installed (no {module})"
    if not shutil.which("java"):
        return "no Java: Spark needs Java 17 (Debian's openjdk-17-jre-headless)"
    return None


def test_every_unit_test_passes_on_spark(spark_refresh, tmp_path):
    """The unit tests read their inputs' columns from the built relations (and an incremental
    path its own table): a new session registers the refresh's tables over their folders and
    rebuilds the views, then runs every unit test. dbt starts from the refresh's parse (the same
    project, target and profile): a partial parse rather than a full one."""
    copy_dbt_parse(_spark_parse(spark_refresh), tmp_path / "target")
    run_dbt_in_one_process(
        "spark",
        {SPARK_DIR_VARIABLE: str(spark_dir(spark_refresh))},
        tmp_path,
        [
            ["run-operation", "register_built_tables"],
            ["run", "--select", "config.materialized:view"],
            ["test", "--select", "test_type:unit"],
        ],
    )


def test_spark_builds_the_same_marts_as_duckdb(built_warehouse, spark_refresh):
    tables = spark_dir(spark_refresh) / "tables"
    spark_tables = {
        f"{schema}.{folder.name}"
        for schema in COMPARED_SCHEMAS
        for folder in (tables / f"{schema}.db").glob("*")
        if folder.is_dir()
    }
    with duckdb.connect() as con:
        duck_tables = _attach_duckdb(con, built_warehouse.path)
        assert spark_tables == duck_tables
        report = []
        for table in sorted(duck_tables):
            _spark_side(con, tables, table)
            report.append(_compare(con, table, skip=_LOAD_TIMES))
    _assert_identical(report, "Spark")


def test_a_refresh_on_spark_reads_back_what_duckdb_built(built_warehouse, spark_refresh):
    """The whole job on Spark (the loader's rows handed over, dbt on Spark, the built schemas
    copied back from the Parquet folders, every blocking check passed on them): the warehouse
    file then holds every table the rest of the refresh reads, with DuckDB's column names and
    types and DuckDB's rows (but for when each row was loaded: this refresh loaded its own)."""
    assert_reads_back(built_warehouse.path, spark_refresh, "spark")


def _spark_side(con: duckdb.DuckDBPyConnection, tables: Path, table: str) -> None:
    """Spark's rows of `table` (its Parquet files) as the temp table other_side, in DuckDB's
    column types; a table Spark wrote no file for is empty."""
    columns = _duck_columns(con, table)
    schema, name = table.split(".")
    files = sorted((tables / f"{schema}.db" / name).glob("*.parquet"))
    typed = ", ".join(f'cast("{n}" as {data_type}) as "{n}"' for n, data_type in columns)
    if not files:
        nulls = ", ".join(f'cast(null as {data_type}) as "{n}"' for n, data_type in columns)
        con.execute(f"create or replace temp table other_side as select {nulls} where false")
        return
    listing = ", ".join(f"'{f}'" for f in files)
    spark_columns = [
        d[0] for d in con.execute(f"select * from read_parquet([{listing}]) limit 0").description
    ]
    assert spark_columns == [n for n, _ in columns], f"{table}: columns differ"
    con.execute(
        f"create or replace temp table other_side as select {typed} from read_parquet([{listing}])"
    )
