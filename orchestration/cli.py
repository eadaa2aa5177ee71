"""The `comms-warehouse` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from orchestration import settings

console = Console(stderr=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def cmd_load(args: argparse.Namespace) -> int:
    from orchestration.landing.loader import load_landing

    warehouse = settings.warehouse_path(args.warehouse)
    with _progress() as bar:
        task = bar.add_task("loading landing files", total=None)

        def tick(result, done, total):
            bar.update(task, completed=done, total=total, description=f"loading {result.entity}")

        results = load_landing(Path(args.landing), warehouse, progress=tick)
    _print_load_summary(results)
    return 0


def _print_load_summary(results) -> None:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    rows = sum(r.rows_loaded for r in results)
    console.print(
        f"files: {counts.get('loaded', 0)} loaded, {counts.get('rejected', 0)} rejected, "
        f"{counts.get('duplicate', 0)} duplicate, {counts.get('skipped', 0)} already loaded; "
        f"{rows:,} rows landed"
    )
    for r in results:
        if r.status == "rejected":
            console.print(f"  [red]rejected[/red] {r.reason}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="comms-warehouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    load = sub.add_parser("load", help="load new landing files into the raw schema")
    load.add_argument("--landing", required=True, help="landing root folder")
    load.add_argument("--warehouse", help="DuckDB file (default: warehouse/comms.duckdb)")
    load.set_defaults(func=cmd_load)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
