"""Find the landing files: every entry under `<landing>/<entity>/<YYYY-MM-DD>/`, with its entity,
its export day and, when its place in the tree is wrong or it must not be opened, why.

The loader records each entry in the ledger; the schedules and the refresh read the export days.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.landing.contract import ENTITIES, LANDING_FORMATS

_DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    entity: str
    export_date: date | None
    problem: str | None = None  # set when the file's place in the landing tree is wrong
    readable: bool = True  # False: rejected without opening it (a link out, a linked folder)


def discover(landing: Path) -> list[LandingFile]:
    """Every entry under the landing root, with its entity and export day, in a stable order.

    Links are not followed into folders, and a file is read only when its real path is inside
    the landing root: a linked folder and a link leading elsewhere are listed (so the ledger
    records their rejection) but never opened.
    """
    landing = Path(landing)
    root = landing.resolve()
    found = []
    for folder, subfolders, names in os.walk(landing):  # does not descend into linked folders
        folder_path = Path(folder)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in list(subfolders):
            if (folder_path / name).is_symlink():
                subfolders.remove(name)
                found.append(_landing_entry(landing, folder_path / name, root, linked_folder=True))
        for name in names:
            if not name.startswith("."):  # editor and OS droppings, not exports
                found.append(_landing_entry(landing, folder_path / name, root))
    return sorted(found, key=lambda f: f.relative_path)


def _landing_entry(
    landing: Path, path: Path, root: Path, linked_folder: bool = False
) -> LandingFile:
    relative = path.relative_to(landing)
    parts = relative.parts
    entity = parts[0] if len(parts) > 1 else ""
    # A file's day is its folder; a linked day folder is recorded under its own day.
    day_part = parts[1] if len(parts) == (2 if linked_folder else 3) else None
    day = _parse_day(day_part) if day_part else None
    unsafe = _unsafe(path, root, linked_folder)
    if unsafe:
        return LandingFile(path, relative.as_posix(), entity, day, unsafe, readable=False)
    problem = None
    if len(parts) != 3:
        problem = "not in <entity>/<YYYY-MM-DD>/<file>"
    elif entity not in ENTITIES:
        problem = f"unknown entity folder '{entity}'"
    elif day is None:
        problem = f"export day folder '{parts[1]}' is not a YYYY-MM-DD date"
    elif path.suffix.lower() not in LANDING_FORMATS:
        problem = f"unsupported format '{path.suffix}' (expected .jsonl, .csv or .parquet)"
    return LandingFile(path, relative.as_posix(), entity, day, problem)


def _unsafe(path: Path, root: Path, linked_folder: bool) -> str | None:
    """Why the entry must not be opened at all, or None when reading it is safe."""
    if linked_folder:
        return f"is a link to the folder {path.resolve()}; linked folders are not followed"
    real = path.resolve()
    if not real.is_relative_to(root):
        return f"is a link to {real}, outside the landing root; it is not read"
    if not real.is_file():  # a dangling link, a pipe, a device: nothing to load, may block
        return "is not a regular file"
    return None


def _parse_day(text: str) -> date | None:
    if not _DAY_FOLDER.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
