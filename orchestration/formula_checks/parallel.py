"""The reference worlds of a check run computed side by side, each in a process of its own.

The reference recomputes every number in plain Python on one core: on the demo three quarters
of the checks' CPU (building a world from its staged rows, its reports, the comparison), while
the machine's other core waited. So the check's own process does what needs the warehouse, a
world at a time: it fetches the world's staged rows (tuples: making them dicts is the world's
process's work, staged.as_rows) and forks a process that builds the world from them
(inherited: nothing copied), then reads the API's reports for the world's requests
(comparison.published_side) and hands them over (pickled: the reports only, a few MB at the
demo); the forked process compares (comparison.compare_published) and sends back only its
comparisons. It opens no connection and touches none (DuckDB is not fork-safe). Meanwhile the
check's process goes on to the next world. Every world is still compared on every view, with
the same requests and code; only where it runs changes.

At most WORLDS_AT_ONCE worlds are in memory at once (the row budget bounds each,
sampling.DEFAULT_ROW_BUDGET). Where processes cannot be forked, the worlds are compared in turn
in the check's own process. A world whose process fails or dies fails the check run with its
error, as an error in the reference did when it ran in the check's process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection, wait
from typing import Any

from orchestration.formula_checks.comparison import (
    Comparison,
    Published,
    compare_published,
    published_side,
)
from orchestration.formula_checks.sampling import Request
from orchestration.reference.facts import World
from orchestration.reference.staged import as_rows

# Two cores here (the project's machines): the check's process reading the next world beside
# two computing ones keeps both busy. Each holds one world's rows (a budget-sized world peaked
# at ~1 GiB in the check's process).
WORLDS_AT_ONCE = 2
FORKING = "fork" in multiprocessing.get_all_start_methods()
Running = dict[Connection, tuple[int, Any]]  # a world's pipe end -> (its index, its process)


class ReferenceWorldFailed(RuntimeError):
    """A reference world's process raised, or ended without sending its comparisons."""


def compare_worlds(
    con, worlds: Iterable[tuple[dict[str, Any], list[Request]]], views: list[str]
) -> Iterator[dict[str, Comparison]]:
    """Per world of ``worlds`` (its staged rows, fetch_staged's, and the requests it answers),
    view -> its Comparison, in the order of ``worlds``."""
    if not FORKING:
        for rows, requests in worlds:
            world = World(as_rows(rows))
            yield _compared(world, [published_side(con, view, requests) for view in views])
            del rows, world  # one world at a time: the next is read after this one is gone
            gc.collect()
        return
    with _processes() as running:
        done: dict[int, dict[str, Comparison]] = {}
        for index, (rows, requests) in enumerate(worlds):
            while len(running) >= WORLDS_AT_ONCE:
                done.update(_collect(running))
            pipe, process = _fork(rows)  # it builds the world meanwhile
            running[pipe] = (index, process)
            del rows  # the forked process has them; the next world is read
            _hand_over(pipe, [published_side(con, view, requests) for view in views])
        while running:
            done.update(_collect(running))
        yield from (done[i] for i in sorted(done))


def _compared(world: World, published: list[Published]) -> dict[str, Comparison]:
    return {side.view: compare_published(world, side) for side in published}


def _child(rows: dict[str, Any], pipe: Connection) -> None:
    try:
        # while the check's process reads what the API publishes: the rows' dicts too
        world = World(as_rows(rows))
        pipe.send(("compared", _compared(world, pipe.recv())))
    except BaseException:  # the check's process raises it, with the traceback
        pipe.send(("failed", traceback.format_exc()))
    finally:
        pipe.close()
        # Ends here: what a process ending normally does (flushing the standard streams, exit
        # handlers) may wait on a lock another of the parent's threads held when it forked.
        os._exit(0)


def _fork(rows: dict[str, Any]) -> tuple[Connection, Any]:
    context = multiprocessing.get_context("fork")
    pipe, childs_end = context.Pipe()
    process = context.Process(target=_child, args=(rows, childs_end), daemon=True)
    process.start()
    childs_end.close()  # the child's only: a child that dies is then an EOF here
    return pipe, process  # (start() let go of the process's arguments: the rows)


def _hand_over(pipe: Connection, published: list[Published]) -> None:
    """The API's reports to the world's process (pickled: a few MB at most). A process that
    ended before reading them is no error here: _collect says why it ended."""
    with suppress(OSError):
        pipe.send(published)


def _collect(running: Running) -> dict[int, dict[str, Comparison]]:
    """Wait for a world's process to finish; its comparisons by the world's index."""
    out = {}
    for receive in wait(list(running)):
        index, process = running.pop(receive)
        try:
            status, value = receive.recv()
        except EOFError:
            process.join()
            status, value = "failed", f"its process ended (exit code {process.exitcode})"
        process.join()
        receive.close()
        if status != "compared":
            raise ReferenceWorldFailed(f"reference world {index + 1}: {value}")
        out[index] = value
    return out


@contextmanager
def _processes() -> Iterator[Running]:
    """The running worlds' processes (by the end of their pipe); any still running on leaving
    (the run failed) are ended."""
    running: Running = {}
    try:
        yield running
    finally:
        for receive, (_, process) in running.items():
            process.kill()
            process.join()
            receive.close()
