"""A refresh re-uses the last dbt parse only while everything it was made from is unchanged."""

import shutil
import subprocess
from pathlib import Path

import pytest

from orchestration import settings
from orchestration.dbt import parse_state
from orchestration.dbt.guard import PARENT_ENV, dbt_executable
from orchestration.dbt.parse import PARSE_FOLDER_ENV, prepare_dbt, run_dbt
from orchestration.dbt.parse_state import parse_is_current, project_fingerprint, record_parse
from orchestration.targets import target_name

# Scheduled among the long modules (conftest.py): dbt parses the project several times.
pytestmark = pytest.mark.builds(0.4)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the dbt project's files, as the project folder, and a target folder holding a
    parse (its two artifacts) stamped as made from the copy."""
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(settings.PROJECT_DIR / name, tmp_path / name)
    for folder in ("models", "macros", "seeds", "tests"):
        shutil.copytree(settings.PROJECT_DIR / folder, tmp_path / folder)
    monkeypatch.setattr(settings, "PROJECT_DIR", tmp_path)
    target = tmp_path / "target"
    target.mkdir()
    for artifact in parse_state.ARTIFACTS:
        (target / artifact).write_text("{}")
    record_parse(target, project_fingerprint())
    return target


def test_an_unchanged_project_keeps_its_parse(project):
    assert parse_is_current(project, project_fingerprint())


def _edit_model(root):
    model = next((root / "models").rglob("*.sql"))
    model.write_text(model.read_text() + "\n-- edited\n")


def _add_macro(root):
    (root / "macros" / "new_macro.sql").write_text("{% macro m() %}1{% endmacro %}")


def _edit_profile(root):
    (root / "profiles.yml").write_text((root / "profiles.yml").read_text().replace("2", "1"))


@pytest.mark.parametrize("change", [_edit_model, _add_macro, _edit_profile])
def test_a_changed_project_file_parses_again(project, change):
    change(project.parent)
    assert not parse_is_current(project, project_fingerprint())


@pytest.mark.parametrize(
    "variable",
    [
        "COMMS_WAREHOUSE_PATH",  # named in profiles.yml: another warehouse file's name
        "COMMS_WAREHOUSE_MEMORY_LIMIT",  # named in profiles.yml too
        "DBT_STATIC_PARSER",  # one of dbt's own flags
    ],
)
def test_a_variable_dbt_reads_parses_again_when_it_changes(project, monkeypatch, variable):
    monkeypatch.setenv(variable, "/elsewhere/other.duckdb")
    assert not parse_is_current(project, project_fingerprint())


def test_another_target_parses_again(project, monkeypatch):
    """The parse is made for the target orchestration/targets chooses, which prepare_dbt and
    the build name to dbt; DBT_TARGET, which dbt reads only when none is named, changes nothing."""
    monkeypatch.setenv("DBT_TARGET", "postgres")
    assert parse_is_current(project, project_fingerprint())
    monkeypatch.setenv("COMMS_WAREHOUSE_TARGET", "postgres")
    assert not parse_is_current(project, project_fingerprint())


def test_a_warehouse_in_another_folder_keeps_the_parse(project, monkeypatch, tmp_path):
    """Only the folder of the warehouse's path changed: the parse is this warehouse's too (the
    dbt command accepts it as such: test_dbt_reuses_a_parse_made_for_another_folder)."""
    monkeypatch.setenv("COMMS_WAREHOUSE_PATH", str(tmp_path / "a" / "comms.duckdb"))
    record_parse(project, project_fingerprint())
    monkeypatch.setenv("COMMS_WAREHOUSE_PATH", str(tmp_path / "b" / "comms.duckdb"))
    assert parse_is_current(project, project_fingerprint())
    monkeypatch.setenv("COMMS_WAREHOUSE_PATH", str(tmp_path / "b" / "other.duckdb"))
    assert not parse_is_current(project, project_fingerprint())


def test_a_variable_no_project_file_reads_keeps_the_parse(project, monkeypatch):
    monkeypatch.setenv("COMMS_WAREHOUSE_LANDING", "/elsewhere/landing")
    assert parse_is_current(project, project_fingerprint())


def test_a_parse_written_by_another_dbt_command_is_not_trusted(project):
    """A plain `dbt build` or `dbt docs generate` into the same folder rewrites the manifest,
    maybe for another profile: the stamp no longer vouches for it."""
    (project / "manifest.json").write_text('{"other": 1}')
    assert not parse_is_current(project, project_fingerprint())


def test_a_missing_or_broken_stamp_parses_again(project):
    stamp = project / parse_state.STAMP_FILE
    stamp.write_text("not json")
    assert not parse_is_current(project, project_fingerprint())
    stamp.unlink()
    assert not parse_is_current(project, project_fingerprint())


def test_prepare_dbt_skips_dbt_only_while_the_parse_is_current(monkeypatch):
    """On the real project: after a parse, the next prepare never starts dbt; without the
    stamp (or with anything above changed), it does again."""
    import dbt.cli.main

    prepare_dbt()
    started = []

    class Runner(dbt.cli.main.dbtRunner):
        def invoke(self, args, **kwargs):
            started.append(args[0])
            return super().invoke(args, **kwargs)

    monkeypatch.setattr(dbt.cli.main, "dbtRunner", Runner)
    prepare_dbt()
    assert started == []
    (parse_state.target_folder() / parse_state.STAMP_FILE).unlink()
    prepare_dbt()
    assert started == ["parse"]


def test_dbt_reuses_a_parse_made_for_another_folder(tmp_path, monkeypatch):
    """The dbt command a refresh runs (`run_dbt`, in the run's own target folder holding a copy
    of the partial parse, as dagster-dbt starts it) for a warehouse in a new folder: dbt's own
    check refuses the parse (the profile names the path), and it is read partially anyway,
    nothing changed; without the recorded profiles, dbt parses every node again."""
    monkeypatch.setenv("COMMS_WAREHOUSE_PATH", str(tmp_path / "old_folder" / "comms.duckdb"))
    prepare_dbt()
    parse_folder = parse_state.target_folder()
    monkeypatch.setenv("COMMS_WAREHOUSE_PATH", str(tmp_path / "new_folder" / "comms.duckdb"))
    assert parse_is_current(parse_folder, project_fingerprint())  # so no `dbt parse` first

    def dbt_log(profiles_from: Path) -> str:
        run = tmp_path / f"run_{profiles_from.name}"
        run.mkdir()
        shutil.copy(parse_folder / "partial_parse.msgpack", run)
        monkeypatch.setenv("DBT_TARGET_PATH", str(run))
        monkeypatch.setenv("DBT_LOG_PATH", str(run))
        monkeypatch.setenv(PARSE_FOLDER_ENV, str(profiles_from))
        # The target named, as the refresh's `dbt build` names it (orchestration/dbt/assets.py).
        assert run_dbt(["ls", "--target", target_name(), "--resource-type", "seed", "--quiet"]) == 0
        return (run / "dbt.log").read_text()

    reused = dbt_log(parse_folder)
    assert "Unable to do partial parsing because profile has changed" in reused
    assert "Nothing changed, skipping partial parsing" in reused
    (tmp_path / "no_profiles").mkdir()
    parsed_again = dbt_log(tmp_path / "no_profiles")
    assert "Unable to do partial parsing because profile has changed" in parsed_again
    assert "Nothing changed, skipping partial parsing" not in parsed_again


def test_the_dbt_launcher_runs_dbt_and_passes_on_its_exit_code(tmp_path, monkeypatch):
    """The launcher dagster-dbt starts (guard.py) runs dbt's command line through `run_dbt`:
    dbt's output, and its exit code, which is how a failed build reaches Dagster."""
    for name in (PARENT_ENV, PARSE_FOLDER_ENV):
        monkeypatch.delenv(name, raising=False)  # dbt_executable sets them for its children
    launcher = dbt_executable(tmp_path)
    assert Path(launcher).name.endswith("dbt")
    version = subprocess.run([launcher, "--version"], capture_output=True, text=True)
    assert version.returncode == 0, version.stderr
    assert "installed" in version.stdout.lower()
    unknown = subprocess.run([launcher, "no-such-command"], capture_output=True, text=True)
    assert unknown.returncode == 2  # click's usage error
    assert "no-such-command" in unknown.stderr
