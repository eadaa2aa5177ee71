"""What a person watching a refresh sees: the phase, dbt nodes done of total, elapsed time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# What a person watching a refresh is told each step is doing, by Dagster step key prefix.
PHASES = {
    "load_landing_files": "loading new files",
    "warehouse_dbt_assets": "dbt build",
    "published_marts": "publishing for BI",
    "executive_report": "writing executive reports",
}


class ProgressWatcher:
    """Reports the phase, dbt nodes done of total and elapsed time twice a second.

    It reads only the events logged since its last look (the event log's cursor), so watching
    costs the same at the end of a long run as at its start.
    """

    def __init__(self, instance, run_id: str, on_progress: Callable[[str], None]):
        from orchestration.dbt.assets import DBT_OP_NAME, warehouse_dbt_assets

        self._instance, self._run_id, self._report = instance, run_id, on_progress
        # dbt nodes that report an event: a model or seed materializes, a test evaluates a check.
        self._dbt_total = len(warehouse_dbt_assets.keys) + len(warehouse_dbt_assets.check_keys)
        self._dbt_step, self._dbt_done = DBT_OP_NAME, 0
        self._phase = "starting the run"
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        cursor = None
        while not self._stop.wait(0.5):
            try:
                page = self._instance.get_records_for_run(self._run_id, cursor=cursor)
            except Exception:  # the run may not be registered yet
                continue
            for record in page.records:
                self._count(record.event_log_entry.dagster_event)
            cursor = page.cursor
            self._report(self.line())

    def _count(self, event) -> None:
        if event is None:
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            step = event.step_key or ""
            self._phase = next(
                (text for prefix, text in PHASES.items() if step.startswith(prefix)),
                "checking formulas",  # the remaining steps are the Python asset checks
            )
        elif event.step_key == self._dbt_step and kind in (
            "ASSET_MATERIALIZATION",
            "ASSET_CHECK_EVALUATION",
        ):
            self._dbt_done += 1

    def line(self) -> str:
        minutes, seconds = divmod(int(time.monotonic() - self._started), 60)
        done = min(self._dbt_done, self._dbt_total)
        return (
            f"{self._phase} · dbt {done}/{self._dbt_total} nodes · {minutes}:{seconds:02d} elapsed"
        )
