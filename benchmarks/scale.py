"""Benchmark: a full refresh against the hand-written limit, then one more export day.

`make bench SCALE=demo|M|L|<messages> [TARGET=postgres|spark]` prints wall seconds, CPU seconds
(the process tree's user + system time: on a shared machine wall time follows the load, CPU time
much less) and peak resident memory per phase:

1. generate the landing files (every export day but the last is the first landing);
2. the limit (benchmarks/limit.py: the same files into DuckDB, the core KPIs in one query);
3. the full refresh of the first landing, split into its phases from Dagster's event log
   (start-up, load, dbt build, checks, publish, report, summary);
4. one more export day (the last generated day, ~1 % of the rows, plus late delivery events for
   messages of earlier days), refreshed incrementally;
5. a --full-refresh rebuild of a copy of that warehouse, whose every mart must hash equal;
with TARGET=postgres or spark, after step 3: the same full refresh on that engine, its phases
printed beside DuckDB's, and its marts compared with DuckDB's (benchmarks/engines.py); with
TARGET=postgres also after step 4: the added day refreshed incrementally on PostgreSQL beside
DuckDB's, its marts compared with DuckDB's and with a `--full-refresh` rebuild on PostgreSQL.

Figures, not assertions, except the equality of the marts. Peak memory and CPU time are sampled
four times a second over the process tree (the refresh, its dbt child, Spark's JVM), so a process
that ends between samples loses at most its last quarter second of CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BIN = Path(sys.executable).parent
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") / 1024

# Dagster step → benchmark phase; the remaining steps are the Python asset checks.
STEP_PHASES = {
    "load_landing_files": "load",
    "warehouse_dbt_assets": "dbt build",
    "published_marts": "publish",
    "executive_report": "report",
}
PHASES = ("start-up", "load", "dbt build", "checks", "publish", "report", "summary")


class TreeMemory:
    """Samples the resident memory and CPU time of a process and its descendants in a
    background thread."""

    def __init__(self, pid: int):
        self.pid, self.samples = pid, []  # (time, MiB)
        self.cpu_samples: list[tuple[float, dict[int, float]]] = []  # (time, pid -> CPU s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            rss_kib, cpu = _tree_usage(self.pid)
            now = time.time()
            self.samples.append((now, rss_kib / 1024))
            self.cpu_samples.append((now, cpu))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float = 0.0, end: float = float("inf")) -> float:
        return max((mib for t, mib in self.samples if start <= t <= end), default=0.0)

    def cpu(self, start: float = 0.0, end: float = float("inf")) -> float:
        """CPU seconds the tree spent between `start` and `end`: per process, its last sample
        up to `end` minus its last sample before `start` (0 for one started since)."""
        before: dict[int, float] = {}
        until: dict[int, float] = {}
        for at, usage in self.cpu_samples:
            if at < start:
                before.update(usage)
            if at <= end:
                until.update(usage)
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in until.items())


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _tree_usage(root: int) -> tuple[float, dict[int, float]]:
    """(resident KiB, pid -> user + system CPU seconds) of `root` and its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_KIB
        cpu[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    total, tree, todo = 0.0, {}, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0.0)
        if pid in cpu:
            tree[pid] = cpu[pid]
        todo.extend(children.get(pid, []))
    return total, tree


class Started:
    """A command started now, its memory and CPU sampled; others may run while it does."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str]):
        self.name, self.started_at, self.started = name, time.time(), time.perf_counter()
        self.process = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.memory = TreeMemory(self.process.pid)

    def wait(self) -> float:
        """Its wall seconds, once it has ended (the benchmark stops if it failed)."""
        output, _ = self.process.communicate()
        self.memory.stop()
        seconds = time.perf_counter() - self.started
        if self.process.returncode != 0:
            tail = output.decode(errors="replace")[-4000:]
            print(f"{self.name} failed:\n{tail}", file=sys.stderr)
            raise SystemExit(1)
        return seconds


def run(name: str, argv: list[str], env: dict[str, str]) -> tuple[float, TreeMemory, float]:
    """Run a command; return (wall seconds, its memory samples, start time)."""
    command = Started(name, argv, env)
    return command.wait(), command.memory, command.started_at


def report(name: str, seconds: float, peak_mib: float, cpu: float | None = None) -> None:
    cpu_text = f"   CPU {cpu:>8.1f} s" if cpu is not None else ""
    print(f"  {name:<26} {seconds:>9.1f} s{cpu_text}   peak {peak_mib:>7.0f} MiB", flush=True)


def refresh(name: str, landing: Path, warehouse: Path, env: dict, *flags: str) -> float:
    """One `comms-warehouse refresh`, its phases from the run's step events; return its seconds."""
    phases = measure_refresh(name, landing, warehouse, env, *flags)
    show(name, phases)
    return phases["total"][0]


def show(name: str, phases: dict[str, tuple[float, float]]) -> None:
    print(f"{name}:")
    for phase, (seconds, peak, cpu) in phases.items():
        report(phase, seconds, peak, cpu)


def measure_refresh(
    name: str, landing: Path, warehouse: Path, env: dict, *flags: str
) -> dict[str, tuple[float, float, float]]:
    """One `comms-warehouse refresh`: phase -> (wall seconds, peak MiB, CPU seconds), in PHASES
    order, then "total"."""
    cli = [str(BIN / "comms-warehouse"), "refresh", "--landing", str(landing)]
    seconds, memory, started_at = run(name, [*cli, "--warehouse", str(warehouse), *flags], env)
    spans = _phase_spans(env["DAGSTER_HOME"])
    first = min((s for s, _ in spans.values()), default=started_at)
    last = max((e for _, e in spans.values()), default=started_at + seconds)
    spans["start-up"] = (started_at, first)
    spans["summary"] = (last, started_at + seconds)
    phases = {
        phase: (
            spans[phase][1] - spans[phase][0],
            memory.peak(*spans[phase]),
            memory.cpu(*spans[phase]),
        )
        for phase in PHASES
        if phase in spans
    }
    phases["total"] = (seconds, memory.peak(), memory.cpu())
    return phases


def _phase_spans(dagster_home: str) -> dict[str, tuple[float, float]]:
    """(start, end) per phase of the latest run in this Dagster home, from its step events."""
    os.environ["DAGSTER_HOME"] = dagster_home
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        run_id = instance.get_runs(limit=1)[0].run_id
        spans: dict[str, tuple[float, float]] = {}
        for record in instance.get_records_for_run(run_id).records:
            event = record.event_log_entry.dagster_event
            if event is None or event.event_type_value not in (
                "STEP_START", "STEP_SUCCESS", "STEP_FAILURE"
            ):  # fmt: skip
                continue
            phase = STEP_PHASES.get(event.step_key, "checks")
            at = record.event_log_entry.timestamp
            start, end = spans.get(phase, (at, at))
            spans[phase] = (min(start, at), max(end, at))
    return spans


def mart_hashes(warehouse: Path) -> dict[str, str]:
    """Row count and a hash of every column of every mart table: equal hashes, equal marts."""
    from orchestration import warehouse_connection

    with warehouse_connection.connect(str(warehouse), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        query = 'select count(*), sum(hash(columns(*))) from marts."{}"'
        return {t: str(con.execute(query.format(t)).fetchone()) for t in tables}


def add_export_day(landing: Path, day_folders: list[Path], warehouse: Path) -> int:
    """Land the held-back day, plus late delivery events for ~0.1 % of earlier outbound messages
    (a delivery after a soft bounce, a carrier block, a cancellation); return the late events."""
    from orchestration import warehouse_connection

    for folder in day_folders:
        shutil.copytree(folder, landing / folder.parent.name / folder.name, dirs_exist_ok=True)
    day = day_folders[0].name
    with warehouse_connection.connect(str(warehouse), read_only=True) as con:
        ids = [
            m
            for (m,) in con.execute(
                "select message_id from marts.fct_messages where direction = 'outbound' "
                "and is_sms_sent order by hash(message_id)"
            ).fetchall()
        ]
    picked = ids[: max(3, len(ids) // 1000)]
    late = landing / "message_events" / day
    late.mkdir(parents=True, exist_ok=True)
    kinds = [("delivered", None), ("undelivered", "30007"), ("canceled", None)]
    with (late / "late-callbacks.jsonl").open("w") as handle:
        for i, message_id in enumerate(picked):
            status, code = kinds[i % len(kinds)]
            event = {"event_id": f"late_{i}", "message_id": message_id, "status": status,
                     "occurred_at": f"{day}T12:00:00Z", "error_code": code}  # fmt: skip
            handle.write(json.dumps(event) + "\n")
    return len(picked)


def _full_then_day(
    engine, landing: Path, held_back: list[Path], warehouse: Path, env: dict
) -> tuple[float, float]:
    """The full refresh, then the added day, on DuckDB and (`engine`, an EngineBench, else None)
    each beside it on the other engine; returns DuckDB's (full, day) seconds."""
    duckdb_phases = measure_refresh("full refresh", landing, warehouse, env)
    show("full refresh", duckdb_phases)
    if engine:
        engine.full_refresh(duckdb_phases, landing, warehouse)
    late = add_export_day(landing, held_back, warehouse)
    day_phases = measure_refresh("one more day", landing, warehouse, env)
    show(f"one more day ({held_back[0].name}, {late} late events)", day_phases)
    if engine and engine.target == "postgres":  # Spark rebuilds every table on every run
        engine.one_more_day(day_phases, landing, warehouse)
    return duckdb_phases["total"][0], day_phases["total"][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", help="where to put the data (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the data afterwards")
    parser.add_argument(
        "--target",
        choices=("duckdb", "postgres", "spark"),
        default="duckdb",
        help="also run the full refresh on this engine and print it beside DuckDB's",
    )
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="comms-bench-"))
    generated, landing = workdir / "generated", workdir / "landing"
    warehouse = workdir / "warehouse" / "comms.duckdb"
    env = dict(os.environ, DAGSTER_HOME=str(workdir / "dagster_home"))
    print(f"scale {args.scale}, data in {workdir}, {os.cpu_count()} cores", flush=True)
    try:
        # As `make demo` does (Makefile): the dbt project parsed beside generating the files.
        parse = Started("parse dbt", [sys.executable, "-m", "orchestration.dbt.parse"],
                        dict(env, COMMS_WAREHOUSE_PATH=str(warehouse)))  # fmt: skip
        cli = [str(BIN / "comms-warehouse"), "generate", "--scale", args.scale]
        seconds, memory, _ = run(
            "generate", [*cli, "--seed", str(args.seed), "--out", str(generated)], env
        )
        report("generate", seconds, memory.peak(), memory.cpu())
        report("parse dbt (beside it)", parse.wait(), parse.memory.peak(), parse.memory.cpu())
        # The first landing is every export day but the last; the last is the day added later.
        last_day = max(p.name for p in generated.glob("*/*") if p.is_dir())
        held_back = sorted(generated.glob(f"*/{last_day}"))
        shutil.copytree(generated, landing, ignore=shutil.ignore_patterns(last_day))
        size = sum(f.stat().st_size for f in landing.rglob("*") if f.is_file())
        print(f"  {'first landing':<26} {size / 2**20:>9.1f} MiB of files, days before {last_day}")

        limit_db = workdir / "limit.duckdb"
        limit_argv = [sys.executable, "-m", "benchmarks.limit", str(landing), "--db", str(limit_db)]
        limit_s, memory, _ = run("limit", limit_argv, env)
        report("hand-written limit", limit_s, memory.peak(), memory.cpu())

        from benchmarks.engines import engine_bench  # it imports this module

        with engine_bench(args.target, workdir, env) as engine:
            full_s, day_s = _full_then_day(engine, landing, held_back, warehouse, env)

        rebuilt = workdir / "rebuilt" / "comms.duckdb"
        rebuilt.parent.mkdir()
        from orchestration.warehouse_connection import copy_warehouse

        copy_warehouse(warehouse, rebuilt)
        refresh("full rebuild of a copy, for equality", landing, rebuilt, env, "--full-refresh")
        incremental, full = mart_hashes(warehouse), mart_hashes(rebuilt)
        differ = sorted(t for t in full if incremental.get(t) != full[t])

        print(f"full refresh / limit: {full_s / limit_s:.1f}x")
        print(f"one more day / full refresh: {100 * day_s / full_s:.0f} %")
        print(f"marts after one more day = full rebuild: {len(full)} tables, {len(differ)} differ")
        for table in differ:
            print(f"  differs: {table}")
        if differ:
            raise SystemExit(1)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
