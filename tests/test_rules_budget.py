"""The 部门预算 rules (TB*, XB*, C_BUDGET_TABLES_PRESENT in expectations/rules.yaml).

1. On a small hand-built budget disclosure (``expectations.testing.clean_budget_truth``) every
   identity passes, and each one passes exactly at its rounding allowance and fails just past it.
2. Budget rules are not_applicable to a 决算 document and the 决算 rules to a 预算 one.
3. On the 16 real Jiangsu 2017–2019 budget files (skipped without ../shared) no error finding
   remains except the printed inconsistencies verified by eye (none so far) — files with known
   extraction problems are strict xfails naming the problem, so a fix in extract/ shows up as XPASS.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from expectations.rules import load_rules, run_all
from expectations.testing import build_db, clean_budget_truth, clean_truth, drop_table, set_budget_cell
from tests.conftest import extract_load_check

BUDGET_RULES = sorted(r.id for r in load_rules() if tuple(r.applies_to) == ("budget",))
FINAL_ONLY_RULES = sorted(r.id for r in load_rules() if tuple(r.applies_to) == ("final",))


def _run(tmp_path: Path, truths: list[dict]) -> tuple[dict, list[dict]]:
    """{(file, rule_id): (status, detail)} and the findings, for the truths loaded as records."""
    db = build_db(tmp_path, truths)
    run_all(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        res = {(f, r): (s, d) for f, r, s, d in con.execute(
            "SELECT d.file_name, r.rule_id, r.status, r.detail FROM raw.dq_result r JOIN raw.document d USING (document_id)"
        ).fetchall()}
        cur = con.execute("SELECT d.file_name, f.* FROM raw.dq_finding f JOIN raw.document d USING (document_id)")
        names = [c[0] for c in cur.description]
        findings = [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()
    return res, findings


def _status(res: dict, rule_id: str, file: str = "fixture-2019-budget.pdf") -> str:
    return res[(file, rule_id)][0]


# ------------------------------------------------------------------------------ clean documents
def test_budget_rules_exist():
    assert len(BUDGET_RULES) >= 30
    assert "C_BUDGET_TABLES_PRESENT" in BUDGET_RULES


def test_clean_budget_document_passes_every_budget_rule(tmp_path):
    res, findings = _run(tmp_path, [clean_budget_truth()])
    assert not [f for f in findings if f["rule_id"] in BUDGET_RULES], findings
    statuses = {r: _status(res, r) for r in BUDGET_RULES}
    assert not {r: s for r, s in statuses.items() if s in ("fail", "insufficient_data")}, statuses
    # the template prints no 当年收入/支出小计 and no 功能分类 in the 财政拨款收支预算总表, and the
    # 政府性基金 table is empty: those rules have nothing to compare; every other one compared something
    nothing = {"TB04_CLASSES", "TB04_EXPENDITURE_TOTAL", "TB04_INCOME_TOTAL", "TB07_CLASS_EQ_SUM_CHILDREN",
               "TB07_TOTAL_EQ_SUM_CLASSES"}
    assert {r for r, s in statuses.items() if s == "not_applicable"} == nothing
    # 决算 rules say nothing about a 预算 document
    assert {_status(res, r) for r in FINAL_ONLY_RULES} == {"not_applicable"}


def test_budget_rules_are_not_applicable_to_final_documents(tmp_path):
    res, _ = _run(tmp_path, [clean_truth()])
    assert {_status(res, r, "fixture-2023-final.pdf") for r in BUDGET_RULES} == {"not_applicable"}


def test_narrative_part_of_a_budget_gets_no_table_rule(tmp_path):
    t = clean_budget_truth()
    t["document"]["part"] = "narrative"
    res, _ = _run(tmp_path, [t])
    table_rules = [r.id for r in load_rules() if r.id in BUDGET_RULES]
    assert {_status(res, r) for r in table_rules} == {"not_applicable"}


# ------------------------------------------------------------------------------ tolerance edges
# (rule, table, row_key, measure, expected value, printed terms n): the rule passes with the
# total printed at expected + n × 0.005 and fails at expected + n × 0.005 + 0.001.
EDGES = [
    ("TB01_INCOME_ITEMS", "budget_summary", "income:当年收入小计", None, "100.00", 1),
    ("TB01_INCOME_NESTED", "budget_summary", "income:一、财政拨款", None, "100.00", 1),
    ("TB01_INCOME_TOTAL", "budget_summary", "income:收入合计", None, "100.00", 1),
    ("TB01_EXPENDITURE_TOTAL", "budget_summary", "purpose:支出合计", None, "100.00", 1),
    ("TB01_CLASSES", "budget_summary", "expenditure:一、一般公共服务支出", None, "60.00", 2),
    ("TB01_PURPOSE", "budget_summary", "purpose:一、基本支出", None, "70.00", 3),
    ("TB04_INCOME_ITEMS", "budget_fiscal_summary", "income:收入合计", None, "100.00", 1),
    ("TB04_PURPOSE", "budget_fiscal_summary", "purpose:二、项目支出", None, "25.00", 3),
    ("TB02_TOTAL_EQ_SUM_GROUPS", "budget_income", "一般公共预算资金/公共财政拨款(补助)资金", None, "90.00", 2),
    ("TB02_TOTAL_EQ_SUM_GROUPS", "budget_income", "收入总计", None, "100.00", 1),
    ("TB03_TOTAL_EQ_SUM_KINDS", "budget_expenditure", "合计", "expenditure_total", "100.00", 3),
    ("TB05_TOTAL_EQ_SUM_CLASSES", "budget_fiscal_expenditure", "合计", None, "100.00", 2),
    ("TB05_CLASS_EQ_SUM_CHILDREN", "budget_fiscal_expenditure", "2010101", None, "35.00", 2),
    ("TB06_TOTAL_EQ_SUM_CLASSES", "budget_fiscal_basic", "合计", None, "70.00", 3),
    ("TB06_CLASS_EQ_SUM_ITEMS", "budget_fiscal_basic", "302", None, "15.00", 2),
    ("TB08_TOTAL_EQ_SUM_CLASSES", "budget_general_expenditure", "合计", None, "100.00", 2),
    ("TB08_CLASS_EQ_SUM_CHILDREN", "budget_general_expenditure", "2080505", None, "40.00", 1),
    ("TB09_TOTAL_EQ_SUM_CLASSES", "budget_general_basic", "合计", None, "70.00", 3),
    ("TB09_CLASS_EQ_SUM_ITEMS", "budget_general_basic", "301", None, "50.00", 2),
    ("TB10_TOTAL_EQ_SUM_CLASSES", "budget_admin_operating", "合计", None, "15.00", 1),
    ("TB10_CLASS_EQ_SUM_ITEMS", "budget_admin_operating", "302", None, "15.00", 2),
    ("TB11_TOTAL", "budget_three_public", "三公经费", "three_public_meeting_training_total", "20.00", 3),
    ("TB11_THREE_PUBLIC", "budget_three_public", "三公经费", "three_public_total", "12.00", 3),
    ("TB11_VEHICLE_SUBTOTAL", "budget_three_public", "三公经费", "vehicle_total", "6.00", 1),
]


@pytest.mark.parametrize("rule_id, table, row_key, measure, expected, n", EDGES, ids=[f"{e[0]}-{e[2]}" for e in EDGES])
def test_identity_at_the_tolerance_edge(tmp_path, rule_id, table, row_key, measure, expected, n):
    edge = Decimal(expected) + Decimal("0.005") * n
    ok = set_budget_cell(clean_budget_truth("ok.pdf"), table, row_key, str(edge), measure)
    bad = set_budget_cell(clean_budget_truth("bad.pdf"), table, row_key, str(edge + Decimal("0.001")), measure)
    res, findings = _run(tmp_path, [ok, bad])
    assert res[("ok.pdf", rule_id)][0] == "pass", res[("ok.pdf", rule_id)]
    assert res[("bad.pdf", rule_id)][0] == "fail", res[("bad.pdf", rule_id)]
    hits = [f for f in findings if f["file_name"] == "bad.pdf" and f["rule_id"] == rule_id]
    assert len(hits) == 1
    assert abs(hits[0]["difference"]) == Decimal("0.005") * n + Decimal("0.001")
    assert hits[0]["tolerance"] == Decimal("0.005") * n
    assert hits[0]["table_name"] == table


def test_balance_and_cross_rules_fail_past_half_a_unit(tmp_path):
    # 支出合计 off by 0.006: TB01_BALANCE (half a unit) and TB01_EXPENDITURE_TOTAL react
    bad = set_budget_cell(clean_budget_truth("bad.pdf"), "budget_summary", "purpose:支出合计", "100.006")
    ok = set_budget_cell(clean_budget_truth("ok.pdf"), "budget_summary", "purpose:支出合计", "100.005")
    res, _ = _run(tmp_path, [ok, bad])
    assert _status(res, "TB01_BALANCE", "ok.pdf") == "pass"
    assert _status(res, "TB01_BALANCE", "bad.pdf") == "fail"


@pytest.mark.parametrize("rule_id, table, row_key, measure, value", [
    ("XB01_02_INCOME", "budget_income", "一般公共预算资金/小计", None, "100.01"),
    ("XB01_02_INCOME", "budget_income", "收入总计", None, "99.99"),
    ("XB01_03_PURPOSE", "budget_expenditure", "合计", "basic_expenditure", "70.01"),
    ("XB01_03_PURPOSE", "budget_expenditure", "合计", "reserve_fund", "4.99"),
    ("XB04_05_FISCAL", "budget_fiscal_basic", "合计", None, "70.01"),
    ("XB04_05_FISCAL", "budget_general_expenditure", "合计", None, "99.99"),
    ("XB01_04_APPROPRIATION", "budget_fiscal_summary", "income:一、一般公共预算", None, "100.01"),
    ("XB01_08_CLASSES", "budget_general_expenditure", "208", None, "40.01"),
    ("XB01_05_CLASSES", "budget_fiscal_expenditure", "201", None, "59.99"),
    ("XB01_09_BASIC", "budget_general_basic", "合计", None, "70.01"),
    ("XB11_09_VEHICLE", "budget_general_basic", "30231", None, "6.01"),  # 30231 above the 三公 figure
])
def test_cross_table_rules(tmp_path, rule_id, table, row_key, measure, value):
    ok_value = {"70.01": "70.005", "4.99": "4.995", "99.99": "99.995", "100.01": "100.005", "40.01": "40.005",
                "59.99": "59.995", "6.01": "6.005"}[value]
    ok = set_budget_cell(clean_budget_truth("ok.pdf"), table, row_key, ok_value, measure)
    bad = set_budget_cell(clean_budget_truth("bad.pdf"), table, row_key, value, measure)
    res, findings = _run(tmp_path, [ok, bad])
    assert _status(res, rule_id, "ok.pdf") == "pass", res[("ok.pdf", rule_id)]
    assert _status(res, rule_id, "bad.pdf") == "fail", res[("bad.pdf", rule_id)]
    hit = [f for f in findings if f["file_name"] == "bad.pdf" and f["rule_id"] == rule_id]
    assert hit and all(abs(f["difference"]) == Decimal("0.01") for f in hit)


def test_cross_class_rules_only_when_general_budget_funds_only(tmp_path):
    # 其他资金 80.00 (Jiangsu 政协): the summary's 类 rows and 基本支出 then include money the
    # 一般公共预算 tables do not show, so the comparison does not apply
    t = clean_budget_truth("other.pdf")
    t = set_budget_cell(t, "budget_summary", "income:三、其他资金", "80.00")
    res, _ = _run(tmp_path, [t])
    for r in ("XB01_08_CLASSES", "XB01_05_CLASSES", "XB01_09_BASIC"):
        assert _status(res, r, "other.pdf") == "not_applicable", res[("other.pdf", r)]
    assert _status(res, "TB01_INCOME_ITEMS", "other.pdf") == "fail"  # 100 + 80 ≠ 100


def test_nested_income_is_not_added_twice(tmp_path):
    # 1.一般公共预算 restates part of 一、财政拨款: changing it breaks the nesting only
    t = set_budget_cell(clean_budget_truth("n.pdf"), "budget_summary", "income:1.一般公共预算", "90.00")
    res, _ = _run(tmp_path, [t])
    assert _status(res, "TB01_INCOME_NESTED", "n.pdf") == "fail"
    assert _status(res, "TB01_INCOME_ITEMS", "n.pdf") == "pass"


def test_income_subtotal_label_wrapped_over_a_page_break(tmp_path):
    # 人大 2017 prints 当年收入小计 as 当年收入 / 小计 over two pages, the amount on the first line
    t = clean_budget_truth("w.pdf")
    for c in t["tables"][0]["cells"]:
        if c["row_key"] == "income:当年收入小计":
            c["row_key"], c["line_name"] = "income:当年收入", "当年收入"
    res, _ = _run(tmp_path, [t])
    assert _status(res, "TB01_INCOME_ITEMS", "w.pdf") == "pass"
    assert _status(res, "TB01_INCOME_TOTAL", "w.pdf") == "pass"


def test_expenditure_totals_unlabelled_are_insufficient_not_pass(tmp_path):
    # the extraction lost the labels of 当年支出小计 / 支出合计: the rules say so instead of passing
    t = clean_budget_truth("u.pdf")
    t["tables"][0]["cells"] = [c for c in t["tables"][0]["cells"]
                               if c["row_key"] not in ("purpose:当年支出小计", "purpose:结转下年资金", "purpose:支出合计")]
    res, _ = _run(tmp_path, [t])
    for r in ("TB01_EXPENDITURE_TOTAL", "TB01_BALANCE", "TB01_CLASSES", "TB01_PURPOSE"):
        assert _status(res, r, "u.pdf") == "insufficient_data", res[("u.pdf", r)]


def test_missing_budget_table_is_reported(tmp_path):
    t = drop_table(clean_budget_truth("m.pdf"), "budget_admin_operating")
    res, findings = _run(tmp_path, [t])
    assert _status(res, "C_BUDGET_TABLES_PRESENT", "m.pdf") == "fail"
    assert [f["table_name"] for f in findings if f["rule_id"] == "C_BUDGET_TABLES_PRESENT"] == ["budget_admin_operating"]
    assert _status(res, "TB10_TOTAL_EQ_SUM_CLASSES", "m.pdf") == "insufficient_data"


# ------------------------------------------------------------------------------ the real Jiangsu files
JIANGSU = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real" / "jiangsu-2017-2019-budget"

# Printed inconsistencies verified by eye on the PDF page: file name → {(rule_id, row_key)}.
# None found: every identity the rules could evaluate holds within the rounding allowance in all
# 16 files (the 收支预算总表 expenditure-side identities, insufficient_data today because the
# labels 当年支出小计/支出合计 are not extracted, were also recomputed by hand: they hold in all
# nine disclosures).
REAL_INCONSISTENCIES: dict[str, set[tuple[str, str]]] = {}

# Extraction problems (extract/ is the lead's; see the report).  Strict xfail: when the extraction
# is fixed the test XPASSes and this entry must go.
EXTRACTION_PROBLEMS: dict[str, str] = {}
# (人大2017: titles at the foot of a page, labels wrapped over a page break and labels merged
# across the sides of 收支预算总表 were extraction problems; fixed in extract/tables.py.)


def _jiangsu_files() -> list[Path]:
    return sorted(JIANGSU.rglob("*.pdf")) if JIANGSU.is_dir() else []


@pytest.fixture(scope="module")
def jiangsu(tmp_path_factory):
    files = _jiangsu_files()
    if not files:
        pytest.skip(f"{JIANGSU} not available")
    home = tmp_path_factory.mktemp("jiangsu") / "home"
    s, manifests = extract_load_check(home, files, landing_root=JIANGSU, workers=4)
    con = duckdb.connect(str(s.duckdb_path), read_only=True)
    try:
        docs = {r[0]: {"document_id": r[1], "doc_kind": r[2], "part": r[3]} for r in con.execute(
            "SELECT file_name, document_id, doc_kind, part FROM raw.document").fetchall()}
        results = con.execute(
            "SELECT d.file_name, r.rule_id, r.status FROM raw.dq_result r JOIN raw.document d USING (document_id)"
        ).fetchall()
        errors = con.execute(
            "SELECT d.file_name, f.rule_id, f.row_key, f.page, f.message FROM raw.dq_finding f "
            "JOIN raw.document d USING (document_id) WHERE f.severity = 'error'").fetchall()
    finally:
        con.close()
    return {"manifests": manifests, "docs": docs, "results": results, "errors": errors}


def test_jiangsu_all_extracted_as_budgets(jiangsu):
    assert len(jiangsu["docs"]) == 16
    assert all(m["status"] == "extracted" for m in jiangsu["manifests"]), jiangsu["manifests"]
    assert {d["doc_kind"] for d in jiangsu["docs"].values()} == {"budget"}
    # 决算 rules are not applicable to any of them
    final_only = set(FINAL_ONLY_RULES)
    assert {s for _, r, s in jiangsu["results"] if r in final_only} == {"not_applicable"}


@pytest.mark.parametrize("name", [
    pytest.param(p.name, marks=pytest.mark.xfail(strict=True, reason=EXTRACTION_PROBLEMS[p.name]))
    if p.name in EXTRACTION_PROBLEMS else p.name
    for p in _jiangsu_files()
] or ["(no corpus)"])
def test_jiangsu_no_error_beyond_verified_inconsistencies(jiangsu, name):
    errors = [(r, k, pg, msg) for f, r, k, pg, msg in jiangsu["errors"] if f == name]
    allowed = REAL_INCONSISTENCIES.get(name, set())
    unexpected = [e for e in errors if (e[0], e[1]) not in allowed]
    assert not unexpected, "\n".join(f"{r} {k} p{pg}: {m}" for r, k, pg, m in unexpected)
    # every verified inconsistency is still found
    assert allowed <= {(r, k) for r, k, _, _ in errors}
    doc = jiangsu["docs"][name]
    statuses = {r: s for f, r, s in jiangsu["results"] if f == name and r in BUDGET_RULES}
    if doc["part"] == "narrative":
        assert set(statuses.values()) == {"not_applicable"}
    else:  # the within-table identities the extraction supports today all ran
        for r in ("C_BUDGET_TABLES_PRESENT", "TB01_INCOME_ITEMS", "TB02_TOTAL_EQ_SUM_GROUPS", "XB01_02_INCOME",
                  "XB01_04_APPROPRIATION", "TB01_INCOME_TOTAL", "TB03_TOTAL_EQ_SUM_KINDS",
                  "TB04_INCOME_ITEMS", "TB04_BALANCE", "TB04_PURPOSE", "TB05_TOTAL_EQ_SUM_CLASSES",
                  "TB05_CLASS_EQ_SUM_CHILDREN", "TB06_TOTAL_EQ_SUM_CLASSES", "TB08_TOTAL_EQ_SUM_CLASSES",
                  "TB09_TOTAL_EQ_SUM_CLASSES", "TB10_TOTAL_EQ_SUM_CLASSES", "TB11_TOTAL", "TB11_THREE_PUBLIC",
                  "TB11_VEHICLE_SUBTOTAL", "XB01_03_PURPOSE", "XB04_05_FISCAL"):
            assert statuses[r] == "pass", (r, statuses[r])


def test_split_disclosure_completeness_counts_the_narrative_file(tmp_path):
    """A split disclosure (tables file + narrative file, one disclosure_id in the registry) is
    complete when the two files together print every table."""
    from expectations.testing import find_table

    tables = drop_table(clean_budget_truth("tables.pdf"), "budget_procurement")
    tables["document"]["part"] = "tables"
    narrative = clean_budget_truth("narrative.pdf")
    narrative["document"]["part"] = "narrative"
    narrative["tables"] = [find_table(narrative, "budget_procurement")]
    alone = drop_table(clean_budget_truth("alone.pdf"), "budget_procurement")
    alone["document"]["part"] = "tables"
    db = build_db(tmp_path, [tables, narrative, alone])
    con = duckdb.connect(str(db))
    try:
        ids = dict(con.execute("SELECT file_name, document_id FROM raw.document").fetchall())
        con.execute("CREATE TABLE raw.document_registry (document_id VARCHAR, disclosure_id VARCHAR, status VARCHAR, "
                    "part VARCHAR, is_current_tables BOOLEAN)")
        for name, disc, part in (("tables.pdf", "d1", "tables"), ("narrative.pdf", "d1", "narrative"),
                                 ("alone.pdf", "d2", "tables")):
            con.execute("INSERT INTO raw.document_registry VALUES (?, ?, 'loaded', ?, ?)",
                        [ids[name], disc, part, part == "tables"])
    finally:
        con.close()
    run_all(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        res = dict(con.execute(
            "SELECT d.file_name, r.status FROM raw.dq_result r JOIN raw.document d USING (document_id) "
            "WHERE r.rule_id = 'C_BUDGET_TABLES_PRESENT'").fetchall())
    finally:
        con.close()
    assert res == {"tables.pdf": "pass", "narrative.pdf": "not_applicable", "alone.pdf": "fail"}


def test_seven_table_template_is_complete_and_its_missing_tables_not_applicable(tmp_path):
    t = clean_budget_truth("seven.pdf")
    seven = {"budget_summary", "budget_income", "budget_expenditure", "budget_fiscal_summary",
             "budget_general_expenditure", "budget_general_basic", "budget_three_public"}
    t["tables"] = [x for x in t["tables"] if x["table_name"] in seven]
    res, _ = _run(tmp_path, [t])
    assert _status(res, "C_BUDGET_TABLES_PRESENT", "seven.pdf") == "pass"
    for r in ("TB05_TOTAL_EQ_SUM_CLASSES", "TB06_TOTAL_EQ_SUM_CLASSES", "TB10_TOTAL_EQ_SUM_CLASSES", "XB01_05_CLASSES"):
        assert _status(res, r, "seven.pdf") == "not_applicable", res[("seven.pdf", r)]
    assert _status(res, "TB08_TOTAL_EQ_SUM_CLASSES", "seven.pdf") == "pass"
