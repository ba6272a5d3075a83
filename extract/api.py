"""Extract one PDF (or many, in parallel processes) into per-document Parquet files.

``extract_document`` never raises for bad input: the manifest it writes says
``status='quarantined'`` with a typed ``error_code`` and an actionable
``error_message``.  Output is written to a temporary folder and renamed into
place, so a reader never sees half a document.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
import traceback
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Iterable

import pdfplumber
import pyarrow as pa
import pyarrow.parquet as pq

from . import errors, ocr
from .assemble import document_row, records_for
from .catalog import load_catalog, number_repeated_codes, resolve_subjects
from .grid import find_grids, grids_from_tables, page_lines
from .identify import complete_identity, identify, identity_fields
from .narrative import extract_figures, locate_figures
from .pdf import MAX_PAGES_DEFAULT, cheap_pass, check_bytes, check_text_layer, sha256_file
from .perf_target import read_performance_targets
from .performance import read_performance
from .pool import Ended, run_forked
from .recognize import is_title_like
from .records import EXTRACTOR_VERSION, SCHEMAS, replace_folder
from .tables import PageData, locate_tables, read_table
from .text import compact
from .toc import listed_tables
from .unruled import find_unruled
from .values import inherit_units

PERFORMANCE_TARGET_TABLES = ("budget_performance_target", "budget_performance_department")
MANIFEST = "manifest.json"


def identify_file(path: Path) -> dict:
    """Cheap identity of a file: sha256, size (no parsing)."""
    path = Path(path)
    return {"document_id": sha256_file(path), "file_size": path.stat().st_size, "file_name": path.name}


_AMOUNTS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*\.\d{2}(?![\d])")


def identify_document(path: Path, *, max_pages: int = MAX_PAGES_DEFAULT):
    """The identity :func:`read_document` gives a file, from its text layer only (seconds, not
    minutes: no table is read).  Raises the same :class:`extract.errors.ExtractionError` for an
    unusable file or one that is not a disclosure; used to measure identification
    (``python -m extract.identity_eval``)."""
    path = Path(path)
    catalog = load_catalog()
    cp = cheap_pass(path, max_pages=max_pages, truncated_hint=check_bytes(path))
    check_text_layer(cp, path.name)
    table_pages = [p for p in cp.pages if _is_table_page(p, catalog)]
    ident = identify([p.text for p in cp.pages], [], path.name, has_tables=bool(table_pages))
    # the titles the table reader would map stand in for its table instances
    titled = [SimpleNamespace(template=t, printed_title=ln) for p in table_pages for ln in p.text.splitlines()
              if (t := catalog.match_title(ln)) is not None]
    complete_identity(ident, titled, path.name, cp.text)
    if ident.doc_kind is None:
        raise errors.NotADisclosure(f"{path.name}: no 决算/预算 wording and no known disclosure table")
    return ident


def _is_table_page(info, catalog) -> bool:
    """Ruled (4+ paths) or printing a line that reads as a table title (extract.recognize)."""
    if info.path_count >= 4:
        return True
    if any(is_title_like(ln) for ln in info.text.splitlines() if "表" in ln):
        return True
    # a page of an unruled table that runs on from the page before: mostly amounts, few words
    amounts = len(_AMOUNTS.findall(info.text))
    return amounts >= 12 and len(compact(info.text)) < 40 * amounts


def _dedupe(page):
    try:
        return page.dedupe_chars(tolerance=1, extra_attrs=("size",))
    except Exception:  # pragma: no cover - very old pdfplumber
        return page


def page_engine() -> str:
    """pdfium (default: fast) or pdfplumber (the reference) for table pages."""
    engine = os.environ.get("FISCAL_PAGE_ENGINE", "pdfium").strip().lower()
    return engine if engine in ("pdfium", "pdfplumber") else "pdfium"


def _pdfplumber_pages(path: Path, numbers: list[int]) -> list[PageData]:
    pages: list[PageData] = []
    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # pdfminer is stricter than pdfium
        raise errors.TruncatedPdf(f"{path.name} cannot be parsed: {exc}") from exc
    try:
        for n in numbers:
            page = pdf.pages[n - 1]
            try:
                dp = _dedupe(page)
                chars = list(dp.chars)
                grids = find_grids(dp, n, chars)
                pages.append(PageData(n, float(page.width), float(page.height), page_lines(chars), grids, chars))
            finally:
                page.close()
    finally:
        pdf.close()
    return pages


def read_pages(path: Path, *, max_pages: int = MAX_PAGES_DEFAULT):
    """The expensive part: every page's text (cheap pass) and the table pages' lines and
    grids. Returns ``(cheap_pass, pages)``; raises for unusable input."""
    path = Path(path)
    maybe_truncated = check_bytes(path)
    catalog = load_catalog()
    engine = page_engine()
    cp = cheap_pass(path, max_pages=max_pages, truncated_hint=maybe_truncated,
                    wants_geometry=(lambda info: _is_table_page(info, catalog)) if engine == "pdfium" else None)
    cp.ocr_pages, cp.ocr_skipped = ocr.apply(path, cp)  # scanned pages get OCR characters and rules
    check_text_layer(cp, path.name)

    table_pages = [p for p in cp.pages if _is_table_page(p, catalog)]
    pages: list[PageData] = []
    for info in table_pages:
        if info.edges is not None:
            from .pdfium_page import find_tables

            grids = grids_from_tables(find_tables(info.width, info.height, info.edges), info.number, info.chars)
            pages.append(PageData(info.number, info.width, info.height, page_lines(info.chars), grids, info.chars))
            info.chars = info.edges = None  # free the geometry once read
    rest = [p.number for p in table_pages if p.number not in {pd.number for pd in pages}]
    if rest:
        pages.extend(_pdfplumber_pages(path, rest))
        pages.sort(key=lambda pd: pd.number)
    return cp, pages


def read_document(path: Path, *, max_pages: int = MAX_PAGES_DEFAULT, read=None) -> dict:
    """Extract everything from one PDF; returns record lists keyed like ``records.SCHEMAS``.

    ``read`` is an already made ``read_pages`` result (the evaluator's cache).
    Raises :class:`extract.errors.ExtractionError` subclasses for unusable input.
    """
    path = Path(path)
    catalog = load_catalog()
    cp, pages = read if read is not None else read_pages(path, max_pages=max_pages)

    find_unruled(pages, catalog)

    # the table engine's lines of table pages: a 部门：XX line the text layer may split or join
    # (identify reads the text layer's own lines itself)
    dept_lines = [(p.number, ln.text) for p in pages for ln in p.lines if ":" in compact(ln.text)]
    has_tables = any(p.grids for p in pages)
    ident = identify([p.text for p in cp.pages], dept_lines, path.name, has_tables=has_tables)
    if ident.doc_kind is None and not has_tables:
        raise errors.NotADisclosure(f"{path.name}: no 决算/预算 wording and no tables in {cp.page_count} pages")

    instances = locate_tables(pages, catalog, ident.department_name, ident.doc_kind)
    complete_identity(ident, instances, path.name, cp.text)
    inherit_units(instances)
    projects, indicators, targets = [], [], []
    for inst in instances:
        if inst.template is not None and inst.template.layout == "performance":
            proj, inds = read_performance(inst)
            projects.append(proj)
            indicators.extend(inds)
        else:
            read_table(inst)
            if inst.template is not None and inst.template.id in PERFORMANCE_TARGET_TABLES:
                targets.extend(read_performance_targets(inst))
    number_repeated_codes(instances)
    if ident.doc_kind is None and not any(i.template for i in instances):
        raise errors.NotADisclosure(f"{path.name}: no 决算/预算 wording and no known disclosure table")
    ocr.annotate_cells(instances, cp.ocr_pages)

    listed = listed_tables(cp.pages, instances, doc_kind=ident.doc_kind, department=ident.department_name)
    figures = extract_figures(cp.pages, ident.fiscal_year, {p.number for p in pages if p.grids})
    resolve_subjects(figures, instances)
    locate_figures(path, figures)
    result = {
        "path": path,
        "identity": ident,
        "cheap": cp,
        "instances": instances,
        "projects": projects,
        "indicators": indicators,
        "figures": figures,
        "listed": listed,
        "targets": targets,
        "ocr": {"pages": cp.ocr_pages, "skipped": cp.ocr_skipped},
    }
    if cp.ocr_pages:
        from .ocr_review import review

        review(result)  # the tables' identities confirm or contradict OCR values
    return result


def write_records(records: dict[str, list[dict]], out_dir: Path, manifest: dict) -> None:
    """Write Parquet + manifest into ``out_dir`` atomically (temp dir, then rename)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    for name, schema in SCHEMAS.items():
        rows = records.get(name, [])
        table = pa.Table.from_pylist(rows, schema=schema)
        pq.write_table(table, tmp / f"{name}.parquet")
    with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1, default=str)
    replace_folder(tmp, out_dir)


def _manifest(doc_id: str, rel: str, path: Path, status: str, err=None, counts=None, ident=None, seconds=0.0) -> dict:
    return {
        "document_id": doc_id,
        "file_path": rel,
        "file_name": path.name,
        "status": status,
        "error_code": err.code if err else None,
        "error_message": err.message if err else None,
        **identity_fields(ident),
        "counts": counts or {},
        "extractor_version": EXTRACTOR_VERSION,
        "extract_seconds": round(seconds, 3),
    }


def quarantine(pdf_path: Path, out_root: Path, err: errors.ExtractionError, *, relative_path: str | None = None,
               document_id: str | None = None, seconds: float = 0.0) -> dict:
    pdf_path = Path(pdf_path)
    doc_id = document_id or sha256_file(pdf_path)
    rel = relative_path or pdf_path.name
    row = document_row(doc_id, pdf_path, rel, None, None, "quarantined", err, seconds)
    manifest = _manifest(doc_id, rel, pdf_path, "quarantined", err, seconds=seconds)
    write_records({"document": [row]}, Path(out_root) / doc_id, manifest)
    return manifest


def extract_document(pdf_path: Path, out_root: Path, *, relative_path: str | None = None,
                     max_pages: int = MAX_PAGES_DEFAULT) -> dict:
    pdf_path = Path(pdf_path)
    t0 = time.perf_counter()
    doc_id = sha256_file(pdf_path)
    rel = relative_path or pdf_path.name
    try:
        result = read_document(pdf_path, max_pages=max_pages)
    except errors.ExtractionError as err:
        return quarantine(pdf_path, out_root, err, relative_path=rel, document_id=doc_id,
                          seconds=time.perf_counter() - t0)
    except MemoryError:
        return quarantine(pdf_path, out_root, errors.ResourceLimit(f"{pdf_path.name} exhausted the memory cap"),
                          relative_path=rel, document_id=doc_id, seconds=time.perf_counter() - t0)
    except Exception as exc:  # an extractor bug must not lose the file: quarantine with the trace
        detail = f"{pdf_path.name}: unexpected {type(exc).__name__}: {exc}; {traceback.format_exc(limit=3)}"
        return quarantine(pdf_path, out_root, errors.ExtractionError(detail), relative_path=rel,
                          document_id=doc_id, seconds=time.perf_counter() - t0)
    seconds = time.perf_counter() - t0
    records = records_for(doc_id, pdf_path, rel, result, seconds)
    counts = {k: len(v) for k, v in records.items()}
    ident = result["identity"]
    manifest = _manifest(doc_id, rel, pdf_path, "extracted", counts=counts, ident=ident, seconds=seconds)
    write_records(records, Path(out_root) / doc_id, manifest)
    return manifest


def extract_many(pdf_paths: Iterable[Path], out_root: Path, *, workers: int = 2, timeout_s: float = 300,
                 memory_mb: int = 2048, max_pages: int = MAX_PAGES_DEFAULT, landing_root: Path | None = None,
                 progress: Callable[[dict], None] | None = None) -> list[dict]:
    """Extract documents in parallel processes, one forked process per document (:mod:`extract.pool`).

    A crash, hang or memory blow-up of one file is contained: the process is
    killed at ``timeout_s`` (or dies at the ``memory_mb`` address-space cap) and
    the file is quarantined with the reason; the others go on.
    """
    # import once here what every forked worker needs (pyarrow's from_pylist pulls in pandas):
    # otherwise each child pays ~0.2 s CPU importing it again
    import pandas  # noqa: F401
    import pdfplumber.table  # noqa: F401

    from . import pdfium_page  # noqa: F401

    load_catalog()
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []

    def rel_of(p: Path) -> str:
        if landing_root is not None:
            try:
                return str(p.resolve().relative_to(Path(landing_root).resolve()))
            except ValueError:
                pass
        return p.name

    def prepare(p) -> tuple:
        p = Path(p)
        doc_id = sha256_file(p)
        mpath = out_root / doc_id / MANIFEST
        return p, doc_id, rel_of(p), mpath.stat().st_mtime_ns if mpath.exists() else None

    def work(job: tuple) -> None:
        p, _, rel, _ = job
        extract_document(p, out_root, relative_path=rel, max_pages=max_pages)

    def ended(job: tuple, how: Ended) -> None:
        p, doc_id, rel, before = job
        mpath = out_root / doc_id / MANIFEST
        fresh = mpath.exists() and mpath.stat().st_mtime_ns != before
        if fresh and not how.killed and how.exitcode == 0:
            with open(mpath, encoding="utf-8") as fh:
                manifest = json.load(fh)
        else:
            if how.killed:
                err = errors.ResourceLimit(f"{p.name} took longer than {timeout_s:.0f} s")
            elif how.exitcode and how.exitcode < 0:
                err = errors.WorkerCrashed(
                    f"{p.name}: extraction process killed by signal {-how.exitcode} (memory cap {memory_mb} MB?)")
            else:
                err = errors.WorkerCrashed(f"{p.name}: extraction process exited with code {how.exitcode}")
            manifest = quarantine(p, out_root, err, relative_path=rel, document_id=doc_id,
                                  seconds=time.perf_counter() - how.started)
        results.append(manifest)
        if progress:
            progress(manifest)

    run_forked(pdf_paths, prepare, work, ended, workers=workers, timeout_s=timeout_s, memory_mb=memory_mb)
    return results
