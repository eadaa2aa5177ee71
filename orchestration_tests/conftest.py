"""Shared fixtures: one small landing and one warehouse built from it, for the whole session,
and a helper for the tests that must build a landing of their own.

A full build runs every dbt model and data test, so tests that only read the result share this
one; a test that changes the warehouse works on a copy (`warehouse_copy`). A test that must
build (a differential test over a random world, an empty landing, a killed refresh) calls
`build_landing(landing)`: see its docstring for what one build costs.
"""

import itertools
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from datagen.generate import generate
from orchestration.refresh import RefreshSummary, run_refresh

# Small, but big enough that every KPI is non-trivial; the end date pins "today" in reports.
LANDING_SCALE = 3000
LANDING_SEED = 11
END_DATE = date(2026, 11, 20)
# The generator's smallest world, for tests that build their own warehouse.
SMALL_SCALE = 1000


@dataclass(frozen=True)
class BuiltWarehouse:
    path: Path
    landing: Path
    summary: RefreshSummary
    end_date: date = END_DATE  # the last day of the generated data


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory) -> Path:
    """One Dagster home for the session's in-process refreshes, never the repo's own."""
    home = tmp_path_factory.mktemp("dagster_home")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("landing")
    generate(root, scale=LANDING_SCALE, seed=LANDING_SEED, end_date=END_DATE)
    return root


@pytest.fixture(scope="session")
def built_warehouse(landing: Path, tmp_path_factory) -> BuiltWarehouse:
    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    summary = run_refresh(landing, path)
    return BuiltWarehouse(path, landing, summary)


@pytest.fixture
def warehouse_copy(built_warehouse: BuiltWarehouse, tmp_path: Path) -> Path:
    """A private copy of the built warehouse, for tests that change it."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse.path, copy)
    return copy


def small_landing(root: Path, seed: int, end_date: date = END_DATE, **options) -> Path:
    """Generate the smallest world the generator makes (1,000 messages, every entity and day,
    dirt included) under `root`; `options` go to `datagen.generate.generate` (e.g. dirt_rate)."""
    generate(root, scale=SMALL_SCALE, seed=seed, end_date=end_date, **options)
    return root


@pytest.fixture
def build_landing(tmp_path: Path) -> Callable[..., BuiltWarehouse]:
    """`build_landing(landing)`: refresh `landing` into a fresh warehouse; or into `warehouse=`
    (a path an earlier call returned) to refresh it again, e.g. after adding a day.

    The real refresh, in process: load, `dbt build` (every model and data test; the unit tests
    run once per session in test_dbt_unit_tests.py), the Python checks, publish and the
    executive report, exactly as `comms-warehouse refresh` does. A new warehouse is a file under
    the test's tmp_path. It reuses the session's parsed dbt project and Dagster home.

    Cost: a build is dominated by per-node overhead (~640 dbt nodes and ~2,000 Dagster events),
    hardly by rows: one `small_landing` (1,000 messages over 119 export days) costs about 130 s of
    CPU, i.e. 2 to 3 minutes on an idle 2-core machine (14 minutes measured with six people
    sharing it). Build one world per test, not one per case: a differential test should draw its
    random worlds into one landing (or check several properties on one build).
    """
    counter = itertools.count(1)

    def build(
        landing: Path, warehouse: Path | None = None, full_refresh: bool = False
    ) -> BuiltWarehouse:
        path = warehouse or tmp_path / f"built-{next(counter)}" / "warehouse.duckdb"
        summary = run_refresh(Path(landing), path, full_refresh=full_refresh)
        return BuiltWarehouse(path, Path(landing), summary)

    return build
