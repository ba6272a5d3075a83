"""Ground truth of the synthetic corpus (corpus/sample/synthetic): deterministic, and exact.

The identity checks below are a compact, independent reading of the 勾稽关系 in
docs/domain.md, written against the truth JSON only (no PDF is opened): every clean
document satisfies all of them within the rounding allowance, and every document with
an injected defect violates the identity its defect kind targets.
"""
from __future__ import annotations

import json
import pathlib
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from corpus.synth.cli import generate

ROOT = pathlib.Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpus" / "sample" / "synthetic"
SEED = 20241
HALF_CENT = Decimal("0.005")


# ----------------------------------------------------------------------------- helpers

class Doc:
    def __init__(self, truth: dict):
        self.truth = truth
        self.year = truth["document"]["fiscal_year"]
        self.tables = {t["table_name"]: t for t in truth["tables"]}
        self.cells: dict[tuple, dict] = {}
        for t in truth["tables"]:
            for c in t["cells"]:
                self.cells[(t["table_name"], c["row_key"], c["measure"], c["phase"])] = c

    def v(self, table: str, row_key: str, measure: str, phase: str = "final") -> Decimal:
        c = self.cells.get((table, row_key, measure, phase))
        return Decimal(c["value"]) if c and c["value"] is not None else Decimal(0)

    def rows(self, table: str) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.tables[table]["cells"]:
            seen.setdefault(c["row_key"], None)
        return list(seen)

    def measures(self, table: str) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.tables[table]["cells"]:
            seen.setdefault(c["measure"], None)
        return list(seen)

    def has(self, *tables: str) -> bool:
        return all(t in self.tables for t in tables)


def _ok(total: Decimal, terms: list[Decimal]) -> bool:
    return abs(total - sum(terms, Decimal(0))) <= HALF_CENT * max(len(terms), 1)


def _coded_sums(check, doc: Doc, t: str, functional: bool = True) -> None:
    """合计 = Σ 类; 类 = Σ 款 (and 款 = Σ 项 for 功能分类), in every measure."""
    rows = [r for r in doc.rows(t) if r.isdigit()]
    for m in doc.measures(t):
        check("total_sum", f"{t}/合计/{m}", doc.v(t, "合计", m, "budget"), [doc.v(t, r, m, "budget") for r in rows if len(r) == 3])
        for r in rows:
            kids = [c for c in rows if c.startswith(r) and len(c) == len(r) + 2]
            if kids:
                check("class_sum", f"{t}/{r}/{m}", doc.v(t, r, m, "budget"), [doc.v(t, c, m, "budget") for c in kids])


def budget_violations(doc: Doc) -> list[tuple[str, str]]:
    """The identities of a 部门预算 (Jiangsu template) as its truth describes it."""
    out: list[tuple[str, str]] = []

    def check(identity: str, where: str, total: Decimal, terms: list[Decimal]) -> None:
        if not _ok(total, terms):
            out.append((identity, f"{where}: {total} != {sum(terms, Decimal(0))}"))

    v = lambda t, r, m="amount": doc.v(t, r, m, "budget")  # noqa: E731
    t = "budget_summary"
    check("b01", "财政拨款", v(t, "income:一、财政拨款"), [v(t, "income:1.一般公共预算"), v(t, "income:2.政府性基金预算")])
    check("b01", "当年收入小计", v(t, "income:当年收入小计"),
          [v(t, "income:一、财政拨款"), v(t, "income:二、财政专户管理资金"), v(t, "income:三、其他资金")])
    check("b01", "收入合计", v(t, "income:收入合计"), [v(t, "income:当年收入小计"), v(t, "income:上年结转资金")])
    classes = [r for r in doc.rows(t) if r.startswith("expenditure:") and "、" in r]
    assert len(classes) == 26
    check("b01", "当年支出小计", v(t, "expenditure:当年支出小计"), [v(t, r) for r in classes])
    check("b01", "支出用途", v(t, "expenditure:当年支出小计"),
          [v(t, r) for r in doc.rows(t) if r.startswith("purpose:")])
    check("b01", "支出合计", v(t, "expenditure:支出合计"), [v(t, "expenditure:当年支出小计"), v(t, "expenditure:结转下年资金")])
    check("b01", "收支平衡", v(t, "income:收入合计"), [v(t, "expenditure:支出合计")])
    t = "budget_income"
    groups = sorted({r.split("/")[0] for r in doc.rows(t) if "/" in r})
    check("b02", "收入总计", v(t, "收入总计"), [v(t, f"{g}/小计") for g in groups])
    for g in groups:
        items = [r for r in doc.rows(t) if r.startswith(g + "/") and not r.endswith("/小计") and "其中" not in r]
        if items:
            check("b02", g, v(t, f"{g}/小计"), [v(t, r) for r in items])
    for t in ("budget_expenditure", "budget_fiscal_expenditure", "budget_government_fund", "budget_general_expenditure",
              "budget_fiscal_basic", "budget_general_basic", "budget_admin_operating"):
        _coded_sums(check, doc, t)
    for r in doc.rows("budget_expenditure"):
        check("b03", r, v("budget_expenditure", r, "expenditure_total"),
              [v("budget_expenditure", r, "basic_expenditure"), v("budget_expenditure", r, "project_expenditure")])
    t = "budget_three_public"
    check("b11", "合计", v(t, "三公经费", "three_public_meeting_training_total"),
          [v(t, "三公经费", m) for m in ("three_public_total", "meeting_expense", "training_expense")])
    check("b11", "三公", v(t, "三公经费", "three_public_total"),
          [v(t, "三公经费", m) for m in ("outbound_travel", "vehicle_total", "official_reception")])
    check("b11", "公务用车", v(t, "三公经费", "vehicle_total"),
          [v(t, "三公经费", m) for m in ("vehicle_purchase", "vehicle_operation")])
    t = "budget_procurement"
    check("b12", "合计", v(t, "合计"), [v(t, r) for r in doc.rows(t) if r != "合计"])
    # across the budget's tables
    check("bx", "04 收入合计 = 05 合计", v("budget_fiscal_summary", "income:收入合计"), [v("budget_fiscal_expenditure", "合计")])
    check("bx", "04 基本支出 = 06 合计", v("budget_fiscal_summary", "purpose:一、基本支出"), [v("budget_fiscal_basic", "合计")])
    check("bx", "04 一般公共预算 = 08 合计", v("budget_fiscal_summary", "income:一、一般公共预算"),
          [v("budget_general_expenditure", "合计")])
    check("bx", "04 政府性基金 = 07 合计", v("budget_fiscal_summary", "income:二、政府性基金预算"),
          [v("budget_government_fund", "合计")])
    check("bx", "01 当年支出 = 03 合计", v("budget_summary", "expenditure:当年支出小计"),
          [v("budget_expenditure", "合计", "expenditure_total")])
    check("bx", "10 合计 = 09 302", v("budget_admin_operating", "合计", "administrative_operating"),
          [v("budget_general_basic", "302")])
    # 三公 covers every 财政拨款, 30231 only the general budget's basic expenditure: never more
    if v("budget_general_basic", "30231") > v("budget_three_public", "三公经费", "vehicle_operation") + HALF_CENT:
        out.append(("bx", f"09 30231 {v('budget_general_basic', '30231')} > 11 公务用车运行维护费 "
                          f"{v('budget_three_public', '三公经费', 'vehicle_operation')}"))
    return out


def cross_document_violations(final: Doc, budget: Doc) -> list[tuple[str, str]]:
    """A 决算 against the same department's 部门预算 of the same year."""
    out = []
    for fig in final.truth["narrative_figures"]:
        if fig["topic"] == "item_initial_budget":
            want = budget.v("budget_general_expenditure", fig["subject_code"], "amount", "budget")
            if abs(Decimal(fig["value"]) - want) > HALF_CENT:
                out.append(("xdoc_narrative_budget", f"{fig['subject_code']}: {fig['value']} vs {want}"))
    if final.has("three_public"):
        for m in ("three_public_total", "outbound_travel", "vehicle_total", "vehicle_purchase", "vehicle_operation",
                  "official_reception"):
            a, b = final.v("three_public", "三公经费", m, "budget"), budget.v("budget_three_public", "三公经费", m, "budget")
            if abs(a - b) > HALF_CENT:
                out.append(("xdoc_three_public_budget", f"{m}: {a} vs {b}"))
    return out


def violations(doc: Doc, budget: Doc | None = None) -> list[tuple[str, str]]:
    """(identity, where) for every identity that does not hold."""
    if doc.truth["document"]["doc_kind"] == "budget":
        return budget_violations(doc)
    out: list[tuple[str, str]] = [] if budget is None else cross_document_violations(doc, budget)

    def check(identity: str, where: str, total: Decimal, terms: list[Decimal]) -> None:
        if not _ok(total, terms):
            out.append((identity, f"{where}: {total} != {sum(terms, Decimal(0))}"))

    v = doc.v
    if doc.has("income_expenditure_summary"):
        t = "income_expenditure_summary"
        check("01_sides", "income:27", v(t, "income:27", "amount"), [v(t, f"income:{i}", "amount") for i in range(1, 9)])
        check("01_sides", "expenditure:58", v(t, "expenditure:58", "amount"),
              [v(t, f"expenditure:{i}", "amount") for i in range(32, 58)])
        check("01_sides", "income:31", v(t, "income:31", "amount"), [v(t, f"income:{i}", "amount") for i in (27, 28, 29)])
        check("01_sides", "expenditure:62", v(t, "expenditure:62", "amount"),
              [v(t, f"expenditure:{i}", "amount") for i in (58, 59, 60)])
        check("01_sides", "总计", v(t, "income:31", "amount"), [v(t, "expenditure:62", "amount")])
    if doc.has("fiscal_appropriation_summary"):
        t = "fiscal_appropriation_summary"
        funds = ("general_budget_appropriation", "government_fund_appropriation", "state_capital_appropriation")
        check("04_sides", "income:27", v(t, "income:27", "amount"), [v(t, f"income:{i}", "amount") for i in (1, 2, 3)])
        check("04_sides", "income:28", v(t, "income:28", "amount"), [v(t, f"income:{i}", "amount") for i in (29, 30, 31)])
        check("04_sides", "income:32", v(t, "income:32", "amount"), [v(t, f"income:{i}", "amount") for i in (27, 28)])
        for m in ("expenditure_total",) + funds:
            check("04_sides", f"expenditure:59/{m}", v(t, "expenditure:59", m),
                  [v(t, f"expenditure:{i}", m) for i in range(33, 59)])
            check("04_sides", f"expenditure:64/{m}", v(t, "expenditure:64", m),
                  [v(t, f"expenditure:{i}", m) for i in (59, 60)])
        for rk in doc.rows(t):
            if rk.startswith("expenditure:"):
                check("04_columns", rk, v(t, rk, "expenditure_total"), [v(t, rk, m) for m in funds])
        check("04_sides", "总计", v(t, "income:32", "amount"), [v(t, "expenditure:64", "expenditure_total")])
    for t in ("income", "expenditure", "general_budget_expenditure", "government_fund", "state_capital"):
        if not doc.has(t):
            continue
        codes = [r for r in doc.rows(t) if r.isdigit()]
        for m in doc.measures(t):
            for code in codes:
                children = [c for c in codes if len(c) == len(code) + 2 and c.startswith(code)]
                if children:
                    check("class_sum", f"{t}/{code}/{m}", v(t, code, m), [v(t, c, m) for c in children])
            check("total_sum", f"{t}/合计/{m}", v(t, "合计", m), [v(t, c, m) for c in codes if len(c) == 3])
        for rk in ["合计"] + codes:
            if t == "income":
                check("columns", f"02/{rk}", v(t, rk, "income_total"),
                      [v(t, rk, m) for m in doc.measures(t) if m != "income_total"])
            elif t == "expenditure":
                check("columns", f"03/{rk}", v(t, rk, "expenditure_total"),
                      [v(t, rk, m) for m in doc.measures(t) if m != "expenditure_total"])
            elif t == "general_budget_expenditure":
                check("columns", f"05/{rk}", v(t, rk, "expenditure_total"),
                      [v(t, rk, "basic_expenditure"), v(t, rk, "project_expenditure")])
                check("columns", f"05/{rk}/basic", v(t, rk, "basic_expenditure"),
                      [v(t, rk, "personnel_expenditure"), v(t, rk, "public_expenditure")])
            elif t == "government_fund":
                check("columns", f"07/{rk}", v(t, rk, "expenditure_total"),
                      [v(t, rk, "basic_expenditure"), v(t, rk, "project_expenditure")])
    if doc.has("general_budget_basic_expenditure"):
        t = "general_budget_basic_expenditure"
        codes = [r for r in doc.rows(t) if r.isdigit()]
        for cls in (c for c in codes if len(c) == 3):
            check("06_class", cls, v(t, cls, "amount"), [v(t, c, "amount") for c in codes if len(c) == 5 and c[:3] == cls])
        check("06_totals", "人员经费合计", v(t, "人员经费合计", "amount"), [v(t, c, "amount") for c in ("301", "303")])
        check("06_totals", "公用经费合计", v(t, "公用经费合计", "amount"),
              [v(t, c, "amount") for c in ("302", "307", "310", "399")])
    if doc.has("three_public"):
        t, rk = "three_public", "三公经费"
        for ph in ("budget", "final"):
            check("09_sum", f"{ph}/合计", v(t, rk, "three_public_total", ph),
                  [v(t, rk, m, ph) for m in ("outbound_travel", "vehicle_total", "official_reception")])
            check("09_sum", f"{ph}/车", v(t, rk, "vehicle_total", ph),
                  [v(t, rk, m, ph) for m in ("vehicle_purchase", "vehicle_operation")])
    # across tables
    if doc.has("income_expenditure_summary", "income"):
        a, b = "income_expenditure_summary", "income"
        check("01_vs_02", "本年收入合计", v(a, "income:27", "amount"), [v(b, "合计", "income_total")])
        check("01_vs_02", "财政拨款", v(b, "合计", "fiscal_appropriation_income"),
              [v(a, "income:1", "amount"), v(a, "income:2", "amount"), v(a, "income:3", "amount")])
        for row, m in ((4, "superior_subsidy_income"), (5, "business_income"), (6, "operating_income"),
                       (7, "subordinate_remittance_income"), (8, "other_income")):
            check("01_vs_02", m, v(a, f"income:{row}", "amount"), [v(b, "合计", m)])
    if doc.has("income_expenditure_summary", "expenditure"):
        a, b = "income_expenditure_summary", "expenditure"
        check("01_vs_03", "本年支出合计", v(a, "expenditure:58", "amount"), [v(b, "合计", "expenditure_total")])
        for c in doc.tables[a]["cells"]:
            if c["side"] == "expenditure" and c["subject_code"]:
                check("01_vs_03", c["subject_code"], v(a, c["row_key"], "amount"), [v(b, c["subject_code"], "expenditure_total")])
    if doc.has("fiscal_appropriation_summary", "general_budget_expenditure"):
        a, b = "fiscal_appropriation_summary", "general_budget_expenditure"
        check("04_vs_05", "本年支出合计", v(a, "expenditure:59", "general_budget_appropriation"), [v(b, "合计", "expenditure_total")])
        for c in doc.tables[a]["cells"]:
            if c["subject_code"] and c["measure"] == "general_budget_appropriation":
                check("04_vs_05", c["subject_code"], v(a, c["row_key"], c["measure"]), [v(b, c["subject_code"], "expenditure_total")])
    if doc.has("fiscal_appropriation_summary", "government_fund"):
        a, b = "fiscal_appropriation_summary", "government_fund"
        check("04_vs_07", "收入", v(a, "income:2", "amount"), [v(b, "合计", "income_current")])
        check("04_vs_07", "年初", v(a, "income:30", "amount"), [v(b, "合计", "carryover_begin")])
        check("04_vs_07", "年末", v(a, "expenditure:60", "government_fund_appropriation"), [v(b, "合计", "carryover_end")])
        for c in doc.tables[a]["cells"]:
            if c["subject_code"] and c["measure"] == "government_fund_appropriation":
                check("04_vs_07", c["subject_code"], v(a, c["row_key"], c["measure"]), [v(b, c["subject_code"], "expenditure_total")])
    if doc.has("fiscal_appropriation_summary", "state_capital"):
        check("04_vs_08", "本年支出合计", v("fiscal_appropriation_summary", "expenditure:59", "state_capital_appropriation"),
              [v("state_capital", "合计", "expenditure_total")])
    if doc.has("general_budget_expenditure", "general_budget_basic_expenditure"):
        a, b = "general_budget_expenditure", "general_budget_basic_expenditure"
        check("05_vs_06", "人员经费", v(a, "合计", "personnel_expenditure"), [v(b, "人员经费合计", "amount")])
        check("05_vs_06", "公用经费", v(a, "合计", "public_expenditure"), [v(b, "公用经费合计", "amount")])
    if doc.has("three_public", "general_budget_basic_expenditure"):
        a, b = "three_public", "general_budget_basic_expenditure"
        check("09_vs_06", "公务接待费", v(a, "三公经费", "official_reception"), [v(b, "30217", "amount")])
        check("09_vs_06", "公务用车运行费", v(a, "三公经费", "vehicle_operation"), [v(b, "30231", "amount")])
    # performance self-assessment
    for p in doc.truth["performance"]:
        f = {(x["row_key"], x["measure"]): x for x in p["funds"]}
        for m in ("initial_budget", "adjusted_budget", "executed"):
            check("performance_sum", f"{p['table_seq']}/{m}", Decimal(f[("年度资金总和", m)]["value"]),
                  [Decimal(f[(r, m)]["value"]) for r in ("当年财政拨款", "上年结转资金", "其他资金")])
        for row in ("当年财政拨款", "上年结转资金", "其他资金", "年度资金总和"):
            budget, done = Decimal(f[(row, "adjusted_budget")]["value"]), Decimal(f[(row, "executed")]["value"])
            rate = f[(row, "execution_rate")]
            tol = Decimal("0.00005") if rate["printed"].endswith("%") else HALF_CENT
            want = done / budget if budget else Decimal(0)
            if abs(Decimal(rate["value"]) - want) > tol:
                out.append(("performance_rate", f"{p['table_seq']}/{row}"))
    # narrative against tables
    for fig in doc.truth["narrative_figures"]:
        ref = fig["ref"]
        if ref and fig["unit"] == "万元":
            if ref["table_name"] == "performance_self_assessment":
                funds = doc.truth["performance"][ref["table_seq"] - 1]["funds"]
                cell = next(x for x in funds if (x["row_key"], x["measure"]) == (ref["row_key"], ref["measure"]))
                table_value = Decimal(cell["value"])
            elif ref["table_name"] in doc.tables:
                table_value = v(ref["table_name"], ref["row_key"], ref["measure"], ref["phase"])
            else:
                continue
            if abs(Decimal(fig["value"]) - table_value) > HALF_CENT:
                out.append(("narrative_amount", f"{fig['topic']}: {fig['value']} vs {table_value}"))
        if fig["inputs"]:
            num, den = (Decimal(x) for x in fig["inputs"])
            want = "0" if den == 0 else f"{(100 * num / den).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"
            want = want[:-2] if want.endswith(".0") else want
            if fig["value"] != want:
                out.append(("narrative_pct", f"{fig['topic']}: {fig['value']} vs {want}"))
    for fig in doc.truth["narrative_figures"]:
        s = fig["sentence"]
        if "……" in s or "XX" in s:
            out.append(("template_residue", s))
        for y in re.findall(r"(20\d\d) ?年", s):
            if int(y) not in (doc.year, doc.year - 1):
                out.append(("wrong_year", s))
    for name in ("income_expenditure_summary", "income", "expenditure", "fiscal_appropriation_summary",
                 "general_budget_expenditure", "general_budget_basic_expenditure", "government_fund", "state_capital",
                 "three_public"):
        if name not in doc.tables:
            out.append(("missing_table", name))
    return out


TARGET = {  # defect kind -> identity it must break
    "wrong_total": "total_sum", "class_not_sum": "class_sum", "t04_vs_t05": "04_vs_05",
    "three_public_subtotal": "09_sum", "narrative_amount": "narrative_amount", "narrative_pct": "narrative_pct",
    "missing_table": "missing_table", "template_residue": "template_residue", "wrong_year": "wrong_year",
    "narrative_budget_vs_budget_doc": "xdoc_narrative_budget", "three_public_budget_vs_budget_doc": "xdoc_three_public_budget",
}


def budget_of(committed: dict[str, dict], name: str) -> Doc | None:
    """The 部门预算 (``<year>_<dept>_ys``) of a 汇总 决算 (``<year>_<dept>_hz``)."""
    t = committed.get(name.replace("_hz.truth.json", "_ys.truth.json")) if name.endswith("_hz.truth.json") else None
    return Doc(t) if t else None


def _load(folder: pathlib.Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.truth.json"))}


@pytest.fixture(scope="module")
def committed() -> dict[str, dict]:
    truths = _load(SAMPLE)
    assert len(truths) >= 100, "run: python -m corpus.synth --seed 20241 --out corpus/sample/synthetic"
    return truths


# ----------------------------------------------------------------------------- tests

@pytest.mark.slow
def test_truth_is_deterministic_and_matches_committed(tmp_path: pathlib.Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    generate(SEED, a, truth_only=True)
    generate(SEED, b, truth_only=True)
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir())
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
        assert (a / name).read_bytes() == (SAMPLE / name).read_bytes(), f"committed {name} is stale"


def test_clean_documents_satisfy_every_identity(committed: dict[str, dict]) -> None:
    clean = {name: t for name, t in committed.items() if not t["defects"]}
    assert len(clean) >= 80
    failures = {name: violations(Doc(t), budget_of(committed, name))[:3] for name, t in clean.items()}
    assert {k: f for k, f in failures.items() if f} == {}


def test_every_defect_breaks_its_identity(committed: dict[str, dict]) -> None:
    kinds: dict[str, set[str]] = {}
    for name, t in committed.items():
        found = {identity for identity, _ in violations(Doc(t), budget_of(committed, name))}
        for d in t["defects"]:
            kinds.setdefault(d["kind"], set()).add(t["document"]["producer_family"])
            assert TARGET[d["kind"]] in found, (name, d, sorted(found))
    assert set(kinds) == set(TARGET)
    assert all(producers == {"reportlab", "fpdf2"} for producers in kinds.values()), kinds


def test_corpus_shape(committed: dict[str, dict]) -> None:
    docs = [t["document"] for t in committed.values()]
    assert len({d["department_name"] for d in docs if d["scope"] == "consolidated"}) >= 30
    assert len({d["department_name"] for d in docs if d["scope"] == "own"}) >= 5
    assert {d["fiscal_year"] for d in docs} == {2022, 2023, 2024}
    variants = {v for d in docs for v in d["variants"]}
    for needed in ("unit:元", "kangxi_radicals", "bold_twice", "no_repeat_header", "long_tables", "no_table_codes",
                   "no_column_numbers", "landscape:three_public", "landscape:fiscal_appropriation_summary",
                   "no_thousands_separator", "zero:dash", "zero:zero", "zero:blank", "rate:fraction", "rate:percent"):
        assert needed in variants, needed
    finals = [t for t in committed.values() if t["document"]["doc_kind"] == "final"]
    defective = sum(1 for t in finals if t["defects"])
    assert 0.15 <= defective / len(finals) <= 0.3
    budgets = [t for t in committed.values() if t["document"]["doc_kind"] == "budget"]
    assert len(budgets) == sum(1 for t in finals if t["document"]["scope"] == "consolidated") == 96
    assert {t["document"]["producer_family"] for t in budgets} == {"reportlab", "fpdf2"}
    assert all(not t["defects"] for t in budgets)  # cross-document defects are labelled in the 决算
    assert all({x["table_name"] for x in t["tables"]} >= {
        "budget_summary", "budget_income", "budget_expenditure", "budget_fiscal_summary", "budget_general_expenditure",
        "budget_general_basic", "budget_three_public"} for t in budgets)
    xdoc = [d["kind"] for t in finals for d in t["defects"] if d["kind"].endswith("_vs_budget_doc")]
    assert sorted(xdoc) == ["narrative_budget_vs_budget_doc"] * 2 + ["three_public_budget_vs_budget_doc"] * 2


def _series(committed: dict[str, dict]) -> dict[tuple[str, str], dict[int, Doc]]:
    out: dict[tuple[str, str], dict[int, Doc]] = {}
    for t in committed.values():
        d = t["document"]
        if d["doc_kind"] == "final":
            out.setdefault((d["department_name"], d["scope"]), {})[d["fiscal_year"]] = Doc(t)
    return out


def test_carry_over_links_consecutive_years(committed: dict[str, dict]) -> None:
    """年初结转和结余 of a year is the previous year's 年末结转和结余 (01 and 04)."""
    checked = 0
    for docs in _series(committed).values():
        for year, doc in docs.items():
            prev = docs.get(year - 1)
            if prev is None:
                continue
            assert doc.v("income_expenditure_summary", "income:29", "amount") == \
                prev.v("income_expenditure_summary", "expenditure:60", "amount")
            assert doc.v("fiscal_appropriation_summary", "income:28", "amount") == \
                prev.v("fiscal_appropriation_summary", "expenditure:60", "expenditure_total")
            checked += 1
    assert checked >= 70


def test_year_on_year_changes_match_previous_document(committed: dict[str, dict]) -> None:
    """与上年相比 增加/减少 X 万元 equals this year's figure minus last year's document's."""
    narrative_defects = {"narrative_amount", "narrative_pct", "template_residue", "wrong_year"}
    checked = 0
    for docs in _series(committed).values():
        for year, doc in docs.items():
            prev = docs.get(year - 1)
            if prev is None or any(d["kind"] in narrative_defects for x in (doc, prev) for d in x.truth["defects"]):
                continue
            for topic in ("grand_total", "fiscal_grand_total", "general_budget_expenditure", "three_public_total",
                          "office_operating_cost", "income_total", "expenditure_total"):
                figs = [f for f in doc.truth["narrative_figures"] if f["topic"] == topic and f["subject_code"] is None]
                old = [f for f in prev.truth["narrative_figures"] if f["topic"] == topic and f["figure_kind"] == "amount"]
                now = [f for f in figs if f["figure_kind"] == "amount"]
                change = [f for f in figs if f["figure_kind"] == "change_amount"]
                if now and old and change:
                    assert Decimal(change[0]["value"]) == Decimal(now[0]["value"]) - Decimal(old[0]["value"]), (topic, year)
                    checked += 1
    assert checked >= 200


def test_manifest_lists_every_committed_pdf(committed: dict[str, dict]) -> None:
    manifest = json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))
    files = {d["file"] for d in manifest["documents"]}
    assert files == {t["file"] for t in committed.values()}
    pdfs = {p.name: p.stat().st_size for p in SAMPLE.glob("*.pdf")}
    assert set(pdfs) == files, "PDFs missing: run python -m corpus.synth (without --truth-only)"
    assert max(pdfs.values()) < 160_000
    assert sum(pdfs.values()) < 22_000_000  # 114 决算 (~13.5 MB) + 96 部门预算 (~6.2 MB)
