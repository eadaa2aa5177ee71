"""Parsing the dbt project before a refresh, re-using the last parse for a warehouse in another
folder.

dbt keeps a parse (target/partial_parse.msgpack) only for the profile it was made with, and the
warehouse's path is part of the profile: every new warehouse folder (each test's, a second
checkout's, each benchmark's) threw the parse away and parsed all ~800 nodes again, ~12 s of CPU
against ~4 s for a partial parse. Nothing in the project reads the path (models see
`target.type` and `target.schema`; the database name comes from the file's name), so a parse
made for `a/warehouse.duckdb` is the parse for `b/warehouse.duckdb`. Beside each parse this
module records the profile it was made with up to the folder (PROFILES_FILE), and lets dbt's
state check accept the parse when that is all that changed, in two places:

- `prepare_dbt`, in this process, when the parse is not current for other reasons too (a file
  changed: dbt parses the change, and the parse it writes is then this profile's);
- `run_dbt`, the dbt command the refresh's `dbt build` runs as (orchestration/dbt/guard.py),
  so that a parse current but for the warehouse's folder (parse_state.py leaves the folder out)
  needs no `dbt parse` here first: the build's own partial parse accepts it.

Any other change (a file, a variable, the file name, dbt's version) parses as dbt decides.
"""

from __future__ import annotations

import contextlib
import json
import os
import pprint
from pathlib import Path

from orchestration import settings
from orchestration.dbt.parse_state import (
    parse_is_current,
    project_fingerprint,
    record_parse,
    target_folder,
)
from orchestration.targets import target_name

# Beside partial_parse.msgpack: profile hash -> the profile it hashes, its warehouse folder left
# out.
PROFILES_FILE = "partial_parse.profiles.json"
# The target folder whose PROFILES_FILE the dbt command reads: dagster-dbt runs dbt in a target
# folder of its own per run, holding a copy of partial_parse.msgpack only.
PARSE_FOLDER_ENV = "COMMS_WAREHOUSE_DBT_PARSE_FOLDER"


def prepare_dbt() -> None:
    """Parse the dbt project so the Dagster definitions see the current models (and the build
    that follows finds a parse made for this warehouse); nothing to do when the last parse is
    still the project's (parse_state.py)."""
    target, fingerprint = target_folder(), project_fingerprint()
    if parse_is_current(target, fingerprint):
        return
    from dbt.cli.main import dbtRunner

    with _reusing_parses_across_folders(target) as reused:
        # The target named, as the build names it (assets.py): dbt keeps a parse only for the
        # target name it was made with, none and the default's being two different names.
        result = dbtRunner().invoke(
            ["parse", "--quiet", "--project-dir", str(settings.PROJECT_DIR),
             "--profiles-dir", str(settings.PROJECT_DIR), "--target", target_name()]
        )  # fmt: skip
        for loader in reused:
            # dbt writes no parse when no file changed; the saved one names the old profile,
            # which the `dbt build` that follows would not re-use.
            loader.write_manifest_for_partial_parse()
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    record_parse(target, fingerprint)


def run_dbt(argv: list[str]) -> int:
    """dbt's command line (`dbt <argv>`) in this process, re-using a parse made for a warehouse
    in another folder (the parse in PARSE_FOLDER_ENV's folder, as `prepare_dbt` does)."""
    from dbt.cli.main import cli

    folder = os.environ.get(PARSE_FOLDER_ENV)
    with _reusing_parses_across_folders(Path(folder)) if folder else contextlib.nullcontext():
        try:
            cli.main(argv, prog_name="dbt")  # click's standalone mode: ends with SystemExit
        except SystemExit as end:
            return end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
    return 0


@contextlib.contextmanager
def _reusing_parses_across_folders(parse_folder: Path):
    """dbt's parse-state check, told that a profile differing only in the warehouse's folder is
    the same profile (by the profiles `parse_folder` records), for the duration of one
    in-process dbt command."""
    from dbt.parser.manifest import ManifestLoader

    check = ManifestLoader.is_partial_parsable
    write = ManifestLoader.write_manifest_for_partial_parse

    reused = []

    def is_partial_parsable(loader, saved):
        valid, reason = check(loader, saved)
        if not valid and _same_but_the_folder(loader, saved, parse_folder):
            saved.state_check = loader.manifest.state_check  # the parse is this profile's now
            reused.append(loader)
            return True, None
        return valid, reason

    def write_manifest_for_partial_parse(loader):
        write(loader)
        _remember_profile(loader, parse_folder)

    ManifestLoader.is_partial_parsable = is_partial_parsable
    ManifestLoader.write_manifest_for_partial_parse = write_manifest_for_partial_parse
    try:
        yield reused
    finally:
        ManifestLoader.is_partial_parsable = check
        ManifestLoader.write_manifest_for_partial_parse = write


def _same_but_the_folder(loader, saved, parse_folder: Path) -> bool:
    from dbt.version import __version__

    now, then = loader.manifest.state_check, saved.state_check
    if (
        saved.metadata.dbt_version != __version__
        or now.vars_hash != then.vars_hash
        or now.project_env_vars_hash != then.project_env_vars_hash
        or now.project_hashes != then.project_hashes
    ):
        return False
    known = _known_profiles(parse_folder)
    return known.get(then.profile_hash.checksum) == _profile_but_the_folder(loader)


def _profile_but_the_folder(loader) -> str:
    info = dict(loader.root_project.credentials.connection_info())
    if info.get("path"):
        info["path"] = Path(str(info["path"])).name
    # The marts file attached beside the warehouse (profiles.yml) lies in the same folder.
    if info.get("attach"):
        info["attach"] = [{**a, "path": Path(str(a["path"])).name} for a in info["attach"]]
    return pprint.pformat(sorted(info.items()))


def _known_profiles(parse_folder: Path) -> dict[str, str]:
    try:
        return json.loads((parse_folder / PROFILES_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _remember_profile(loader, parse_folder: Path) -> None:
    """Record the profile of the parse dbt wrote, if it wrote it into `parse_folder` (a dbt
    command in a run's own target folder writes its parse there, which nothing reads again)."""
    if Path(loader.root_project.project_target_path).resolve() != parse_folder.resolve():
        return
    known = _known_profiles(parse_folder)
    known[loader.manifest.state_check.profile_hash.checksum] = _profile_but_the_folder(loader)
    path = parse_folder / PROFILES_FILE
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    temp.write_text(json.dumps(dict(list(known.items())[-20:]), indent=1))
    os.replace(temp, path)


if __name__ == "__main__":
    # `make demo` parses beside generating the demo files, `make docs` before docs generate
    # (Makefile), for the warehouse COMMS_WAREHOUSE_PATH names; the refresh then finds it current.
    prepare_dbt()
