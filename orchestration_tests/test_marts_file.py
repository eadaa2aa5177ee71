"""The warehouse's marts file (orchestration/warehouse_connection.py): every reader sees both
files, every copy takes both, dbt writes the marts without a PII column and the reference tables
into it, an old warehouse's marts are dropped once, and the publish made from a byte copy of it
(orchestration/published_marts_file.py) equals the copy written table by table."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from test_publishing import PEOPLE_PII, _copy_contents, _people, build_tenants

from orchestration import settings, warehouse_connection
from orchestration.published_copy import write_copy
from orchestration.publishing import pii_columns, publish
from orchestration.refresh import prepare_dbt

REPO = settings.PROJECT_DIR


def split_tenants(warehouse: Path, version: int) -> None:
    """test_publishing's stand-in warehouse split as dbt writes it: dim_people (PII) in the
    warehouse's own file; fct_taps (no PII) and the reference table in the marts file."""
    single = warehouse.with_name("single.duckdb")
    single.unlink(missing_ok=True)
    build_tenants(single, version)
    marts = warehouse_connection.MARTS_DATABASE
    path = warehouse_connection.marts_path(warehouse)
    with warehouse_connection.connect(warehouse) as con:
        own = con.execute("select current_database()").fetchone()[0]
        version_ = f"storage_version '{warehouse_connection.MARTS_STORAGE_VERSION}'"
        con.execute(f"attach if not exists '{path}' as {marts} ({version_})")
        con.execute(f"attach '{single}' as single (read_only)")
        for catalog, schema in ((own, "marts"), (marts, "marts"), (marts, "reference")):
            con.execute(f'create schema if not exists "{catalog}".{schema}')
        con.execute(
            f'create or replace table "{own}".marts.dim_people as from single.marts.dim_people'
        )
        con.execute(f"comment on column \"{own}\".marts.dim_people.phone is 'Phone number.'")
        con.execute(
            f"create or replace table {marts}.marts.fct_taps as select * from (values "
            f"('acc_1', 't1', {version}), ('acc_2', 't2', {version})) t(account_id, tap_id, v)"
        )
        con.execute(f"comment on table {marts}.marts.fct_taps is 'One row per tap.'")
        con.execute(f"comment on column {marts}.marts.fct_taps.tap_id is 'The tap.'")
        con.execute(
            f"create or replace table {marts}.reference.codes as from single.reference.codes"
        )
        con.execute("detach single")


@pytest.fixture
def split(tmp_path: Path) -> Path:
    warehouse = tmp_path / "wh" / "comms.duckdb"
    warehouse.parent.mkdir()
    split_tenants(warehouse, 1)
    return warehouse


def test_a_reader_of_the_warehouse_sees_both_files(split: Path):
    for read_only in (True, False):
        with warehouse_connection.connect(split, read_only=read_only) as con:
            assert con.execute("select count(*) from marts.dim_people").fetchone() == (3,)
            assert con.execute("select count(*) from marts.fct_taps").fetchone() == (2,)
            assert con.execute("select version from reference.codes").fetchone() == (1,)
            marts = con.execute(
                "select tags['storage_version'] from duckdb_databases() where database_name = ?",
                [warehouse_connection.MARTS_DATABASE],
            ).fetchone()
            assert marts == ("v1.0.0+",)  # readable by BI drivers on DuckDB 1.x


def test_a_copy_of_the_warehouse_takes_both_files(split: Path, tmp_path: Path):
    copy = tmp_path / "copy.duckdb"
    warehouse_connection.marts_path(copy).write_text("a stale marts file")
    warehouse_connection.copy_warehouse(split, copy)
    with warehouse_connection.connect(copy, read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_taps").fetchone() == (2,)
    single = tmp_path / "single.duckdb"
    build_tenants(single, 1)
    warehouse_connection.copy_warehouse(single, copy)  # no marts file: none left beside it
    assert not warehouse_connection.marts_path(copy).exists()


def test_the_publish_of_the_marts_file_equals_the_copy_written_table_by_table(split: Path):
    published = publish(split, pii=PEOPLE_PII, incremental=True)
    assert published.rows_changed is None  # a byte copy: no row compared
    assert published.tables == {
        "marts.dim_people": 3, "marts.fct_taps": 2, "reference.codes": 1,
    }  # fmt: skip
    assert published.masked == ["marts.dim_people.phone", "marts.dim_people.email"]
    whole = split.parent / "whole.duckdb"
    write_copy(split, whole, published.published_at, PEOPLE_PII, {}, None)
    assert _copy_contents(published.path) == _copy_contents(whole)
    # The PII values are nowhere in the file, not even in its free blocks.
    data = published.path.read_bytes()
    assert b"+15550100001" not in data and b"one@example.org" not in data
    with warehouse_connection.connect(published.path, read_only=True) as con:
        assert con.execute(
            "select tags['storage_version'] from duckdb_databases() "
            "where database_name = current_database()"
        ).fetchone() == ("v1.0.0+",)


def test_a_marts_file_holding_a_pii_column_is_not_published(split: Path):
    first = publish(split, pii=PEOPLE_PII)
    before = first.path.read_bytes()
    pii = {**PEOPLE_PII, ("marts", "fct_taps"): {"tap_id"}}
    with pytest.raises(ValueError, match=r"marts\.fct_taps has PII columns"):
        publish(split, pii=pii)
    assert first.path.read_bytes() == before


def test_held_back_accounts_keep_their_rows_of_both_files(split: Path):
    """With an account held back the copy is written table by table, from both files."""
    publish(split, pii=PEOPLE_PII)
    split_tenants(split, 2)
    held = publish(split, pii=PEOPLE_PII, held_back={"acc_1": "a check failed"})
    assert [(p, v) for _, p, _, _, v in _people(held.path)] == [("p1", 1), ("p2", 2), ("p3", 2)]
    with warehouse_connection.connect(held.path, read_only=True) as con:
        taps = con.execute("select tap_id, v from marts.fct_taps order by 1").fetchall()
        codes = con.execute("select version from reference.codes").fetchall()
    assert taps == [("t1", 1), ("t2", 2)] and codes == [(2,)]


def test_dbt_attaches_the_marts_file_python_attaches():
    profile = yaml.safe_load((REPO / "profiles.yml").read_text())
    (attach,) = profile["comms_warehouse"]["outputs"]["duckdb"]["attach"]
    warehouse = profile["comms_warehouse"]["outputs"]["duckdb"]["path"].removesuffix(" }}")
    assert attach["path"] == f"{warehouse} ~ '{warehouse_connection.MARTS_FILE_SUFFIX}' }}}}"
    assert attach["alias"] == warehouse_connection.MARTS_DATABASE
    assert attach["options"] == {"storage_version": warehouse_connection.MARTS_STORAGE_VERSION}
    # Its cursors search both files as warehouse_connection's connections do.
    plugins = profile["comms_warehouse"]["outputs"]["duckdb"]["plugins"]
    assert {"module": "orchestration.dbt.search_path"} in plugins
    project = yaml.safe_load((REPO / "dbt_project.yml").read_text())
    assert project["models"]["comms_warehouse"]["marts"]["+database"] == attach["alias"]
    assert project["seeds"]["comms_warehouse"]["+database"] == attach["alias"]


def test_the_marts_with_a_pii_column_stay_in_the_warehouse_file():
    """dbt's own placing: every mart and seed in the marts file but those with a PII column."""
    prepare_dbt()
    manifest = Path(os.environ.get("DBT_TARGET_PATH", REPO / "target")) / "manifest.json"
    nodes = json.loads(manifest.read_text())["nodes"].values()
    pii = {key for key in pii_columns() if key[0] in ("marts", "reference")}
    placed = {
        (node["schema"], node["alias"]): node["database"]
        for node in nodes
        if node["resource_type"] in ("model", "seed") and node["schema"] in ("marts", "reference")
    }
    in_marts_file = {k for k, db in placed.items() if db == warehouse_connection.MARTS_DATABASE}
    assert set(pii) <= set(placed) and not set(pii) & in_marts_file
    assert in_marts_file == set(placed) - set(pii)


@pytest.mark.builds(1)
def test_an_old_warehouse_s_moved_marts_are_dropped_once(
    built_warehouse, tmp_path: Path, dbt_reusing_parse
):
    """A mart built before the marts file, left in the warehouse's own file, would be found
    first by `marts.x`: the next dbt run drops it; the marts with a PII column stay."""
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse_connection.copy_warehouse(built_warehouse.path, warehouse)
    with warehouse_connection.connect(warehouse) as con:
        own = con.execute("select current_database()").fetchone()[0]
        con.execute(f'create table "{own}".marts.fct_messages as select 1 as stale')
        con.execute(f'create schema if not exists "{own}".reference')
        con.execute(f'create table "{own}".reference.call_outcomes as select 1 as stale')
    target = tmp_path / "target"
    dbt = dbt_reusing_parse(target)
    env = {
        **os.environ, "COMMS_WAREHOUSE_PATH": str(warehouse), "DBT_PROFILES_DIR": str(REPO),
        "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(tmp_path / "logs"),
    }  # fmt: skip
    subprocess.run(
        [dbt, "run-operation", "drop_marts_moved_to_marts_file", "--project-dir", str(REPO),
         "--profiles-dir", str(REPO)],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    with warehouse_connection.connect(warehouse, read_only=True) as con:
        left = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() and schema_name in ('marts', 'reference')"
        ).fetchall()
        described = con.execute("describe marts.fct_messages").fetchall()
        assert "stale" not in [row[0] for row in described]
    assert sorted(left) == sorted(key for key in pii_columns() if key[0] == "marts")
