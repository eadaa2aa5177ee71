"""Crash safety (issue 10, finding 1): a refresh killed with SIGKILL never wedges the next one;
and two refreshes started together end as one.

Both are proven on one warehouse, since each needs whole refreshes (a full dbt build apiece): the
refreshes killed build from the session landing less its last export day, and the two started
together after the last kill bring that day in, so one of them loads it while the other waits
for it and finds nothing new. Before, the two refreshes had a test of their own and built the
whole landing twice more."""

import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import pytest
from conftest import copy_dbt_parse
from test_refresh import _state

from orchestration import warehouse_connection
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
    with warehouse_connection.connect(str(warehouse), read_only=True) as con:
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


def _all_but_the_last_day(landing: Path, into: Path) -> list[tuple[Path, Path]]:
    """Copy `landing` into `into` less its last export day; returns (source, destination) of
    that day's folders, to bring in later."""
    folders = [d for d in landing.glob("*/*") if d.is_dir()]
    last_day = max(d.name for d in folders)
    held_back = []
    for folder in folders:
        destination = into / folder.parent.name / folder.name
        if folder.name == last_day:
            held_back.append((folder, destination))
        else:
            shutil.copytree(folder, destination)
    assert held_back, "the landing has no export day to hold back"
    return held_back


@pytest.mark.builds(4)
def test_refreshes_killed_at_load_dbt_or_publish_never_wedge_two_started_together(
    built_warehouse, landing, tmp_path
):
    """SIGKILL a refresh while it loads, then the next while dbt builds, then the next while it
    publishes: each following refresh gets past the dead run's pool slot and no dbt child
    outlives its killed parent. Then a new export day lands and two refreshes start together:
    one loads it, the other waits for it and finds nothing new, no file is recorded twice, and
    the warehouse ends equal to a clean build of the whole landing (the session warehouse)."""
    # The clean build is the session warehouse, asked for first: `make test` starts this long
    # test first, and the session build on this worker overlaps the other worker's builds.
    partial = tmp_path / "landing"
    last_day = _all_but_the_last_day(landing, partial)
    warehouse = tmp_path / "warehouse.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # the warehouse's own home
    # Its own dbt target folder: another process parsing the project must not hand these
    # refreshes a half-written manifest. It starts from this worker's parse, which the session
    # build made for a warehouse of the same name when it ran here: the first refresh re-uses it
    # rather than parse the whole project before the load it is killed in.
    env["DBT_TARGET_PATH"] = str(tmp_path / "target")
    copy_dbt_parse(Path(os.environ["DBT_TARGET_PATH"]), tmp_path / "target")
    command = [sys.executable, "-m", "orchestration.cli", "refresh", "--landing", str(partial),
               "--warehouse", str(warehouse)]  # fmt: skip
    _kill_at_load_dbt_and_publish(command, env, warehouse)

    for source, destination in last_day:
        shutil.copytree(source, destination)
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda _: subprocess.run(
                    command, env=env, capture_output=True, text=True, timeout=1800
                ),
                range(2),
            )
        )
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
    # The dead run that held the warehouse pool was failed and its slot freed, saying so.
    assert any("freed the warehouse pool slot" in r.stderr for r in results), [
        r.stderr[-3000:] for r in results
    ]
    # One loaded the new day; the other waited for it, then found nothing new to load.
    assert sorted("files: 0 loaded" in r.stderr for r in results) == [False, True]
    with warehouse_connection.connect(str(warehouse), read_only=True) as con:
        statuses = con.execute(
            "select count(*), count(distinct file_path) from raw._load_ledger"
        ).fetchone()
    assert statuses[0] == statuses[1], "a file was recorded twice"
    assert _marts_fingerprint(warehouse) == _marts_fingerprint(built_warehouse.path)
    assert _state(warehouse) == _state(built_warehouse.path)
    published = _marts_fingerprint(published_path(warehouse))
    assert published == _marts_fingerprint(published_path(built_warehouse.path))


def _kill_at_load_dbt_and_publish(command: list[str], env: dict[str, str], warehouse: Path):
    """Run `command` (a refresh of `warehouse`) three times, each SIGKILLed at its moment, and
    check that no dbt child outlives its killed parent."""
    steps = _Steps(dagster_home_for(warehouse))
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
