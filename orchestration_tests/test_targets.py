"""The README's "Running on Spark or PostgreSQL" section, followed as written, and its promise:
on PostgreSQL the report and the exports give the same JSON and the same files as on DuckDB.

The section's shell block runs as one script in a folder of its own (a fresh machine's clone:
`scripts/` beside it), with its own server (`scripts/postgres.sh start`, data under a temporary
folder) and its own warehouse (`COMMS_WAREHOUSE_PATH`). One substitution: `--scale demo` becomes
the session landing's scale, seed and end day, so the landing it generates is the session's,
file for file, and the session warehouse (built on DuckDB by the same `run_refresh`) is the
other side of the comparison: every view for every account, alone and (top-level accounts)
with its sub-accounts, over all time, the send-report contact lists, and each view's CSV
export; text and whole numbers exactly, doubles to 1e-9 relative (`same`).
"""

from __future__ import annotations

import csv
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import END_DATE, LANDING_SCALE, LANDING_SEED
from test_engine_parity import assert_reads_back

from orchestration import warehouse_connection
from orchestration.kpi_registry import VIEWS
from orchestration.landing.spark import SPARK_DIR_VARIABLE
from orchestration.publishing import published_path
from orchestration.reporting.api import report
from orchestration.reporting.exports import CONTACT_LISTS, contact_list, export_report
from orchestration.reporting.source import ReportError
from orchestration.targets import TARGET_ENV, target_name, use_build_environment
from orchestration.targets.duckdb_side import BUILT_ON
from orchestration.targets.postgres import duckdb_type
from orchestration.targets.spark import (
    LARGE_RAW_BYTES,
    SCALE_VARIABLE,
    mirror_from_spark,
    spark_scale,
)

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECTION = "## Running on Spark or PostgreSQL"
RELATIVE = 1e-9

pytestmark = pytest.mark.builds(1)


def readme_block() -> str:
    """The first ```sh block of the section."""
    text = (REPO / "README.md").read_text()
    section = text[text.index(SECTION) :]
    return re.search(r"^```sh\n(.*?)^```", section, re.S | re.M).group(1)


def _as_the_session_landing(block: str) -> str:
    assert "--scale demo" in block, block
    return block.replace(
        "--scale demo", f"--scale {LANDING_SCALE} --seed {LANDING_SEED} --end-date {END_DATE}"
    )


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The section's block run in a fresh folder; returns (folder, the run)."""
    if not (shutil.which("initdb") or glob.glob("/usr/lib/postgresql/*/bin/initdb")):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: .ci/run installs it")
        pytest.skip("PostgreSQL is not installed (scripts/postgres.sh start installs it)")
    folder = tmp_path_factory.mktemp("readme_postgres")
    (folder / "scripts").symlink_to(REPO / "scripts")
    # Not under pytest's basetemp: a server started as root runs as `postgres`, which must
    # reach its folder.
    server = tempfile.mkdtemp(prefix="comms-postgres-readme-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}  # the block's server
    env.pop("DAGSTER_HOME", None)  # the warehouse's own Dagster home, as on a fresh machine
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        COMMS_WAREHOUSE_PATH=str(folder / "warehouse" / "comms.duckdb"),
        COMMS_POSTGRES_DIR=server,
        DBT_TARGET_PATH=str(folder / "target"),
        DBT_LOG_PATH=str(folder / "logs"),
    )
    try:
        run = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", _as_the_session_landing(readme_block())],
            cwd=folder, env=env, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
    finally:  # the block stops its server; after a failure half-way, this does
        subprocess.run([str(REPO / "scripts" / "postgres.sh"), "stop", server], check=False)
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout[-3000:]}{run.stderr[-4000:]}"
    return folder, run


def test_the_readme_block_builds_on_postgres_and_reports(readme_run):
    folder, run = readme_run
    with warehouse_connection.connect(
        str(folder / "warehouse" / "comms.duckdb"), read_only=True
    ) as con:
        assert con.execute(f"select target from main.{BUILT_ON}").fetchone() == ("postgres",)
    printed = json.loads(run.stdout)  # the one command printing to stdout: report --format json
    assert printed["kpis"]["sms_sent"] > 0, printed["kpis"]
    with (folder / "usage.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) > 1


def test_the_readme_refresh_on_postgres_holds_duckdbs_rows(built_warehouse, readme_run):
    """The block's refresh built the session landing in full on PostgreSQL: every table the
    rest of the refresh reads (marts, audit, staged rows, seeds), copied back, holds the rows,
    columns and types of DuckDB's build of the same landing (load times aside).
    test_engine_parity.py builds the same landing on PostgreSQL in two days, the second
    incrementally, against the same DuckDB build: so the incremental build equals the full one."""
    folder, _ = readme_run
    assert_reads_back(built_warehouse.path, folder / "warehouse" / "comms.duckdb", "postgres")


def _scopes(published: Path) -> list[tuple[str, bool]]:
    """(account, with its sub-accounts): every top-level account rolled up, every account alone."""
    with warehouse_connection.connect(str(published), read_only=True) as con:
        accounts = con.execute(
            "select account_id, parent_account_id is null from marts.dim_accounts order by 1"
        ).fetchall()
    return [(a, True) for a, top in accounts if top] + [(a, False) for a, _ in accounts]


def same(a: Any, b: Any) -> bool:
    """Equal, a float to 1e-9 relative: engines may sum or divide doubles in another order (the
    issue's tolerance for marts; e.g. credits_projected 908.9103448275862 on DuckDB,
    ...863 on PostgreSQL). Everything else, ints and text included, exactly."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=RELATIVE)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _cell(text: str) -> Any:
    """A CSV cell: a number with a decimal point or exponent as a float, else the text."""
    try:
        return float(text) if any(c in text for c in ".eE") else text
    except ValueError:
        return text


def _csv(path: Path) -> list[list[Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [[_cell(cell) for cell in row] for row in csv.reader(handle)]


def _view_json(published: Path, view: str, account: str, rolled_up: bool) -> dict | str:
    try:
        rep = report(
            view, warehouse=published, account_id=account, include_sub_accounts=rolled_up,
            date_range="all_time", today=END_DATE, allowed_accounts=None,
        )  # fmt: skip
    except ReportError as error:  # a view that needs a filter says so alike on both engines
        return f"ReportError: {error}"
    return json.loads(json.dumps(rep.to_dict()))


def test_every_view_gives_the_same_json_on_postgres_as_on_duckdb(built_warehouse, readme_run):
    duck = published_path(built_warehouse.path)
    postgres = published_path(readme_run[0] / "warehouse" / "comms.duckdb")
    scopes = _scopes(duck)
    assert len(scopes) > 1 and scopes == _scopes(postgres)
    differing, compared = [], 0
    for view in VIEWS:
        for scope in scopes:
            on_duckdb = _view_json(duck, view, *scope)
            compared += isinstance(on_duckdb, dict) and bool(on_duckdb["kpis"])
            if not same(_view_json(postgres, view, *scope), on_duckdb):
                differing.append(f"{view} {scope}")
    assert compared >= len(scopes) * (len(VIEWS) - 2), "too few views answered"
    assert not differing, differing


def test_the_exports_are_the_same_files_on_postgres_as_on_duckdb(
    built_warehouse, readme_run, tmp_path
):
    duck = published_path(built_warehouse.path)
    postgres = published_path(readme_run[0] / "warehouse" / "comms.duckdb")
    account = next(a for a, rolled_up in _scopes(duck) if rolled_up)
    for name in CONTACT_LISTS:
        lists = [
            contact_list(name, warehouse=w, account_id=account, include_sub_accounts=True)
            for w in (duck, postgres)
        ]
        assert same(lists[0], lists[1]), name
    for view in VIEWS:
        files = []
        for engine, published in (("duckdb", duck), ("postgres", postgres)):
            try:
                rep = report(
                    view, warehouse=published, account_id=account, include_sub_accounts=True,
                    date_range="all_time", today=END_DATE, allowed_accounts=None,
                )  # fmt: skip
            except ReportError:
                continue
            written = export_report(rep, tmp_path / engine / f"{view}.csv")
            files.append({p.name: _csv(p) for p in written})
        assert len(files) in (0, 2) and (not files or same(files[0], files[1])), view


def test_a_target_outside_the_list_is_refused_by_name(monkeypatch):
    monkeypatch.setenv(TARGET_ENV, "oracle")
    with pytest.raises(ValueError, match="COMMS_WAREHOUSE_TARGET='oracle'"):
        target_name()
    monkeypatch.delenv(TARGET_ENV)
    assert target_name() == "duckdb"


def test_postgres_types_map_to_duckdb_types_that_hold_their_values():
    assert duckdb_type("numeric", 12, 6) == "decimal(12,6)"
    assert duckdb_type("numeric", None, None) == "decimal(38,9)"  # a view's cast loses it
    assert duckdb_type("timestamp without time zone", None, None) == "timestamp"
    assert duckdb_type("character varying", None, None) == "varchar"
    with pytest.raises(ValueError, match="'jsonb'"):
        duckdb_type("jsonb", None, None)


def test_spark_tables_come_back_from_their_parquet_folders_with_descriptions(tmp_path):
    """The copy back from Spark, without Spark: folders laid out as the local Spark leaves them
    (`tables/<schema>.db/<name>/part-*.parquet`, instants written UTC-adjusted), and a manifest
    naming the relations. An instant comes back as the same UTC wall time in a plain
    `timestamp`; descriptions come from the manifest; an unlisted folder is left out; a listed
    relation without files is refused by name."""
    tables, manifest = tmp_path / "spark" / "tables", tmp_path / "manifest.json"
    folder = tables / "marts.db" / "fct_example"
    folder.mkdir(parents=True)
    (tables / "marts.db" / "removed_model").mkdir()
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'America/Chicago'")  # not UTC: the instant must not move
        for where in (
            folder / "part-00000-a.snappy.parquet",
            tables / "marts.db" / "removed_model" / "p.parquet",
        ):
            con.execute(
                "copy (select 'm1' as message_id, timestamptz '2026-11-01 06:30:00+00' as sent_at,"
                f" 2.5::double as credits) to '{where}' (format parquet)"
            )
    (folder / "_SUCCESS").write_text("")
    node = {
        "resource_type": "model", "schema": "marts", "alias": "fct_example",
        "description": "One row per message.",
        "columns": {"sent_at": {"name": "sent_at", "description": "When it was sent (UTC)."}},
    }  # fmt: skip
    manifest.write_text(json.dumps({"nodes": {"model.x.fct_example": node}}))
    warehouse = tmp_path / "wh.duckdb"
    assert mirror_from_spark(warehouse, {"marts": ""}, tmp_path / "spark", manifest) == {
        "marts.fct_example": 1
    }
    with warehouse_connection.connect(str(warehouse), read_only=True) as con:
        assert con.execute("describe marts.fct_example").fetchall()[1][:2] == (
            "sent_at",
            "TIMESTAMP",
        )
        assert con.execute(
            "select sent_at::varchar, credits from marts.fct_example"
        ).fetchall() == [("2026-11-01 06:30:00", 2.5)]
        assert con.execute(
            "select comment from duckdb_tables() where table_name = 'fct_example'"
        ).fetchone() == ("One row per message.",)
        assert con.execute(
            "select comment from duckdb_columns() where column_name = 'sent_at'"
        ).fetchone() == ("When it was sent (UTC).",)
        assert con.execute(f"select target from main.{BUILT_ON}").fetchone() == ("spark",)
    node_without_files = {**node, "alias": "fct_never_built"}
    manifest.write_text(json.dumps({"nodes": {"a": node, "b": node_without_files}}))
    with pytest.raises(FileNotFoundError, match=r"marts\.db/fct_never_built"):
        mirror_from_spark(warehouse, {"marts": ""}, tmp_path / "spark", manifest)


def test_a_spark_build_is_sized_by_its_raw_parquet_bytes(tmp_path, monkeypatch):
    """Below LARGE_RAW_BYTES of raw Parquet a Spark build is `small`, from it `large`; other
    files (Spark's markers) do not count. The dbt step names a `large` Spark build in dbt's
    environment, and leaves the variable unset otherwise."""
    events = tmp_path / "raw" / "message_events"
    events.mkdir(parents=True)
    (events / "part-a.parquet").write_bytes(b"\0" * (LARGE_RAW_BYTES - 1))
    (events / "_SUCCESS").write_bytes(b"\0" * 2)
    assert spark_scale(tmp_path) == "small"
    monkeypatch.setenv(SPARK_DIR_VARIABLE, str(tmp_path))
    monkeypatch.setenv(TARGET_ENV, "spark")
    monkeypatch.setenv(SCALE_VARIABLE, "large")  # a previous build's, in this process
    use_build_environment(tmp_path / "wh.duckdb")
    assert SCALE_VARIABLE not in os.environ
    (tmp_path / "raw" / "messages").mkdir()
    (tmp_path / "raw" / "messages" / "part-b.parquet").write_bytes(b"\0")
    assert spark_scale(tmp_path) == "large"
    use_build_environment(tmp_path / "wh.duckdb")
    assert os.environ[SCALE_VARIABLE] == "large"
    monkeypatch.setenv(TARGET_ENV, "duckdb")
    use_build_environment(tmp_path / "wh.duckdb")
    assert SCALE_VARIABLE not in os.environ
