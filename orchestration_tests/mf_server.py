"""`mf` commands run one after another in one Python process (test_semantic_layer.py's `mf`).

Each `mf` process spent ~3.4 s of CPU importing MetricFlow and dbt before a query of ~1 s, and
the module runs ~26 of them. Here the `mf` command (the click group `.venv/bin/mf` calls) is
imported once and invoked per request, exactly as the executable would with the same arguments,
environment and working folder.

Protocol: one JSON list of arguments per line on stdin; per request one line on stdout that
starts with REPLY, holding the exit code and what the command printed.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback

REPLY = "@@mf-reply@@ "


def main() -> None:
    import click
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt_metricflow.cli.main import cli

    reply_to = sys.stdout
    for line in sys.stdin:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = _invoke(cli, click, json.loads(line))
        _close_warehouse(DuckDBConnectionManager)
        reply = {"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()}
        reply_to.write(REPLY + json.dumps(reply) + "\n")
        reply_to.flush()


def _invoke(cli, click, args: list[str]) -> int:
    try:
        cli.main(args=args, prog_name="mf", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except Exception:
        traceback.print_exc()
        return 1
    return 0


def _close_warehouse(manager) -> None:
    """A separate `mf` process let go of the DuckDB file when it ended; the test opens the file
    itself between queries, so close dbt-duckdb's process-wide connection after each command."""
    if manager._ENV is not None:
        manager._ENV.close()
        manager._ENV = None


if __name__ == "__main__":
    main()
