"""`make bench TARGET=postgres|spark`: the benchmark's full refresh again on another engine, its
phases printed beside DuckDB's (wall and CPU seconds), and its marts compared with DuckDB's.

PostgreSQL: the server the libpq variables name (PGHOST set), with a database of the
benchmark's own, dropped afterwards; else a throwaway one from scripts/postgres.sh, stopped
afterwards. Spark: a local Spark inside dbt's process, its files beside the benchmark's
warehouse (`<warehouse>.spark`). On both, the "load" phase includes handing the accepted rows
to the engine, and the "dbt build" phase includes copying the built schemas back into the
warehouse's DuckDB file (orchestration/targets), so the phases cover the same work as on DuckDB.

The marts are compared as the engine comparison test does: EXCEPT ALL both ways, the other
engine's columns read in DuckDB's types, doubles to 9 significant digits (engines may sum floats
in another order), and the load times left out (each refresh loaded the landing itself).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks.scale import PHASES, measure_refresh
from orchestration import warehouse_connection
from orchestration.targets.postgres_server import fresh_database, throwaway_server
from orchestration.warehouse_connection import MARTS_DATABASE, copy_warehouse

Phases = dict[str, tuple[float, float, float]]  # phase -> (wall s, peak MiB, CPU s)
SIGNIFICANT_DIGITS = 9
LOAD_TIMES = {"_loaded_at", "loaded_at"}  # when each refresh loaded a row: theirs differ


class EngineBench:
    """The benchmark's refreshes again on `target`, into a warehouse of their own
    (`<workdir>/<target>/comms.duckdb`) and, on PostgreSQL, one database for the whole run: the
    full refresh, then (PostgreSQL) the added day built incrementally there and a
    `--full-refresh` rebuild of a copy, each printed beside DuckDB's."""

    def __init__(self, target: str, workdir: Path, env: dict[str, str]):
        self.target, self.workdir = target, workdir
        self.warehouse = workdir / target / "comms.duckdb"
        self.env = {**env, "DAGSTER_HOME": str(workdir / target / "dagster_home")}
        self.env.pop("COMMS_SPARK_DIR", None)  # Spark's files beside this warehouse

    def full_refresh(self, duckdb_phases: Phases, landing: Path, duckdb_warehouse: Path) -> None:
        phases = measure_refresh(
            f"full refresh on {self.target}", landing, self.warehouse, self.env,
            "--target", self.target,
        )  # fmt: skip
        side_by_side("full refresh", self.target, duckdb_phases, phases)
        report_marts(f"marts on {self.target} = on DuckDB", duckdb_warehouse, self.warehouse)

    def one_more_day(self, duckdb_phases: Phases, landing: Path, duckdb_warehouse: Path) -> None:
        """The added day refreshed incrementally on the engine (its incremental models
        delete+insert what changed), compared with DuckDB's after the same day and with a
        `--full-refresh` rebuild on the engine of a copy of its warehouse."""
        phases = measure_refresh(
            f"one more day on {self.target}", landing, self.warehouse, self.env,
            "--target", self.target,
        )  # fmt: skip
        side_by_side("one more day", self.target, duckdb_phases, phases)
        report_marts(f"marts on {self.target} after the day = on DuckDB", duckdb_warehouse,
                     self.warehouse)  # fmt: skip
        rebuilt = self.workdir / self.target / "rebuilt" / "comms.duckdb"
        rebuilt.parent.mkdir(parents=True, exist_ok=True)
        # The incremental marts stay in this copy; the rebuild replaces the engine's tables and
        # mirrors them into the copy.
        copy_warehouse(self.warehouse, rebuilt)
        env = {**self.env, "DAGSTER_HOME": str(rebuilt.parent / "dagster_home")}
        phases = measure_refresh(
            f"full rebuild on {self.target}", landing, rebuilt, env,
            "--target", self.target, "--full-refresh",
        )  # fmt: skip
        (wall, _, cpu), dbt_wall = phases["total"], phases["dbt build"][0]
        print(f"full rebuild on {self.target} (--full-refresh): {wall:.1f} s wall, {cpu:.1f} s"
              f" CPU, dbt build {dbt_wall:.1f} s")  # fmt: skip
        report_marts(f"marts on {self.target} after the day = its --full-refresh", self.warehouse,
                     rebuilt)  # fmt: skip


@contextlib.contextmanager
def engine_bench(target: str, workdir: Path, env: dict[str, str]) -> Iterator[EngineBench | None]:
    """An EngineBench for `target` (None for DuckDB), on PostgreSQL with a database of its own
    that lives until the benchmark ends."""
    if target == "duckdb":
        yield None
        return
    with _postgres_database(env) if target == "postgres" else contextlib.nullcontext({}) as pg:
        yield EngineBench(target, workdir, {**env, **pg})


def side_by_side(name: str, target: str, duckdb_phases: Phases, phases: Phases) -> None:
    print(f"{name}, DuckDB beside {target} (wall, then CPU of the process tree):")
    header = f"  {'phase':<14} {'duckdb':>9}   {target:>9}   {'ratio':>6}"
    print(f"{header}   CPU {'duckdb':>8} {target:>9}")
    for phase in (*PHASES, "total"):
        if phase in duckdb_phases and phase in phases:
            (ours, _, our_cpu), (theirs, _, their_cpu) = duckdb_phases[phase], phases[phase]
            ratio = f"{theirs / ours:5.1f}x" if ours > 0.05 else ""
            print(f"  {phase:<14} {ours:>7.1f} s   {theirs:>7.1f} s   {ratio:>6}"
                  f"   {our_cpu:>10.1f} s {their_cpu:>7.1f} s")  # fmt: skip
    peaks = f"{duckdb_phases['total'][1]:.0f} MiB, {phases['total'][1]:.0f} MiB"
    print(f"  {'peak memory (this machine)':<26} {peaks}", flush=True)


def report_marts(claim: str, one: Path, other: Path) -> None:
    compared, differ = differing_marts(one, other)
    named = ": " + ", ".join(differ) if differ else ""
    print(f"{claim} (EXCEPT ALL both ways, doubles to 1e-9): "
          f"{compared} tables, {len(differ)} differ{named}", flush=True)  # fmt: skip


def differing_marts(duckdb_warehouse: Path, other_warehouse: Path) -> tuple[int, list[str]]:
    """(tables compared, the mart tables whose rows differ, or which one side lacks)."""
    # DuckDB's warehouse as the connection's own (both its files: `marts.x` finds either).
    with warehouse_connection.connect(duckdb_warehouse, read_only=True) as con:
        con.execute(f"attach '{other_warehouse}' as other (read_only)")
        listing = (
            "select table_name from information_schema.tables where table_catalog in ?"
            " and table_schema = 'marts' and table_type = 'BASE TABLE'"
        )
        own = [con.execute("select current_database()").fetchone()[0], MARTS_DATABASE]
        ours = {t for (t,) in con.execute(listing, [own]).fetchall()}
        theirs = {t for (t,) in con.execute(listing, [["other"]]).fetchall()}
        differ = sorted(ours ^ theirs)
        for table in sorted(ours & theirs):
            columns = [
                column
                for column in con.execute(f'describe marts."{table}"').fetchall()
                if column[0] not in LOAD_TIMES
            ]
            duck = ", ".join(_comparable(name, kind, kind) for name, kind, *_ in columns)
            other = ", ".join(_comparable(name, kind, None) for name, kind, *_ in columns)
            a, b = (
                f'select {duck} from marts."{table}"',
                f'select {other} from other.marts."{table}"',
            )
            only = con.execute(
                f"select (select count(*) from ({a} except all {b})),"
                f" (select count(*) from ({b} except all {a}))"
            ).fetchone()
            if any(only):
                differ.append(table)
    return len(ours | theirs), differ


def _comparable(name: str, kind: str, own_kind: str | None) -> str:
    """A column in DuckDB's type (`own_kind` None: cast to it), a double rounded."""
    column = f'"{name}"' if own_kind else f'cast("{name}" as {kind})'
    if kind not in ("DOUBLE", "FLOAT"):
        return f'{column} as "{name}"'
    return (
        f"case when {column} = 0 or not isfinite({column}) then {column} else round({column},"
        f' {SIGNIFICANT_DIGITS} - cast(ceil(log10(abs({column}))) as integer)) end as "{name}"'
    )


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
