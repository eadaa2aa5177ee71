"""Which dbt models and seeds a refresh that adds rows can leave as they are: those no new row
reaches.

An hourly export carries messages, their events, calls and the like; accounts, users, inboxes,
templates and campaigns land rarely. A model whose every input is a source without new rows
would compute the same table again, and its data tests would give the answer they gave in the
last build that passed (the row-by-row ones, scoped to the rows loaded since (test_scope.py),
would read none): 26 models, 7 seeds and the 38 tests on them on the demo's added day. Such a
refresh leaves them out of the run (refresh.py selects the rest), so they keep the tables of that
build, equal to what a build now would write, and their tests' latest results in Dagster.

A model or seed is left as it is only when all of these hold, else the run builds it:

- the refresh is incremental on DuckDB and its data tests' watermark was recorded under the
  project as it is now (test_scope.tested_through): every table then is that passing build's,
  made by the same code (a changed model, macro, seed or variable builds everything);
- no source it reads (through any model upstream) has a row loaded after that watermark
  (raw._load_ledger) or a file on an export day this refresh loads; the load ledger itself is
  written by every load, so what reads it is built;
- neither it nor anything upstream reads the clock or the environment (current_date, now(),
  run_started_at, env_var(), a variable defined with env_var()): mart_credits_by_billing_period's
  as-of day moves with the clock, so it is built every time;
- none of its data tests reads a model that is built (a relationships test into a changed table).

A file loaded by `comms-warehouse load` while the refresh runs, into a source counted unchanged,
is caught when the build ends (orchestration/dbt/assets.py): the watermark then stays where it
was, and the next refresh builds and tests what reads it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from orchestration import warehouse_connection
from orchestration.landing.discovery import LandingFile
from orchestration.landing.loader import LEDGER

# Code that reads the clock or the environment gives another answer on another run.
_CLOCK = re.compile(
    r"current_date|current_time|now\s*\(|getdate|sysdate|localtimestamp|run_started_at"
    r"|invocation_id|env_var\s*\(|modules\.datetime",
    re.IGNORECASE,
)
LEDGER_SOURCE = "_load_ledger"


def changed_sources(
    warehouse: Path, files: Iterable[LandingFile], days_loaded: set[str], after: datetime
) -> set[str]:
    """The raw entities that have rows the last passing build did not see, or may get some in
    this refresh: loaded after `after`, or with any landing file (`files`) on an export day being
    loaded (any, not only the new paths: a file re-exported under its old path loads again with
    its day)."""
    changed = {LEDGER_SOURCE, *loaded_after(warehouse, after)}
    changed.update(
        f.entity for f in files if f.export_date and f.export_date.isoformat() in days_loaded
    )
    return changed


def loaded_after(warehouse: Path, after: datetime) -> set[str]:
    """The raw entities with a file loaded after `after` (the load ledger)."""
    with warehouse_connection.connect(warehouse, read_only=True) as con:
        rows = con.execute(
            f"select distinct entity from {LEDGER} where loaded_at > ? and entity is not null",
            [after],
        ).fetchall()
    return {entity for (entity,) in rows}


def unchanged_nodes(manifest: Mapping[str, Any], sources: set[str], env_vars: set[str]) -> set[str]:
    """unique_ids of the models and seeds that neither a changed source (by name) nor the clock
    reaches, none of whose data tests reads a node that is built. `env_vars`: the project
    variables defined with env_var() (dbt_project.yml), which read the environment too."""
    nodes, children = manifest["nodes"], manifest["child_map"]
    roots = [uid for uid, src in manifest["sources"].items() if src["name"] in sources]
    clock = _clock_reader(manifest, env_vars)
    # A test's own reading of the environment is its row scope (test_scope.py), not its data.
    roots += [uid for uid, n in nodes.items() if n["resource_type"] != "test" and clock(n)]
    built, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in built:
                built.add(child)
                todo.append(child)
    for uid, node in nodes.items():  # a test that is run keeps the node it is on built
        if node["resource_type"] == "test" and uid in built:
            built.add(_tested_node(node))
    return {
        uid
        for uid, node in nodes.items()
        if node["resource_type"] in ("model", "seed") and uid not in built
    }


def _tested_node(test: Mapping[str, Any]) -> str | None:
    """The node a data test is on: its attached node, else its only parent."""
    parents = test["depends_on"]["nodes"]
    return test.get("attached_node") or (parents[0] if len(parents) == 1 else None)


def _clock_reader(manifest: Mapping[str, Any], env_vars: set[str]):
    """node -> whether its code, or a macro it calls (at any depth), reads the clock or the
    environment."""
    macros = manifest["macros"]
    named = re.compile("|".join(re.escape(v) for v in sorted(env_vars))) if env_vars else None
    known: dict[str, bool] = {}

    def reads(text: str) -> bool:
        return bool(_CLOCK.search(text) or (named and named.search(text)))

    def macro_reads(uid: str, seen: set[str]) -> bool:
        if uid not in known:
            macro = macros.get(uid)
            if macro is None or uid in seen:
                return False
            seen.add(uid)
            known[uid] = (
                reads(uid)
                or reads(macro["macro_sql"])
                or any(macro_reads(m, seen) for m in macro["depends_on"]["macros"])
            )
        return known[uid]

    def node_reads(node: Mapping[str, Any]) -> bool:
        return reads(node.get("raw_code") or "") or any(
            macro_reads(m, set()) for m in node["depends_on"]["macros"]
        )

    return node_reads


def env_defined_vars(project_file: Path) -> set[str]:
    """The names of the variables dbt_project.yml defines with env_var()."""
    import yaml  # dbt's dependency

    project = yaml.safe_load(project_file.read_text()) or {}
    return {
        name
        for name, value in (project.get("vars") or {}).items()
        if isinstance(value, str) and "env_var" in value
    }


def unchanged_asset_keys(
    warehouse: Path,
    landing: Path,
    files: list[LandingFile],
    days_loaded: set[str],
    full_refresh: bool,
) -> tuple[set, set[str]]:
    """The Dagster asset keys of the dbt models and seeds this refresh leaves as they are (see
    the module's docstring), and the sources it counts as changed; none on a --full-refresh
    build, another target, a new warehouse, a changed project or without a landing folder."""
    from orchestration.dbt import test_scope
    from orchestration.dbt.assets import dbt_component, dbt_project
    from orchestration.targets import target_name

    if full_refresh or target_name() != "duckdb" or not landing.is_dir():
        return set(), set()
    fingerprint = test_scope.project_fingerprint(dbt_project.manifest_path, dbt_project.project_dir)
    after = test_scope.tested_through(warehouse, fingerprint)
    if after is None:
        return set(), set()
    manifest = json.loads(dbt_project.manifest_path.read_bytes())
    sources = changed_sources(warehouse, files, days_loaded, after)
    env_vars = env_defined_vars(dbt_project.project_dir / "dbt_project.yml")
    keys = {
        dbt_component.get_asset_spec(manifest, uid, dbt_project).key
        for uid in unchanged_nodes(manifest, sources, env_vars)
    }
    return keys - python_checked_assets(), sources


def python_checked_assets() -> set:
    """The assets a Python check (formula_checks) is on. They are built: each of those checks
    runs as one step over several marts, which Dagster runs whole or not at all, and chooses
    itself what changed to compare."""
    from orchestration.formula_checks import formula_checks

    return {key.asset_key for checks in formula_checks for key in checks.check_keys}
