"""A read document (:func:`extract.api.read_document`'s result) → its records, one list per
record kind of :mod:`extract.records`, each record built as its ``TypedDict``."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from . import ocr
from .identify import identity_fields
from .records import (
    EXTRACTOR_VERSION,
    SCHEMAS,
    Document,
    ExtractedTable,
    ListedTable,
    NarrativeFigure,
    PageText,
    PerformanceIndicator,
    PerformanceProject,
    PerformanceTarget,
    TableCell,
)
from .values import unit_factor


def document_row(doc_id: str, path: Path, rel: str, cp, ident, status: str, err=None, seconds=0.0) -> Document:
    return Document(
        document_id=doc_id,
        file_name=path.name,
        file_path=rel,
        file_size=path.stat().st_size,
        page_count=cp.page_count if cp else None,
        producer=cp.producer if cp else None,
        **identity_fields(ident),
        status=status,
        error_code=err.code if err else None,
        error_message=err.message if err else None,
        name_conflicts=json.dumps(ident.name_conflicts, ensure_ascii=False) if ident else "[]",
        extractor_version=EXTRACTOR_VERSION,
        extracted_at=datetime.now(timezone.utc),
        extract_seconds=round(seconds, 3),
    )


def _recognition_fields(rec) -> dict:
    return {
        "recognised_by": rec.by if rec else None,
        "recognition_score": rec.score if rec else None,
        "is_ambiguous": bool(rec.ambiguous) if rec else False,
        "normalised_title": rec.normalised_title if rec else None,
        "recognition_candidates": json.dumps(rec.candidates, ensure_ascii=False) if rec else "[]",
    }


def _table_row(doc_id: str, inst) -> ExtractedTable:
    return ExtractedTable(
        document_id=doc_id,
        table_seq=inst.seq,
        table_name=inst.table_name,
        is_mapped=inst.template is not None,
        printed_number=inst.printed_number,
        printed_title=inst.printed_title,
        unit_printed=inst.unit,
        unit_factor=unit_factor(inst.unit),
        first_page=inst.first_page,
        last_page=inst.last_page,
        row_count=len({c["row_index"] for c in inst.cells}),
        is_empty=inst.is_empty,
        empty_sentence=inst.empty_sentence,
        project_name=inst.project_name,
        **_recognition_fields(inst.recognition),
        ruled=inst.ruled,
        extraction_problem=inst.problem,
    )


def records_for(doc_id: str, path: Path, rel: str, result: dict, seconds: float) -> dict[str, list[dict]]:
    ident, cp = result["identity"], result["cheap"]
    out: dict[str, list[dict]] = {k: [] for k in SCHEMAS}
    out["document"].append(document_row(doc_id, path, rel, cp, ident, "extracted", seconds=seconds))
    for inst in result["instances"]:
        out["extracted_table"].append(_table_row(doc_id, inst))
        out["table_cell"].extend(TableCell(document_id=doc_id, **c) for c in inst.cells)
    out["performance_project"] = [PerformanceProject(document_id=doc_id, **p) for p in result["projects"]]
    out["performance_indicator"] = [PerformanceIndicator(document_id=doc_id, **i) for i in result["indicators"]]
    out["performance_target"] = [PerformanceTarget(document_id=doc_id, **r) for r in result.get("targets", [])]
    out["listed_table"] = [ListedTable(document_id=doc_id, **r) for r in result.get("listed", [])]
    out["narrative_figure"] = [NarrativeFigure(document_id=doc_id, figure_seq=seq, **f)
                               for seq, f in enumerate(result["figures"], 1)]
    scanned = result.get("ocr") or {}
    out["page_text"] = [PageText(document_id=doc_id, page=p.number, text=p.text, **ocr.page_fields(p.number, scanned))
                        for p in cp.pages]
    return out
