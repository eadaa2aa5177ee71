"""Parsing the dbt project before a refresh, re-using the last parse for a warehouse in another
folder.

dbt keeps a parse (target/partial_parse.msgpack) only for the profile it was made with, and the
warehouse's path is part of the profile: every new warehouse folder (each test's, a second
checkout's) threw the parse away and parsed all ~800 nodes again, ~12 s of CPU against ~4 s for a
partial parse, and a third of a small refresh's own time. Nothing in the project reads the path
(models see `target.type` and `target.schema`; the database name comes from the file's name), so
a parse made for `a/warehouse.duckdb` is the parse for `b/warehouse.duckdb`. `prepare_dbt`
records, beside the parse, the profile it was made with up to the folder, and lets dbt re-use it
when that is all that changed. Any other change (a file, a variable, the file name, dbt's version)
parses as dbt decides.
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

# Beside partial_parse.msgpack: profile hash -> the profile it hashes, its warehouse folder left
# out.
PROFILES_FILE = "partial_parse.profiles.json"


def prepare_dbt() -> None:
    """Parse the dbt project so the Dagster definitions see the current models (and the build
    that follows finds a parse made for this warehouse); nothing to do when the last parse is
    still the project's (parse_state.py)."""
    target, fingerprint = target_folder(), project_fingerprint()
    if parse_is_current(target, fingerprint):
        return
    from dbt.cli.main import dbtRunner

    with _reusing_parses_across_folders() as reused:
        result = dbtRunner().invoke(
            ["parse", "--quiet", "--project-dir", str(settings.PROJECT_DIR),
             "--profiles-dir", str(settings.PROJECT_DIR)]
        )  # fmt: skip
        for loader in reused:
            # dbt writes no parse when no file changed; the saved one names the old profile,
            # which the `dbt build` that follows would not re-use.
            loader.write_manifest_for_partial_parse()
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    record_parse(target, fingerprint)


@contextlib.contextmanager
def _reusing_parses_across_folders():
    """dbt's parse-state check, told that a profile differing only in the warehouse's folder is
    the same profile, for the duration of one in-process `dbt parse`."""
    from dbt.parser.manifest import ManifestLoader

    check = ManifestLoader.is_partial_parsable
    write = ManifestLoader.write_manifest_for_partial_parse

    reused = []

    def is_partial_parsable(loader, saved):
        valid, reason = check(loader, saved)
        if not valid and _same_but_the_folder(loader, saved):
            saved.state_check = loader.manifest.state_check  # the parse is this profile's now
            reused.append(loader)
            return True, None
        return valid, reason

    def write_manifest_for_partial_parse(loader):
        write(loader)
        _remember_profile(loader)

    ManifestLoader.is_partial_parsable = is_partial_parsable
    ManifestLoader.write_manifest_for_partial_parse = write_manifest_for_partial_parse
    try:
        yield reused
    finally:
        ManifestLoader.is_partial_parsable = check
        ManifestLoader.write_manifest_for_partial_parse = write


def _same_but_the_folder(loader, saved) -> bool:
    from dbt.version import __version__

    now, then = loader.manifest.state_check, saved.state_check
    if (
        saved.metadata.dbt_version != __version__
        or now.vars_hash != then.vars_hash
        or now.project_env_vars_hash != then.project_env_vars_hash
        or now.project_hashes != then.project_hashes
    ):
        return False
    known = _known_profiles(loader)
    return known.get(then.profile_hash.checksum) == _profile_but_the_folder(loader)


def _profile_but_the_folder(loader) -> str:
    info = dict(loader.root_project.credentials.connection_info())
    if info.get("path"):
        info["path"] = Path(str(info["path"])).name
    return pprint.pformat(sorted(info.items()))


def _profiles_file(loader) -> Path:
    return Path(loader.root_project.project_target_path) / PROFILES_FILE


def _known_profiles(loader) -> dict[str, str]:
    try:
        return json.loads(_profiles_file(loader).read_text())
    except (OSError, ValueError):
        return {}


def _remember_profile(loader) -> None:
    known = _known_profiles(loader)
    known[loader.manifest.state_check.profile_hash.checksum] = _profile_but_the_folder(loader)
    path = _profiles_file(loader)
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    temp.write_text(json.dumps(dict(list(known.items())[-20:]), indent=1))
    os.replace(temp, path)
