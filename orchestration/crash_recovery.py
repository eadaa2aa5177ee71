"""Crash recovery: a refresh killed outright (kill -9, the OOM killer, a reboot) leaves its
Dagster run STARTED and the slot it held in the warehouse pool (limit 1) taken, and Dagster
frees neither, not even when the run is later marked failed. Every later run would wait for
that slot forever. So each run records the process that executes it, and the next refresh
fails the runs whose process is gone and frees every slot that a finished run still holds.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

RUN_PID_TAG = "comms_warehouse/pid"
RUN_HOST_TAG = "comms_warehouse/host"
# The process's start time (since boot): with the pid, it names the process even if the pid is
# reused by a later one.
RUN_PROCESS_STARTED_TAG = "comms_warehouse/process_started"


def run_process_tags() -> dict[str, str]:
    """Run tags naming the process that executes the run in-process (this one)."""
    return {
        RUN_PID_TAG: str(os.getpid()),
        RUN_HOST_TAG: socket.gethostname(),
        RUN_PROCESS_STARTED_TAG: _process_started(os.getpid()) or "",
    }


def release_dead_runs(instance) -> list[str]:
    """Fail this home's unfinished runs whose process is gone; free the pool slots of every
    finished run. Returns one message per run released.

    Runs without the process tags (launched from the web UI or the daemon) are left to
    Dagster's run monitoring, unless they are finished and still hold a slot.
    """
    import dagster as dg

    unfinished = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[
                dg.DagsterRunStatus.NOT_STARTED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED,
                dg.DagsterRunStatus.CANCELING,
            ]
        )
    )
    dead = {}
    for run in unfinished:
        if _process_gone(run.tags):
            pid = run.tags[RUN_PID_TAG]
            instance.report_run_failed(
                run, f"the refresh process {pid} ended (killed?) before this run finished"
            )
            dead[run.run_id] = pid
    storage = instance.event_log_storage
    notes = []
    for run_id in sorted(storage.get_concurrency_run_ids()):
        run = instance.get_run_by_id(run_id)
        if run is not None and not run.is_finished:
            continue  # alive (or not ours to judge): it frees its slot when it ends
        storage.free_concurrency_slots_for_run(run_id)
        why = (
            f"its refresh process {dead.pop(run_id)} is gone; marked the run failed"
            if run_id in dead
            else "the run had ended"
        )
        notes.append(f"freed the warehouse pool slot of Dagster run {run_id} ({why})")
    notes += [
        f"marked Dagster run {run_id} failed: its refresh process {pid} is gone"
        for run_id, pid in dead.items()
    ]
    return notes


def _process_gone(tags) -> bool:
    """Whether the process a run's tags name has ended (False when they name none here)."""
    if RUN_PID_TAG not in tags or tags.get(RUN_HOST_TAG) != socket.gethostname():
        return False
    pid = int(tags[RUN_PID_TAG])
    if pid == os.getpid():
        return False
    started = _process_started(pid)
    return started is None or started != tags.get(RUN_PROCESS_STARTED_TAG, started)


def _process_started(pid: int) -> str | None:
    """When the process started (clock ticks since boot, /proc), None if there is no such
    process; "" where /proc does not exist (then the pid alone is checked)."""
    stat = Path(f"/proc/{pid}/stat")
    if not Path("/proc/self/stat").exists():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return ""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else fields[19]  # a zombie has ended too
