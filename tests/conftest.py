"""Fixtures shared by the test modules.

* ``home``: an empty pipeline home in ``tmp_path`` (landing folder created), every
  ``FISCAL_*`` variable of :data:`warehouse.settings.ENV_VARS` cleared first and restored
  after the test, two extraction workers, no settle time for the landing sensor.
* :func:`clear_fiscal_env` for fixtures of wider scope that manage the environment
  themselves.
* :func:`extract_load_check`: documents extracted, loaded and checked by every rule in a
  fresh home, for fixtures of wider scope.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from warehouse.settings import ENV_VARS as FISCAL_VARS
from warehouse.settings import Settings

__all__ = ["FISCAL_VARS", "clear_fiscal_env", "extract_load_check", "settings_for"]


def clear_fiscal_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every variable the pipeline reads (monkeypatch restores them afterwards)."""
    for var in FISCAL_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty pipeline home under ``tmp_path`` with FISCAL_* pointing at it."""
    clear_fiscal_env(monkeypatch)
    h = tmp_path / "home"
    monkeypatch.setenv("FISCAL_HOME", str(h))
    monkeypatch.setenv("FISCAL_WORKERS", "2")
    monkeypatch.setenv("FISCAL_LANDING_SETTLE_S", "0")
    (h / "landing").mkdir(parents=True)
    return h


PATH_VARS = ("FISCAL_LANDING_DIR", "FISCAL_EXTRACTED_DIR", "FISCAL_DUCKDB_PATH", "FISCAL_PUBLISHED_PATH",
             "FISCAL_REPORTS_DIR")


def settings_for(home: Path) -> Settings:
    """Settings whose every path derives from ``home``, for module-scoped fixtures (which cannot
    use monkeypatch); ``os.environ`` is left exactly as it was."""
    saved = dict(os.environ)
    os.environ["FISCAL_HOME"] = str(home)
    for var in PATH_VARS:
        os.environ.pop(var, None)
    try:
        return Settings.from_env()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def extract_load_check(home: Path, files: list[Path], *, landing_root: Path, workers: int) -> tuple[Settings, list]:
    """``files`` extracted, loaded and checked by every rule in a fresh pipeline home (every
    ``FISCAL_*`` variable cleared meanwhile, ``os.environ`` restored after), for fixtures of
    wider scope; returns the home's settings and the extraction manifests."""
    from expectations.rules import run_all
    from extract.api import extract_many
    from warehouse.load import load_extracted

    mp = pytest.MonkeyPatch()
    try:
        for var in [v for v in os.environ if v.startswith("FISCAL_")]:
            mp.delenv(var, raising=False)
        mp.setenv("FISCAL_HOME", str(home))
        s = Settings.from_env()
        s.ensure_dirs()
        manifests = extract_many(files, s.extracted_dir, workers=workers, timeout_s=300, landing_root=landing_root)
        load_extracted(s)
        run_all(s.duckdb_path)
    finally:
        mp.undo()
    return s, manifests
