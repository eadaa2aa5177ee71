"""Every command the READMEs show runs, as written, against the session's test warehouse.

The commands are read from the fenced blocks of `README.md` and
`orchestration/reporting/README.md` at test time, so the test follows the READMEs, not a copy of
them. Only what must differ is substituted, through the environment and the working folder the
READMEs say the commands honour: `COMMS_WAREHOUSE_PATH` names the test warehouse (a copy when a
command writes), output files land in the test's tmp_path (the commands run there: "every
command works from any folder"), and dbt writes its target/ and logs/ there too. The demo's ids
(`acc_100`, `cmp_3`) exist in the test data as well: the generator's accounts and campaigns are
the same at every scale.

How each kind of command is covered:
- `make demo`, `make test`: cannot run inside the suite (one is the demo build, the other is the
  suite itself), so `make -n` checks that make knows them and shows what they run. What they run
  is tested elsewhere: `comms-warehouse refresh` by the session warehouse (conftest.py's
  `built_warehouse` runs the same `run_refresh`) and test_refresh.py; `make test` is what CI runs
  (`.ci/run`).
- `mf ...`: run as written by
  test_semantic_layer.py::test_the_readme_semantic_layer_commands_run_as_written (it needs that
  module's shadow project), so not here.
- `comms-warehouse ...`: each line runs in a shell; it must exit 0 and print something, or for an
  export write its `--out` file with rows.
- any other ```sh block (running dbt): runs as one shell script from the repo root.
- the ```python example: executed; its `rep` must hold KPIs and be JSON-ready.
- blocks without a language (synopses with `[options]`, the layer diagram) and ```toml (a
  config file, not a command) are not runnable. Any other language fails the test, so a new
  kind of block gets a decision.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from test_targets import readme_block

# Scheduled among the long modules (conftest.py):
# the README's dbt block builds staging; every CLI line starts a process.
pytestmark = pytest.mark.builds(0.6)

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
READMES = (REPO / "README.md", REPO / "orchestration" / "reporting" / "README.md")
# A fence at the start of a line; indented fences (an example inside a list item) are a toml
# config in the reporting README, not a command.
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
NOT_RUNNABLE = {"", "toml"}
SEMANTIC_TEST = "test_semantic_layer.py::test_the_readme_semantic_layer_commands_run_as_written"
# The access variables would narrow what the commands may read; the READMEs' examples assume
# none is set.
ACCESS_VARIABLES = ("COMMS_WAREHOUSE_ACCOUNTS", "COMMS_WAREHOUSE_ACCESS_FILE")


def _blocks(language: str) -> list[tuple[str, str]]:
    """(README name, block text) of every fenced block in `language`."""
    return [
        (readme.relative_to(REPO).as_posix(), body)
        for readme in READMES
        for lang, body in FENCE.findall(readme.read_text())
        if lang == language
    ]


def _lines(block: str) -> list[str]:
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def _program(line: str) -> str:
    return shlex.split(line, comments=True)[0]


# The "Running on Spark or PostgreSQL" block needs a server of its own, and runs in
# test_targets.py as one script (it starts and stops the server), so not here.
TARGETS_TEST = "test_targets.py::test_the_readme_block_builds_on_postgres_and_reports"
SH_BLOCKS = [
    (readme, block)
    for readme, block in _blocks("sh")
    if not (readme == "README.md" and block == readme_block())
]
MAKE_LINES = [line for _, block in SH_BLOCKS for line in _lines(block) if _program(line) == "make"]
CLI_LINES = [
    line for _, block in SH_BLOCKS for line in _lines(block) if _program(line) == "comms-warehouse"
]
MF_BLOCKS = [block for _, block in SH_BLOCKS if any(_program(x) == "mf" for x in _lines(block))]
SCRIPT_BLOCKS = [
    block
    for _, block in SH_BLOCKS
    if block not in MF_BLOCKS
    and not any(_program(x) in ("make", "comms-warehouse") for x in _lines(block))
]


def _env(warehouse: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ACCESS_VARIABLES}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["COMMS_WAREHOUSE_PATH"] = str(warehouse)
    env.update(extra)
    return env


def _run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, f"{script}\nexit {result.returncode}\n{result.stderr[-3000:]}"
    return result


def test_every_block_is_run_here_or_elsewhere_or_not_runnable():
    languages = {lang for readme in READMES for lang, _ in FENCE.findall(readme.read_text())}
    assert languages <= {"sh", "python"} | NOT_RUNNABLE, languages
    # Every line of every sh block belongs to exactly one of the kinds below.
    covered = {line for line in MAKE_LINES + CLI_LINES}
    covered |= {line for block in MF_BLOCKS + SCRIPT_BLOCKS for line in _lines(block)}
    every = {line for _, block in SH_BLOCKS for line in _lines(block)}
    assert every == covered
    assert MAKE_LINES and CLI_LINES and MF_BLOCKS and SCRIPT_BLOCKS, SH_BLOCKS
    # The mf commands run in the semantic-layer test, the targets block in test_targets.py;
    # this keeps the pointers true.
    for pointer in (SEMANTIC_TEST, TARGETS_TEST):
        module, test = pointer.split("::")
        assert f"def {test}(" in (Path(__file__).parent / module).read_text()


@pytest.mark.parametrize("line", MAKE_LINES)
def test_the_make_commands_are_make_targets_that_run_the_documented_steps(line):
    """A dry run (`make -n`): the target exists and its recipe is what the README says."""
    words = shlex.split(line, comments=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}  # not a sub-make
    result = subprocess.run(
        ["make", "-n", *words[1:]], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    recipe = result.stdout
    expected = {
        "demo": ["comms-warehouse generate --scale demo", "comms-warehouse refresh"],
        "test": ["ruff check", "sqlfluff lint", "dbt docs generate", "pytest"],
    }[words[1]]
    for step in expected:
        assert step in recipe, f"`{line}` no longer runs {step!r}:\n{recipe}"


@pytest.mark.parametrize("line", CLI_LINES)
def test_the_command_line_examples_run(line, built_warehouse, tmp_path):
    result = _run(line, cwd=tmp_path, env=_env(built_warehouse.path))
    words = shlex.split(line, comments=True)
    if "--out" in words:  # an export: its output is the file
        out = tmp_path / words[words.index("--out") + 1]
        assert out.is_file() and out.stat().st_size > 0, f"{line}: wrote no {out.name}"
        if out.suffix == ".xlsx":
            sheet = openpyxl.load_workbook(out, read_only=True).worksheets[0]
            assert sheet.max_row > 1, f"{line}: {out.name} has a header and no rows"
    else:
        assert result.stdout.strip(), f"{line}: printed nothing"
    if "--format" in words and words[words.index("--format") + 1] == "json":
        assert json.loads(result.stdout)["kpis"], line


@pytest.mark.parametrize("block", SCRIPT_BLOCKS)
def test_the_shell_examples_run_from_the_repo(block, warehouse_copy, tmp_path):
    """Run from the repo root as the README implies (`source .venv/bin/activate`); dbt's target/
    and logs/ go to tmp_path so a developer's target/ is left alone."""
    env = _env(warehouse_copy, DBT_TARGET_PATH=str(tmp_path / "target"))
    env["DBT_LOG_PATH"] = str(tmp_path / "logs")
    result = _run(block, cwd=REPO, env=env)
    assert result.stdout.strip(), f"{block}: printed nothing"


@pytest.mark.parametrize("block", [b for _, b in _blocks("python")])
def test_the_python_examples_run(block, built_warehouse, monkeypatch):
    monkeypatch.setenv("COMMS_WAREHOUSE_PATH", str(built_warehouse.path))
    for variable in ACCESS_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    namespace: dict = {}
    exec(compile(block, "README example", "exec"), namespace)  # the README's own code, as written
    rep = namespace["rep"]
    assert rep.kpis, block
    assert json.loads(json.dumps(rep.to_dict()))["kpis"] == rep.kpis
