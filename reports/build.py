"""Reports people read: the officer's HTML report and Excel workbooks per department.

``build_reports(settings)`` reads the pipeline's DuckDB file (``raw.document``,
``raw.dq_result``, ``raw.dq_finding``, ``raw.document_registry`` and, for values as
printed and page pictures, ``raw.table_cell`` / ``raw.narrative_figure``), so it works
before dbt has run.  The findings (one per failed identity) become defects (one per wrong
printed cell) through :func:`expectations.root_cause.analyse` (called in
``reports.data.read_data``).  It writes under ``settings.reports_dir``:

* ``quality_report.html`` (:mod:`reports.html`): self-contained, no JavaScript;
* ``excel/<部门>.xlsx`` and ``excel/全州汇总.xlsx`` (:mod:`reports.excel`);
* ``counts.json``: defects and findings by severity, as the report counts them (``fiscal run``
  prints them: :func:`read_counts`).

Page pictures (:mod:`reports.pictures`) are cropped from the landed PDFs.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from reports import PENDING
from reports.data import Data, read_data  # noqa: F401  (re-exported)
from reports.excel import DEFECT_COLUMNS, write_department_workbook, write_summary_workbook
from reports.html import render_html
from reports.pictures import PagePictures
from warehouse.db import connect_for_reading

FINDING_COLUMNS = DEFECT_COLUMNS  # the department sheet's header


def _safe_name(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("_")[:80] or "department"


COUNTS_FILE = "counts.json"


def report_counts(data: Data) -> dict[str, dict[str, int]]:
    """Defects (one per wrong printed cell) and the findings they explain, by severity."""
    return {"defects": dict(sorted(Counter(d.severity for d in data.defects).items())),
            "findings": dict(sorted(Counter(f["severity"] or "?" for f in data.findings).items()))}


def read_counts(reports_dir: Path) -> dict[str, dict[str, int]] | None:
    """The counts of the last report build, None when there is none (or it cannot be read)."""
    try:
        return json.loads((Path(reports_dir) / COUNTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None




def _pending(reports_dir: Path, documents: Iterable[str] | None) -> set[str] | None:
    """Tonight's documents plus those a failed earlier build did not get to (None: every department)."""
    try:
        earlier = json.loads((reports_dir / PENDING).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        earlier = []
    if documents is None or earlier is None:
        out = None
    else:
        out = set(documents) | set(earlier)
    tmp = reports_dir / (PENDING + ".tmp")
    tmp.write_text(json.dumps(None if out is None else sorted(out)), encoding="utf-8")
    tmp.replace(reports_dir / PENDING)
    return out


def identity_cache(con, settings, documents: set[str] | None):
    """The root-cause analysis's per-document cache (next to the pipeline's DuckDB file): read for
    the documents tonight did not touch, written for those it evaluates. On a full night
    (``documents`` None) nothing is read: every document is evaluated and written again."""
    from expectations.root_cause import IdentityCache, cache_keys
    from warehouse.incremental import code_fingerprint

    keys = cache_keys(con, code_fingerprint(getattr(settings, "dbt_project_dir", None)))
    reuse = () if documents is None else set(keys) - set(documents)
    return IdentityCache(Path(settings.duckdb_path).parent / "root_cause", keys, reuse)


def build_reports(settings, documents: Iterable[str] | None = None) -> dict[str, Any]:
    """Write the HTML report and the Excel workbooks under ``settings.reports_dir``.

    ``documents``: tonight's affected documents (warehouse/incremental.py): the HTML report and the
    summary workbook are written whole, the department workbooks (most of the time) only for the
    departments of these documents, and for any department that has none yet. None: every one.
    """
    reports_dir = Path(settings.reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    documents = _pending(reports_dir, documents)
    con = connect_for_reading(Path(settings.duckdb_path))
    try:
        cache = identity_cache(con, settings, documents)
        data = read_data(con, cache)
    finally:
        con.close()
    generated_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    pictures = PagePictures(Path(settings.landing_dir), store=Path(settings.duckdb_path).parent / "pictures")
    try:
        html_text = render_html(data, pictures, generated_at)
        html_path = reports_dir / "quality_report.html"
        tmp = html_path.with_suffix(".html.tmp")
        tmp.write_text(html_text, encoding="utf-8")
        tmp.replace(html_path)
        excel_dir = reports_dir / "excel"
        workbooks, reused = [], 0
        for dept, ids in data.by_department().items():
            path = excel_dir / f"{_safe_name(dept)}.xlsx"
            if documents is not None and path.exists() and not documents.intersection(ids):
                reused += 1  # nothing of this department changed tonight: its workbook is current
                continue
            write_department_workbook(path, dept, ids, data, pictures)
            workbooks.append(str(path))
        summary_path = excel_dir / "全州汇总.xlsx"
        write_summary_workbook(summary_path, data)
        counts_path = reports_dir / COUNTS_FILE
        counts_path.with_suffix(".tmp").write_text(json.dumps(report_counts(data)), encoding="utf-8")
        counts_path.with_suffix(".tmp").replace(counts_path)
        pictures.prune(set(data.documents))
    finally:
        pictures.close()
    (reports_dir / PENDING).unlink(missing_ok=True)
    return {
        "html": str(html_path),
        "excel_dir": str(excel_dir),
        "summary_workbook": str(summary_path),
        "department_workbooks": len(workbooks),
        "department_workbooks_reused": reused,
        "documents": len(data.documents),
        "findings": len(data.findings),
        "defects": len(data.defects),
        "defects_error": sum(1 for d in data.defects if d.severity == "error"),
        "held_back": len(data.held_back),
        "pictures": pictures.count,
        "pictures_reused": pictures.stored,
        "root_cause_documents_evaluated": cache.misses,
        "root_cause_documents_reused": cache.hits,
    }
