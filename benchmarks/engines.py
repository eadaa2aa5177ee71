"""`make bench TARGET=postgres`: the benchmark's full refresh again on another engine, its phases
printed beside DuckDB's, and its marts hashed against DuckDB's.

The server is the one the libpq variables name (PGHOST set), with a database of the benchmark's
own, dropped afterwards; else a throwaway one from scripts/postgres.sh, stopped afterwards. On
PostgreSQL the "dbt build" phase includes copying the built schemas back into the warehouse's
DuckDB file (orchestration/targets), so the phases cover the same work on both engines.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks.scale import PHASES, mart_hashes, measure_refresh
from orchestration.targets.postgres_server import fresh_database, throwaway_server

Phases = dict[str, tuple[float, float]]  # phase -> (wall seconds, peak MiB)


def compare_full_refresh(
    target: str, duckdb_phases: Phases, landing: Path, duckdb_warehouse: Path, workdir: Path,
    env: dict[str, str],
) -> None:  # fmt: skip
    warehouse = workdir / target / "comms.duckdb"
    with _postgres_database(env) as variables:
        phases = measure_refresh(
            f"full refresh on {target}", landing, warehouse,
            {**env, **variables, "DAGSTER_HOME": str(workdir / target / "dagster_home")},
            "--target", target,
        )  # fmt: skip
    print(f"full refresh, DuckDB beside {target}:")
    print(f"  {'phase':<26} {'duckdb':>9}   {target:>9}   {'ratio':>6}")
    for phase in (*PHASES, "total"):
        if phase in duckdb_phases and phase in phases:
            ours, theirs = duckdb_phases[phase][0], phases[phase][0]
            ratio = f"{theirs / ours:5.1f}x" if ours > 0.05 else ""
            print(f"  {phase:<26} {ours:>7.1f} s   {theirs:>7.1f} s   {ratio:>6}")
    peaks = f"{duckdb_phases['total'][1]:.0f} MiB, {phases['total'][1]:.0f} MiB"
    print(f"  {'peak memory (this machine)':<26} {peaks}")
    on_duckdb, on_target = mart_hashes(duckdb_warehouse), mart_hashes(warehouse)
    differ = sorted(t for t in on_duckdb if on_target.get(t) != on_duckdb[t])
    print(f"marts on {target} = on DuckDB (exact hashes): {len(on_duckdb)} tables, "
          f"{len(differ)} differ{': ' + ', '.join(differ) if differ else ''}")  # fmt: skip


@contextlib.contextmanager
def _postgres_database(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """libpq variables naming a fresh database: on the server PGHOST names, else on a
    throwaway server of scripts/postgres.sh."""
    with contextlib.ExitStack() as stack:
        if env.get("PGHOST"):
            server = {k: v for k, v in env.items() if k.startswith("PG")}
        else:
            folder = Path(tempfile.mkdtemp(prefix="comms-bench-postgres-"))
            server = stack.enter_context(throwaway_server(folder))
        yield stack.enter_context(fresh_database(server, "comms_bench"))
