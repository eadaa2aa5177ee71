"""The same landing built on DuckDB, on PostgreSQL and on Spark gives the same marts, row for row.

DuckDB's side is the session warehouse (conftest.py's test world: dirt, late events, DST days).
PostgreSQL's side is a fresh database on a server: the raw schema is copied there by COPY of the
rows the loader accepted (orchestration/landing/postgres.py), then dbt builds every seed and
model there (`--target postgres`), then runs every unit test. The data tests on PostgreSQL are
test_targets.py's: its README block refreshes the same landing with `--target postgres`, whose
`dbt build` runs every data test there and fails the block on a blocking failure; here they
took more than half of the build (dbt's CPU 36.3 s with them, 16.0 s without). Every table of
the marts and audit schemas must hold the same rows on both: EXCEPT ALL both ways, with doubles
compared to 9 significant digits (the engines may sum floats in another order; 1e-9 relative is far
wider than that noise).

The server: the one .ci/run started (PGHOST is set), else a throwaway one from
scripts/postgres.sh when PostgreSQL's binaries are on this machine, else the test skips (and
fails under CI, where .ci/run must have started one).

Spark's side is test_spark_parity.py's (a module of its own, so the two engines' builds run on
two test workers side by side); it reads its tables with this module's comparison.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration import warehouse_connection
from orchestration.landing.loader import load_landing
from orchestration.landing.postgres import copy_raw_to_postgres
from orchestration.targets.postgres_server import dsn as libpq_dsn
from orchestration.targets.postgres_server import fresh_database, throwaway_server

REPO = Path(__file__).resolve().parents[1]
COMPARED_SCHEMAS = ("marts", "audit")
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
SIGNIFICANT_DIGITS = 9

pytestmark = pytest.mark.builds(1)


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[dict[str, str]]:
    """libpq variables (PGHOST, PGPORT, PGUSER) of a running server."""
    if os.environ.get("PGHOST"):
        yield {k: v for k, v in os.environ.items() if k.startswith("PG")}
        return
    if not (shutil.which("initdb") or glob.glob("/usr/lib/postgresql/*/bin/initdb")):
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL server: .ci/run starts one with scripts/postgres.sh")
        pytest.skip("PostgreSQL is not installed (scripts/postgres.sh start installs it)")
    # Not under pytest's basetemp: its folders are private to this user, and a server started
    # as root runs as the `postgres` user, which must reach the folder.
    with throwaway_server(Path(tempfile.mkdtemp(prefix="comms-postgres-"))) as variables:
        yield variables


@pytest.fixture(scope="module")
def postgres_database(postgres_server: dict[str, str]) -> Iterator[dict[str, str]]:
    """A database of this module's own on the server, dropped afterwards."""
    with fresh_database(postgres_server, "comms_parity") as database:
        yield database


@pytest.fixture(scope="module")
def postgres_warehouse(built_warehouse, postgres_database, tmp_path_factory) -> dict[str, str]:
    """The session world built on PostgreSQL as two days of refreshes build it: every export
    day but the last loaded (the loader on DuckDB, then COPY) and the incremental models built,
    with every seed and model they read (the rest, rebuilt in full by the second build, is not
    built twice); then the last day's folders (delivery events and re-exports of rows loaded
    the day before among them) loaded and every seed and model built, the incremental models
    by delete+insert of what the new rows touch. Returns the libpq variables and, under
    "target", dbt's target folder of the second build."""
    tmp = tmp_path_factory.mktemp("postgres_dbt")
    landing, loads = tmp / "landing", tmp / "loads.duckdb"
    last_day = max(p.name for p in built_warehouse.landing.glob("*/*") if p.is_dir())
    shutil.copytree(built_warehouse.landing, landing, ignore=shutil.ignore_patterns(last_day))
    dsn = libpq_dsn(postgres_database, postgres_database["PGDATABASE"])
    load_landing(landing, loads)
    copy_raw_to_postgres(loads, dsn)
    # data tests: test_targets.py's README refresh runs them on PostgreSQL
    _build_every_node(
        "postgres", postgres_database, tmp, data_tests=False, unit_tests=False,
        select=INCREMENTAL_AND_UPSTREAM,
    )  # fmt: skip
    shutil.copytree(built_warehouse.landing, landing, dirs_exist_ok=True)
    load_landing(landing, loads)
    assert copy_raw_to_postgres(loads, dsn) > 0  # the last day's files
    _build_every_node("postgres", postgres_database, tmp, data_tests=False)
    return {**postgres_database, "target": str(tmp / "target")}


# The unit tests of an incremental path read the existing table's columns: after the build.
_BUILD_THEN_UNIT_TESTS = (
    ["build", "--exclude-resource-type", "unit_test"],
    ["test", "--select", "test_type:unit"],
)
_WITHOUT_DATA_TESTS = ("--exclude-resource-type", "test")
# The incremental models and every node upstream of them.
INCREMENTAL_AND_UPSTREAM = "+config.materialized:incremental"

# dbt invocations in one Python process, one after the other: Spark's catalog is in memory
# (profiles.yml), so a later step reads only the tables its own process made or registered.
# Exits 1 on a failure.
_ONE_PROCESS = """
import json, sys
from dbt.cli.main import dbtRunner
runner = dbtRunner()
sys.exit(0 if all(runner.invoke(args).success for args in json.loads(sys.argv[1])) else 1)
"""


def _build_every_node(
    target: str, variables: dict[str, str], tmp: Path, data_tests: bool = True,
    unit_tests: bool = True, select: str | None = None,
) -> None:  # fmt: skip
    """dbt builds every seed, model and (unless `data_tests` is false) data test on `target`
    (or only the nodes `select` names), then (unless `unit_tests` is false) runs every unit
    test."""
    build, unit_tests_run = _BUILD_THEN_UNIT_TESTS
    if not data_tests:
        build = [*build, *_WITHOUT_DATA_TESTS]
    if select:
        build = [*build, "--select", select]
    steps = [build, unit_tests_run] if unit_tests else [build]
    run_dbt_in_one_process(target, variables, tmp, steps)


def run_dbt_in_one_process(
    target: str, variables: dict[str, str], tmp: Path, steps: list[list[str]]
) -> None:
    """Each of `steps` (dbt's arguments) on `target`, in one process; fails naming the nodes
    that failed. `tmp` holds dbt's target and log folders."""
    env = {
        **os.environ,
        **variables,
        "DBT_PROFILES_DIR": str(REPO),
        "DBT_TARGET_PATH": str(tmp / "target"),
        "DBT_LOG_PATH": str(tmp / "logs"),
    }
    common = ["--target", target, "--project-dir", str(REPO)]
    invocations = json.dumps([[*args, *common] for args in steps])
    dbt = subprocess.run(
        [sys.executable, "-c", _ONE_PROCESS, invocations],
        cwd=tmp,  # Spark leaves files in the working folder
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    failed = [line for line in dbt.stdout.splitlines() if " ERROR " in line or " FAIL " in line]
    assert dbt.returncode == 0, "\n".join(failed) or dbt.stdout[-4000:] + dbt.stderr[-2000:]


def test_postgres_builds_the_same_marts_as_duckdb(built_warehouse, postgres_warehouse, tmp_path):
    """PostgreSQL's marts after the added day, built incrementally, hold DuckDB's rows of the
    same landing loaded at once (when each row was loaded aside: two loads there, one here).
    With test_targets.py's README refresh (the same landing built in full on PostgreSQL, equal
    to DuckDB's) this makes PostgreSQL's incremental build equal to its full one."""
    import psycopg2

    dsn = libpq_dsn(postgres_warehouse, postgres_warehouse["PGDATABASE"])
    with psycopg2.connect(dsn) as pg, duckdb.connect() as con, pg.cursor() as cursor:
        duck_tables = _attach_duckdb(con, built_warehouse.path)
        cursor.execute(_TABLES.format(catalogs=f"'{pg.info.dbname}'"))
        assert _tables(cursor.fetchall()) == duck_tables
        report = []
        for table in sorted(duck_tables):
            _postgres_side(con, cursor, table, tmp_path)
            report.append(_compare(con, table, skip=_LOAD_TIMES))
    _assert_identical(report, "PostgreSQL")


def test_the_added_day_ran_incrementally_on_postgres(postgres_warehouse):
    """The second build replaced only what the day touched: every incremental model's SQL on
    it was a delete+insert into the existing table, not a table built anew; a model whose
    pre_hook deletes the groups it rebuilds (delete_changed_groups) appends."""
    target = Path(postgres_warehouse["target"])
    manifest = json.loads((target / "manifest.json").read_text())
    incremental = {
        node["original_file_path"]: node["config"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    }
    assert len(incremental) >= 5, incremental
    for path, config in incremental.items():
        ran = (target / "run" / "comms_warehouse" / path).read_text().lower()
        hooks = " ".join(hook["sql"] for hook in config["pre-hook"])
        if "delete_changed_groups" in hooks:
            assert config["incremental_strategy"] == "append", path
        else:
            assert "delete from" in ran, f"{path} was rebuilt:\n{ran[:400]}"
        assert "insert into" in ran, f"{path} was rebuilt:\n{ran[:400]}"
        assert "create table" not in ran, f"{path} was built anew:\n{ran[:400]}"


# What a refresh copies back from its target and the rest of the refresh reads
# (orchestration/targets MIRRORED_SCHEMAS), listed here from the DuckDB build's side, where the
# stg_ models are views or tables (the copy back holds tables only).
_READ_AFTER_THE_BUILD = (
    "select table_schema || '.' || table_name from information_schema.tables"
    " where table_catalog in ({catalogs}) and (table_schema in"
    " ('marts', 'audit', 'reference') or table_schema = 'staging' and table_name like 'stg%')"
)


def assert_reads_back(duckdb_warehouse: Path, refreshed: Path, engine: str) -> None:
    """The warehouse file `refreshed` on `engine` holds every table the rest of the refresh
    reads with the columns, types and rows of `duckdb_warehouse` (load times aside)."""
    with duckdb.connect() as con:
        _attach_duckdb(con, duckdb_warehouse)
        con.execute(f"attach '{refreshed}' as other (read_only)")
        assert con.execute("select target from other.main._built_on").fetchone() == (engine,)
        tables = _tables(con.execute(_READ_AFTER_THE_BUILD.format(catalogs=_DUCK)).fetchall())
        mirrored = _tables(con.execute(_READ_AFTER_THE_BUILD.format(catalogs="'other'")).fetchall())
        assert mirrored == tables
        report = []
        for table in sorted(tables):
            columns = _duck_columns(con, table)
            described = con.execute(f"describe other.{table}").fetchall()
            mirrored_columns = [(name, kind) for name, kind, *_ in described]
            assert mirrored_columns == columns, f"{table}: columns or types differ"
            report.append(_compare(con, table, f"other.{table}", skip=_LOAD_TIMES))
    _assert_identical(report, f"{engine} (refreshed)")


# When the refresh loaded each row (its own load, not the session warehouse's): the one thing
# that differs by construction.
_LOAD_TIMES = {"_loaded_at", "loaded_at"}


def _attach_duckdb(con: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    """Attach the DuckDB warehouse as `duck` and its marts file as `duck_marts`; returns its
    compared tables."""
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{path}' as duck (read_only)")
    con.execute(f"attach '{warehouse_connection.marts_path(path)}' as duck_marts (read_only)")
    return _tables(con.execute(_TABLES.format(catalogs=_DUCK)).fetchall())


_DUCK = "'duck', 'duck_marts'"  # the DuckDB warehouse's two files, as _attach_duckdb names them


def _duck(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """`table` (schema.name) in whichever file of the DuckDB warehouse holds it."""
    schema, name = table.split(".")
    (catalog,) = con.execute(
        f"select table_catalog from information_schema.tables where table_catalog in ({_DUCK})"
        " and table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return f"{catalog}.{table}"


def _assert_identical(report: list[tuple[str, int, int, int]], engine: str) -> None:
    differing = [line for line in report if line[2] or line[3]]
    print(
        "\n".join(
            f"{t}: {rows} rows, {a} only on DuckDB, {b} only on {engine}"
            for t, rows, a, b in report
        )
    )
    assert len(report) > 20 and sum(rows for _, rows, _, _ in report) > 0
    assert not differing, differing


# Both engines' information_schema; DuckDB's lists every attached catalog.
_TABLES = (
    "select table_schema || '.' || table_name from information_schema.tables"
    " where table_catalog in ({catalogs}) and table_type = 'BASE TABLE' and table_schema in ("
    + ", ".join(f"'{schema}'" for schema in COMPARED_SCHEMAS)
    + ")"
)


def _tables(rows: list[tuple[str]]) -> set[str]:
    return {row[0] for row in rows}


def _duck_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [
        (name, data_type)
        for name, data_type, *_ in con.execute(f"describe {_duck(con, table)}").fetchall()
    ]


def _postgres_side(con: duckdb.DuckDBPyConnection, cursor, table: str, tmp_path: Path) -> None:
    """PostgreSQL's rows of `table` as the temp table other_side, in DuckDB's column types."""
    columns = _duck_columns(con, table)
    cursor.execute(f"select * from {table} limit 0")
    assert [c.name for c in cursor.description] == [n for n, _ in columns], (
        f"{table}: columns differ"
    )
    # PostgreSQL's rows reach DuckDB as CSV read with DuckDB's own column types; an empty
    # quoted field is an empty string there, an unquoted one null, as PostgreSQL wrote it.
    exported = tmp_path / f"{table}.csv"
    with exported.open("w", encoding="utf-8") as handle:
        cursor.copy_expert(f"copy {table} to stdout with (format csv)", handle)
    types = ", ".join(f"'{name}': '{data_type}'" for name, data_type in columns)
    con.execute(
        f"create or replace temp table other_side as select * from read_csv('{exported}',"
        f" header = false, columns = {{{types}}}, allow_quoted_nulls = false, auto_detect = false)"
    )


def _compare(
    con: duckdb.DuckDBPyConnection, table: str, other_table: str = "other_side", skip=frozenset()
) -> tuple[str, int, int, int]:
    """(table, DuckDB's rows, rows only on DuckDB, rows only on the other engine), the columns
    in `skip` left out."""
    comparable = ", ".join(
        _rounded(name) if data_type in FLOAT_TYPES else f'"{name}"'
        for name, data_type in _duck_columns(con, table)
        if name not in skip
    )
    duck, other = (
        f"select {comparable} from {_duck(con, table)}",
        f"select {comparable} from {other_table}",
    )
    only_duck = con.execute(f"select count(*) from ({duck} except all {other})").fetchone()[0]
    only_other = con.execute(f"select count(*) from ({other} except all {duck})").fetchone()[0]
    rows = con.execute(f"select count(*) from {_duck(con, table)}").fetchone()[0]
    return table, rows, only_duck, only_other


def _rounded(name: str) -> str:
    """A double to SIGNIFICANT_DIGITS significant digits (0, null and infinities as they are)."""
    column = f'"{name}"'
    return (
        f"case when {column} = 0 or not isfinite({column}) then {column}"
        f" else round({column}, {SIGNIFICANT_DIGITS} - cast(ceil(log10(abs({column}))) as integer))"
        f" end as {column}"
    )


@pytest.fixture
def empty_postgres_database(postgres_server: dict[str, str]) -> Iterator[dict[str, str]]:
    with fresh_database(postgres_server, "comms_parity") as database:
        yield database


def test_a_second_copy_to_postgres_carries_only_the_new_files(empty_postgres_database, tmp_path):
    """Two loads, each copied on: PostgreSQL ends with every ledger and raw row once. (The
    ledger's new-file filter once compared known_files' file_id with itself, so after the first
    copy no ledger row went across.)"""
    import psycopg2

    from orchestration.landing.contract import ENTITIES

    examples = REPO.parent / "shared" / "examples" / "landing"
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    shutil.copytree(examples, landing)
    dsn = libpq_dsn(empty_postgres_database, empty_postgres_database["PGDATABASE"])
    first = load_landing(landing, warehouse, entities=["accounts", "messages"])
    assert copy_raw_to_postgres(warehouse, dsn) == len(first)
    rest = [f for f in load_landing(landing, warehouse) if f.status != "skipped"]
    assert copy_raw_to_postgres(warehouse, dsn) == len(rest) > 0
    assert copy_raw_to_postgres(warehouse, dsn) == 0  # nothing new: nothing copied

    counted = ["raw._load_ledger", *(f"raw.{entity}" for entity in ENTITIES)]
    with warehouse_connection.connect(str(warehouse), read_only=True) as con:
        expected = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in counted}
    with psycopg2.connect(dsn) as pg, pg.cursor() as cursor:
        copied = {}
        for table in counted:
            cursor.execute(f"select count(*) from {table}")
            copied[table] = cursor.fetchone()[0]
    assert copied == expected
