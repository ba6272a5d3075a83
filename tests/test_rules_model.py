"""Checks on documents built from plain rows (``Doc.from_rows``), without DuckDB."""
from __future__ import annotations

from decimal import Decimal

from expectations.rules import Doc, evaluate_document, rule_by_id


def _coded(rows: dict[str, str], table: str = "expenditure", measure: str = "expenditure_total") -> list[dict]:
    return [
        {"table_name": table, "table_seq": 3, "row_key": key, "subject_code": None if key == "合计" else key,
         "line_name": key, "measure": measure, "amount": Decimal(v), "page": 5}
        for key, v in rows.items()
    ]


def run(doc: Doc, rule_id: str):
    (out,) = evaluate_document(doc, [rule_by_id(rule_id)])
    return out


def test_coded_total_from_rows_passes_and_fails():
    meta = {"document_id": "d1", "doc_kind": "final", "fiscal_year": 2024}
    ok = Doc.from_rows(meta, _coded({"合计": "30.00", "201": "10.00", "205": "20.00"}))
    assert run(ok, "T03_TOTAL_EQ_SUM_CLASSES").status == "pass"
    bad = Doc.from_rows(meta, _coded({"合计": "31.00", "201": "10.00", "205": "20.00"}))
    out = run(bad, "T03_TOTAL_EQ_SUM_CLASSES")
    assert out.status == "fail"
    (f,) = out.findings
    assert (f.page, f.row_key, f.difference) == (5, "合计", Decimal("1.00"))


def test_missing_table_is_insufficient_not_fail():
    doc = Doc.from_rows({"document_id": "d2", "doc_kind": "final", "fiscal_year": 2024}, [])
    assert run(doc, "T03_TOTAL_EQ_SUM_CLASSES").status == "insufficient_data"
