"""The published copy BI tools read: replaced atomically, never locked, never half-updated."""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from orchestration import publishing, warehouse_connection
from orchestration.published_copy import HELD_BACK, MANIFEST, MASKED
from orchestration.publishing import (
    FULL_COPY_ENV,
    full_copy_path,
    pii_columns,
    publish,
    published_path,
)
from orchestration.refresh import prepare_dbt, run_refresh
from orchestration.run_summary import RefreshSummary

ROWS = 120_000  # big enough that a copy takes a while, small enough for a 2-core test machine

# A reader process, as a BI tool would be: opens the published file read-only over and over,
# and checks that what one connection sees is one complete snapshot of one version.
READER = r"""
import json, sys, time
from pathlib import Path
import duckdb

path, stop, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
stats = {"reads": 0, "versions": [], "errors": []}
while not stop.exists():
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            manifest = dict(
                ((s + "." + t), n) for s, t, n in con.execute(
                    "select table_schema, table_name, row_count from main._published_tables"
                ).fetchall()
            )
            counts = {
                name: con.execute(f"select count(*) from {name}").fetchone()[0]
                for name in manifest
            }
            version, rows, total = con.execute(
                "select version, row_count, amount_total from marts.mart_totals"
            ).fetchone()
            facts = con.execute(
                "select count(*), sum(amount), min(version), max(version) from marts.fct_orders"
            ).fetchone()
            seed = con.execute("select min(version), max(version) from reference.seed_codes"
                               ).fetchone()
        finally:
            con.close()
        problems = []
        if counts != manifest:
            problems.append(f"row counts {counts} differ from the manifest {manifest}")
        if facts != (rows, total, version, version):
            problems.append(f"facts {facts} do not add up to totals {(rows, total, version)}")
        if seed != (version, version):
            problems.append(f"reference version {seed} != marts version {version}")
        if problems:
            stats["errors"].append("; ".join(problems))
        elif not stats["versions"] or stats["versions"][-1] != version:
            stats["versions"].append(version)
        stats["reads"] += 1
        if stats["reads"] == 1:
            Path(str(out) + ".ready").touch()
    except Exception as exc:  # a lock error or a missing file would land here
        stats["errors"].append(f"{type(exc).__name__}: {exc}")
out.write_text(json.dumps(stats))
"""


def build_source(warehouse: Path, version: int) -> None:
    """A stand-in warehouse: marts and reference tables that agree with each other per version.

    Each version has a different row count, so a reader mixing two versions would notice.
    """
    rows = ROWS + version * 1_001
    with warehouse_connection.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists reference")
        con.execute("create schema if not exists staging")
        con.execute(
            "create or replace table marts.fct_orders as select i as order_id, "
            f"{version} as version, (i * 7 + {version}) % 1000 as amount "
            f"from range({rows}) t(i)"
        )
        con.execute(
            "create or replace table marts.mart_totals as select max(version) as version, "
            "count(*) as row_count, sum(amount) as amount_total from marts.fct_orders"
        )
        con.execute("comment on table marts.mart_totals is 'Totals of fct_orders.'")
        con.execute("comment on column marts.mart_totals.row_count is 'Rows of fct_orders.'")
        con.execute(
            "create or replace view marts.v_big_orders as "
            "select * from marts.fct_orders where amount > 900"
        )
        con.execute(
            "create or replace table reference.seed_codes as "
            f"select i as code, {version} as version from range({10 + version}) t(i)"
        )
        con.execute("create or replace table staging.stg_private as select 1 as secret")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    warehouse = tmp_path / "wh" / "comms.duckdb"
    warehouse.parent.mkdir()
    build_source(warehouse, 0)
    return warehouse


def test_published_path_sits_beside_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("COMMS_WAREHOUSE_PUBLISHED", raising=False)
    warehouse = tmp_path / "warehouse" / "comms.duckdb"
    assert published_path(warehouse) == tmp_path / "warehouse" / "published" / "comms_marts.duckdb"
    monkeypatch.setenv("COMMS_WAREHOUSE_PUBLISHED", str(tmp_path / "bi.duckdb"))
    assert published_path(warehouse) == tmp_path / "bi.duckdb"


def test_publish_copies_marts_and_reference_only(source: Path):
    result = publish(source, pii={})
    assert result.path == source.parent / "published" / "comms_marts.duckdb"
    assert set(result.tables) == {
        "marts.fct_orders",
        "marts.mart_totals",
        "marts.v_big_orders",
        "reference.seed_codes",
    }
    # Nothing but the published file is left in the folder (no temp file, no WAL).
    assert sorted(p.name for p in result.path.parent.iterdir()) == ["comms_marts.duckdb"]
    with warehouse_connection.connect(str(result.path), read_only=True) as con:
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()}
        assert "staging" not in schemas
        # The view became a table: the copy does not point back into the warehouse.
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_schema = 'marts'"
            ).fetchall()
        )
        assert kinds["v_big_orders"] == "BASE TABLE"
        assert con.execute("select count(*) from marts.fct_orders").fetchone()[0] == ROWS
        # dbt's persisted descriptions travel with the copy, for BI tools that show them.
        assert con.execute(
            "select comment from duckdb_tables() where table_name = 'mart_totals'"
        ).fetchone() == ("Totals of fct_orders.",)
        assert con.execute(
            "select comment from duckdb_columns() "
            "where table_name = 'mart_totals' and column_name = 'row_count'"
        ).fetchone() == ("Rows of fct_orders.",)
        manifest = con.execute(f"select sum(row_count) from main.{MANIFEST}").fetchone()[0]
        assert manifest == sum(result.tables.values())
        # DuckDB 1.x readers (BI drivers that bundle it) can open the v1.0 storage format.
        assert con.execute(
            "select tags['storage_version'] from duckdb_databases() "
            "where database_name = current_database()"
        ).fetchone() == ("v1.0.0+",)


def test_reader_open_before_a_publish_keeps_its_snapshot(source: Path):
    """A BI session open across a publish keeps reading the old, complete file."""
    target = publish(source, pii={}).path
    script = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "q = 'select version, row_count from marts.mart_totals'\n"
        "print(con.execute(q).fetchone()); sys.stdout.flush()\n"
        "sys.stdin.readline()\n"
        "print(con.execute(q).fetchone()); sys.stdout.flush()\n"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", script, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == f"(0, {ROWS})"
        build_source(source, 1)
        publish(source, pii={})  # the reader still has the old file open: no lock gets in the way
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == f"(0, {ROWS})"
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    with warehouse_connection.connect(str(target), read_only=True) as con:
        assert con.execute("select version from marts.mart_totals").fetchone() == (1,)


@pytest.mark.parametrize("incremental", [False, True], ids=["whole", "changed_rows"])
def test_reader_in_a_loop_never_sees_a_lock_or_a_half_published_state(
    source: Path, incremental: bool
):
    """A BI tool querying in a loop through repeated publishes, each written whole or as the
    previous copy brought up to date: no error, one version a time."""
    target = publish(source, pii={}).path
    stop = source.parent / "stop"
    out = source.parent / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(target), str(stop), str(out)])
    try:
        _wait_for_reads(reader, out, stop)
        versions = 6
        for version in range(1, versions):
            build_source(source, version)
            publish(source, pii={}, incremental=incremental)
            time.sleep(0.2)  # let the reader catch each version
    finally:
        stop.touch()
        reader.wait(timeout=60)
    stats = json.loads(out.read_text())
    print(f"reader: {stats['reads']} reads, versions seen {stats['versions']}")
    assert stats["errors"] == []
    assert stats["reads"] > 10
    # It saw the versions in order, and more than the first: it really read across publishes.
    assert stats["versions"] == sorted(stats["versions"])
    assert len(stats["versions"]) >= 3, stats["versions"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["comms_marts.duckdb"]


def _wait_for_reads(reader: subprocess.Popen, out: Path, stop: Path) -> None:
    """Wait until the reader has read the first version, so it reads through every publish."""
    ready = Path(f"{out}.ready")
    deadline = time.monotonic() + 60
    while not ready.exists():
        if reader.poll() is not None or time.monotonic() > deadline:
            stop.touch()
            raise AssertionError(f"reader did not start: {out.read_text() if out.exists() else ''}")
        time.sleep(0.1)


def test_a_failed_publish_leaves_the_published_copy_untouched(source: Path, monkeypatch):
    target = publish(source, pii={}).path
    before = target.stat().st_ino
    build_source(source, 1)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        publish(source, pii={})
    monkeypatch.undo()
    assert target.stat().st_ino == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["comms_marts.duckdb"]
    with warehouse_connection.connect(str(target), read_only=True) as con:
        assert con.execute("select version from marts.mart_totals").fetchone() == (0,)


# A reader of the real published marts: every table's row count matches the manifest written
# with it, and two marts that must agree do (sms_sent summed by day = messages sent). It pauses
# between reads, as a dashboard refreshing itself does: read back to back, it took a whole core
# from the refresh it watches (and from the other test worker) for the length of a refresh.
MARTS_READER = r"""
import json, sys, time
from pathlib import Path
import duckdb

path, stop, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
pause = float(sys.argv[4])
stats = {"reads": 0, "published": [], "errors": []}
while not stop.exists():
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            manifest = con.execute(
                "select table_schema, table_name, row_count, published_at "
                "from main._published_tables"
            ).fetchall()
            problems = [
                f"{s}.{t}: {n} rows, manifest says {expected}"
                for s, t, expected, _ in manifest
                for n in [con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]]
                if n != expected
            ]
            by_day = con.execute(
                "select sum(sms_sent) from marts.mart_messaging_kpis"
            ).fetchone()[0]
            sent = con.execute(
                "select count(*) from marts.fct_messages where is_sms_sent"
            ).fetchone()[0]
        if by_day != sent:
            problems.append(f"mart_messaging_kpis.sms_sent {by_day} != fct_messages {sent}")
        if problems:
            stats["errors"].append("; ".join(problems))
        published_at = str(manifest[0][3])
        if not stats["published"] or stats["published"][-1] != published_at:
            stats["published"].append(published_at)
        stats["reads"] += 1
        if stats["reads"] == 1:
            Path(str(out) + ".ready").touch()
    except Exception as exc:
        stats["errors"].append(f"{type(exc).__name__}: {exc}")
    time.sleep(pause)
stats["cpu_seconds"] = round(time.process_time(), 1)
out.write_text(json.dumps(stats))
"""
# Seconds between two reads of MARTS_READER. Back to back, its ~1,000 reads through one refresh
# cost 66 s of CPU (measured on a loaded machine); one read costs ~0.07 s. A publish copies every
# mart and takes longer than a pause, so a lock or a half-written copy would still be read.
READ_PAUSE = 0.25


# --- PII masking (issue 10, finding 9) and accounts held back (finding 2) --------------------

PEOPLE_PII = {("marts", "dim_people"): {"phone", "email"}}


def build_tenants(warehouse: Path, version: int) -> None:
    """A stand-in warehouse with two accounts' people (phone and email are PII)."""
    with warehouse_connection.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists reference")
        con.execute(
            "create or replace table marts.dim_people as select * from (values "
            "('acc_1', 'p1', '+15550100001', 'one@example.org'), "
            "('acc_2', 'p2', '+15550100002', 'two@example.org'), "
            "(null, 'p3', '+15550100003', null)) t(account_id, person_id, phone, email)"
        )
        con.execute(f"alter table marts.dim_people add column version int default {version}")
        con.execute(f"create or replace table reference.codes as select {version} as version")
        con.execute("comment on column marts.dim_people.phone is 'Phone number.'")


@pytest.fixture
def tenants(tmp_path: Path) -> Path:
    warehouse = tmp_path / "wh" / "comms.duckdb"
    warehouse.parent.mkdir()
    build_tenants(warehouse, 1)
    return warehouse


def _fetch(path: Path, sql: str) -> list[tuple]:
    with warehouse_connection.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _people(path: Path) -> list[tuple]:
    return _fetch(
        path,
        "select account_id, person_id, phone, email, version from marts.dim_people "
        "order by person_id",
    )


def test_pii_columns_are_the_ones_dbt_tags_pii(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "nodes": {
                    "model.p.dim_people": {
                        "resource_type": "model", "schema": "marts", "name": "dim_people",
                        "alias": "dim_people",
                        "columns": {"phone": {"tags": ["pii"]}, "person_id": {"tags": []}},
                    },
                    "test.p.not_null": {
                        "resource_type": "test", "schema": "marts", "name": "not_null",
                        "columns": {"phone": {"tags": ["pii"]}},
                    },
                }
            }
        )
    )  # fmt: skip
    assert pii_columns(manifest) == {("marts", "dim_people"): {"phone"}}
    # The project's own manifest: the contact details dbt tags pii are among them.
    prepare_dbt()
    assert {"phone", "first_name", "last_name", "email"} <= pii_columns()[("marts", "dim_contacts")]


def test_the_published_copy_masks_pii_and_the_switch_adds_a_full_copy(tenants, monkeypatch):
    monkeypatch.delenv(FULL_COPY_ENV, raising=False)
    result = publish(tenants, pii=PEOPLE_PII)
    assert result.full_copy is None and not full_copy_path(tenants).exists()
    assert [(a, p, phone, email) for a, p, phone, email, _ in _people(result.path)] == [
        ("acc_1", "p1", None, None),
        ("acc_2", "p2", None, None),
        (None, "p3", None, None),
    ]
    with warehouse_connection.connect(str(result.path), read_only=True) as con:
        assert sorted(con.execute(f"select column_name from main.{MASKED}").fetchall()) == [
            ("email",),
            ("phone",),
        ]
        assert con.execute(
            "select data_type, comment from duckdb_columns() "
            "where table_name = 'dim_people' and column_name = 'phone'"
        ).fetchone() == (
            "VARCHAR",
            "Phone number. (PII: null in this copy; the full copy holds it)",
        )

    monkeypatch.setenv(FULL_COPY_ENV, "1")  # refresh --publish-full sets it
    result = publish(tenants, pii=PEOPLE_PII)
    assert result.full_copy == full_copy_path(tenants)
    assert result.full_copy.stat().st_mode & 0o777 == 0o600  # the owner's privileged readers
    assert _people(result.full_copy) == _people(tenants)
    assert [row[2] for row in _people(result.path)] == [None, None, None]

    monkeypatch.delenv(FULL_COPY_ENV)
    publish(tenants, pii=PEOPLE_PII)
    assert not full_copy_path(tenants).exists()  # no stale PII left behind


@pytest.mark.parametrize("incremental", [False, True], ids=["whole", "changed_rows"])
def test_a_held_back_account_keeps_its_last_published_rows(tenants, incremental):
    publish(tenants, pii=PEOPLE_PII, full_copy=True)
    build_tenants(tenants, 2)
    result = publish(
        tenants,
        pii=PEOPLE_PII,
        held_back={"acc_2": "a check failed"},
        full_copy=True,
        incremental=incremental,
    )
    assert result.held_back == {"acc_2": "a check failed"}
    # acc_2 as published before (version 1); every other row is new (version 2).
    assert [(p, v) for _, p, _, _, v in _people(result.path)] == [("p1", 2), ("p2", 1), ("p3", 2)]
    assert [(p, v) for _, p, _, _, v in _people(result.full_copy)] == [
        ("p1", 2),
        ("p2", 1),
        ("p3", 2),
    ]
    assert _people(result.full_copy)[1][2] == "+15550100002"  # the full copy's own snapshot
    with warehouse_connection.connect(str(result.path), read_only=True) as con:
        assert con.execute(f"select account_id, reason from main.{HELD_BACK}").fetchall() == [
            ("acc_2", "a check failed")
        ]
        assert con.execute("select version from reference.codes").fetchone() == (2,)
    # Once its checks pass, the account is published with the others again.
    result = publish(tenants, pii=PEOPLE_PII, incremental=incremental)
    assert [v for *_, v in _people(result.path)] == [2, 2, 2]


@pytest.mark.parametrize("incremental", [False, True], ids=["whole", "changed_rows"])
def test_an_account_held_back_before_its_first_publish_is_in_no_roll_up(tenants, incremental):
    """Held back with no snapshot to keep, acc_2 is left out of the copy altogether: no rows of
    its own and none in the account hierarchy, so a roll-up over acc_1 (its parent) does not
    name an account the copy lacks. Once published, a held-back account stays in the hierarchy."""
    with warehouse_connection.connect(str(tenants)) as con:
        con.execute(
            "create table marts.bdg_account_hierarchy as select * from (values "
            "('acc_1', 'acc_1', 0), ('acc_1', 'acc_2', 1), ('acc_2', 'acc_2', 0)) "
            "t(ancestor_account_id, descendant_account_id, depth)"
        )
        con.execute(
            "create table marts.dim_accounts as select * from (values ('acc_1'), ('acc_2')) "
            "t(account_id)"
        )

    def hierarchy(path: Path) -> list[tuple]:
        return _fetch(
            path,
            "select ancestor_account_id, descendant_account_id "
            "from marts.bdg_account_hierarchy order by all",
        )

    first = publish(
        tenants, pii=PEOPLE_PII, held_back={"acc_2": "a check failed"}, incremental=incremental
    )
    assert [p for _, p, *_ in _people(first.path)] == ["p1", "p3"]
    assert hierarchy(first.path) == [("acc_1", "acc_1")]
    publish(tenants, pii=PEOPLE_PII, incremental=incremental)  # its checks pass: published
    again = publish(
        tenants, pii=PEOPLE_PII, held_back={"acc_2": "a check failed"}, incremental=incremental
    )
    assert hierarchy(again.path) == [("acc_1", "acc_1"), ("acc_1", "acc_2"), ("acc_2", "acc_2")]
    assert [p for _, p, *_ in _people(again.path)] == ["p1", "p2", "p3"]


# --- An incremental publish (issue 14): the previous copy brought up to date -----------------


def _copy_contents(path: Path) -> dict:
    """Everything a reader of a published copy can see but the instant it was published: every
    table's rows, the notes, the table and column descriptions."""
    with warehouse_connection.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name, comment from duckdb_tables() order by all"
        ).fetchall()
        contents = {"tables": tables}
        for schema, table, _ in tables:
            columns = [
                c for (c,) in con.execute(
                    "select column_name from duckdb_columns() where schema_name = ? and "
                    "table_name = ? and column_name <> 'published_at' order by column_index",
                    [schema, table],
                ).fetchall()
            ]  # fmt: skip
            listed = ", ".join(f'"{c}"' for c in columns)
            contents[f"{schema}.{table}"] = sorted(
                con.execute(f'select {listed} from {schema}."{table}"').fetchall(), key=repr
            )
        contents["columns"] = con.execute(
            "select schema_name, table_name, column_name, data_type, comment "
            "from duckdb_columns() order by all"
        ).fetchall()
    return contents


def test_a_day_that_changes_one_account_republishes_only_its_rows(tenants, tmp_path):
    """The refresh after a day that changed acc_1 deletes acc_1's published row and inserts its
    new one, and writes no other row; the copy equals one written whole from the same
    warehouse."""
    publish(tenants, pii=PEOPLE_PII)
    with warehouse_connection.connect(str(tenants)) as con:
        con.execute("update marts.dim_people set version = 2 where account_id = 'acc_1'")
        con.execute("update marts.dim_people set phone = '+15550100099' where person_id = 'p3'")
    after = publish(tenants, pii=PEOPLE_PII, incremental=True)
    # acc_1's row out and in; p3's change is to a masked column: its published row is the same.
    assert after.rows_changed == 2
    assert [(p, v) for _, p, _, _, v in _people(after.path)] == [("p1", 2), ("p2", 1), ("p3", 1)]
    whole = publish(tenants, tmp_path / "whole" / "copy.duckdb", pii=PEOPLE_PII)
    assert whole.rows_changed is None
    assert _copy_contents(after.path) == _copy_contents(whole.path)
    # Nothing changed since: nothing is written.
    assert publish(tenants, pii=PEOPLE_PII, incremental=True).rows_changed == 0


def test_an_incremental_publish_follows_new_columns_tables_and_repeated_rows(tenants, tmp_path):
    """A table whose columns changed, or that holds two identical rows, is written whole; a
    table the warehouse no longer has leaves the copy; descriptions follow the warehouse's. The
    copy still equals one written whole."""
    with warehouse_connection.connect(str(tenants)) as con:
        con.execute("create table marts.fct_taps as select 'acc_1' as account_id from range(2)")
        con.execute("create table marts.fct_gone as select 1 as n")
    publish(tenants, pii=PEOPLE_PII)
    with warehouse_connection.connect(str(tenants)) as con:
        con.execute("alter table marts.dim_people add column tier varchar default 'gold'")
        con.execute("insert into marts.fct_taps values ('acc_1'), ('acc_2')")
        con.execute("drop table marts.fct_gone")
        con.execute("comment on column marts.dim_people.phone is null")
        con.execute("comment on table marts.fct_taps is 'Taps.'")
    after = publish(tenants, pii=PEOPLE_PII, incremental=True)
    assert after.rows_changed == 3 + 4  # both tables whole: dim_people's 3 rows, fct_taps' 4
    assert "marts.fct_gone" not in after.tables
    whole = publish(tenants, tmp_path / "whole" / "copy.duckdb", pii=PEOPLE_PII)
    assert _copy_contents(after.path) == _copy_contents(whole.path)


def test_an_unchanged_table_is_left_as_it_is_even_with_repeated_rows(tenants, tmp_path):
    """A table whose published rows are the same on both sides is neither joined nor written,
    identical rows included; once one of them changes (same row count), it is written whole.
    The copy equals one written whole each time."""
    with warehouse_connection.connect(str(tenants)) as con:
        con.execute("create table marts.fct_taps as select 'acc_1' as account_id from range(2)")
    publish(tenants, pii=PEOPLE_PII)
    same = publish(tenants, pii=PEOPLE_PII, incremental=True)
    assert same.rows_changed == 0
    assert _copy_contents(same.path) == _copy_contents(
        publish(tenants, tmp_path / "whole" / "copy.duckdb", pii=PEOPLE_PII).path
    )
    with warehouse_connection.connect(str(tenants)) as con:
        con.execute("update marts.fct_taps set account_id = 'acc_2' where rowid = 0")
    changed = publish(tenants, pii=PEOPLE_PII, incremental=True)
    assert changed.rows_changed == 2  # fct_taps written whole: a hash repeats on the copy's side
    assert _copy_contents(changed.path) == _copy_contents(
        publish(tenants, tmp_path / "again" / "copy.duckdb", pii=PEOPLE_PII).path
    )


def test_a_worn_or_unreadable_copy_is_written_anew(tenants, tmp_path, monkeypatch):
    """A copy a quarter of whose blocks are free (the space of rows deleted since it was
    written) is written anew rather than brought up to date, and so is one that cannot be
    read; either way the copy equals one written whole."""
    monkeypatch.setattr(publishing, "WORN_BLOCKS", 0)  # at any size, not only past 64 MiB free
    first = publish(tenants, pii=PEOPLE_PII)
    with warehouse_connection.connect(str(first.path)) as con:
        con.execute(
            "create table main.filler as select md5(range::varchar) as s from range(1000000)"
        )
        con.execute("checkpoint")
        con.execute("drop table main.filler")
        con.execute("checkpoint")
    worn = publish(tenants, pii=PEOPLE_PII, incremental=True)
    assert worn.rows_changed is None
    whole = publish(tenants, tmp_path / "whole" / "copy.duckdb", pii=PEOPLE_PII)
    assert _copy_contents(worn.path) == _copy_contents(whole.path)
    # Not worn any more: the next one is brought up to date.
    assert publish(tenants, pii=PEOPLE_PII, incremental=True).rows_changed == 0
    first.path.write_bytes(b"not a DuckDB file")
    unreadable = publish(tenants, pii=PEOPLE_PII, incremental=True)
    assert unreadable.rows_changed is None
    assert _copy_contents(unreadable.path) == _copy_contents(whole.path)


@dataclass(frozen=True)
class HeldBackRefresh:
    warehouse: Path
    published: Path  # the published copy, as the reader read it throughout
    bad: str  # the account a blocking check named
    summary: RefreshSummary
    reader: dict  # what the BI reader in a loop saw (MARTS_READER's stats)


@pytest.fixture(scope="module")
def held_back_refresh(built_warehouse, tmp_path_factory) -> HeldBackRefresh:
    """One whole refresh (load, dbt build, checks, publish) of a copy of the session warehouse,
    while a BI reader queries the published copy in a loop, with a blocking check that fails
    for one account. Two tests read it: the reader's (issue 6) and the held-back account's
    (issue 10, finding 2). A refresh costs about a full dbt build, so they share one."""
    from orchestration import formula_checks

    assert built_warehouse.summary.ok, built_warehouse.summary.dbt_failures
    warehouse = tmp_path_factory.mktemp("held_back") / "warehouse.duckdb"
    warehouse_connection.copy_warehouse(built_warehouse.path, warehouse)
    with warehouse_connection.connect(str(warehouse), read_only=True) as con:
        accounts = [
            a for (a,) in con.execute("select account_id from marts.dim_accounts").fetchall()
        ]
    assert len(accounts) > 1
    bad = sorted(accounts)[-1]
    # The last good snapshot, marked so that its rows can be told from the new ones.
    published = publish(warehouse).path
    with warehouse_connection.connect(str(published)) as con:
        con.execute("update marts.dim_accounts set account_name = 'OLD ' || account_name")

    real = formula_checks.guarded

    def with_a_finding_about_one_account(database, specs, run):
        return [
            dg.AssetCheckResult(
                check_name=r.check_name,
                asset_key=r.asset_key,
                passed=False,
                description=f"credits_used for account {bad}: Python 5 vs mart 6",
                metadata={"failed_accounts": dg.MetadataValue.json([bad])},
            )
            if r.check_name == "credits_match_reference"
            else r
            for r in real(database, specs, run)
        ]

    stop, out = warehouse.parent / "stop", warehouse.parent / "marts_reader.json"
    reader = subprocess.Popen(
        [sys.executable, "-c", MARTS_READER, str(published), str(stop), str(out), str(READ_PAUSE)]
    )
    try:
        _wait_for_reads(reader, out, stop)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(formula_checks, "guarded", with_a_finding_about_one_account)
            summary = run_refresh(built_warehouse.landing, warehouse)
        time.sleep(1.0)  # a few reads of the newly published copy
    finally:
        stop.touch()
        reader.wait(timeout=120)
    return HeldBackRefresh(warehouse, published, bad, summary, json.loads(out.read_text()))


@pytest.mark.builds(1)
def test_reader_in_a_loop_through_a_whole_refresh(held_back_refresh):
    """Issue 6's test: a BI reader querying in a loop while a refresh runs (load, dbt build,
    checks, publish) never meets a lock error nor a half-updated state."""
    summary, stats = held_back_refresh.summary, held_back_refresh.reader
    assert not summary.dbt_failures, summary.dbt_failures
    assert summary.held_back, summary.failure  # it published, all but the named account
    print(
        f"reader: {stats['reads']} reads through the refresh ({stats['cpu_seconds']} s of CPU), "
        f"copies seen {stats['published']}"
    )
    assert stats["errors"] == []
    assert stats["reads"] > 10
    assert len(stats["published"]) == 2  # the copy before the refresh, then the refresh's own


def test_one_bad_tenant_is_held_back_and_every_other_account_published(held_back_refresh, capsys):
    """A blocking check that fails for one account (and names it in failed_accounts) no longer
    stops the publish: the other accounts get the new numbers, the named one keeps its last
    published rows, the executive reports are written, and the summary says who and why."""
    from orchestration.cli import _print_refresh_summary
    from orchestration.executive_report.assets import reports_dir

    summary, bad = held_back_refresh.summary, held_back_refresh.bad
    assert [c.name for c in summary.failed_blocking_checks] == ["credits_match_reference"]
    assert summary.held_back == {
        bad: f"credits_match_reference: credits_used for account {bad}: Python 5 vs mart 6"
    }
    assert not summary.ok  # the finding is still reported: exit code 1
    with warehouse_connection.connect(str(held_back_refresh.published), read_only=True) as con:
        names = dict(
            con.execute("select account_id, account_name from marts.dim_accounts").fetchall()
        )
        held = con.execute(f"select account_id from main.{HELD_BACK}").fetchall()
    assert held == [(bad,)]
    assert names[bad].startswith("OLD ")
    assert all(not name.startswith("OLD ") for account, name in names.items() if account != bad)
    assert sorted(reports_dir(held_back_refresh.warehouse).glob("*.html"))
    _print_refresh_summary(summary, held_back_refresh.warehouse)
    printed = " ".join(capsys.readouterr().err.split())  # the console wraps long lines
    assert f"held back account {bad}" in printed and "credits_match_reference" in printed
