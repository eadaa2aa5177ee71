"""Crash safety (issue 10, finding 1): a refresh killed with SIGKILL never wedges the next one.

Apart from test_refresh.py so that `make test`, which hands out whole modules to its two workers,
runs this long test beside the two-refreshes one rather than after it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from test_refresh import _state

from orchestration.crash_recovery import (
    RUN_PID_TAG,
    RUN_PROCESS_STARTED_TAG,
    _process_started,
    release_dead_runs,
    run_process_tags,
)
from orchestration.publishing import published_path
from orchestration.refresh import dagster_home, dagster_home_for


def _children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _is_dbt(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    # The main build, not the `--empty` one that first creates a new warehouse's incrementals.
    return (
        any(part.endswith(b"dbt") for part in command)
        and b"build" in command
        and b"--empty" not in command
    )


class _Steps:
    """Which steps the latest run in a Dagster home has started. One instance, opened once the
    refresh has created the home, serves every look: the kill test looks ten times a second,
    and opening an instance per look cost the refresh under test a core."""

    def __init__(self, home: Path):
        self._home, self._instance = home, None

    def started(self, step: str) -> bool:
        if self._instance is None:
            if not (self._home / "dagster.yaml").exists():
                return False  # the refresh has not created its Dagster home yet
            self._instance = dg.DagsterInstance.from_config(str(self._home))
        for run in self._instance.get_runs(limit=1):
            for record in self._instance.all_logs(
                run.run_id, of_type=dg.DagsterEventType.STEP_START
            ):
                if record.step_key == step:
                    return True
        return False

    def close(self) -> None:
        if self._instance is not None:
            self._instance.dispose()


def _has_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` holds ``path`` open (from /proc)."""
    try:
        return any(Path(fd).resolve() == path for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "zombie" not in _proc_state(pid)


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].splitlines()[0].lower()
    except (OSError, IndexError):
        return "gone"


def _wait(condition, what: str, process: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(
                f"the refresh ended before {what}: {process.stderr.read()[-3000:]}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _marts_fingerprint(warehouse: Path) -> dict[str, tuple]:
    """Rows and a content hash of every marts table (the published copy holds the same),
    without the lineage columns (`_loaded_at`: when a row was loaded, which differs by run)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts' and column_name not like '\\_%' escape '\\' "
            "and table_name in (select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_type = 'BASE TABLE') "
            "order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, []).append(f'"{column}"')
        return {
            t: con.execute(
                f'select count(*), sum(hash({", ".join(cs)})) from marts."{t}"'
            ).fetchone()
            for t, cs in columns.items()
        }


def test_a_dead_runs_pool_slot_is_freed_and_a_live_ones_kept(tmp_path, monkeypatch):
    """The next refresh fails a run whose process is gone and frees its warehouse slot (and a
    finished run's); a run whose process lives keeps its slot."""
    from dagster._core.storage.dagster_run import DagsterRun

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    instance = dg.DagsterInstance.from_config(str(dagster_home()))
    storage = instance.event_log_storage
    storage.set_concurrency_slots("warehouse", 2)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        runs = {
            "dead": {**run_process_tags(), RUN_PID_TAG: str(gone.pid)},
            "live": {
                **run_process_tags(),
                RUN_PID_TAG: str(alive.pid),
                RUN_PROCESS_STARTED_TAG: _process_started(alive.pid),
            },
        }
        for name, tags in runs.items():
            run = DagsterRun(job_name="refresh", run_id=f"run-{name}", tags=tags)
            instance.add_run(run.with_status(dg.DagsterRunStatus.STARTED))
            storage.claim_concurrency_slot("warehouse", run.run_id, "load_landing_files")
        assert storage.get_concurrency_info("warehouse").active_slot_count == 2

        notes = release_dead_runs(instance)

        assert notes == [
            f"freed the warehouse pool slot of Dagster run run-dead (its refresh process "
            f"{gone.pid} is gone; marked the run failed)"
        ]
        assert instance.get_run_by_id("run-dead").status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id("run-live").status == dg.DagsterRunStatus.STARTED
        assert storage.get_concurrency_info("warehouse").active_run_ids == {"run-live"}
        # Nothing is left to release on the next call.
        assert release_dead_runs(instance) == []
    finally:
        alive.kill()
        instance.dispose()


@pytest.mark.builds(3)
def test_a_refresh_killed_at_load_dbt_or_publish_never_wedges_the_next(
    built_warehouse, landing, tmp_path
):
    """SIGKILL a refresh while it loads, then the next while dbt builds, then the next while it
    publishes: each following refresh gets past the dead run's pool slot, no dbt child outlives
    its killed parent, and the refresh after the last kill ends equal to a clean build."""
    # The clean build is the session warehouse, asked for first: `make test` starts this test
    # and test_refresh.py's two refreshes (which asks for it at its end) on its two workers at
    # once, so this worker builds it while the other runs. Asked for at the end by both, one
    # worker built it there while the other sat waiting on its lock.
    warehouse = tmp_path / "warehouse.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # the warehouse's own home
    # Its own dbt target folder: another process parsing the project must not hand these
    # refreshes a half-written manifest.
    env["DBT_TARGET_PATH"] = str(tmp_path / "target")
    command = [sys.executable, "-m", "orchestration.cli", "refresh", "--landing", str(landing),
               "--warehouse", str(warehouse)]  # fmt: skip
    home = dagster_home_for(warehouse)
    steps = _Steps(home)
    # dbt is killed once it holds the warehouse open (the moment a lock could outlive it).
    moments = {
        "load": lambda p: steps.started("load_landing_files"),
        "dbt": lambda p: any(
            _is_dbt(c) and _has_open(c, warehouse.resolve()) for c in _children(p.pid)
        ),
        "publish": lambda p: steps.started("published_marts"),
    }
    for moment, reached in moments.items():
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            _wait(lambda process=process, reached=reached: reached(process), moment, process)
            orphans = [c for c in _children(process.pid) if _is_dbt(c)]
            os.kill(process.pid, signal.SIGKILL)  # the parent only, as an OOM kill does
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        # Its dbt child dies with it rather than keep the DuckDB file locked.
        deadline = time.monotonic() + 30
        while any(_alive(c) for c in orphans) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(c) for c in orphans), f"dbt outlived the refresh killed at {moment}"
    steps.close()

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
    assert finished.returncode == 0, finished.stderr[-3000:]
    # The dead run that held the warehouse pool was failed and its slot freed, saying so.
    assert "freed the warehouse pool slot" in finished.stderr, finished.stderr[-3000:]
    assert _marts_fingerprint(warehouse) == _marts_fingerprint(built_warehouse.path)
    assert _state(warehouse) == _state(built_warehouse.path)
    published = _marts_fingerprint(published_path(warehouse))
    assert published == _marts_fingerprint(published_path(built_warehouse.path))
