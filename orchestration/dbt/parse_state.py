"""Whether the last `dbt parse` into a target folder is still the parse of the project as it is.

A refresh parses the project before Dagster loads its definitions (parse.py). dbt then reads
every project file, decides that nothing changed, and still builds the whole manifest and writes
manifest.json (4.5 MB) and its partial parse again: ~5 s of CPU, half of a refresh's start-up,
to learn that the parse it already had is right. So after each parse a stamp records what the
parse was made from, and the next refresh skips the parse when all of it is unchanged:

- every file dbt reads (dbt_project.yml, profiles.yml, the model, seed, macro, test, analysis and
  snapshot folders), by content;
- the versions of dbt and its adapters (their macros are part of the manifest);
- every `DBT_*` variable (dbt's flags) and every variable a project file names in
  `env_var(...)`; of the warehouse's path (FOLDER_FREE), its file name only: a parse made for a
  warehouse in another folder is this one's (parse.py), and the `dbt build` that follows
  accepts it as such (parse.run_dbt), so a new warehouse needs no parse here;
- the target the parse is made for (orchestration/targets), which `prepare_dbt` names to dbt as
  the build does; DBT_TARGET, which dbt reads only when no target is named, is left out;
- manifest.json and partial_parse.msgpack themselves, as the parse left them (any other writer,
  a plain `dbt build` or `dbt docs generate` in the same folder, makes the next refresh parse).

Anything else changed, or no stamp: dbt parses as before. The stamp is a digest; no value of a
variable (a password among them) is stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from importlib import metadata
from pathlib import Path

from orchestration import settings
from orchestration.targets import target_name

STAMP_FILE = "partial_parse.stamp.json"
ARTIFACTS = ("manifest.json", "partial_parse.msgpack")
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml")
# dbt_project.yml's folder settings and dbt's defaults for them.
FOLDERS = {"model-paths": "models", "seed-paths": "seeds", "macro-paths": "macros",
           "test-paths": "tests", "analysis-paths": "analyses", "snapshot-paths": "snapshots",
           "packages-install-path": "dbt_packages"}  # fmt: skip
DISTRIBUTIONS = ("dbt-core", "dbt-adapters", "dbt-common", "dbt-duckdb", "dbt-postgres",
                 "dbt-spark")  # fmt: skip
_ENV_VAR = re.compile(r"""env_var\(\s*['"]([^'"]+)['"]""")
# Variables naming the warehouse's file, whose folder no parse depends on (parse.py).
FOLDER_FREE = frozenset({"COMMS_WAREHOUSE_PATH"})
TARGET_VARIABLE = "DBT_TARGET"  # dbt's --target, when none is named


def target_folder() -> Path:
    """Where dbt writes its parse: DBT_TARGET_PATH (relative to the project) or target/."""
    return settings.PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")


def project_fingerprint() -> str:
    """A digest of what a parse is made from (see the module's docstring)."""
    digest = hashlib.sha256()
    names: set[str] = set()
    for path in _project_files():
        text = path.read_bytes()
        digest.update(f"{path.relative_to(settings.PROJECT_DIR)}\0{len(text)}\0".encode())
        digest.update(text)
        names.update(_ENV_VAR.findall(text.decode(errors="replace")))
    for name in DISTRIBUTIONS:
        digest.update(f"{name}={_version(name)}\0".encode())
    names.update(n for n in os.environ if n.startswith("DBT_") and n != TARGET_VARIABLE)
    digest.update(f"target={target_name()}\0".encode())
    for name in sorted(names):
        value = os.environ.get(name)
        if name in FOLDER_FREE and value:
            value = Path(value).name
        digest.update(f"{name}={value}\0".encode())
    return digest.hexdigest()


def parse_is_current(target: Path, fingerprint: str) -> bool:
    """Whether the parse in `target` was made from `fingerprint` and is still as it was left."""
    try:
        stamp = json.loads((target / STAMP_FILE).read_text())
    except (OSError, ValueError):
        return False
    return stamp == {"fingerprint": fingerprint, "artifacts": _artifact_states(target)}


def record_parse(target: Path, fingerprint: str) -> None:
    """Stamp the parse just written into `target` as made from `fingerprint`."""
    path = target / STAMP_FILE
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    stamp = {"fingerprint": fingerprint, "artifacts": _artifact_states(target)}
    temp.write_text(json.dumps(stamp, indent=1))
    os.replace(temp, path)


def _artifact_states(target: Path) -> dict[str, list[int] | None]:
    """Size, modification time and inode of each parse artifact (None: missing)."""
    states: dict[str, list[int] | None] = {}
    for name in ARTIFACTS:
        try:
            stat = (target / name).stat()
        except OSError:
            states[name] = None
        else:
            states[name] = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    return states


def _project_files() -> list[Path]:
    import yaml  # dbt's dependency

    root = settings.PROJECT_DIR
    project = yaml.safe_load((root / "dbt_project.yml").read_text()) or {}
    folders: set[str] = set()
    for key, default in FOLDERS.items():
        chosen = project.get(key) or default
        folders.update([chosen] if isinstance(chosen, str) else chosen)
    files = [root / name for name in PROJECT_FILES if (root / name).is_file()]
    for folder in sorted(folders):
        files.extend(sorted(p for p in (root / folder).rglob("*") if p.is_file()))
    return files


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
