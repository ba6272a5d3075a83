"""Resources: where the data lives (``warehouse.settings``) and the dbt project.

``Settings.from_env()`` is read when a run or sensor tick starts, never at import,
so tests and the CLI can point ``FISCAL_*`` variables at a temporary folder.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from warehouse.settings import Settings


@contextmanager
def _env(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class FiscalResource(dg.ConfigurableResource):
    """Paths and limits of the fiscal warehouse, from ``FISCAL_*`` environment variables."""

    progress_bars: bool = False  # tqdm bars on stderr (the ``fiscal`` CLI turns them on)

    def settings(self) -> Settings:
        settings = Settings.from_env()
        settings.ensure_dirs()
        return settings

    @contextmanager
    def dbt_env(self):
        """FISCAL_DUCKDB_PATH for dbt's profiles.yml, agreeing with Settings even when only
        FISCAL_HOME was given. Set while the dbt subprocess starts (it copies the
        environment), then restored, so this process's environment is left as it was."""
        with _env(FISCAL_DUCKDB_PATH=str(Settings.from_env().duckdb_path)):
            yield

    def announce(self, message: str) -> None:
        """A one-line progress note on the terminal (CLI runs only; the UI has the event log)."""
        if self.progress_bars:
            from tqdm import tqdm

            tqdm.write(f"· {message}")


def dbt_project_dir() -> Path:
    return Settings.from_env().dbt_project_dir


def dbt_project_exists() -> bool:
    return (dbt_project_dir() / "dbt_project.yml").exists()


def _dbt_executable() -> str:
    # The venv's dbt, even when the venv is not activated (``.venv/bin/python -m pytest``).
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


@cache
def dbt_project() -> DbtProject:
    """The dbt project, built once.

    Under ``dagster dev`` the manifest is re-parsed on load (what ``prepare_if_dev`` does); elsewhere
    (CLI, tests, a deployed code location) it is prepared with ``dbt parse`` only when missing
    or older than a file of the dbt project (a fresh or edited checkout). Deployments should run ``dagster-dbt project prepare-and-package``
    at build time instead.
    """
    project_dir = dbt_project_dir()
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    with _env(FISCAL_DUCKDB_PATH=str(Settings.from_env().duckdb_path)):
        # prepare_if_dev(), with the venv's dbt even when the venv is not on PATH
        if project.preparer.using_dagster_dev() or manifest_is_stale(project):
            _prepare(project)
    return project


def manifest_is_stale(project: DbtProject) -> bool:
    """Missing, or older than a file of the dbt project (a checkout edited since the last parse)."""
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    skip = {project.project_dir / "target", project.project_dir / "logs", project.project_dir / "dbt_packages"}
    for path in project.project_dir.rglob("*"):
        if any(parent in skip for parent in path.parents):
            continue
        if path.suffix in (".sql", ".yml", ".yaml", ".csv", ".md") and path.stat().st_mtime > built:
            return True
    return False


def _prepare(project: DbtProject) -> None:
    """``dbt deps`` (if the project has packages) and ``dbt parse`` with the venv's dbt.

    Several processes load the definitions at once (code server, daemon, run workers); as in
    dagster-dbt's own preparer, one parses and the others wait for its manifest.
    """
    from dagster._utils import run_with_concurrent_update_guard

    run_with_concurrent_update_guard(project.manifest_path, _parse, guard_timeout_seconds=300, project=project)


def _parse(project: DbtProject) -> None:
    dbt = DbtCliResource(project_dir=project, dbt_executable=_dbt_executable())
    if (project.project_dir / "packages.yml").exists() or (
        project.project_dir / "dependencies.yml"
    ).exists():
        dbt.cli(["deps", "--quiet"], target_path=project.target_path).wait()
    dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=_dbt_executable())
