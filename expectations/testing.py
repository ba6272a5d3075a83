"""A small, internally consistent 决算 disclosure as a truth dict, for tests.

``clean_truth()`` returns a document in the ground-truth format (see
``expectations/truth_records.py``) on which every error rule passes; tests change one
cell (:func:`set_cell`) or drop a table and check that exactly the expected rule reacts.
``build_db(tmp_path, truths)`` writes the truths as records into a DuckDB file.
"""
from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FISCAL_YEAR = 2023


def _c(row_key: str, measure: str, printed: str | None, *, side=None, code=None, line=None, row_number=None,
       phase="final") -> dict[str, Any]:
    value = None if printed in (None, "", "-") else printed.replace(",", "")
    return {"row_key": row_key, "side": side, "subject_code": code, "line_name": line, "row_number": row_number,
            "measure": measure, "phase": phase, "printed": printed or "", "value": value}


def _two_sided(rows: list[tuple], measures: list[str]) -> list[dict[str, Any]]:
    cells = []
    for side, no, line, *values in rows:
        ms = ["amount"] if side == "income" else measures
        for m, v in zip(ms, values):
            cells.append(_c(f"{side}:{no}", m, v, side=side, line=line, row_number=no))
    return cells


def _coded(rows: list[tuple], measures: list[str], phase: str = "final") -> list[dict[str, Any]]:
    """(row key, printed label, value per measure…) rows; a numeric row key is the subject code."""
    cells = []
    for key, line, *values in rows:
        code = key if key.isdigit() else None
        for m, v in zip(measures, values):
            cells.append(_c(key, m, v, code=code, line=line, phase=phase))
    return cells


def _table(name: str, number: str, title: str, cells: list[dict[str, Any]], *, empty_sentence: str | None = None):
    return {"table_name": name, "printed_number": f"公开{number}表", "title": title, "is_empty": empty_sentence is not None,
            "empty_sentence": empty_sentence, "cells": cells}


def _truth(file: str, department: str, year: int, kind: str, tables: list, *, performance: list | None = None,
           figures: list | None = None) -> dict[str, Any]:
    """A consolidated document of ``department`` in the ground-truth format, in 万元, with no defect."""
    return {
        "file": file,
        "document": {"department_name": department, "scope": "consolidated", "fiscal_year": year,
                     "doc_kind": kind, "unit": "万元"},
        "tables": tables,
        "performance": performance or [],
        "narrative_figures": figures or [],
        "defects": [],
    }


def clean_truth(file: str = "fixture-2023-final.pdf", department: str = "测试局") -> dict[str, Any]:
    t01 = _two_sided([
        ("income", 1, "一、一般公共预算财政拨款收入", "100.00"),
        ("income", 8, "八、其他收入", ""),
        ("income", 27, "本年收入合计", "100.00"),
        ("income", 28, "使用非财政拨款结余（含专用结余）", ""),
        ("income", 29, "年初结转和结余", "10.00"),
        ("income", 31, "总计", "110.00"),
        ("expenditure", 32, "一、一般公共服务支出", "60.00"),
        ("expenditure", 39, "八、社会保障和就业支出", "40.00"),
        ("expenditure", 58, "本年支出合计", "100.00"),
        ("expenditure", 59, "结余分配", ""),
        ("expenditure", 60, "年末结转和结余", "10.00"),
        ("expenditure", 62, "总计", "110.00"),
    ], ["amount"])
    t02 = _coded([
        ("合计", "合计", "100.00", "100.00", ""),
        ("201", "一般公共服务支出", "60.00", "60.00", ""),
        ("20101", "人大事务", "60.00", "60.00", ""),
        ("2010101", "行政运行", "60.00", "60.00", ""),
        ("208", "社会保障和就业支出", "40.00", "40.00", ""),
        ("20805", "行政事业单位养老支出", "40.00", "40.00", ""),
        ("2080505", "机关事业单位基本养老保险缴费支出", "40.00", "40.00", ""),
    ], ["income_total", "fiscal_appropriation_income", "other_income"])
    t03 = _coded([
        ("合计", "合计", "100.00", "70.00", "30.00"),
        ("201", "一般公共服务支出", "60.00", "30.00", "30.00"),
        ("20101", "人大事务", "60.00", "30.00", "30.00"),
        ("2010101", "行政运行", "60.00", "30.00", "30.00"),
        ("208", "社会保障和就业支出", "40.00", "40.00", ""),
        ("20805", "行政事业单位养老支出", "40.00", "40.00", ""),
        ("2080505", "机关事业单位基本养老保险缴费支出", "40.00", "40.00", ""),
    ], ["expenditure_total", "basic_expenditure", "project_expenditure"])
    t04 = _two_sided([
        ("income", 1, "一、一般公共预算财政拨款", "100.00"),
        ("income", 2, "二、政府性基金预算财政拨款", ""),
        ("income", 27, "本年收入合计", "100.00"),
        ("income", 28, "年初结转和结余", "10.00"),
        ("income", 29, "一般公共预算财政拨款", "10.00"),
        ("income", 32, "总计", "110.00"),
        ("expenditure", 33, "一、一般公共服务支出", "60.00", "60.00", "0.00", "0.00"),
        ("expenditure", 40, "八、社会保障和就业支出", "40.00", "40.00", "0.00", "0.00"),
        ("expenditure", 59, "本年支出合计", "100.00", "100.00", "0.00", "0.00"),
        ("expenditure", 60, "年末结转和结余", "10.00", "10.00", "0.00", "0.00"),
        ("expenditure", 64, "总计", "110.00", "110.00", "0.00", "0.00"),
    ], ["expenditure_total", "general_budget_appropriation", "government_fund_appropriation", "state_capital_appropriation"])
    t05 = _coded([
        ("合计", "合计", "100.00", "70.00", "55.00", "15.00", "30.00"),
        ("201", "一般公共服务支出", "60.00", "30.00", "15.00", "15.00", "30.00"),
        ("20101", "人大事务", "60.00", "30.00", "15.00", "15.00", "30.00"),
        ("2010101", "行政运行", "60.00", "30.00", "15.00", "15.00", "30.00"),
        ("208", "社会保障和就业支出", "40.00", "40.00", "40.00", "", ""),
        ("20805", "行政事业单位养老支出", "40.00", "40.00", "40.00", "", ""),
        ("2080505", "机关事业单位基本养老保险缴费支出", "40.00", "40.00", "40.00", "", ""),
    ], ["expenditure_total", "basic_expenditure", "personnel_expenditure", "public_expenditure", "project_expenditure"])
    t06 = _coded([
        ("301", "工资福利支出", "50.00"), ("30101", "基本工资", "30.00"), ("30102", "津贴补贴", "20.00"),
        ("302", "商品和服务支出", "14.00"), ("30201", "办公费", "10.00"), ("30217", "公务接待费", "2.00"),
        ("30231", "公务用车运行维护费", "2.00"),
        ("303", "对个人和家庭的补助", "5.00"), ("30302", "退休费", "5.00"),
        ("310", "资本性支出", "1.00"), ("31002", "办公设备购置", "1.00"),
        ("人员经费合计", "人员经费合计", "55.00"), ("公用经费合计", "公用经费合计", "15.00"),
    ], ["amount"])
    t07 = _coded([("合计", "合计", "", "", "", "", "", "", "")],
                 ["carryover_begin", "income_current", "expenditure_total", "basic_expenditure", "project_expenditure",
                  "carryover_end"])
    t08 = _coded([("合计", "合计", "", "", "")], ["expenditure_total", "basic_expenditure", "project_expenditure"])
    t09 = []
    for phase, values in (("budget", ["10.00", "0.00", "6.00", "0.00", "6.00", "4.00"]),
                          ("final", ["4.00", "0.00", "2.00", "0.00", "2.00", "2.00"])):
        for m, v in zip(["three_public_total", "outbound_travel", "vehicle_total", "vehicle_purchase",
                         "vehicle_operation", "official_reception"], values):
            t09.append(_c("三公经费", m, v, line="三公经费", phase=phase))
    tables = [
        _table("income_expenditure_summary", "01", "收入支出决算总表", t01),
        _table("income", "02", "收入决算表", t02),
        _table("expenditure", "03", "支出决算表", t03),
        _table("fiscal_appropriation_summary", "04", "财政拨款收入支出决算总表", t04),
        _table("general_budget_expenditure", "05", "一般公共预算财政拨款支出决算表", t05),
        _table("general_budget_basic_expenditure", "06", "一般公共预算财政拨款基本支出决算明细表", t06),
        _table("government_fund", "07", "政府性基金预算财政拨款收入支出决算表", t07,
               empty_sentence="本单位没有政府性基金预算财政拨款。"),
        _table("state_capital", "08", "国有资本经营预算财政拨款支出决算表", t08,
               empty_sentence="本单位没有国有资本经营预算财政拨款。"),
        _table("three_public", "09", "财政拨款“三公”经费支出决算表", t09),
    ]
    funds = [{"row_key": "年度资金总和", "measure": m, "printed": p, "value": v} for m, p, v in (
        ("initial_budget", "50.00", "50.00"), ("adjusted_budget", "40.00", "40.00"),
        ("executed", "30.00", "30.00"), ("execution_rate", "75.00%", "0.75"))]
    s1 = f"{FISCAL_YEAR} 年度收、支总计均为 110.00 万元。"
    s2 = f"与 {FISCAL_YEAR - 1} 年度相比，收、支总计各减少 10.00 万元，下降 8.3%。"
    s3 = "一般公共服务支出 60.00 万元，占 60%。"
    s4 = "一般公共服务支出（类）人大事务（款）行政运行（项）。年初预算为 50.00 万元，支出决算为 60.00 万元，完成年初预算的 120%。"
    sec1, sec5 = "一、收入支出决算总体情况说明", "五、一般公共预算财政拨款支出决算情况说明"
    figs = [
        {"section": sec1, "topic": "grand_total", "subject_code": None, "figure_kind": "amount", "value": "110.00", "unit": "万元", "sentence": s1},
        {"section": sec1, "topic": "grand_total", "subject_code": None, "figure_kind": "change_amount", "value": "-10.00", "unit": "万元", "sentence": s2},
        {"section": sec1, "topic": "grand_total", "subject_code": None, "figure_kind": "change_pct", "value": "-8.3", "unit": "%", "sentence": s2},
        {"section": sec5, "topic": "class_general_budget", "subject_code": "201", "figure_kind": "amount", "value": "60.00", "unit": "万元", "sentence": s3},
        {"section": sec5, "topic": "class_general_budget", "subject_code": "201", "figure_kind": "share_pct", "value": "60", "unit": "%", "sentence": s3},
        {"section": sec5, "topic": "item_initial_budget", "subject_code": "2010101", "figure_kind": "amount", "value": "50.00", "unit": "万元", "sentence": s4},
        {"section": sec5, "topic": "item_general_budget", "subject_code": "2010101", "figure_kind": "amount", "value": "60.00", "unit": "万元", "sentence": s4},
        {"section": sec5, "topic": "item_completion", "subject_code": "2010101", "figure_kind": "completion_pct", "value": "120", "unit": "%", "sentence": s4},
    ]
    performance = [{"table_seq": 20, "project_name": "测试项目", "implementing_unit": department, "funds": funds,
                    "indicators": []}]
    return _truth(file, department, FISCAL_YEAR, "final", tables, performance=performance, figures=figs)


def find_table(truth: dict[str, Any], table_name: str) -> dict[str, Any]:
    return next(t for t in truth["tables"] if t["table_name"] == table_name)


def set_cell(truth: dict[str, Any], table_name: str, row_key: str, measure: str, printed: str | None,
             phase: str | None = None) -> dict[str, Any]:
    """A copy of the truth with one cell's printed value changed."""
    return _with_cell(truth, table_name, printed, (table_name, row_key, measure, phase), lambda c: (
        c["row_key"] == row_key and c["measure"] == measure and (phase is None or c["phase"] == phase)))


def _with_cell(truth: dict[str, Any], table_name: str, printed: str | None, what: tuple, is_it) -> dict[str, Any]:
    """A copy of the truth whose first cell of ``table_name`` that ``is_it`` prints ``printed``
    (KeyError ``what`` when there is none)."""
    truth = copy.deepcopy(truth)
    for c in find_table(truth, table_name)["cells"]:
        if is_it(c):
            c["printed"] = printed or ""
            c["value"] = None if not printed else printed.replace(",", "")
            return truth
    raise KeyError(what)


def drop_table(truth: dict[str, Any], table_name: str) -> dict[str, Any]:
    truth = copy.deepcopy(truth)
    truth["tables"] = [t for t in truth["tables"] if t["table_name"] != table_name]
    return truth


def build_db(folder: Path, truths: Iterable[dict[str, Any]], name: str = "fixture.duckdb") -> Path:
    """Write truths as *.truth.json under folder and load them as records into folder/name."""
    from expectations.truth_records import load_truth_into_duckdb

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    seen: set[str] = set()
    for i, t in enumerate(truths):
        if t.get("file") in seen:  # the document id derives from the file name: keep them distinct
            t = dict(t, file=f"doc{i:03d}.pdf")
        seen.add(t.get("file"))
        p = folder / f"doc{i:03d}.truth.json"
        p.write_text(json.dumps(t, ensure_ascii=False), encoding="utf-8")
        paths.append(p)
    db = folder / name
    load_truth_into_duckdb(paths, db)
    return db


# ---------------------------------------------------------------------------------------------
# 部门预算 (Jiangsu 2017–2019 templates)
# ---------------------------------------------------------------------------------------------
BUDGET_YEAR = 2019


def _budget_two_sided(rows: list[tuple]) -> list[dict[str, Any]]:
    """(side, printed label, amount[, 类 code]) rows → cells keyed '{side}:{label}' (no 行次)."""
    cells = []
    for side, line, value, *code in rows:
        cells.append(_c(f"{side}:{line}", "amount", value, side=side, line=line, code=(code or [None])[0],
                        phase="budget"))
    return cells


def _budget_coded(rows: list[tuple], measures: list[str]) -> list[dict[str, Any]]:
    return _coded(rows, measures, phase="budget")


def clean_budget_truth(file: str = "fixture-2019-budget.pdf", department: str = "测试局") -> dict[str, Any]:
    """A small consistent 部门预算 disclosure (the twelve Jiangsu 公开表, 一般公共预算 funds only)
    on which every budget rule passes or is not applicable."""
    t01 = _budget_two_sided([
        ("income", "一、财政拨款", "100.00"),
        ("income", "1.一般公共预算", "100.00"),
        ("income", "2.政府性基金预算", ""),
        ("income", "二、财政专户管理资金", ""),
        ("income", "三、其他资金", ""),
        ("income", "当年收入小计", "100.00"),
        ("income", "上年结转资金", ""),
        ("income", "收入合计", "100.00"),
        ("expenditure", "一、一般公共服务支出", "60.00", "201"),
        ("expenditure", "二、外交支出", "", "202"),
        ("expenditure", "八、社会保障和就业支出", "40.00", "208"),
        ("purpose", "一、基本支出", "70.00"),
        ("purpose", "二、项目支出", "25.00"),
        ("purpose", "三、单位预留机动经费", "5.00"),
        ("purpose", "当年支出小计", "100.00"),
        ("purpose", "结转下年资金", ""),
        ("purpose", "支出合计", "100.00"),
    ])
    t02 = [_c(k, "amount", v, line=k.split("/")[-1], phase="budget") for k, v in (
        ("收入总计", "100.00"), ("一般公共预算资金/小计", "100.00"),
        ("一般公共预算资金/公共财政拨款(补助)资金", "90.00"), ("一般公共预算资金/专项收入", "10.00"),
        ("政府性基金/小计", ""), ("财政专户管理资金/小计", ""), ("财政专户管理资金/其他非税收入", ""),
        ("其他资金/小计", ""), ("其他资金/其他收入", ""),
        ("上年结转和结余资金/小计", ""), ("上年结转和结余资金/其中:动用上年结转和结余资金", ""))]
    t03 = _budget_coded([("合计", "合计", "100.00", "70.00", "25.00", "5.00", "")],
                        ["expenditure_total", "basic_expenditure", "project_expenditure", "reserve_fund", "carryover_end"])
    t04 = _budget_two_sided([
        ("income", "一、一般公共预算", "100.00"),
        ("income", "二、政府性基金预算", ""),
        ("income", "收入合计", "100.00"),
        ("purpose", "一、基本支出", "70.00"),
        ("purpose", "二、项目支出", "25.00"),
        ("purpose", "三、单位预留机动经费", "5.00"),
        ("purpose", "支出合计", "100.00"),
    ])
    functional = [
        ("合计", "合计", "100.00"),
        ("201", "一般公共服务支出", "60.00"), ("20101", "人大事务", "60.00"),
        ("2010101", "行政运行", "35.00"), ("2010102", "一般行政管理事务", "25.00"),
        ("208", "社会保障和就业支出", "40.00"), ("20805", "行政事业单位离退休", "40.00"),
        ("2080505", "机关事业单位基本养老保险缴费支出", "40.00"),
    ]
    economic = [
        ("合计", "合计", "70.00"),
        ("301", "工资福利支出", "50.00"), ("30101", "基本工资", "30.00"), ("30102", "津贴补贴", "20.00"),
        ("302", "商品和服务支出", "15.00"), ("30201", "办公费", "9.00"), ("30231", "公务用车运行维护费", "6.00"),
        ("303", "对个人和家庭的补助", "5.00"), ("30302", "退休费", "5.00"),
    ]
    t05 = _budget_coded(functional, ["amount"])
    t06 = _budget_coded(economic, ["amount"])
    t07 = _budget_coded([("合计", "合计", "")], ["amount"])
    t08 = _budget_coded(functional, ["amount"])
    t09 = _budget_coded(economic, ["amount"])
    t10 = _budget_coded([("合计", "合计", "15.00"), ("302", "商品和服务支出", "15.00"), ("30201", "办公费", "9.00"),
                         ("30231", "公务用车运行维护费", "6.00")], ["administrative_operating"])
    t11 = [_c("三公经费", m, v, phase="budget") for m, v in (
        ("three_public_meeting_training_total", "20.00"), ("three_public_total", "12.00"), ("outbound_travel", "2.00"),
        ("vehicle_total", "6.00"), ("vehicle_purchase", ""), ("vehicle_operation", "6.00"),
        ("official_reception", "4.00"), ("meeting_expense", "5.00"), ("training_expense", "3.00"))]
    t12 = [_c("合计", "amount", "10.00", line="合计", phase="budget")]
    tables = [
        _table("budget_summary", "01", "收支预算总表", t01),
        _table("budget_income", "02", "收入预算总表", t02),
        _table("budget_expenditure", "03", "支出预算总表", t03),
        _table("budget_fiscal_summary", "04", "财政拨款收支预算总表", t04),
        _table("budget_fiscal_expenditure", "05", "财政拨款支出预算表", t05),
        _table("budget_fiscal_basic", "06", "财政拨款基本支出预算表", t06),
        _table("budget_government_fund", "07", "政府性基金支出预算表", t07, empty_sentence="无政府性基金支出"),
        _table("budget_general_expenditure", "08", "一般公共预算支出预算表", t08),
        _table("budget_general_basic", "09", "一般公共预算基本支出预算表", t09),
        _table("budget_admin_operating", "10", "一般公共预算机关运行经费支出预算表", t10),
        _table("budget_three_public", "11", "“三公”经费、会议费、培训费支出预算表", t11),
        _table("budget_procurement", "12", "政府采购预算表", t12),
    ]
    return _truth(file, department, BUDGET_YEAR, "budget", tables)


def set_budget_cell(truth: dict[str, Any], table_name: str, row_key: str, printed: str | None,
                    measure: str | None = None) -> dict[str, Any]:
    """A copy of a budget truth with one cell changed (``measure`` defaults to the row's only one)."""
    return _with_cell(truth, table_name, printed, (table_name, row_key, measure), lambda c: (
        c["row_key"] == row_key and (measure is None or c["measure"] == measure)))
