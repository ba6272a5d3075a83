"""The rule engine on hand-built documents: each identity passes at the edge of its
tolerance and fails just beyond it; missing inputs are insufficient_data, inapplicable
rules not_applicable; results and findings land in raw.dq_result / raw.dq_finding."""
from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from expectations.rules import STATUSES, load_rules, run_all
from expectations.testing import build_db, clean_truth, drop_table, find_table, set_cell


def evaluate(tmp_path, *truths):
    """{document index: {rule_id: (status, detail, [findings])}} for the given truths."""
    db = build_db(tmp_path, truths)
    run_all(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        ids = [r[0] for r in con.execute("SELECT document_id FROM raw.document ORDER BY file_name").fetchall()]
        out = {}
        for i, doc_id in enumerate(ids):
            res = {r[0]: (r[1], r[2], []) for r in con.execute(
                "SELECT rule_id, status, detail FROM raw.dq_result WHERE document_id = ?", [doc_id]).fetchall()}
            cur = con.execute("SELECT * FROM raw.dq_finding WHERE document_id = ?", [doc_id])
            names = [d[0] for d in cur.description]
            for row in cur.fetchall():
                f = dict(zip(names, row))
                res[f["rule_id"]][2].append(f)
            out[i] = res
        return out
    finally:
        con.close()


def one(tmp_path, truth):
    return evaluate(tmp_path, truth)[0]


def status(res, rule_id):
    return res[rule_id][0]


def test_catalog_is_consistent():
    rules = load_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    for r in rules:
        assert r.severity in ("error", "warning")
        assert r.category in ("within_table", "cross_table", "narrative", "completeness", "residue", "extraction")
        assert r.title_zh and r.title_en


def test_clean_document_passes_every_rule(tmp_path):
    res = one(tmp_path, clean_truth())
    assert set(res) == {r.id for r in load_rules()}  # every rule has a result row
    assert {s for s, _, _ in res.values()} <= {"pass", "not_applicable"}
    assert status(res, "T01_INCOME_TOTAL") == "pass"
    assert status(res, "X04_05_GENERAL_BUDGET") == "pass"
    assert status(res, "N_CHANGE_CONSISTENT") == "pass"
    assert status(res, "N_SHARE_PCT") == "pass"
    assert status(res, "N_COMPLETION_PCT") == "pass"
    assert status(res, "P_EXECUTION_RATE") == "pass"
    assert status(res, "T07_TOTAL_EQ_SUM_CLASSES") == "not_applicable"  # 07 printed empty


# ---------------------------------------------------------------- tolerance edges
@pytest.mark.parametrize("printed, expected_status", [
    ("70.01", "pass"),       # 2 terms: |70.01 − (55 + 15)| = 0.01 = 2 × 0.005
    ("70.0101", "fail"),     # just beyond
    ("69.99", "pass"),
    ("69.9899", "fail"),
])
def test_basic_eq_personnel_plus_public_edge(tmp_path, printed, expected_status):
    truth = set_cell(clean_truth(), "general_budget_expenditure", "合计", "basic_expenditure", printed)
    res = one(tmp_path, truth)
    assert status(res, "T05_BASIC_EQ_PERSONNEL_PLUS_PUBLIC") == expected_status


def test_basic_eq_personnel_plus_public_finding_fields(tmp_path):
    truth = set_cell(clean_truth(), "general_budget_expenditure", "合计", "basic_expenditure", "70.72")
    res = one(tmp_path, truth)
    st, detail, findings = res["T05_BASIC_EQ_PERSONNEL_PLUS_PUBLIC"]
    assert st == "fail"
    # the same cell, the same expected value: one defect, reported once (under the 合计 = Σ类 rule)
    assert findings == [] and "reported once under T05_TOTAL_EQ_SUM_CLASSES" in detail
    st, _, findings = res["T05_TOTAL_EQ_SUM_CLASSES"]
    assert st == "fail"
    f = findings[0]
    assert (f["table_name"], f["row_key"], f["measure"]) == ("general_budget_expenditure", "合计", "basic_expenditure")
    assert f["printed"] == Decimal("70.72") and f["expected"] == Decimal("70.00")
    assert f["difference"] == Decimal("0.72") and f["tolerance"] == Decimal("0.01")
    assert f["severity"] == "error" and f["category"] == "within_table"
    assert "公开05表" in f["message"] and "70.72" in f["message"] and "printed" in f["message"]


@pytest.mark.parametrize("printed, expected_status", [("4.015", "pass"), ("4.0151", "fail"), ("3.985", "pass"), ("3.9849", "fail")])
def test_three_public_total_edge_three_terms(tmp_path, printed, expected_status):
    truth = set_cell(clean_truth(), "three_public", "三公经费", "three_public_total", printed, phase="final")
    res = one(tmp_path, truth)
    assert status(res, "T09_TOTAL") == expected_status


def test_three_public_vehicle_subtotal_budget_phase(tmp_path):
    truth = set_cell(clean_truth(), "three_public", "三公经费", "vehicle_total", "7.00", phase="budget")
    res = one(tmp_path, truth)
    st, _, findings = res["T09_VEHICLE_SUBTOTAL"]
    assert st == "fail" and len(findings) == 1 and "预算数" in findings[0]["message"]


@pytest.mark.parametrize("printed, expected_status", [("100.005", "pass"), ("100.0051", "fail"), ("99.995", "pass")])
def test_income_total_two_sided_edge(tmp_path, printed, expected_status):
    # one printed item (一、100.00; 八、 blank): tolerance 1 × 0.005
    truth = set_cell(clean_truth(), "income_expenditure_summary", "income:27", "amount", printed)
    assert status(one(tmp_path, truth), "T01_INCOME_TOTAL") == expected_status


def test_yuan_table_is_held_to_the_fen(tmp_path):
    # a 元 disclosure prints to 0.01 元 = 0.000001 万元: 1 元 off is a finding there
    truth = clean_truth()
    truth["document"]["unit"] = "元"
    truth = set_cell(truth, "general_budget_expenditure", "合计", "basic_expenditure", "70.0001")
    res = one(tmp_path, truth)
    assert status(res, "T05_BASIC_EQ_PERSONNEL_PLUS_PUBLIC") == "fail"
    st, _, findings = res["T05_TOTAL_EQ_SUM_CLASSES"]  # the same cell: reported once, under 合计 = Σ类
    assert st == "fail" and findings[0]["tolerance"] == Decimal("0.000001")


def test_empty_table_sentence_variants(tmp_path):
    truth = clean_truth()
    find_table(truth, "government_fund")["empty_sentence"] = "注：XX局无政府性基金预算财政拨款支出，故本表无数据。"
    find_table(truth, "state_capital")["empty_sentence"] = "无国有资本经营预算财政拨款收入支出的，仍保留该表格式，并在本表下方作下述说明："
    res = one(tmp_path, truth)
    st, _, findings = res["C_EMPTY_TABLE_SENTENCE"]
    assert st == "fail" and [f["table_name"] for f in findings] == ["state_capital"]


def test_shanghai_style_labels_and_missing_columns(tmp_path):
    # 年初财政拨款结转和结余 is 年初结转和结余; a 05 without 人员经费/公用经费 columns is not applicable
    truth = clean_truth()
    for c in find_table(truth, "fiscal_appropriation_summary")["cells"]:
        if c["row_key"] == "income:28":
            c["line_name"] = "年初财政拨款结转和结余"
    t05 = find_table(truth, "general_budget_expenditure")
    t05["cells"] = [c for c in t05["cells"] if c["measure"] not in ("personnel_expenditure", "public_expenditure")]
    res = one(tmp_path, truth)
    assert status(res, "T04_INCOME_GRAND_TOTAL") == "pass"
    assert status(res, "T05_BASIC_EQ_PERSONNEL_PLUS_PUBLIC") == "not_applicable"
    assert status(res, "X05_06_PERSONNEL_PUBLIC") == "insufficient_data"


def test_two_sided_grand_totals_and_balance(tmp_path):
    truth = set_cell(clean_truth(), "income_expenditure_summary", "expenditure:62", "amount", "111.00")
    res = one(tmp_path, truth)
    assert status(res, "T01_EXPENDITURE_GRAND_TOTAL") == "fail"
    assert status(res, "T01_BALANCE") == "fail"
    assert status(res, "T01_INCOME_GRAND_TOTAL") == "pass"


def test_t04_fund_columns_and_expenditure_total(tmp_path):
    truth = set_cell(clean_truth(), "fiscal_appropriation_summary", "expenditure:33", "expenditure_total", "61.00")
    res = one(tmp_path, truth)
    assert status(res, "T04_TOTAL_EQ_SUM_FUNDS") == "fail"
    assert status(res, "T04_EXPENDITURE_TOTAL") == "fail"  # 合计 column: 100 ≠ 61 + 40
    assert status(res, "X04_05_GENERAL_BUDGET") == "pass"  # the 一般公共预算 column is untouched


def test_class_and_total_rows(tmp_path):
    truth = set_cell(clean_truth(), "expenditure", "201", "expenditure_total", "65.00")
    res = one(tmp_path, truth)
    assert status(res, "T03_CLASS_EQ_SUM_CHILDREN") == "fail"
    assert status(res, "T03_TOTAL_EQ_SUM_CLASSES") == "fail"
    assert status(res, "X01_03_EXPENDITURE") == "fail"
    f = res["T03_CLASS_EQ_SUM_CHILDREN"][2][0]
    assert f["row_key"] == "201" and f["expected"] == Decimal("60.00")


def test_column_identities_02_03(tmp_path):
    truth = set_cell(clean_truth(), "income", "208", "fiscal_appropriation_income", "39.00")
    res = one(tmp_path, truth)
    assert status(res, "T02_TOTAL_EQ_SUM_SOURCES") == "fail"
    truth = set_cell(clean_truth(), "expenditure", "2080505", "basic_expenditure", "41.00")
    res = one(tmp_path / "b", truth)
    assert status(res, "T03_TOTAL_EQ_SUM_KINDS") == "fail"


def test_income_items_01_vs_02(tmp_path):
    truth = set_cell(clean_truth(), "income", "合计", "other_income", "1.00")
    res = one(tmp_path, truth)
    st, _, findings = res["X01_02_INCOME_TOTAL"]
    assert st == "fail" and findings[0]["expected"] == Decimal("1.00") and findings[0]["printed"] == 0
    assert status(res, "T02_TOTAL_EQ_SUM_SOURCES") == "fail"


def test_economic_table_06(tmp_path):
    truth = set_cell(clean_truth(), "general_budget_basic_expenditure", "30102", "amount", "21.00")
    res = one(tmp_path, truth)
    assert status(res, "T06_CLASS_EQ_SUM_ITEMS") == "fail"
    truth = set_cell(clean_truth(), "general_budget_basic_expenditure", "公用经费合计", "amount", "16.00")
    res = one(tmp_path / "b", truth)
    assert status(res, "T06_PUBLIC_TOTAL") == "fail"
    assert status(res, "X05_06_PERSONNEL_PUBLIC") == "fail"
    assert status(res, "T06_PERSONNEL_TOTAL") == "pass"


def test_cross_table_04_vs_05_and_09_vs_06_warning(tmp_path):
    truth = set_cell(clean_truth(), "fiscal_appropriation_summary", "expenditure:40", "general_budget_appropriation", "45.00")
    res = one(tmp_path, truth)
    st, _, findings = res["X04_05_GENERAL_BUDGET"]
    assert st == "fail" and findings[0]["row_key"] == "expenditure:40" and findings[0]["expected"] == Decimal("40.00")
    truth = set_cell(clean_truth(), "three_public", "三公经费", "official_reception", "2.50", phase="final")
    res = one(tmp_path / "b", truth)
    st, _, findings = res["X09_06_RECEPTION_VEHICLE"]
    assert st == "fail" and findings[0]["severity"] == "warning"


def test_government_fund_column_vs_empty_07(tmp_path):
    truth = set_cell(clean_truth(), "fiscal_appropriation_summary", "expenditure:59", "government_fund_appropriation", "5.00")
    res = one(tmp_path, truth)
    assert status(res, "X04_07_GOVERNMENT_FUND") == "fail"
    assert status(res, "X04_08_STATE_CAPITAL") == "pass"


# ---------------------------------------------------------------- performance
@pytest.mark.parametrize("printed, value, expected_status", [
    ("75.00%", "0.75", "pass"),
    ("75.02%", "0.7502", "pass"),  # 30.00±0.005 / 40.00±0.005 allows 74.978%..75.022%, ± half of 0.01%
    ("75.03%", "0.7503", "fail"),
    ("0.75", "0.75", "pass"),
    ("0.76", "0.76", "fail"),
])
def test_execution_rate(tmp_path, printed, value, expected_status):
    truth = clean_truth()
    for c in truth["performance"][0]["funds"]:
        if c["measure"] == "execution_rate":
            c["printed"], c["value"] = printed, value
    assert status(one(tmp_path, truth), "P_EXECUTION_RATE") == expected_status


# ---------------------------------------------------------------- narrative
def _fig(truth, topic, kind):
    return next(f for f in truth["narrative_figures"] if f["topic"] == topic and f["figure_kind"] == kind)


def test_narrative_total_amount(tmp_path):
    truth = clean_truth()
    _fig(truth, "grand_total", "amount")["value"] = "111.00"
    res = one(tmp_path, truth)
    st, _, findings = res["N_TOTAL_AMOUNT"]
    assert st == "fail" and findings[0]["printed"] == Decimal("111.00") and findings[0]["expected"] == Decimal("110.00")


def test_narrative_amount_finding_points_at_the_sentence_page(tmp_path):
    # the table prints its cells on page 3, the sentence restating 收支总计 is on page 12
    truth = clean_truth()
    for t in truth["tables"]:
        for c in t["cells"]:
            c["page"] = 3
    _fig(truth, "grand_total", "amount").update(value="111.00", page=12)
    st, _, findings = one(tmp_path, truth)["N_TOTAL_AMOUNT"]
    assert st == "fail" and findings and {f["page"] for f in findings} == {12}


def test_narrative_amount_fewer_decimals_is_within_tolerance(tmp_path):
    truth = clean_truth()
    _fig(truth, "class_general_budget", "amount")["value"] = "60.0"  # half a unit of 0.1 = 0.05
    res = one(tmp_path, truth)
    assert status(res, "N_ITEM_AMOUNT") == "pass"
    _fig(truth, "class_general_budget", "amount")["value"] = "60.1"
    res = one(tmp_path / "b", truth)
    assert status(res, "N_ITEM_AMOUNT") == "fail"


@pytest.mark.parametrize("pct, expected_status", [("-8.3", "pass"), ("-8.34", "pass"), ("-8.35", "fail"), ("-8", "pass"), ("-9", "fail")])
def test_narrative_change_percentage(tmp_path, pct, expected_status):
    # 110 now, 10 less than last year: 10 / 120 = 8.33% (8.3285..8.3382 given the rounding of
    # the two amounts), plus half a unit of the printed percentage's last digit.
    truth = clean_truth()
    _fig(truth, "grand_total", "change_pct")["value"] = pct
    assert status(one(tmp_path, truth), "N_CHANGE_CONSISTENT") == expected_status


def test_narrative_share_and_completion(tmp_path):
    truth = clean_truth()
    _fig(truth, "class_general_budget", "share_pct")["value"] = "63.1"
    _fig(truth, "item_completion", "completion_pct")["value"] = "112"
    res = one(tmp_path, truth)
    assert status(res, "N_SHARE_PCT") == "fail"
    assert status(res, "N_COMPLETION_PCT") == "fail"
    f = res["N_COMPLETION_PCT"][2][0]
    assert f["expected"] == Decimal("120") and f["printed"] == Decimal("112")


def test_narrative_rate_over_zero_base_is_a_warning(tmp_path):
    truth = clean_truth()
    _fig(truth, "item_initial_budget", "amount")["value"] = "0"
    _fig(truth, "item_completion", "completion_pct")["value"] = "0"
    res = one(tmp_path, truth)
    assert status(res, "N_RATE_UNDEFINED") == "fail"
    assert res["N_RATE_UNDEFINED"][2][0]["severity"] == "warning"
    assert status(res, "N_COMPLETION_PCT") == "not_applicable"


@pytest.mark.parametrize("current, change, pct, expected_status", [
    ("0.40", "0.39", "3900", "pass"),  # previous year 0.01: small, not zero (0.39 / 0.01 = 3900%)
    ("0.39", "0.39", "100", "fail"),  # previous year 0: no rate can be printed
])
def test_change_rate_over_a_zero_previous_year(tmp_path, current, change, pct, expected_status):
    truth = clean_truth()
    sentence = f"与上年相比，收、支总计各增加 {change} 万元，增长 {pct}%。"
    _fig(truth, "grand_total", "amount")["value"] = current
    for kind, value in (("change_amount", change), ("change_pct", pct)):
        _fig(truth, "grand_total", kind).update(value=value, sentence=sentence)
    assert status(one(tmp_path, truth), "N_RATE_UNDEFINED") == expected_status


# ---------------------------------------------------------------- completeness / residue
def test_missing_table(tmp_path):
    res = one(tmp_path, drop_table(clean_truth(), "general_budget_expenditure"))
    st, _, findings = res["C_TABLES_PRESENT"]
    assert st == "fail" and findings[0]["table_name"] == "general_budget_expenditure"
    assert status(res, "T05_TOTAL_EQ_SUM_CLASSES") == "insufficient_data"
    assert "not extracted" in res["T05_TOTAL_EQ_SUM_CLASSES"][1]
    assert status(res, "X04_05_GENERAL_BUDGET") == "insufficient_data"


def test_empty_table_sentence(tmp_path):
    truth = clean_truth()
    find_table(truth, "government_fund")["empty_sentence"] = None
    res = one(tmp_path, truth)
    assert status(res, "C_EMPTY_TABLE_SENTENCE") == "fail"


def test_template_residue_and_wrong_year(tmp_path):
    truth = clean_truth()
    fig = _fig(truth, "class_general_budget", "amount")
    sentence = "XX局一般公共服务支出 60.00 万元，占 60%，主要是……。纳入 2021 年度部门决算编制范围。"
    for f in truth["narrative_figures"]:
        if f["sentence"] == fig["sentence"]:
            f["sentence"] = sentence
    res = one(tmp_path, truth)
    st, _, findings = res["R_TEMPLATE_RESIDUE"]
    assert st == "fail" and {f["row_key"] for f in findings} == {"XX", "......"}  # page text is NFKC
    st, _, findings = res["R_WRONG_YEAR"]
    assert st == "fail" and findings[0]["printed"] == Decimal(2021)


def test_table_of_contents_leader_is_not_residue(tmp_path):
    truth = clean_truth()
    truth["narrative_figures"][0]["sentence"] = "一、收入支出决算总表………………………… 5 " + truth["narrative_figures"][0]["sentence"]
    assert status(one(tmp_path, truth), "R_TEMPLATE_RESIDUE") == "pass"


def test_narrative_and_residue_without_inputs(tmp_path):
    truth = clean_truth()
    truth["narrative_figures"] = []
    res = one(tmp_path, truth)
    for rule_id in ("N_TOTAL_AMOUNT", "N_CHANGE_CONSISTENT", "N_SHARE_PCT", "N_COMPLETION_PCT"):
        assert status(res, rule_id) == "insufficient_data", rule_id


def test_budget_document_gets_not_applicable(tmp_path):
    truth = clean_truth()
    truth["document"]["doc_kind"] = "budget"
    res = one(tmp_path, truth)
    assert status(res, "T01_INCOME_TOTAL") == "not_applicable"
    assert "final" in res["T01_INCOME_TOTAL"][1]
    assert status(res, "R_TEMPLATE_RESIDUE") == "pass"  # residue rules apply to every document


# ---------------------------------------------------------------- run_all bookkeeping
def test_run_all_replaces_results_and_skips_superseded_and_templates(tmp_path):
    bad = set_cell(clean_truth("b.pdf"), "expenditure", "201", "expenditure_total", "65.00")
    template = clean_truth("t.pdf")
    template["document"]["is_template"] = True
    db = build_db(tmp_path, [clean_truth("a.pdf"), bad, template])
    first = run_all(db)
    second = run_all(db)
    assert first == second  # rerun replaces, never appends
    assert first["documents"] == 2
    assert set(first["results"]) == set(STATUSES)
    con = duckdb.connect(str(db))
    try:
        n_rules = len(load_rules())
        assert con.execute("SELECT count(*) FROM raw.dq_result").fetchone()[0] == 2 * n_rules
        bad_id = con.execute("SELECT document_id FROM raw.document WHERE file_name = 'b.pdf'").fetchone()[0]
        con.execute("CREATE TABLE raw.document_registry (document_id VARCHAR, status VARCHAR)")
        con.execute("INSERT INTO raw.document_registry VALUES (?, 'superseded')", [bad_id])
    finally:
        con.close()
    third = run_all(db)
    assert third["documents"] == 1 and third["findings"]["error"] == 0


def test_split_disclosure_narrative_reads_the_tables_file(tmp_path):
    tables = clean_truth("tables.pdf")
    tables["document"]["part"] = "tables"
    tables["narrative_figures"] = []
    narrative = clean_truth("narrative.pdf")
    narrative["document"]["part"] = "narrative"
    narrative["tables"], narrative["performance"] = [], []
    next(f for f in narrative["narrative_figures"] if f["figure_kind"] == "amount")["value"] = "111.00"
    db = build_db(tmp_path, [tables, narrative])
    con = duckdb.connect(str(db))
    try:
        ids = dict(con.execute("SELECT file_name, document_id FROM raw.document").fetchall())
        con.execute("CREATE TABLE raw.document_registry (document_id VARCHAR, disclosure_id VARCHAR, status VARCHAR, "
                    "is_current_tables BOOLEAN, is_current_narrative BOOLEAN)")
        con.execute("INSERT INTO raw.document_registry VALUES (?, 'd1', 'loaded', true, false), (?, 'd1', 'loaded', false, true)",
                    [ids["tables.pdf"], ids["narrative.pdf"]])
    finally:
        con.close()
    run_all(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        res = dict(((d, r), s) for d, r, s in con.execute("SELECT document_id, rule_id, status FROM raw.dq_result").fetchall())
    finally:
        con.close()
    assert res[(ids["narrative.pdf"], "N_TOTAL_AMOUNT")] == "fail"  # 111.00 vs the tables file's 110.00
    assert res[(ids["narrative.pdf"], "N_SHARE_PCT")] == "pass"
    assert res[(ids["narrative.pdf"], "T01_INCOME_TOTAL")] == "not_applicable"
    assert res[(ids["tables.pdf"], "T01_INCOME_TOTAL")] == "pass"
    assert res[(ids["tables.pdf"], "N_TOTAL_AMOUNT")] == "not_applicable"
