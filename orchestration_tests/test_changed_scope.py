"""Which dbt models and seeds a refresh that adds rows leaves as they are
(orchestration/dbt/changed_scope.py): those no changed source, no clock and no built parent of
one of their tests reaches.

The small manifests here are written by hand, each node's fate worked out from the rule; the
project's own manifest is checked for the models the rule must never leave out (the clock's) and
those it must (the dimensions of entities without new rows). A file loaded into a source counted
unchanged while the refresh ran keeps the data tests' watermark where it was.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

from orchestration import warehouse_connection
from orchestration.dbt import test_scope
from orchestration.dbt.assets import _TestScope, dbt_project
from orchestration.dbt.changed_scope import env_defined_vars, unchanged_nodes


def _manifest(nodes: dict[str, dict], macros: dict[str, str] | None = None) -> dict:
    """A manifest of sources `src.<name>`, and `nodes`: uid -> {type, parents, code, macros,
    attached}; child_map as dbt writes it (parents -> children)."""
    sources = {f"source.p.s.{n}": {"name": n} for n in ("accounts", "messages", "_load_ledger")}
    out = {}
    children: dict[str, list[str]] = {uid: [] for uid in [*sources, *nodes]}
    for uid, spec in nodes.items():
        out[uid] = {
            "resource_type": spec.get("type", "model"),
            "raw_code": spec.get("code", "select 1"),
            "depends_on": {"nodes": spec.get("parents", []), "macros": spec.get("macros", [])},
            "attached_node": spec.get("attached"),
        }
        for parent in spec.get("parents", []):
            children[parent].append(uid)
    return {
        "sources": sources,
        "nodes": out,
        "child_map": children,
        "macros": {
            uid: {"macro_sql": sql, "depends_on": {"macros": []}}
            for uid, sql in (macros or {}).items()
        },
    }


ACCOUNTS, MESSAGES, LEDGER = "source.p.s.accounts", "source.p.s.messages", "source.p.s._load_ledger"


def test_only_what_a_changed_source_reaches_is_built() -> None:
    manifest = _manifest(
        {
            "model.stg_accounts": {"parents": [ACCOUNTS]},
            "model.dim_accounts": {"parents": ["model.stg_accounts"]},
            "model.stg_messages": {"parents": [MESSAGES]},
            "model.fct_messages": {"parents": ["model.stg_messages", "model.dim_accounts"]},
            "model.audit": {"parents": [LEDGER]},
            "seed.time_zones": {"type": "seed"},
            "test.dim_accounts_unique": {"type": "test", "parents": ["model.dim_accounts"]},
        }
    )
    # Messages landed: accounts, their dimension, its test and the seed stay as they are.
    assert unchanged_nodes(manifest, {"messages", "_load_ledger"}, set()) == {
        "model.stg_accounts",
        "model.dim_accounts",
        "seed.time_zones",
    }
    # Accounts landed too: everything but the seed reads them or the ledger.
    assert unchanged_nodes(manifest, {"accounts", "messages", "_load_ledger"}, set()) == {
        "seed.time_zones"
    }


def test_a_model_reading_the_clock_is_built_with_what_reads_it() -> None:
    manifest = _manifest(
        {
            "model.dim_dates": {"code": "select {{ dbt.current_timestamp() }}"},
            "model.credits": {"parents": ["model.dim_dates"]},
            "model.as_of": {"code": "select '{{ var(\"credits_as_of_date\") }}'"},
            "model.by_macro": {"macros": ["macro.p.outer"]},
            "model.plain": {"macros": ["macro.p.plain"]},
        },
        macros={"macro.p.outer": "{{ env_var('X') }}", "macro.p.plain": "select 1"},
    )
    assert unchanged_nodes(manifest, {"_load_ledger"}, {"credits_as_of_date"}) == {"model.plain"}


def test_a_test_reading_a_built_model_keeps_the_model_it_is_on_built() -> None:
    manifest = _manifest(
        {
            "model.dim_users": {"parents": [ACCOUNTS]},
            "model.dim_labels": {"parents": [ACCOUNTS]},
            "model.fct_messages": {"parents": [MESSAGES]},
            # a relationships test on dim_users into a changed table: its answer may change
            "test.users_relationships": {
                "type": "test",
                "parents": ["model.dim_users", "model.fct_messages"],
                "attached": "model.dim_users",
            },
            # a test's own row scope reads the environment; that is not its model's data
            "test.labels_not_null": {
                "type": "test",
                "parents": ["model.dim_labels"],
                "macros": ["macro.p.scope"],
            },
        },
        macros={"macro.p.scope": "{{ env_var('COMMS_WAREHOUSE_TEST_ROWS_LOADED_AFTER', '') }}"},
    )
    assert unchanged_nodes(manifest, {"messages", "_load_ledger"}, set()) == {"model.dim_labels"}


def test_the_project_leaves_out_dimensions_without_new_rows_never_the_clock() -> None:
    manifest = json.loads(Path(dbt_project.manifest_path).read_bytes())
    env_vars = env_defined_vars(dbt_project.project_dir / "dbt_project.yml")
    assert "credits_as_of_date" in env_vars
    # An added export day of messages alone (with their ledger rows).
    left_out = {
        uid.split(".")[-1]
        for uid in unchanged_nodes(manifest, {"messages", "_load_ledger"}, env_vars)
    }
    assert {"dim_accounts", "dim_users", "dim_templates", "stg_platform__accounts"} <= left_out
    # The as-of day moves with the clock; dim_dates runs to today.
    assert not {"mart_credits_by_billing_period", "dim_dates"} & left_out
    # What messages reach, and the reconciliation reading the ledger, are built.
    assert not {"stg_platform__messages", "fct_messages", "audit__load_reconciliation"} & left_out


def _ledger(warehouse: Path, loads: list[tuple[str, datetime]]) -> None:
    with warehouse_connection.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute("create table raw._load_ledger (entity varchar, loaded_at timestamp)")
        con.executemany("insert into raw._load_ledger values (?, ?)", loads)


def _scope(warehouse: Path, after: datetime, changed: set[str]) -> _TestScope:
    """The build's test scope as a refresh leaving out unchanged models sets it up."""
    scope = object.__new__(_TestScope)
    scope.warehouse, scope.log = warehouse, logging.getLogger("test")
    scope.whole, scope.after, scope.changed = True, after, changed
    scope.started_at, scope.fingerprint = after + timedelta(hours=1), "project"
    return scope


def test_a_load_into_a_source_counted_unchanged_keeps_the_watermark(tmp_path: Path) -> None:
    after = datetime(2026, 3, 1, 12, 0)
    meanwhile = tmp_path / "meanwhile.duckdb"
    # accounts landed (a `comms-warehouse load`) after the run counted them unchanged
    _ledger(
        meanwhile,
        [("messages", after + timedelta(minutes=5)), ("accounts", after + timedelta(minutes=6))],
    )
    _scope(meanwhile, after, {"messages", "_load_ledger"}).passed()
    assert test_scope.tested_through(meanwhile, "project") is None

    as_planned = tmp_path / "as_planned.duckdb"
    _ledger(as_planned, [("messages", after + timedelta(minutes=5)), ("accounts", after)])
    _scope(as_planned, after, {"messages", "_load_ledger"}).passed()
    assert test_scope.tested_through(as_planned, "project") == after + timedelta(hours=1)
