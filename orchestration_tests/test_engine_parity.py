"""The same landing built on DuckDB and on PostgreSQL gives the same marts, row for row.

DuckDB's side is the session warehouse (conftest.py's test world: dirt, late events, DST days).
PostgreSQL's side is a fresh database on a server: the raw schema is copied there by COPY of the
rows the loader accepted (orchestration/landing/postgres.py), then dbt builds every seed, model
and data test there (`--target postgres`), then runs every unit test. Every table of the marts
and audit schemas must hold the same rows on both: EXCEPT ALL both ways, with doubles compared
to 9 significant digits (the engines may sum floats in another order; 1e-9 relative is far
wider than that noise).

The server: the one .ci/run started (PGHOST is set), else a throwaway one from
scripts/postgres.sh when PostgreSQL's binaries are on this machine, else the test skips (and
fails under CI, where .ci/run must have started one).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration.landing.postgres import copy_raw_to_postgres

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
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
    folder = tempfile.mkdtemp(prefix="comms-postgres-")
    script = str(REPO / "scripts" / "postgres.sh")
    started = subprocess.run([script, "start", folder], capture_output=True, text=True, check=False)
    assert started.returncode == 0, started.stderr
    # The script prints one line: export PGHOST=... PGPORT=... PGUSER=... PGDATABASE=...
    variables = dict(pair.split("=", 1) for pair in started.stdout.split()[1:])
    try:
        yield variables
    finally:
        subprocess.run([script, "stop", folder], capture_output=True, check=False)


@pytest.fixture(scope="module")
def postgres_database(postgres_server: dict[str, str]) -> Iterator[dict[str, str]]:
    """A database of this test's own on the server, dropped afterwards."""
    import psycopg2

    name = f"comms_parity_{uuid.uuid4().hex[:8]}"
    server = {k: v for k, v in postgres_server.items() if k != "PGDATABASE"}
    admin = psycopg2.connect(_dsn(server, "postgres"))
    admin.autocommit = True
    admin.cursor().execute(f"create database {name}")
    try:
        yield {**server, "PGDATABASE": name}
    finally:
        admin.cursor().execute(f"drop database if exists {name} with (force)")
        admin.close()


def _dsn(variables: dict[str, str], database: str) -> str:
    keys = {"PGHOST": "host", "PGPORT": "port", "PGUSER": "user", "PGPASSWORD": "password"}
    pairs = [f"{keys[k]}={v}" for k, v in variables.items() if k in keys and v]
    return " ".join([*pairs, f"dbname={database}"])


@pytest.fixture(scope="module")
def postgres_warehouse(built_warehouse, postgres_database, tmp_path_factory) -> dict[str, str]:
    """The session world's raw schema on PostgreSQL, and every dbt node built there."""
    copy_raw_to_postgres(
        built_warehouse.path, _dsn(postgres_database, postgres_database["PGDATABASE"])
    )
    tmp = tmp_path_factory.mktemp("postgres_dbt")
    env = {
        **os.environ,
        **postgres_database,
        "DBT_PROFILES_DIR": str(REPO),
        "DBT_TARGET_PATH": str(tmp / "target"),
        "DBT_LOG_PATH": str(tmp / "logs"),
    }
    # The unit tests of an incremental path read the existing table's columns: after the build.
    for args in (
        ["build", "--exclude-resource-type", "unit_test"],
        ["test", "--select", "test_type:unit"],
    ):
        dbt = subprocess.run(
            [str(BIN / "dbt"), *args, "--target", "postgres"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        failed = [line for line in dbt.stdout.splitlines() if " ERROR " in line or " FAIL " in line]
        assert dbt.returncode == 0, "\n".join(failed) or dbt.stdout[-4000:] + dbt.stderr[-2000:]
    return postgres_database


def test_postgres_builds_the_same_marts_as_duckdb(built_warehouse, postgres_warehouse, tmp_path):
    import psycopg2

    dsn = _dsn(postgres_warehouse, postgres_warehouse["PGDATABASE"])
    with psycopg2.connect(dsn) as pg, duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{built_warehouse.path}' as duck (read_only)")
        duck_tables = _tables(con.execute(_TABLES.format(catalog="duck")).fetchall())
        with pg.cursor() as cursor:
            cursor.execute(_TABLES.format(catalog=pg.info.dbname))
            assert _tables(cursor.fetchall()) == duck_tables
            report = [_compare(con, cursor, table, tmp_path) for table in sorted(duck_tables)]
    differing = [line for line in report if line[2] or line[3]]
    print(
        "\n".join(
            f"{t}: {rows} rows, {a} only on DuckDB, {b} only on PostgreSQL"
            for t, rows, a, b in report
        )
    )
    assert len(report) > 20 and sum(rows for _, rows, _, _ in report) > 0
    assert not differing, differing


# Both engines' information_schema; DuckDB's lists every attached catalog.
_TABLES = (
    "select table_schema || '.' || table_name from information_schema.tables"
    " where table_catalog = '{catalog}' and table_type = 'BASE TABLE' and table_schema in ("
    + ", ".join(f"'{schema}'" for schema in COMPARED_SCHEMAS)
    + ")"
)


def _tables(rows: list[tuple[str]]) -> set[str]:
    return {row[0] for row in rows}


def _compare(con: duckdb.DuckDBPyConnection, cursor, table: str, tmp_path: Path):
    """(table, DuckDB's rows, rows only on DuckDB, rows only on PostgreSQL)."""
    columns = con.execute(f"describe duck.{table}").fetchall()
    names = [name for name, *_ in columns]
    cursor.execute(f"select * from {table} limit 0")
    assert [c.name for c in cursor.description] == names, f"{table}: columns differ"
    # PostgreSQL's rows reach DuckDB as CSV read with DuckDB's own column types; an empty
    # quoted field is an empty string there, an unquoted one null, as PostgreSQL wrote it.
    exported = tmp_path / f"{table}.csv"
    with exported.open("w", encoding="utf-8") as handle:
        cursor.copy_expert(f"copy {table} to stdout with (format csv)", handle)
    types = ", ".join(f"'{name}': '{data_type}'" for name, data_type, *_ in columns)
    con.execute(
        f"create or replace temp table pg_side as select * from read_csv('{exported}',"
        f" header = false, columns = {{{types}}}, allow_quoted_nulls = false, auto_detect = false)"
    )
    comparable = ", ".join(
        _rounded(name) if data_type in FLOAT_TYPES else f'"{name}"'
        for name, data_type, *_ in columns
    )
    duck, pg = f"select {comparable} from duck.{table}", f"select {comparable} from pg_side"
    only_duck = con.execute(f"select count(*) from ({duck} except all {pg})").fetchone()[0]
    only_pg = con.execute(f"select count(*) from ({pg} except all {duck})").fetchone()[0]
    rows = con.execute(f"select count(*) from duck.{table}").fetchone()[0]
    return table, rows, only_duck, only_pg


def _rounded(name: str) -> str:
    """A double to SIGNIFICANT_DIGITS significant digits (0, null and infinities as they are)."""
    column = f'"{name}"'
    return (
        f"case when {column} = 0 or not isfinite({column}) then {column}"
        f" else round({column}, {SIGNIFICANT_DIGITS} - cast(ceil(log10(abs({column}))) as integer))"
        f" end as {column}"
    )
