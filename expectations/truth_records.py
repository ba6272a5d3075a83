"""Ground truth (``*.truth.json``) as raw records: the rules on a perfect extraction.

``load_truth_into_duckdb(truth_paths, duckdb_path)`` writes, for each truth file, the
rows extraction would have written (``raw.document``, ``raw.extracted_table``,
``raw.table_cell``, ``raw.narrative_figure``, ``raw.performance_project``,
``raw.performance_indicator``, ``raw.page_text``; schemas from ``extract.records``),
replacing any rows of the same document.  So the rule engine can be tested, and the
synthetic corpus scored, independently of the extractor.

The document id is the sha256 of the PDF beside the truth file when there is one (the
id extraction gives the same file), else of the truth's ``file`` name.  Page text comes
from that PDF (pypdfium2) when present, else from the narrative sentences and table
titles the truth holds.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

TRUTH_SUFFIX = ".truth.json"
CLASSIFICATION = {
    "income": "functional", "expenditure": "functional", "general_budget_expenditure": "functional",
    "government_fund": "functional", "state_capital": "functional",
    "income_expenditure_summary": "functional", "fiscal_appropriation_summary": "functional",
    "general_budget_basic_expenditure": "economic",
}


def pdf_for(truth_path: Path, truth: dict[str, Any]) -> Path | None:
    """The PDF a truth file describes, when it sits beside it."""
    candidates = []
    if truth.get("file"):
        candidates.append(truth_path.parent / Path(truth["file"]).name)
        candidates.append(truth_path.parent / truth["file"])
    stem = truth_path.name[: -len(TRUTH_SUFFIX)] if truth_path.name.endswith(TRUTH_SUFFIX) else truth_path.stem
    candidates.append(truth_path.with_name(stem + ".pdf"))
    for c in candidates:
        if c.is_file() and c.suffix.lower() == ".pdf":
            return c
    return None


def document_id_for(truth_path: str | Path, truth: dict[str, Any] | None = None) -> str:
    truth_path = Path(truth_path)
    truth = truth if truth is not None else json.loads(truth_path.read_text(encoding="utf-8"))
    pdf = pdf_for(truth_path, truth)
    if pdf is not None:
        h = hashlib.sha256()
        with open(pdf, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    return hashlib.sha256(str(truth.get("file") or truth_path.name).encode("utf-8")).hexdigest()


def _dec(v: Any) -> Decimal | None:
    if v is None or v == "":
        return None
    try:
        return Decimal(str(v).replace(",", ""))
    except InvalidOperation:
        return None


def _value_kind(printed: Any, value: Decimal | None) -> str:
    text = "" if printed is None else str(printed).strip()
    if text in ("", "None"):
        return "blank" if value is None else "number"
    if text in ("-", "—", "–", "--", "——"):
        return "dash"
    if text.endswith("%"):
        return "percent"
    if value is None:
        return "text"
    return "zero" if value == 0 else "number"


def _level(code: str | None) -> int | None:
    if not code:
        return None
    return {3: 1, 5: 2, 7: 3}.get(len(code))


def _pdf_pages(pdf: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            out.append(unicodedata.normalize("NFKC", tp.get_text_range()))
            tp.close()
            page.close()
        return out
    finally:
        doc.close()


def truth_to_records(truth_path: str | Path, *, use_pdf_text: bool = True) -> dict[str, list[dict[str, Any]]]:
    """One truth file as {record type: rows} (rows as dicts matching extract.records)."""
    truth_path = Path(truth_path)
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    doc_id = document_id_for(truth_path, truth)
    meta = truth.get("document") or {}
    pdf = pdf_for(truth_path, truth)
    name = Path(truth.get("file") or truth_path.name).name
    is_template = bool(meta.get("is_template", False))
    recs: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "document", "extracted_table", "table_cell", "narrative_figure", "performance_project",
        "performance_indicator", "page_text")}
    recs["document"].append({
        "document_id": doc_id, "file_name": name, "file_path": name,
        "file_size": pdf.stat().st_size if pdf else None, "page_count": meta.get("page_count"),
        "producer": meta.get("producer"), "department_name": meta.get("department_name"),
        "fiscal_year": int(meta["fiscal_year"]) if meta.get("fiscal_year") is not None else None,
        "doc_kind": meta.get("doc_kind") or "final", "scope": meta.get("scope"), "part": meta.get("part") or "full",
        "is_template": is_template, "status": "extracted", "error_code": None, "error_message": None,
        "name_conflicts": None, "extractor_version": "truth", "extracted_at": None, "extract_seconds": None,
    })
    # amounts are in 万元 in the truth; a 元 disclosure prints them to the fen (0.0001 万元)
    unit_factor = Decimal("0.0001") if (meta.get("unit") or "万元") == "元" else Decimal(1)
    seq = 0
    for t in truth.get("tables") or []:
        seq += 1
        cells = t.get("cells") or []
        pages = [c.get("page") for c in cells if c.get("page") is not None]
        recs["extracted_table"].append({
            "document_id": doc_id, "table_seq": seq, "table_name": t.get("table_name"), "is_mapped": True,
            "printed_number": t.get("printed_number"), "printed_title": t.get("title"),
            "unit_printed": t.get("unit") or meta.get("unit") or "万元", "unit_factor": unit_factor,
            "first_page": t.get("first_page") or (min(pages) if pages else None),
            "last_page": t.get("last_page") or (max(pages) if pages else None),
            "row_count": len({c.get("row_key") for c in cells}), "is_empty": bool(t.get("is_empty")),
            "empty_sentence": t.get("empty_sentence"), "project_name": None,
            "ruled": t.get("ruled", True), "extraction_problem": t.get("extraction_problem"),
        })
        recs["table_cell"].extend(_cells(doc_id, seq, t.get("table_name"), cells))
    used = {r["table_seq"] for r in recs["extracted_table"]}
    for i, perf in enumerate(truth.get("performance") or []):
        pseq = perf.get("table_seq")
        pseq = int(pseq) if pseq is not None and int(pseq) not in used else 100 + i
        used.add(pseq)
        funds = perf.get("funds") or []
        recs["extracted_table"].append({
            "document_id": doc_id, "table_seq": pseq, "table_name": "performance_self_assessment", "is_mapped": True,
            "printed_number": None, "printed_title": "项目支出绩效自评表", "unit_printed": "万元",
            "unit_factor": unit_factor, "first_page": perf.get("page"), "last_page": perf.get("page"),
            "row_count": len({f.get("row_key") for f in funds}), "is_empty": False, "empty_sentence": None,
            "project_name": perf.get("project_name"),
        })
        recs["table_cell"].extend(_cells(doc_id, pseq, "performance_self_assessment", funds))
        recs["performance_project"].append({
            "document_id": doc_id, "table_seq": pseq, "project_name": perf.get("project_name"),
            "implementing_unit": perf.get("implementing_unit"), "goal_planned": perf.get("goal_planned"),
            "goal_achieved": perf.get("goal_achieved"), "page": perf.get("page"),
        })
        for j, ind in enumerate(perf.get("indicators") or []):
            recs["performance_indicator"].append({
                "document_id": doc_id, "table_seq": pseq, "indicator_seq": j + 1,
                **{k: ind.get(k) for k in ("level1", "level2", "level3", "target_value", "actual_value",
                                           "deviation_reason", "page")},
            })
    for k, f in enumerate(truth.get("narrative_figures") or []):
        value = _dec(f.get("value"))
        recs["narrative_figure"].append({
            "document_id": doc_id, "figure_seq": k + 1, "section": f.get("section"), "topic": f.get("topic"),
            "subject_code": f.get("subject_code"), "figure_kind": f.get("figure_kind"),
            "direction": f.get("direction"), "value": value, "unit": f.get("unit"),
            "value_text": f.get("value_text") or (None if f.get("value") is None else str(f.get("value"))),
            "reason": f.get("reason"), "sentence": f.get("sentence"), "page": f.get("page"),
            "x0": None, "top": None, "x1": None, "bottom": None,
        })
    texts: list[str] | None = None
    if use_pdf_text and pdf is not None:
        try:
            texts = _pdf_pages(pdf)
        except Exception:
            texts = None
    if texts is None:
        lines = [t.get("title") or "" for t in truth.get("tables") or []]
        lines += [t.get("empty_sentence") or "" for t in truth.get("tables") or []]
        seen: set[str] = set()
        for f in truth.get("narrative_figures") or []:
            s = f.get("sentence") or ""
            if s not in seen:
                seen.add(s)
                lines.append(s)
        lines += [p for p in truth.get("paragraphs") or [] if isinstance(p, str)]
        texts = ["\n".join(x for x in lines if x)]
    for i, text in enumerate(texts):
        recs["page_text"].append({"document_id": doc_id, "page": i + 1, "text": text})
    return recs


def _cells(doc_id: str, seq: int, table_name: str | None, cells: Iterable[dict[str, Any]]):
    row_order: dict[str, int] = {}
    col_order: dict[tuple, int] = {}
    for c in cells:
        key = c.get("row_key")
        row_index = row_order.setdefault(key, len(row_order))
        col_index = col_order.setdefault((c.get("side"), c.get("measure"), c.get("phase")), len(col_order))
        value = _dec(c.get("value"))
        code = c.get("subject_code")
        printed = c.get("printed")
        yield {
            "document_id": doc_id, "table_seq": seq, "table_name": table_name, "row_index": row_index,
            "col_index": col_index, "row_key": key, "side": c.get("side"), "subject_code": code,
            "classification": CLASSIFICATION.get(table_name or "", "none") if code else "none",
            "subject_level": _level(code), "parent_code": code[:-2] if code and len(code) > 3 else None,
            "line_name": c.get("line_name"),
            "row_number": int(c["row_number"]) if c.get("row_number") not in (None, "") else None, "measure": c.get("measure"),
            "phase": c.get("phase") or ("final" if table_name != "performance_self_assessment" else None),
            "header_path": c.get("header_path"), "value_text": None if printed is None else str(printed),
            "value_kind": _value_kind(printed, value), "amount": value, "amount_printed": value,
            "page": c.get("page"), "x0": c.get("x0"), "top": c.get("top"), "x1": c.get("x1"), "bottom": c.get("bottom"),
        }


def load_truth_into_duckdb(truth_paths: Iterable[str | Path], duckdb_path: str | Path, *, use_pdf_text: bool = True) -> dict[str, Any]:
    """Write the records of every truth file into ``raw.*`` of a DuckDB file (replacing their documents)."""
    import duckdb
    import pyarrow as pa

    from extract.records import SCHEMAS
    from warehouse.db import insert_arrow, qtable
    from warehouse.schema import ensure_tables

    all_recs: dict[str, list[dict[str, Any]]] = {k: [] for k in SCHEMAS}
    doc_ids: list[str] = []
    for p in truth_paths:
        recs = truth_to_records(p, use_pdf_text=use_pdf_text)
        doc_ids.append(recs["document"][0]["document_id"])
        for k, rows in recs.items():
            all_recs[k].extend(rows)
    con = duckdb.connect(str(duckdb_path))
    try:
        con.execute("BEGIN TRANSACTION")
        ensure_tables(con, SCHEMAS)  # the record tables, as the loader makes them
        for name, schema in SCHEMAS.items():
            con.execute(f"DELETE FROM {qtable(name)} WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [doc_ids])
            rows = all_recs[name]
            if rows:
                insert_arrow(con, name, pa.Table.from_pylist(rows, schema=schema))
        con.execute("COMMIT")
    finally:
        con.close()
    return {"documents": len(doc_ids), "document_ids": doc_ids, **{k: len(v) for k, v in all_recs.items()}}


def truth_files(folder: str | Path) -> list[Path]:
    return sorted(Path(folder).glob("*" + TRUTH_SUFFIX))
