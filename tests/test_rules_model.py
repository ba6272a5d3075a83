"""Checks on documents built from plain rows (``Doc.from_rows``), without DuckDB."""
from __future__ import annotations

from decimal import Decimal

import pytest

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


# --------------------------------------------------------------------------- #15: findings one can trust
def _text_doc(text: str, fy: int = 2026, kind: str = "budget") -> Doc:
    pages = [{"page": 1, "text": f"市统计局{fy}年部门预算" if kind == "budget" else f"市统计局{fy}年度部门决算"},
             {"page": 2, "text": "目录"}, {"page": 3, "text": text}]
    return Doc.from_rows({"document_id": "t", "doc_kind": kind, "fiscal_year": fy}, [], pages=pages)


@pytest.mark.parametrize("text", [
    "财政拨款收入1,000.00万元，比2024年预算增加10.00万元。",          # a comparison
    "功能分类科目 2023年预算数 2026年预算数 科目编码",                    # column headers
    "广州市民政局精神病院2022年电子病历五级信息系统升级改造项目 100.00",   # a year in a project name
    "2021年-2026年，我市汽车出口累计超30万台。",                          # a range
    "根据《2019年度政府信息公开工作要点》的要求。",                       # a quoted document
])
def test_years_read_in_context_are_not_errors(text):
    (out,) = evaluate_document(_text_doc(text), [rule_by_id("R_WRONG_YEAR")])
    assert [f for f in out.findings if (f.severity or out.rule.severity) == "error"] == [], out.findings


def test_a_document_naming_itself_with_another_year_is_an_error():
    (out,) = evaluate_document(_text_doc("纳入2024年度部门决算编制范围的单位。", 2026, "final"),
                               [rule_by_id("R_WRONG_YEAR")])
    assert out.status == "fail" and [f.severity for f in out.findings] == [None]  # the rule's: error


def test_a_stray_year_is_a_warning():
    (out,) = evaluate_document(_text_doc("2019年，本部门完成了机构改革。"), [rule_by_id("R_WRONG_YEAR")])
    assert out.status == "fail" and {f.severity for f in out.findings} == {"warning"}


def test_unit_conversion_note_is_not_a_blank_figure():
    (out,) = evaluate_document(_text_doc("注：本表金额转化为万元时，四舍五入可能存在尾差。"),
                               [rule_by_id("R_UNRESOLVED_ALTERNATIVE")])
    assert out.status == "pass"
    (out,) = evaluate_document(_text_doc("一般公共预算支出为万元。"), [rule_by_id("R_UNRESOLVED_ALTERNATIVE")])
    assert out.status == "fail"


def test_ellipsis_in_a_form_declared_empty_is_not_residue():
    (out,) = evaluate_document(_text_doc("本部门无政府性基金预算拨款，本表为空表。 项目 …… ……"),
                               [rule_by_id("R_TEMPLATE_RESIDUE")])
    assert out.status == "pass"
    (out,) = evaluate_document(_text_doc("主要原因是……。"), [rule_by_id("R_TEMPLATE_RESIDUE")])
    assert out.status == "fail"


def _summary(rows: list[tuple[str, str, str]]) -> list[dict]:
    return [{"table_name": "income_expenditure_summary", "table_seq": 1, "row_key": f"{side}:{name}", "side": side,
             "line_name": name, "measure": "amount", "amount": Decimal(v), "value_text": v, "page": 4}
            for side, name, v in rows]


def test_parent_summed_with_its_children_is_insufficient_not_a_finding():
    # 一、财政拨款收入 100 and its sub-row 一般公共预算财政拨款 100 read as two items: Σ = 2 × total
    doc = Doc.from_rows({"document_id": "h", "doc_kind": "final", "fiscal_year": 2024}, _summary([
        ("income", "一、财政拨款收入", "100.00"), ("income", "一般公共预算财政拨款", "100.00"),
        ("income", "本年收入合计", "100.00")]))
    (out,) = evaluate_document(doc, [rule_by_id("T01_INCOME_TOTAL")])
    assert out.status == "insufficient_data" and "2.0 × the total" in out.detail


def test_one_finding_per_defect_across_the_sides():
    doc = Doc.from_rows({"document_id": "s", "doc_kind": "final", "fiscal_year": 2024}, _summary([
        ("income", "本年收入合计", "100.00"), ("income", "总计", "100.00"),
        ("expenditure", "本年支出合计", "100.00"), ("expenditure", "总计", "100.00")]),
        figures=[{"section": "一、收入支出决算总体情况说明", "topic": "收入支出总计", "figure_kind": "amount",
                  "value": Decimal("90.00"), "value_text": "90.00", "unit": "万元", "page": 2,
                  "sentence": "本年收入支出总计90.00万元。"}])
    (out,) = evaluate_document(doc, [rule_by_id("N_TOTAL_AMOUNT")])
    assert out.status == "fail" and len(out.findings) == 1, (out.detail, out.findings)


def test_last_share_rounded_to_make_100_percent_is_not_a_finding():
    cells = _coded({"合计": "307.82", "201": "264.87", "208": "10.82", "210": "2.71", "221": "29.42"},
                   table="general_budget_expenditure")
    sec = "(二)一般公共预算财政拨款支出决算结构情况"
    figs = [{"section": sec, "topic": "一般公共预算财政拨款支出", "figure_kind": "amount", "value": Decimal("307.82"),
             "value_text": "307.82", "unit": "万元", "page": 18, "sentence": "s0"}]
    for name, amt, pct in (("一般公共服务支出", "264.87", "86.05"), ("社会保障和就业支出", "10.82", "3.52"),
                           ("卫生健康支出", "2.71", "0.88"), ("住房保障支出", "29.42", "9.55")):
        figs += [{"section": sec, "topic": name, "figure_kind": "amount", "value": Decimal(amt), "value_text": amt,
                  "unit": "万元", "page": 18, "sentence": name},
                 {"section": sec, "topic": name, "figure_kind": "share_pct", "value": Decimal(pct), "value_text": pct,
                  "unit": "%", "page": 18, "sentence": name}]
    doc = Doc.from_rows({"document_id": "p", "doc_kind": "final", "fiscal_year": 2024}, cells, figures=figs)
    (out,) = evaluate_document(doc, [rule_by_id("N_SHARE_PCT")])
    assert out.status == "pass", out.detail
    figs[-1] = dict(figs[-1], value=Decimal("9.60"), value_text="9.60")  # shares add to 100.05: a real slip
    doc = Doc.from_rows({"document_id": "p", "doc_kind": "final", "fiscal_year": 2024}, cells, figures=figs)
    (out,) = evaluate_document(doc, [rule_by_id("N_SHARE_PCT")])
    assert out.status == "fail"


def test_missing_table_with_unrecognised_tables_is_insufficient():
    cells = _coded({"合计": "30.00", "201": "30.00"}, table="expenditure")
    tables = [{"document_id": "u", "table_name": "expenditure", "table_seq": 3},
              {"document_id": "u", "table_name": "unmapped", "table_seq": 4, "printed_title": "收支总体情况表"}]
    doc = Doc.from_rows({"document_id": "u", "doc_kind": "final", "fiscal_year": 2024}, cells, tables=tables)
    (out,) = evaluate_document(doc, [rule_by_id("C_TABLES_PRESENT")])
    assert out.status == "insufficient_data" and not out.findings and "unrecognised" in out.detail


def test_row_hierarchy_from_ordinals_sums_top_level_rows_only():
    doc = Doc.from_rows({"document_id": "o", "doc_kind": "final", "fiscal_year": 2024}, _summary([
        ("income", "一、财政拨款收入", "100.00"), ("income", "（一）一般公共预算财政拨款", "80.00"),
        ("income", "（二）政府性基金预算财政拨款", "20.00"), ("income", "二、其他收入", "10.00"),
        ("income", "本年收入合计", "110.00")]))
    (out,) = evaluate_document(doc, [rule_by_id("T01_INCOME_TOTAL")])
    assert out.status == "pass", out.detail


def test_parent_with_its_children_among_the_items_is_insufficient():
    # 财政拨款 64.62 = 一般公共预算 37.02 + 政府性基金 27.60, all three read as items of 本年收入合计
    doc = Doc.from_rows({"document_id": "c", "doc_kind": "final", "fiscal_year": 2024}, _summary([
        ("income", "财政拨款", "64.62"), ("income", "一般公共预算", "37.02"), ("income", "政府性基金预算", "27.60"),
        ("income", "事业收入", "450.69"), ("income", "本年收入合计", "515.31")]))
    (out,) = evaluate_document(doc, [rule_by_id("T01_INCOME_TOTAL")])
    assert out.status == "insufficient_data" and "children" in out.detail


def test_a_block_with_an_unreadable_code_is_not_summed():
    cells = _coded({"合计": "30.00", "205": "30.00", "20501": "10.00"}, table="expenditure")
    cells.insert(3, {"table_name": "expenditure", "table_seq": 3, "row_key": "普通教育", "subject_code": None,
                     "line_name": "普通教育", "measure": "expenditure_total", "amount": Decimal("20.00"), "page": 5})
    doc = Doc.from_rows({"document_id": "k", "doc_kind": "final", "fiscal_year": 2024}, cells)
    (out,) = evaluate_document(doc, [rule_by_id("T03_CLASS_EQ_SUM_CHILDREN")])
    assert out.status == "insufficient_data" and not out.findings, out.detail


def test_a_document_whose_tables_are_all_unrecognised_is_loaded_with_a_warning():
    meta = {"document_id": "u", "doc_kind": "budget", "fiscal_year": 2026}
    generic = [{"table_name": "unmapped", "table_seq": 1, "is_mapped": False, "normalised_title": "专项资金表",
                "first_page": 5},
               {"table_name": "unmapped", "table_seq": 2, "is_mapped": False, "normalised_title": "债务表",
                "first_page": 8}]
    (out,) = evaluate_document(Doc.from_rows(meta, [], tables=generic), [rule_by_id("E_NO_TABLE_RECOGNISED")])
    assert out.status == "fail" and out.rule.severity == "warning"
    (f,) = out.findings
    assert f.page == 5 and "2 张表均未能识别" in f.message and "专项资金表" in f.message
    named = generic + [{"table_name": "budget_summary", "table_seq": 3, "is_mapped": True, "first_page": 3}]
    (ok,) = evaluate_document(Doc.from_rows(meta, [], tables=named), [rule_by_id("E_NO_TABLE_RECOGNISED")])
    assert ok.status == "pass"
    (na,) = evaluate_document(Doc.from_rows(meta, [], tables=[]), [rule_by_id("E_NO_TABLE_RECOGNISED")])
    assert na.status == "not_applicable"


# --------------------------------------------------------------------------- templates of other places
def _wide(rows: dict[str, dict[str, str]], table: str = "budget_expenditure") -> list[dict]:
    return [{"table_name": table, "table_seq": 3, "row_key": key, "subject_code": None if key == "合计" else key,
             "line_name": key, "measure": m, "amount": Decimal(v), "page": 26}
            for key, cells in rows.items() for m, v in cells.items()]


BUDGET = {"document_id": "b", "doc_kind": "budget", "fiscal_year": 2026}


def test_basic_printed_only_as_its_parts_is_summed_from_them():
    """A 支出预算总表 printing 基本支出 as 人员支出 + 日常公用支出 and the 经营/上缴/补助 columns
    (Hangzhou 2026): the identity holds with those columns, and a wrong total still fails."""
    cells = {"expenditure_total": "100.00", "personnel_expenditure": "60.00", "public_expenditure": "15.00",
             "project_expenditure": "20.00", "operating_expenditure": "5.00"}
    assert run(Doc.from_rows(BUDGET, _wide({"合计": cells, "201": cells})), "TB03_TOTAL_EQ_SUM_KINDS").status == "pass"
    wrong = {**cells, "expenditure_total": "101.00"}
    out = run(Doc.from_rows(BUDGET, _wide({"合计": wrong, "201": cells})), "TB03_TOTAL_EQ_SUM_KINDS")
    assert out.status == "fail" and [f.row_key for f in out.findings] == ["合计"]


def test_a_column_the_identity_does_not_know_makes_it_insufficient_not_wrong():
    cells = {"expenditure_total": "100.00", "basic_expenditure": "75.00", "project_expenditure": "20.00",
             "other_expenditure": "5.00"}  # a purpose column of a template the rule does not list
    out = run(Doc.from_rows(BUDGET, _wide({"合计": cells})), "TB03_TOTAL_EQ_SUM_KINDS")
    assert out.status == "insufficient_data" and not out.findings


def test_classes_total_with_uncoded_class_rows_is_insufficient_not_wrong():
    """A 基本支出表 printing a row without a code before any 类, under a name that is no 经济分类
    类 (here 在职人员支出): the 类 are not all known.  Under a 类's own name (工资福利支出) its code
    is read from the name (tests/test_rules_economic.py) and the total is compared."""
    def table(name: str) -> list[dict]:
        rows = {"合计": {"personnel_expenditure": "80.00"}, name: {"personnel_expenditure": "79.00"},
                "310": {"personnel_expenditure": "1.00"}}
        cells = _wide(rows, "budget_general_basic")
        for c in cells:
            if c["row_key"] == name:
                c["subject_code"] = None
        return cells
    out = run(Doc.from_rows(BUDGET, table("在职人员支出")), "TB09_TOTAL_EQ_SUM_CLASSES")
    assert out.status == "insufficient_data" and not out.findings
    assert run(Doc.from_rows(BUDGET, table("工资福利支出")), "TB09_TOTAL_EQ_SUM_CLASSES").status == "pass"
    coded = _wide({"合计": {"personnel_expenditure": "80.00"}, "301": {"personnel_expenditure": "79.00"},
                   "310": {"personnel_expenditure": "1.00"}}, "budget_general_basic")
    assert run(Doc.from_rows(BUDGET, coded), "TB09_TOTAL_EQ_SUM_CLASSES").status == "pass"
