"""Build random worlds into one warehouse and compare the reporting API with the reference.

Shared by the differential tests and their regression tests: ``draw_worlds`` realizes a batch of
worlds from the Hypothesis strategy, ``build`` loads them and builds the seeds and the models the
marts need (no data tests: a world may be dirty on purpose, and a failing test must not skip the
marts the API reads), and ``mismatches`` runs one request through both sides.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from worlds import TODAY, landing_rows, worlds, write_landing

from orchestration import settings as project_settings
from orchestration import warehouse_connection
from orchestration.landing.loader import load_landing
from orchestration.reference.compare import differences
from orchestration.reference.facts import World
from orchestration.reference.report import reference_report
from orchestration.reference.staged import read_staged
from orchestration.reporting.api import report

DBT = Path(sys.executable).with_name("dbt")


def draw_worlds(count: int, seed: int) -> list[dict[str, list[dict]]]:
    """``count`` worlds from the strategy (reproducible from ``seed``)."""
    drawn: list[dict] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(worlds())
    def collect(world):
        drawn.append(world)

    collect()
    return drawn[:count]


def build(worlds_by_prefix: dict[str, dict[str, list[dict]]], work: Path) -> Path:
    """Write the worlds (each one's IDs under its prefix) as one landing, load it, build every
    model."""
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    prefixed = [landing_rows(world, prefix) for prefix, world in worlds_by_prefix.items()]
    write_landing(prefixed, landing)
    load_landing(landing, warehouse)
    env = {**os.environ, "COMMS_WAREHOUSE_PATH": str(warehouse),
           "DBT_PROFILES_DIR": str(project_settings.PROJECT_DIR)}  # fmt: skip
    # Credits project from "today": pin the mart's as-of day to the day the requests pin.
    # One dbt invocation for the seeds and the models the API reads (no tests, no audit).
    pinned = f"{{credits_as_of_date: '{TODAY.isoformat()}'}}"
    command = [str(DBT), "build", "--resource-type", "seed", "--resource-type", "model",
               "--select", "+path:models/marts", "--full-refresh", "--vars", pinned, "--quiet",
               "--target-path", str(work / "dbt_target")]  # fmt: skip
    done = subprocess.run(
        command, cwd=project_settings.PROJECT_DIR, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")
    return warehouse


def reference_world(warehouse: Path) -> World:
    with warehouse_connection.connect(str(warehouse), read_only=True) as con:
        return World(read_staged(con))


def mismatches(con, world: World, request: dict[str, Any]) -> list[str]:
    """Where the API's JSON and the reference's differ for one request."""
    published = report(con=con, **request).to_dict()
    reference = reference_report(world, **request)
    return [str(d) for d in differences(published, reference)]
