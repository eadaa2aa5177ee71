"""Benchmark: generate, load and build a scale (M by default); print seconds and peak memory.

Figures, not assertions: `make bench` (SCALE=M|L|demo|<messages>). Each phase runs in its own
process so its peak resident memory is its own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def run_phase(name: str, argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run one phase; return (seconds, peak RSS in MiB)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"{name} failed:\n{stderr[-3000:]}", file=sys.stderr)
        raise SystemExit(1)
    peak_mib = usage.ru_maxrss / 1024  # Linux reports KiB
    print(f"{name:<28} {seconds:>9.1f} s   peak {peak_mib:>8.0f} MiB", flush=True)
    return seconds, peak_mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="M")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", help="where to put the data (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the data afterwards")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="comms-bench-"))
    landing, warehouse = workdir / "landing", workdir / "warehouse.duckdb"
    env = dict(os.environ, COMMS_WAREHOUSE_PATH=str(warehouse), DAGSTER_HOME=str(workdir / "dh"))
    cli = str(BIN / "comms-warehouse")
    print(f"scale {args.scale}, data in {workdir}, {os.cpu_count()} cores")
    try:
        generate = [cli, "generate", "--scale", args.scale, "--seed", str(args.seed)]
        run_phase(f"generate {args.scale}", [*generate, "--out", str(landing)], env)
        size = sum(f.stat().st_size for f in landing.rglob("*") if f.is_file())
        print(f"{'landing size':<28} {size / 2**30:>9.2f} GiB")
        run_phase("load (files → raw)", [cli, "load", "--landing", str(landing)], env)
        run_phase(
            "refresh (build + checks)",
            [cli, "refresh", "--landing", str(landing), "--warehouse", str(warehouse)],
            env,
        )
        print(f"{'warehouse size':<28} {warehouse.stat().st_size / 2**30:>9.2f} GiB")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
