"""Code the next engineer reads in one sitting (issue 12): every Python module under
`orchestration/` and `datagen/` at most MAX_MODULE_LINES lines, every function at most
MAX_FUNCTION_LINES lines (from its `def` to its last line, docstring included).

The one exception, and how to claim it: a function whose length is genuinely one indivisible
thing may be longer if a comment saying why, starting with `# Long because`, sits directly above
its `def` (or its first decorator) or is the first line of its body. Split first; the comment is
for what splitting would only make harder to read (one random stream drawn in a fixed order, say),
and its reason must stand on its own. Modules have no exception: split one along its seams.
"""

from __future__ import annotations

import ast
from pathlib import Path

from orchestration import settings

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
WHY_MARKER = "# Long because"
CHECKED = ("orchestration", "datagen")


def _modules() -> list[Path]:
    return sorted(p for folder in CHECKED for p in (settings.PROJECT_DIR / folder).rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(settings.PROJECT_DIR).as_posix()


def _says_why(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function claims the exception: the marker comment right above it (above its
    decorators, if any, with only comment lines between) or at the top of its body, before its
    first statement."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1  # 0-based
    above = first - 1
    while above >= 0 and lines[above].lstrip().startswith("#"):
        if lines[above].lstrip().startswith(WHY_MARKER):
            return True
        above -= 1
    # The top of the body: the lines after `def` up to the first statement (comments are not in
    # the AST, so they are read from the text).
    top = lines[node.lineno : node.body[0].lineno]
    return any(line.lstrip().startswith(WHY_MARKER) for line in top)


def long_functions(text: str) -> list[str]:
    """The functions of a module over MAX_FUNCTION_LINES without a `# Long because` comment."""
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES and not _says_why(lines, node):
                found.append(f"line {node.lineno} {node.name} ({length} lines)")
    return found


def test_every_module_is_at_most_400_lines() -> None:
    lengths = {_name(p): len(p.read_text().splitlines()) for p in _modules()}
    too_long = [f"{name} ({n} lines)" for name, n in lengths.items() if n > MAX_MODULE_LINES]
    assert not too_long, (
        f"over {MAX_MODULE_LINES} lines; split along the seams, one job per module: "
        + "; ".join(too_long)
    )


def test_every_function_is_at_most_60_lines_or_says_why() -> None:
    too_long = [f"{_name(p)} {f}" for p in _modules() for f in long_functions(p.read_text())]
    assert not too_long, (
        f"over {MAX_FUNCTION_LINES} lines without a '{WHY_MARKER} ...' comment: "
        + "; ".join(too_long)
    )


def test_the_checks_see_a_long_function_and_its_exception() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))  # 61 lines with def
    why = f"{WHY_MARKER} it is one table."
    assert long_functions(f"def long():\n{body}")
    assert not long_functions(f"def short():\n{body[: body.index('    x59')]}")
    assert not long_functions(f"{why}\n# (more reason)\n@staticmethod\ndef long():\n{body}")
    assert not long_functions(f"def long(\n    a,\n) -> None:\n    {why}\n{body}")
    assert not long_functions(f'def long():\n    {why}\n    """Doc."""\n{body}')
    assert not long_functions(f"def long():  # a note\n    {why}\n{body}")
    # The comment must be the function's own: not a stray one higher up, not later in the body.
    assert long_functions(f"{why}\n\nx = 1\n\n\ndef long():\n{body}")
    assert long_functions(f"def long():\n    x = 0\n    {why}\n{body}")
