"""One memory limit for every DuckDB connection a refresh opens, dbt's included
(orchestration/warehouse_connection.py)."""

from __future__ import annotations

import ast
import itertools
import threading
import time

import duckdb
import yaml
from dbt.adapters.duckdb.environments import local

from orchestration import settings, warehouse_connection
from orchestration.dbt import statement_turns


def _limit_as_duckdb_states_it(size: str) -> str:
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = '{size}'")
        return con.execute("select current_setting('memory_limit')").fetchone()[0]


def test_a_connection_takes_the_limit_the_variable_names(monkeypatch, tmp_path):
    monkeypatch.setenv(warehouse_connection.MEMORY_LIMIT_VARIABLE, "1GB")
    with warehouse_connection.connect(tmp_path / "w.duckdb") as con:
        limit, zone = con.execute(
            "select current_setting('memory_limit'), current_setting('TimeZone')"
        ).fetchone()
    assert limit == _limit_as_duckdb_states_it("1GB")
    assert zone == "UTC"


def test_without_the_variable_the_default_limit_holds(monkeypatch, tmp_path):
    monkeypatch.delenv(warehouse_connection.MEMORY_LIMIT_VARIABLE, raising=False)
    with warehouse_connection.connect(tmp_path / "w.duckdb") as con:
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    assert limit == _limit_as_duckdb_states_it(warehouse_connection.DEFAULT_MEMORY_LIMIT)


def test_dbt_reads_the_same_variable_with_the_same_default():
    profile = yaml.safe_load((settings.PROJECT_DIR / "profiles.yml").read_text())
    setting = profile["comms_warehouse"]["outputs"]["duckdb"]["settings"]["memory_limit"]
    variable = warehouse_connection.MEMORY_LIMIT_VARIABLE
    default = warehouse_connection.DEFAULT_MEMORY_LIMIT
    assert setting == f"{{{{ env_var('{variable}', '{default}') }}}}"


def test_no_other_module_opens_duckdb_on_its_own():
    """Every connection of the refresh goes through warehouse_connection.connect, so none runs
    without the limit (the formula checks once did)."""
    own = settings.PROJECT_DIR / "orchestration" / "warehouse_connection.py"
    opened = []
    for path in sorted((settings.PROJECT_DIR / "orchestration").rglob("*.py")):
        if path == own:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            called = node.func if isinstance(node, ast.Call) else None
            if (
                isinstance(called, ast.Attribute)
                and called.attr == "connect"
                and isinstance(called.value, ast.Name)
                and called.value.id == "duckdb"
            ):
                opened.append(f"{path.relative_to(settings.PROJECT_DIR)}:{node.lineno}")
    assert opened == []


def _warehouse_with_messages(path, messages: int):
    with warehouse_connection.connect(path) as con:
        con.execute("create schema raw")
        con.execute(f"create table raw.messages as select range as id from range({messages})")
    return path


def test_a_large_warehouse_runs_one_statement_at_a_time(monkeypatch, tmp_path):
    """Two large models side by side share one memory limit
    (orchestration/dbt/statement_turns.py): past the threshold dbt's threads take turns."""
    monkeypatch.setattr(statement_turns, "SERIAL_BUILD_MESSAGES", 10)
    monkeypatch.setattr(local.DuckDBCursorWrapper, "execute", statement_turns._plain_execute)
    plugin = statement_turns.Plugin("statement_turns", {})
    for i, (messages, in_turn) in enumerate(((10, False), (11, True), (10, False))):
        path = _warehouse_with_messages(tmp_path / f"w{i}.duckdb", messages)
        with warehouse_connection.connect(path) as con:
            plugin.configure_connection(con)
        taking_turns = local.DuckDBCursorWrapper.execute is statement_turns._execute_in_turn
        assert taking_turns is in_turn, messages


def test_dbt_loads_the_statement_turns_plugin():
    profile = yaml.safe_load((settings.PROJECT_DIR / "profiles.yml").read_text())
    plugins = profile["comms_warehouse"]["outputs"]["duckdb"]["plugins"]
    assert {"module": statement_turns.__name__} in plugins


def test_a_warehouse_with_nothing_loaded_runs_statements_side_by_side(tmp_path):
    with warehouse_connection.connect(tmp_path / "empty.duckdb") as con:
        assert not statement_turns.is_large(con)


def test_a_statement_through_dbt_duckdb_s_handle_takes_the_turn(monkeypatch, tmp_path):
    """dbt runs a node's statements through its connection handle's cursor: the path the turn
    wraps (dbt-duckdb's cursor wrapper)."""
    monkeypatch.setattr(local.DuckDBCursorWrapper, "execute", statement_turns._execute_in_turn)
    held = []
    monkeypatch.setattr(
        statement_turns,
        "_plain_execute",
        lambda cursor, sql, bindings=None: held.append(statement_turns._turn.locked()),
    )
    with warehouse_connection.connect(tmp_path / "w.duckdb") as con:
        handle = local.DuckDBConnectionWrapper(con.cursor(), env=None)
        handle.cursor().execute("select 1")
    assert held == [True]


def test_statements_in_turn_never_overlap(monkeypatch):
    """Each thread's statement starts after the other's has ended."""
    spans: list[tuple[float, float]] = []

    class SlowCursor:
        def execute(self, sql, bindings=None):
            started = time.monotonic()
            time.sleep(0.05)
            spans.append((started, time.monotonic()))

    monkeypatch.setattr(statement_turns, "_plain_execute", lambda c, sql, b=None: c.execute(sql))
    threads = [
        threading.Thread(target=statement_turns._execute_in_turn, args=(SlowCursor(), "select 1"))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spans.sort()
    assert len(spans) == 4
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(spans))


def test_a_caller_holding_its_own_connection_can_still_connect(tmp_path):
    """DuckDB shares one instance per file in a process and refuses a second configuration."""
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)), warehouse_connection.connect(path) as con:
        assert con.execute("select 1").fetchone() == (1,)
