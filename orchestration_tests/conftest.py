"""Shared fixtures: one small landing and one warehouse built from it, for the whole session.

A full build runs every dbt model and test, so tests that only read the result share this one;
a test that changes the warehouse works on a copy (`warehouse_copy`).
"""

import os
import shutil
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


@dataclass(frozen=True)
class BuiltWarehouse:
    path: Path
    landing: Path
    summary: RefreshSummary
    end_date: date = END_DATE  # the last day of the generated data


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("landing")
    generate(root, scale=LANDING_SCALE, seed=LANDING_SEED, end_date=END_DATE)
    return root


@pytest.fixture(scope="session")
def built_warehouse(landing: Path, tmp_path_factory) -> BuiltWarehouse:
    work = tmp_path_factory.mktemp("warehouse")
    os.environ["DAGSTER_HOME"] = str(work / "dagster_home")
    path = work / "warehouse.duckdb"
    summary = run_refresh(landing, path)
    return BuiltWarehouse(path, landing, summary)


@pytest.fixture
def warehouse_copy(built_warehouse: BuiltWarehouse, tmp_path: Path) -> Path:
    """A private copy of the built warehouse, for tests that change it."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse.path, copy)
    return copy
