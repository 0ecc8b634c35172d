"""The layers of the README, written as import-linter's contract in pyproject.toml and run
by `make lint`: the project keeps them, and one upward import breaks them. Checked on a
copy of the project's Python files, so that the working tree is never touched."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["importlinter"]


def only_python(folder, names) -> set[str]:
    return {name for name in names if name == "__pycache__"
            or (Path(folder, name).is_file() and not name.endswith(".py"))}


@pytest.fixture
def project_copy(tmp_path) -> Path:
    for package in CONFIG["root_packages"]:
        shutil.copytree(PROJECT / package, tmp_path / package, ignore=only_python)
    shutil.copy(PROJECT / "pyproject.toml", tmp_path)
    return tmp_path


def lint_imports(folder: Path) -> subprocess.CompletedProcess:
    # lint-imports finds the packages from its working folder: the copy's, not ours
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=folder,
                          capture_output=True, text=True, timeout=120)


def test_the_layers_are_the_readmes(project_copy):
    [layers] = [contract["layers"] for contract in CONFIG["contracts"]
                if contract["type"] == "layers"]
    assert layers == ["guide", "workbench", "supervision", "rhythm : meetings : ledgers", "risks",
                      "grids : accounts : audit : inbox : webhooks", "quanfu"]
    result = lint_imports(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("module", "upward_import"), [
    ("grids/upward.py", "from supervision.models import SupervisionGroup"),
    ("risks/upward.py", "from ledgers.models import ExportJob"),
    ("quanfu/upward.py", "from grids.models import Area"),
    # the menu may import every app, so no app may import the menu
    ("risks/glue.py", "from quanfu.navigation import items_for"),
])
def test_an_upward_import_breaks_the_layers(project_copy, module, upward_import):
    (project_copy / module).write_text(f"{upward_import}  # a lower layer imports a higher\n")
    result = lint_imports(project_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    importer = module.removesuffix(".py").replace("/", ".")
    imported = upward_import.split()[1]
    assert f"{importer} -> {imported} (l.1)" in result.stdout
    assert "BROKEN" in result.stdout


def test_an_upward_import_inside_a_function_breaks_them_too(project_copy):
    (project_copy / "rhythm" / "upward.py").write_text(
        "def warm():\n    from supervision.dashboards import warm_city_folds\n"
        "    return warm_city_folds\n")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "rhythm.upward -> supervision.dashboards (l.2)" in result.stdout


# What a higher app adds to a lower one, it registers (AppConfig.ready) ----------------------

def test_supervision_registers_a_supervisors_scope_and_its_dashboard_warm_up():
    from accounts.roles import Role
    from grids import scoping
    from rhythm import jobs
    from supervision.dashboards import warm_city_folds
    from supervision.scoping import supervised_communities

    assert scoping._SCOPE_PROVIDERS[Role.SUPERVISOR] is supervised_communities
    assert jobs._AFTER_DAILY_AND_WEEKLY == [warm_city_folds]


@pytest.mark.django_db
def test_the_daily_and_weekly_jobs_run_what_was_registered_with_their_day(monkeypatch):
    from datetime import date

    from rhythm import jobs

    days = []
    monkeypatch.setattr(jobs, "_AFTER_DAILY_AND_WEEKLY", [])
    jobs.run_after_daily_and_weekly_jobs(days.append)
    jobs.run_after_daily_and_weekly_jobs(days.append)  # once, however often registered
    jobs.daily(date(2026, 3, 2))
    jobs.weekly(date(2026, 3, 9))
    assert days == [date(2026, 3, 2), date(2026, 3, 9)]


def test_a_supervisor_of_no_group_sees_their_own_area(db, street):
    from accounts.roles import Role
    from grids.scoping import scope_roots
    from tests.conftest import make_user

    supervisor = make_user("supervisor_alone", Role.SUPERVISOR, street.street)
    assert scope_roots(supervisor) == [street.street]
