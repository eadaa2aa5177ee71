"""Shared fixtures: one small landing and one warehouse built from it, for the whole test run,
and a helper for the tests that must build a landing of their own.

A full build runs every dbt model and data test, so tests that only read the result share this
one; a test that changes the warehouse works on a copy (`warehouse_copy`). A test that must
build (a differential test over a random world, an empty landing, a killed refresh) calls
`build_landing(landing)`: see its docstring for what one build costs.

`make test` runs the suite on two pytest-xdist workers. The landing and the warehouse are still
made once per run, not once per worker: the first worker that needs one makes it under a file
lock in the run's shared temporary folder, and the other worker waits for it and reuses it.
Each worker has its own Dagster home and its own dbt target folder, so two workers never write
the same manifest, and a refresh in one never waits for the other's warehouse pool slot.
"""

import fcntl
import itertools
import os
import pickle
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from datagen.generate import generate
from orchestration import settings, warehouse_connection
from orchestration.dbt.guard import PARENT_ENV, dbt_executable
from orchestration.dbt.parse import PARSE_FOLDER_ENV, PROFILES_FILE
from orchestration.refresh import run_refresh
from orchestration.run_summary import RefreshSummary
from orchestration.targets import target_name

# Small, but big enough that every KPI is non-trivial; the end date pins "today" in reports.
LANDING_SCALE = 3000
LANDING_SEED = 11
END_DATE = date(2026, 11, 20)
# Every build of the run projects credits as of the data's last day, not the clock's: tests
# compare builds made minutes apart (two engines, two refreshes), and an account's local
# midnight between them would change its current billing period.
os.environ.setdefault("COMMS_CREDITS_AS_OF_DATE", END_DATE.isoformat())
# The generator's smallest world, for tests that build their own warehouse.
SMALL_SCALE = 1000
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


@dataclass(frozen=True)
class BuiltWarehouse:
    path: Path
    landing: Path
    summary: RefreshSummary
    end_date: date = END_DATE  # the last day of the generated data
    dagster_home: Path | None = None  # where the refresh that built it kept its Dagster run


def pytest_configure(config: pytest.Config) -> None:
    """This worker's own dbt target folder, set before anything imports the dbt assets (they
    read the manifest there). It starts from the project's parsed manifest when there is one
    (`make test` runs `dbt docs generate` first); otherwise this parses the project."""
    if os.environ.get("DBT_TARGET_PATH") or (_xdist_workers(config) and WORKER == "main"):
        return  # chosen by whoever runs the tests; or this is the xdist controller, no tests
    target = settings.PROJECT_DIR / "target" / f"pytest-{WORKER}"
    target.mkdir(parents=True, exist_ok=True)
    os.environ["DBT_TARGET_PATH"] = str(target)
    os.environ.setdefault("DBT_PROFILES_DIR", str(settings.PROJECT_DIR))
    parsed = settings.PROJECT_DIR / "target" / "manifest.json"
    if _parsed_after_every_change(parsed):
        copy_dbt_parse(settings.PROJECT_DIR / "target", target)
    else:
        # No parse, or one older than a model, macro, seed or test (a rename after the last
        # `make docs`): the Dagster assets would name models that no longer exist.
        (target / "manifest.json").unlink(missing_ok=True)
        from orchestration.refresh import prepare_dbt

        prepare_dbt()


def copy_dbt_parse(source: Path, target: Path) -> None:
    """The dbt parse in the target folder `source` (manifest, partial parse, and the profiles
    `prepare_dbt` may re-use it for) copied into the target folder `target`, so that a refresh
    there re-uses it instead of parsing the project anew (~15 s of CPU against ~5)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("manifest.json", "partial_parse.msgpack", PROFILES_FILE):
        if (source / name).exists():
            shutil.copy(source / name, target / name)


@pytest.fixture
def dbt_reusing_parse(monkeypatch) -> Callable[[Path], str]:
    """`dbt_reusing_parse(target)`: the dbt a refresh runs (orchestration/dbt/guard.py's
    launcher), for dbt commands whose target folder is `target` and whose warehouse is named
    like the worker's in another folder: `target` starts from the worker's parse, which dbt then
    re-uses (a partial parse, ~5 s of CPU, instead of a full one, ~12 s). The launcher's
    environment variables, set in this process for dbt to inherit, are undone after the test."""

    def launcher(target: Path) -> str:
        copy_dbt_parse(Path(os.environ["DBT_TARGET_PATH"]), target)
        for name in (PARENT_ENV, PARSE_FOLDER_ENV):
            monkeypatch.setenv(name, os.environ.get(name, ""))  # restored after the test
        # The target named, as the parse and the refresh's build name it: dbt re-uses a parse
        # only for the target name it was made with.
        monkeypatch.setenv("DBT_TARGET", target_name())
        return dbt_executable(target)

    return launcher


def _parsed_after_every_change(manifest: Path) -> bool:
    if not manifest.exists():
        return False
    sources = [settings.PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        sources.extend(p for p in (settings.PROJECT_DIR / folder).rglob("*") if p.is_file())
    return manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources)


def _xdist_workers(config: pytest.Config) -> int:
    return int(getattr(config.option, "numprocesses", None) or 0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Schedule for two workers: whole modules, those with dbt work of their own (marked
    `builds`: a warehouse, a parse, a dbt test run) first, the costliest first, so the long
    ones overlap rather than leave one worker idle at the end, and the short modules (Python
    only, a few seconds each) fill in last. `make test` hands out whole modules
    (`--dist loadscope`), in the order of their first test here, so a module-scoped fixture
    is made once; xdist's finer `loadgroup` marks do not take under pytest 9 (it renames a
    test's `_nodeid`, which pytest 9 no longer reads)."""
    weights: dict[pytest.Module, float] = {}
    for item in items:
        module = item.getparent(pytest.Module)
        weights[module] = weights.get(module, _builds(module)) + _builds(item)
    order = {module: rank for rank, module in enumerate(weights)}  # collection order
    items.sort(key=lambda item: _module_rank(item, weights, order))


def _module_rank(item: pytest.Item, weights: dict, order: dict) -> tuple[float, int]:
    module = item.getparent(pytest.Module)
    return -weights[module], order[module]  # a stable sort keeps a module's tests in order


def _builds(node: pytest.Item | pytest.Module) -> float:
    """The builds its own mark names: a module's mark counts once for the module (its tests
    share the module's fixture), a test's once per test (e.g. per parametrized case)."""
    marks = [m for m in node.own_markers if m.name == "builds"]
    return sum(float(m.args[0]) for m in marks if m.args)


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder every worker of this run shares (xdist gives each a subfolder)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if WORKER != "main" else base


def once_per_run(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], object]):
    """`make(folder)` run once per test run, whichever worker asks first; its (picklable) result
    is handed to every worker. The others wait on the lock meanwhile."""
    root = _run_root(factory)
    folder, made = root / name, root / f"{name}.pickle"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            folder.mkdir(exist_ok=True)
            made.write_bytes(pickle.dumps(make(folder)))
    return pickle.loads(made.read_bytes())


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory) -> Path:
    """One Dagster home for this worker's in-process refreshes, never the repo's own."""
    home = tmp_path_factory.mktemp("dagster_home")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    def make(root: Path) -> Path:
        generate(root, scale=LANDING_SCALE, seed=LANDING_SEED, end_date=END_DATE)
        return root

    return once_per_run(tmp_path_factory, "landing", make)


@pytest.fixture(scope="session")
def built_warehouse(landing: Path, tmp_path_factory) -> BuiltWarehouse:
    def make(root: Path) -> BuiltWarehouse:
        # Its own Dagster home: the run's events stay readable to every worker afterwards.
        home, path = root / "dagster_home", root / "warehouse.duckdb"
        previous = os.environ.get("DAGSTER_HOME")
        os.environ["DAGSTER_HOME"] = str(home)
        try:
            summary = run_refresh(landing, path)
        finally:
            if previous is not None:
                os.environ["DAGSTER_HOME"] = previous
        return BuiltWarehouse(path, landing, summary, dagster_home=home)

    return once_per_run(tmp_path_factory, "warehouse", make)


@pytest.fixture
def warehouse_copy(built_warehouse: BuiltWarehouse, tmp_path: Path) -> Path:
    """A private copy of the built warehouse, for tests that change it."""
    copy = tmp_path / "warehouse.duckdb"
    warehouse_connection.copy_warehouse(built_warehouse.path, copy)
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
    the test's tmp_path. It reuses the worker's parsed dbt project and Dagster home.

    Cost: a build is dominated by per-node overhead (~335 dbt nodes, 211 of them data tests, and
    ~1,700 Dagster events), hardly by rows: the session landing (3,000 messages, 907 files) costs
    about a minute on an idle 2-core machine, over 10 with six people sharing it. The suite is
    bound by CPU, so each build a test adds lengthens `make test` by about 40 s. Build one world
    per test, not one per case (a differential test draws its random worlds into one landing),
    and let tests that need the same refresh share it in a module-scoped fixture
    (test_publishing.py's `held_back_refresh`).
    """
    counter = itertools.count(1)

    def build(
        landing: Path, warehouse: Path | None = None, full_refresh: bool = False
    ) -> BuiltWarehouse:
        path = warehouse or tmp_path / f"built-{next(counter)}" / "warehouse.duckdb"
        summary = run_refresh(Path(landing), path, full_refresh=full_refresh)
        return BuiltWarehouse(path, Path(landing), summary)

    return build
