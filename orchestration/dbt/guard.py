"""dbt as a child that dies with its parent, so a killed refresh leaves no dbt holding the lock.

dagster-dbt runs dbt as a subprocess and offers no hook into how it is started. If the refresh
is killed outright (``kill -9``, the OOM killer), nothing in it runs to stop that child, and an
orphaned dbt would keep the DuckDB file locked until it finished. On Linux, dbt is started
through a small launcher that asks the kernel to send it SIGTERM when its parent dies
(``PR_SET_PDEATHSIG``) and then runs dbt's command line in the same process, re-using a parse
made for a warehouse in another folder (orchestration/dbt/parse.py, ``run_dbt``).
"""

import os
import shutil
import sys
from pathlib import Path

from orchestration.dbt.parse import PARSE_FOLDER_ENV

PARENT_ENV = "COMMS_WAREHOUSE_DBT_PARENT"

LAUNCHER = """\
#!{python}
# Written by orchestration/dbt/guard.py: run dbt, and have Linux end it if its parent dies.
import ctypes, os, signal, sys

ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
# The parent may have died before the line above: then nobody would end this process.
if os.environ.get("{parent_env}", str(os.getppid())) != str(os.getppid()):
    sys.exit("dbt not started: the process that asked for it has ended")
from orchestration.dbt.parse import run_dbt  # dbt, re-using a parse made for another folder

sys.exit(run_dbt(sys.argv[1:]))
"""


def dbt_executable(folder: Path) -> str:
    """The dbt to run: on Linux a launcher in ``folder`` that ties dbt's life to this process's."""
    dbt = shutil.which("dbt", path=str(Path(sys.executable).parent)) or shutil.which("dbt")
    if dbt is None or not sys.platform.startswith("linux"):
        return dbt or "dbt"
    # A name ending in "dbt", as the command it replaces (`ps`, and the kill test, look for it).
    launcher = folder / "guarded-dbt"
    text = LAUNCHER.format(python=sys.executable, parent_env=PARENT_ENV)
    if not launcher.exists() or launcher.read_text() != text:
        folder.mkdir(parents=True, exist_ok=True)
        temp = launcher.with_name(f".{launcher.name}.{os.getpid()}.tmp")
        temp.write_text(text)
        temp.chmod(0o755)
        os.replace(temp, launcher)  # another refresh may be writing the same launcher
    os.environ[PARENT_ENV] = str(os.getpid())  # dbt inherits the environment of this process
    os.environ[PARSE_FOLDER_ENV] = str(folder)  # the parse dbt starts from (parse.run_dbt)
    return str(launcher)
