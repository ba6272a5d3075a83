"""Small extracted-record fixtures written with the ``extract.records`` schemas.

``write_document`` writes ``<root>/<document_id>/<record>.parquet`` plus ``manifest.json``
exactly as extraction would; ``build_corpus`` writes a standard set of documents used by
the warehouse and dbt tests:

* ``FINAL_2023``   测试局 2023 决算 (consolidated, full) — later corrected by ``FINAL_2023_FIX``
* ``FINAL_2023_FIX`` the corrected PDF (new bytes): same disclosure, different amounts
* ``FINAL_2022``   测试局 2022 决算, for year-on-year change
* ``BUDGET_2023``  测试局 2023 预算, for budget vs final
* ``TEMPLATE``     a blank template (is_template = true) → quarantined
* ``BROKEN``       extraction crashed: manifest only, no Parquet → quarantined
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from decimal import Decimal as D
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from extract import records

DEPT = "测试局"


def doc_id(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


FINAL_2023 = doc_id("final-2023-v1")
FINAL_2023_FIX = doc_id("final-2023-v2")
FINAL_2022 = doc_id("final-2022")
BUDGET_2023 = doc_id("budget-2023")
TEMPLATE = doc_id("template")
BROKEN = doc_id("broken")


def write_document(
    root: Path,
    document: dict[str, Any],
    *,
    cells: Iterable[dict[str, Any]] = (),
    tables: Iterable[dict[str, Any]] = (),
    figures: Iterable[dict[str, Any]] = (),
    projects: Iterable[dict[str, Any]] = (),
    indicators: Iterable[dict[str, Any]] = (),
    pages: Iterable[dict[str, Any]] = (),
    manifest_extra: dict[str, Any] | None = None,
    write_parquet: bool = True,
) -> Path:
    """Write one document directory; missing columns are NULL, ``document_id`` is filled in."""
    did = document["document_id"]
    d = Path(root) / did
    d.mkdir(parents=True, exist_ok=True)
    rows_by_record = {
        "document": [document],
        "extracted_table": list(tables),
        "table_cell": list(cells),
        "narrative_figure": list(figures),
        "performance_project": list(projects),
        "performance_indicator": list(indicators),
        "page_text": list(pages),
    }
    if write_parquet:
        for name, rows in rows_by_record.items():
            rows = [{"document_id": did, **r} for r in rows]
            pq.write_table(pa.Table.from_pylist(rows, schema=records.SCHEMAS[name]), d / f"{name}.parquet")
    manifest = {
        "document_id": did,
        "status": document.get("status", "extracted"),
        "error_code": document.get("error_code"),
        "error_message": document.get("error_message"),
        "file_path": document.get("file_path"),
        "records": {k: len(v) for k, v in rows_by_record.items()} if write_parquet else {},
    }
    manifest.update(manifest_extra or {})
    (d / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return d


def _doc(did: str, path: str, year: int | None, kind: str | None, **kw: Any) -> dict[str, Any]:
    return {
        "document_id": did,
        "file_name": Path(path).name,
        "file_path": path,
        "file_size": 1000,
        "page_count": 10,
        "producer": "fixture",
        "department_name": DEPT,
        "fiscal_year": year,
        "doc_kind": kind,
        "scope": "consolidated",
        "part": "full",
        "is_template": False,
        "status": "extracted",
        "extractor_version": "test",
        "extracted_at": datetime(2025, 1, 1, tzinfo=timezone.utc),
        "extract_seconds": 1.0,
        **kw,
    }


def _cell(table: str, seq: int, row: int, col: int, row_key: str, measure: str, amount: str | None, *,
          phase: str = "final", code: str | None = None, line: str | None = None, side: str | None = None,
          row_number: int | None = None, kind: str = "number", classification: str = "functional",
          page: int = 3) -> dict[str, Any]:
    level = {3: 1, 5: 2, 7: 3}.get(len(code)) if code else None
    parent = code[: {2: 3, 3: 5}[level]] if code and level and level > 1 else None
    return {
        "table_seq": seq,
        "table_name": table,
        "row_index": row,
        "col_index": col,
        "row_key": row_key,
        "side": side,
        "subject_code": code,
        "classification": classification if code else "none",
        "subject_level": level,
        "parent_code": parent,
        "line_name": line,
        "row_number": row_number,
        "measure": measure,
        "phase": phase,
        "header_path": measure,
        "value_text": amount if amount is not None else "",
        "value_kind": kind if amount is not None else "blank",
        "amount": D(amount) if amount is not None else None,
        "amount_printed": D(amount) if amount is not None else None,
        "page": page,
        "x0": 100.0 + col * 50,
        "top": 200.0 + row * 12,
        "x1": 140.0 + col * 50,
        "bottom": 210.0 + row * 12,
    }


def expenditure_cells(total: str, basic: str, project: str, name_210: str, table: str = "expenditure",
                      phase: str = "final") -> list[dict[str, Any]]:
    """Table 03-like: 合计, 类 201, 款 20101, 项 2010101 and 类 210, three measures each."""
    rows = [
        ("合计", None, "合计", (total, basic, project)),
        ("201", "201", "一般公共服务支出", ("60.00", "50.00", "10.00")),
        ("20101", "20101", "人大事务", ("60.00", "50.00", "10.00")),
        ("2010101", "2010101", "行政运行", ("60.00", "50.00", "10.00")),
        ("210", "210", name_210, (str(D(total) - D("60.00")), str(D(basic) - D("50.00")), str(D(project) - D("10.00")))),
    ]
    out = []
    for r, (key, code, line, amounts) in enumerate(rows):
        for c, (measure, amount) in enumerate(zip(("expenditure_total", "basic_expenditure", "project_expenditure"), amounts)):
            out.append(_cell(table, 3, r, c + 2, key, measure, amount, code=code, line=line, phase=phase))
    return out


def final_document(did: str, path: str, year: int, *, total: str, basic: str, project: str, name_210: str,
                   three_public: tuple[str, str], personnel: str, public: str, income: str) -> dict[str, Any]:
    cells = expenditure_cells(total, basic, project, name_210)
    cells.append(_cell("income", 2, 0, 2, "合计", "income_total", income, line="合计"))
    cells.append(_cell("income_expenditure_summary", 1, 0, 1, "income:1", "amount", income, side="income",
                       line="一、一般公共预算财政拨款收入", row_number=1))
    cells.append(_cell("income_expenditure_summary", 1, 1, 1, "income:2", "amount", None, side="income",
                       line="二、政府性基金预算财政拨款收入", row_number=2, kind="dash"))
    # as extract.tables writes them: the row key says which total, the measure stays the column's
    cells.append(_cell("general_budget_basic_expenditure", 6, 0, 2, "人员经费合计", "amount",
                       personnel, line="人员经费合计", classification="economic"))
    cells.append(_cell("general_budget_basic_expenditure", 6, 1, 2, "公用经费合计", "amount",
                       public, line="公用经费合计", classification="economic"))
    cells.append(_cell("general_budget_basic_expenditure", 6, 2, 2, "301", "amount", personnel,
                       code="301", line="工资福利支出", classification="economic"))
    for phase, total3 in zip(("budget", "final"), three_public):
        col0 = 0 if phase == "budget" else 6
        cells.append(_cell("three_public", 9, 0, col0, "三公经费", "three_public_total", total3, phase=phase,
                           line="三公经费"))
        cells.append(_cell("three_public", 9, 0, col0 + 1, "三公经费", "official_reception", total3, phase=phase,
                           line="三公经费"))
    # performance self-assessment: one project, fund row 年度资金总额
    for c, (measure, amount, kind) in enumerate(
        (("initial_budget", "10.00", "number"), ("adjusted_budget", "12.00", "number"),
         ("executed", "11.40", "number"), ("execution_rate", "0.95", "percent"))
    ):
        cells.append(_cell("performance_self_assessment", 10, 0, c + 1, "年度资金总额", measure, amount,
                           line="年度资金总额", kind=kind, page=9))
    return {
        "cells": cells,
        "tables": [
            {"table_seq": 3, "table_name": "expenditure", "is_mapped": True, "printed_title": "支出决算表",
             "unit_printed": "万元", "unit_factor": D("1"), "first_page": 3, "last_page": 3, "row_count": 5,
             "is_empty": False},
            {"table_seq": 10, "table_name": "performance_self_assessment", "is_mapped": True,
             "printed_title": "项目支出绩效自评表", "unit_factor": D("1"), "first_page": 9, "last_page": 9,
             "row_count": 1, "is_empty": False, "project_name": "信息化建设项目"},
        ],
        "figures": [
            {"figure_seq": 1, "section": "机关运行经费", "topic": "机关运行经费", "figure_kind": "amount",
             "value": D(public), "unit": "万元", "value_text": public, "sentence": f"机关运行经费{public}万元。",
             "page": 8},
        ],
        "projects": [
            {"table_seq": 10, "project_name": "信息化建设项目", "implementing_unit": DEPT, "goal_planned": "建设",
             "goal_achieved": "完成", "page": 9},
        ],
        "indicators": [
            {"table_seq": 10, "indicator_seq": 1, "level1": "产出指标", "level2": "数量指标", "level3": "系统数",
             "target_value": "1个", "actual_value": "1个", "page": 9},
        ],
        "pages": [{"page": p, "text": f"{DEPT}{year}年度部门决算 第{p}页"} for p in (1, 2)],
    }


#: amounts of the current (corrected) 2023 final, for exact assertions
FIX_2023 = dict(total="250.50", basic="200.25", project="50.25", name_210="卫生健康支出",
                three_public=("12.00", "10.50"), personnel="150.00", public="50.25", income="250.50")
ORIG_2023 = dict(total="249.50", basic="199.25", project="50.25", name_210="卫生健康支出",
                 three_public=("12.00", "10.40"), personnel="149.00", public="50.25", income="249.50")
FINAL_2022_AMOUNTS = dict(total="200.00", basic="180.00", project="20.00", name_210="医疗卫生与计划生育支出",
                          three_public=("11.00", "9.00"), personnel="130.00", public="50.00", income="200.00")


def build_corpus(root: Path, *, include_fix: bool = True) -> dict[str, str]:
    """Write the standard fixture documents under ``root``; returns label -> document_id."""
    root = Path(root)
    ids = {}
    for label, did, path, year, amounts, seen in (
        ("final_2023", FINAL_2023, "2023/测试局2023年度部门决算.pdf", 2023, ORIG_2023, "2025-06-01T00:00:00Z"),
        ("final_2022", FINAL_2022, "2022/测试局2022年度部门决算.pdf", 2022, FINAL_2022_AMOUNTS, "2024-06-01T00:00:00Z"),
    ):
        body = final_document(did, path, year, **amounts)
        write_document(root, _doc(did, path, year, "final"), manifest_extra={"file_mtime": seen}, **body)
        ids[label] = did
    if include_fix:
        add_fix(root)
        ids["final_2023_fix"] = FINAL_2023_FIX
    budget_cells = expenditure_cells("240.00", "190.00", "50.00", "卫生健康支出", table="budget_expenditure",
                                     phase="budget")
    write_document(root, _doc(BUDGET_2023, "2023/测试局2023年度部门预算.pdf", 2023, "budget"), cells=budget_cells,
                   manifest_extra={"file_mtime": "2023-02-01T00:00:00Z"})
    ids["budget_2023"] = BUDGET_2023
    write_document(root, _doc(TEMPLATE, "templates/XX局部门决算模板.pdf", None, "final", is_template=True,
                              department_name="XX局"),
                   pages=[{"page": 1, "text": "XX局……年度部门决算"}])
    ids["template"] = TEMPLATE
    write_document(root, _doc(BROKEN, "2023/扫描件.pdf", None, None, status="quarantined", error_code="no_text_layer",
                              error_message="scanned PDF without a text layer; OCR it or ask for the original"),
                   write_parquet=False)
    ids["broken"] = BROKEN
    return ids


def add_fix(root: Path) -> str:
    """The corrected 2023 final (new bytes, seen after the original)."""
    path = "2023/测试局2023年度部门决算（更正）.pdf"
    body = final_document(FINAL_2023_FIX, path, 2023, **FIX_2023)
    write_document(root, _doc(FINAL_2023_FIX, path, 2023, "final"),
                   manifest_extra={"file_mtime": "2025-07-01T00:00:00Z"}, **body)
    return FINAL_2023_FIX
