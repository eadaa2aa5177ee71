"""The `comms-warehouse` command."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import uuid
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from orchestration import settings
from orchestration.targets import DEFAULT_TARGET, TARGETS, send_raw_rows, use_target

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

        results = load_landing(
            Path(args.landing), warehouse, progress=tick, load_id=f"cli-{uuid.uuid4()}"
        )
    _print_load_summary(results)
    if use_target(args.target) != DEFAULT_TARGET:
        sent = send_raw_rows(warehouse)
        console.print(f"{args.target}: {sent:,} new ledger rows copied, with their raw rows")
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


def cmd_generate(args: argparse.Namespace) -> int:
    from datetime import date

    from datagen.generate import generate

    scale = int(args.scale) if args.scale.isdigit() else args.scale
    end = date.fromisoformat(args.end_date) if args.end_date else None
    with _progress() as bar:
        tasks: dict[str, int] = {}

        def tick(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        summary = generate(
            Path(args.out), scale=scale, seed=args.seed, end_date=end,
            dirt_rate=args.dirt_rate, progress=tick, overwrite=args.overwrite,
        )  # fmt: skip
    console.print(
        f"generated {sum(summary.rows.values()):,} rows in {summary.files:,} files "
        f"({summary.start_date} to {summary.end_date}) into {args.out} in {summary.seconds:.1f} s"
    )
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from orchestration.refresh import run_refresh

    warehouse = settings.warehouse_path(args.warehouse)
    landing = settings.landing_path(args.landing)
    use_target(args.target)  # read by the load and dbt steps (orchestration/targets)
    if args.publish_full:  # read by the publish step (orchestration/publishing.py)
        os.environ["COMMS_WAREHOUSE_PUBLISH_FULL"] = "1"
    # dbt's own log goes to a file beside the warehouse; the terminal gets progress and a summary.
    log_path = warehouse.parent / "logs" / "refresh.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logging.disable(logging.INFO)  # Dagster and dbt chatter; warnings still show
    with (
        console.status("refreshing the warehouse") as status,
        log_path.open("a") as log,
        contextlib.redirect_stdout(log),
    ):
        summary = run_refresh(
            landing, warehouse, full_refresh=args.full_refresh,
            on_progress=lambda text: status.update(text),
        )  # fmt: skip
    _print_refresh_summary(summary, warehouse)
    with log_path.open("a") as log:  # every finding in full, the console groups the warnings
        for check in summary.checks:
            if not check.passed:
                level = "BLOCKING" if check.blocking else "warning"
                log.write(f"{level} {check.asset} :: {check.name} {check.description}\n")
    console.print(f"dbt log, every finding in full: {log_path}")
    return 0 if summary.ok else 1


def _print_refresh_summary(summary, warehouse: Path) -> None:
    for note in summary.recovered:  # a killed refresh's run and pool slot, released
        console.print(f"[yellow]recovered:[/yellow] {note}")
    files = summary.files
    console.print(
        f"files: {files.get('loaded', 0)} loaded, {files.get('rejected', 0)} rejected, "
        f"{files.get('duplicate', 0)} duplicate"
    )
    for reason in summary.rejections:
        console.print(f"  [yellow]rejected[/yellow] {reason}")
    for layer in ("raw", "staging", "intermediate", "marts", "audit"):
        if layer in summary.relations_by_layer:
            console.print(
                f"{layer:>12}: {summary.rows_by_layer.get(layer, 0):>12,} rows in tables, "
                f"{summary.relations_by_layer[layer]} relations"
            )
    passed = sum(c.passed for c in summary.checks)
    failed = [c for c in summary.checks if c.passed is False]
    # A warn-level finding (e.g. an orphan call leg whose parent was set aside) is news, not a
    # failure: the run still publishes, so the headline counts it apart.
    blocking = sum(c.blocking for c in failed)
    console.print(
        f"checks: {passed} passed, {blocking} failed, {len(failed) - blocking} with warnings"
    )
    for check in failed:
        if check.blocking:
            console.print(
                f"  [red]BLOCKING[/red] {check.asset} :: {check.name} {check.description}".rstrip()
            )
    _print_warnings([c for c in failed if not c.blocking])
    for failure in summary.dbt_failures:
        console.print(f"  [red]dbt[/red] {failure}")
    for account, reason in summary.held_back.items():
        console.print(
            f"  [yellow]held back[/yellow] account {account} (its last good snapshot stays "
            f"published): {reason}"
        )
    if summary.held_back:
        console.print("every other account was published")
    if summary.failure:
        console.print(f"[red]run failed:[/red] {summary.failure}")
    console.print(f"warehouse: {warehouse}  (Dagster run {summary.run_id})")
    from orchestration.executive_report.assets import reports_dir
    from orchestration.publishing import full_copy_path, published_path

    if published_path(warehouse).exists():
        console.print(f"for BI tools (read-only, PII masked): {published_path(warehouse)}")
    if full_copy_path(warehouse).exists():
        console.print(f"for privileged readers (PII included): {full_copy_path(warehouse)}")
    reports = sorted(reports_dir(warehouse).glob("*.html"))
    if reports:
        console.print(f"executive reports: {', '.join(str(r) for r in reports)}")


def _print_warnings(warnings) -> None:
    """Warn-level findings, one line per kind rather than one per test. The warn-level
    relationships tests (a row naming a contact, campaign, ... that the landing never carried or
    that staging set aside) are grouped by the model they point to, with their rows: a demo has
    ~20 such columns, all saying the same thing. Any other warning is printed as it is."""
    from orchestration.dbt.folded_tests import rows_not_in_parents

    by_parent: dict[str, list[tuple[str, int]]] = {}  # parent -> (model, rows) per column
    for check in warnings:
        parents = rows_not_in_parents(check.description)
        for parent, rows in parents.items():
            by_parent.setdefault(parent, []).append((check.asset.split("/")[-1], rows))
        if not parents:
            console.print(
                f"  [yellow]warning[/yellow] {check.asset} :: {check.name} "
                f"{check.description}".rstrip()
            )
    if by_parent:
        console.print(
            "  [yellow]warning[/yellow] rows kept that name a record the landing never carried "
            "or staging set aside (relationships tests at severity warn):"
        )
    for parent, found in sorted(by_parent.items()):
        rows = sum(n for _, n in found)
        models = Counter(model for model, _ in found)
        where = ", ".join(f"{m} ({n})" if n > 1 else m for m, n in sorted(models.items()))
        columns = f"{len(found)} column{'s' if len(found) > 1 else ''}"
        console.print(f"    not in {parent}: {rows:,} rows, {columns}: {where}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="comms-warehouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    load = sub.add_parser("load", help="load new landing files into the raw schema")
    load.add_argument("--landing", required=True, help="landing root folder")
    load.add_argument("--warehouse", help="DuckDB file (default: warehouse/comms.duckdb)")
    load.add_argument(
        "--target",
        choices=TARGETS,
        default=DEFAULT_TARGET,
        help="postgres: also copy the raw rows PostgreSQL lacks there (libpq's PG* variables)",
    )
    load.set_defaults(func=cmd_load)

    gen = sub.add_parser("generate", help="write synthetic landing files")
    gen.add_argument("--scale", default="demo", help="demo, M, L or a number of messages")
    gen.add_argument("--out", required=True, help="landing root to write")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--end-date", help="last day of data, YYYY-MM-DD (default: today, UTC)")
    gen.add_argument("--dirt-rate", type=float, default=0.01, help="share of dirty rows")
    gen.add_argument("--overwrite", action="store_true", help="replace an existing landing")
    gen.set_defaults(func=cmd_generate)

    refresh = sub.add_parser("refresh", help="load new files, build every model, run checks")
    refresh.add_argument("--landing", help="landing root (default: landing/ in the repo)")
    refresh.add_argument("--warehouse", help="DuckDB file (default: warehouse/comms.duckdb)")
    refresh.add_argument("--full-refresh", action="store_true", help="rebuild incrementals")
    refresh.add_argument(
        "--target",
        choices=TARGETS,
        default=None,
        help="the engine dbt builds on (default: COMMS_WAREHOUSE_TARGET, else duckdb); the "
        "checks, published copy and reports read its marts copied into the DuckDB file",
    )
    refresh.add_argument(
        "--publish-full",
        action="store_true",
        help="also publish the unmasked copy (PII included, owner-only) for privileged readers",
    )
    refresh.set_defaults(func=cmd_refresh)

    from orchestration.reporting.cli_commands import register as register_reporting

    register_reporting(sub)  # `report` and `export` (orchestration/reporting/cli_commands.py)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
