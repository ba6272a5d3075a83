"""Where everything lives, from environment variables with embedded defaults.

One place reads the environment so that the CLI, the Dagster definitions, dbt's
``profiles.yml`` (which reads ``FISCAL_DUCKDB_PATH``) and the tests agree.

| variable               | default                        | meaning                                        |
|------------------------|--------------------------------|------------------------------------------------|
| FISCAL_HOME            | ./data                         | root of all runtime data                       |
| FISCAL_LANDING_DIR     | $FISCAL_HOME/landing           | folder departments' PDFs are dropped into      |
| FISCAL_EXTRACTED_DIR   | $FISCAL_HOME/extracted         | per-document Parquet written by extraction     |
| FISCAL_DUCKDB_PATH     | $FISCAL_HOME/build/warehouse.duckdb | the pipeline's own (single-writer) DuckDB |
| FISCAL_PUBLISHED_PATH  | $FISCAL_HOME/warehouse.duckdb  | read-only copy analysts open, replaced atomically |
| FISCAL_REPORTS_DIR     | $FISCAL_HOME/reports           | HTML quality report, Excel findings, GX docs   |
| FISCAL_WORKERS         | number of CPUs                 | extraction processes                           |
| FISCAL_DOC_TIMEOUT_S   | 300                            | wall-time cap per document                     |
| FISCAL_DOC_MEMORY_MB   | 2048                           | memory (address space) a document may add to its worker |
| FISCAL_MAX_PAGES       | 600 (extract.pdf.MAX_PAGES_DEFAULT) | larger PDFs are quarantined as too_large  |
| FISCAL_DBT_DIR         | <repo>/dbt                     | the dbt project (seeds read by the loader too) |
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent


def _apply(values: Mapping[str, str | None]) -> None:
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set environment variables for a block (``None`` unsets one) and put back exactly what
    was there before, set or unset."""
    saved = {k: os.environ.get(k) for k in values}
    try:
        _apply(values)
        yield
    finally:
        _apply(saved)


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default.resolve()


# Every environment variable the pipeline reads (tests clear them all before setting their own).
ENV_VARS = ("FISCAL_HOME", "FISCAL_LANDING_DIR", "FISCAL_EXTRACTED_DIR", "FISCAL_DUCKDB_PATH",
            "FISCAL_PUBLISHED_PATH", "FISCAL_REPORTS_DIR", "FISCAL_WORKERS", "FISCAL_DOC_TIMEOUT_S",
            "FISCAL_DOC_MEMORY_MB", "FISCAL_MAX_PAGES", "FISCAL_DBT_DIR", "FISCAL_LANDING_SETTLE_S",
            "FISCAL_PAGE_ENGINE", "DAGSTER_HOME")


@dataclass(frozen=True)
class Settings:
    home: Path
    landing_dir: Path
    extracted_dir: Path
    duckdb_path: Path
    published_path: Path
    reports_dir: Path
    workers: int
    doc_timeout_s: float
    doc_memory_mb: int
    # Added for the warehouse; defaulted so existing keyword constructions keep working.
    dbt_project_dir: Path = _REPO_ROOT / "dbt"
    # Page limit per PDF (extract.pdf.MAX_PAGES_DEFAULT); checked before any page is read.
    max_pages: int = 600

    @property
    def department_aliases_path(self) -> Path:
        """The bureau-edited alias seed, read by the loader (disclosure grouping) and dbt."""
        return self.dbt_project_dir / "seeds" / "department_aliases.csv"

    @classmethod
    def from_env(cls) -> "Settings":
        home = _path("FISCAL_HOME", Path("data"))
        return cls(
            home=home,
            landing_dir=_path("FISCAL_LANDING_DIR", home / "landing"),
            extracted_dir=_path("FISCAL_EXTRACTED_DIR", home / "extracted"),
            duckdb_path=_path("FISCAL_DUCKDB_PATH", home / "build" / "warehouse.duckdb"),
            published_path=_path("FISCAL_PUBLISHED_PATH", home / "warehouse.duckdb"),
            reports_dir=_path("FISCAL_REPORTS_DIR", home / "reports"),
            workers=int(os.environ.get("FISCAL_WORKERS") or os.cpu_count() or 1),
            doc_timeout_s=float(os.environ.get("FISCAL_DOC_TIMEOUT_S") or 300),
            doc_memory_mb=int(os.environ.get("FISCAL_DOC_MEMORY_MB") or 2048),
            dbt_project_dir=_path("FISCAL_DBT_DIR", _REPO_ROOT / "dbt"),
            max_pages=int(os.environ.get("FISCAL_MAX_PAGES") or 600),
        )

    def ensure_dirs(self) -> None:
        for p in (self.landing_dir, self.extracted_dir, self.duckdb_path.parent,
                  self.published_path.parent, self.reports_dir):
            p.mkdir(parents=True, exist_ok=True)
