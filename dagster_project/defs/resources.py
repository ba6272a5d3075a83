"""Resources: where the data lives (``warehouse.settings``) and the dbt project.

``Settings.from_env()`` is read when a run or sensor tick starts, never at import,
so tests and the CLI can point ``FISCAL_*`` variables at a temporary folder.
"""
from __future__ import annotations

import os
import shutil
import sys
from contextlib import contextmanager
from functools import cache, cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from warehouse.settings import Settings, environment


def _env(**values: str):
    return environment(values)


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


def _dbt_path() -> str:
    """PATH with the venv's bin first, so dagster-dbt's preparer finds the venv's dbt even when the
    venv is not activated (``.venv/bin/python -m pytest``)."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


@cache
def dbt_project() -> DbtProject:
    """The dbt project, prepared as Dagster documents it.

    ``prepare_if_dev()`` re-parses the manifest under ``dagster dev``; deployments run
    ``dagster-dbt project prepare-and-package --file dagster_project/defs/resources.py`` at build
    time. The ``fiscal`` CLI and the tests run from a checkout, where the manifest may be missing
    or older than an edited model: there the same preparer (``project.preparer.prepare``, which
    guards against several processes parsing at once) runs when the manifest is stale.
    """
    project_dir = dbt_project_dir()
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    with _env(FISCAL_DUCKDB_PATH=str(Settings.from_env().duckdb_path), PATH=_dbt_path()):
        project.prepare_if_dev()
        if not project.preparer.using_dagster_dev() and manifest_is_stale(project):
            project.preparer.prepare(project)
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


class FiscalDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two start-up costs it pays on every invocation, before the
    dbt subprocess even starts (≈ 4 s of a small night's dbt step on a quiet 2-core machine):

    * ``dbt --version`` in a subprocess (a whole dbt import) to learn the version: the venv's
      ``dbt`` executable is the ``dbt-core`` installed beside this process, read from its metadata;
    * a dbt adapter built in this process (a second dbt import, profile and project loaded): it
      serves only the optional column metadata and row counts, which this project does not fetch.

    With another ``dbt`` executable (not the venv's) the version is asked as dagster-dbt does.
    """

    @cached_property
    def _cli_version(self):  # noqa: ANN202 (packaging Version, as the parent's)
        from importlib.metadata import version as installed

        from packaging import version

        if Path(self.dbt_executable).parent == Path(sys.executable).parent:
            return version.parse(installed("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args):  # noqa: ANN001, ANN202
        return None


PARTIAL_PARSE = "partial_parse.msgpack"


def keep_partial_parse(invocation_target: Path, project: DbtProject | None = None) -> bool:
    """dagster-dbt runs each invocation in a target folder of its own, seeded with the project's
    ``partial_parse.msgpack`` (written when the project was last prepared). The invocation's own,
    newer file goes back in its place: the next night's dbt then re-parses only what changed since
    tonight — nothing, most nights — instead of every file whenever the file it was seeded with
    was made for another profile (another warehouse path). Atomic; False when there is none."""
    project = project or dbt_project()
    source = Path(invocation_target) / PARTIAL_PARSE
    if not source.exists():
        return False
    target_dir = Path(project.project_dir) / project.target_path
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target_dir / f".{PARTIAL_PARSE}.{os.getpid()}.tmp"
    shutil.copyfile(source, tmp)
    os.replace(tmp, target_dir / PARTIAL_PARSE)
    return True


KEEP_INVOCATIONS = 3  # dbt target folders of the last runs kept for a look after the fact


def prune_invocation_targets(current: Path, keep: int = KEEP_INVOCATIONS) -> int:
    """dagster-dbt leaves each invocation's target folder (manifest, run results, compiled SQL:
    ≈ 12 MB here) beside the project's: a nightly job would pile up gigabytes a year. Keep the
    ``keep`` newest and the current one; how many were removed."""
    current = Path(current)
    prefix = current.name.rsplit("-", 2)[0] + "-"  # <op name>-<run id>-<invocation id>
    siblings = [p for p in current.parent.iterdir() if p.is_dir() and p.name.startswith(prefix)]
    siblings.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    removed = 0
    for old in siblings[keep:]:
        if old.resolve() != current.resolve():
            shutil.rmtree(old, ignore_errors=True)
            removed += 1
    return removed


def dbt_resource() -> DbtCliResource:
    return FiscalDbtCliResource(project_dir=dbt_project(), dbt_executable=_dbt_executable())
