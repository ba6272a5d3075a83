"""Ground truth of the seed disclosure (corpus/sample/seed/) and its rendered PDF."""
from __future__ import annotations

import json
import pathlib

import pytest

SEED_DIR = pathlib.Path(__file__).resolve().parents[1] / "corpus" / "sample" / "seed"
TRUTH = SEED_DIR / "yanbian-2023-final.truth.json"
PDF = SEED_DIR / "yanbian-2023-final.pdf"
SEED_TXT = pathlib.Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_c5e1206c200e1ff5.txt"


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads(TRUTH.read_text(encoding="utf-8"))


def _table(truth: dict, name: str) -> dict:
    return next(t for t in truth["tables"] if t["table_name"] == name)


def _cell(truth: dict, name: str, row_key: str, measure: str, phase: str = "final") -> dict:
    t = _table(truth, name)
    return next(c for c in t["cells"] if c["row_key"] == row_key and c["measure"] == measure and c["phase"] == phase)


def test_document(truth):
    d = truth["document"]
    assert truth["file"] == PDF.name
    assert d["department_name"] == "延边朝鲜族自治州政务服务和数字化建设管理局"
    assert (d["scope"], d["fiscal_year"], d["doc_kind"], d["unit"]) == ("consolidated", 2023, "final", "万元")
    assert [t["printed_number"] for t in truth["tables"]] == [f"公开0{i}表" for i in range(1, 10)]


def test_known_values(truth):
    c = _cell(truth, "income_expenditure_summary", "income:1", "amount")
    assert (c["printed"], c["value"], c["side"], c["row_number"]) == ("1,266.32", "1266.32", "income", 1)
    assert _cell(truth, "income_expenditure_summary", "expenditure:58", "amount")["value"] == "1266.26"
    assert _cell(truth, "general_budget_expenditure", "合计", "personnel_expenditure")["value"] == "441.67"
    assert _cell(truth, "general_budget_basic_expenditure", "30101", "amount")["value"] == "132.30"
    assert _cell(truth, "general_budget_basic_expenditure", "人员经费合计", "amount")["value"] == "441.67"
    assert _cell(truth, "three_public", "三公经费", "three_public_total", "budget")["value"] == "8.26"
    assert _cell(truth, "three_public", "三公经费", "three_public_total", "final")["value"] == "2.61"
    # printed digits are kept: 1.8 stays 1.8
    assert _cell(truth, "three_public", "三公经费", "vehicle_total", "budget")["value"] == "1.8"
    # inconsistencies kept as printed
    assert _cell(truth, "income", "208", "income_total")["value"] == "43.33"
    assert _cell(truth, "expenditure", "208", "expenditure_total")["value"] == "43.17"
    assert _cell(truth, "fiscal_appropriation_summary", "expenditure:64", "expenditure_total")["value"] == "1198.25"
    assert _cell(truth, "fiscal_appropriation_summary", "income:32", "amount")["value"] == "1272.62"
    # blanks are null, 0.00 is a value
    assert _cell(truth, "income_expenditure_summary", "income:2", "amount")["value"] is None
    assert _cell(truth, "fiscal_appropriation_summary", "expenditure:34", "government_fund_appropriation")["value"] == "0.00"


def test_empty_tables(truth):
    gf = _table(truth, "government_fund")
    assert gf["is_empty"] and gf["empty_sentence"] == "本单位没有政府性其基金预算财政拨款。"
    assert {c["row_key"] for c in gf["cells"]} == {"合计"}
    sc = _table(truth, "state_capital")
    assert sc["is_empty"] and sc["empty_sentence"] == "本单位没有国有资本经营预算财政拨款。"
    assert not _table(truth, "income")["is_empty"]


def test_performance(truth):
    perf = truth["performance"]
    assert [p["table_seq"] for p in perf] == list(range(1, 16))
    assert sum(p["project_name"].startswith("12345政务热线搬迁") for p in perf) == 3
    rates = {p["table_seq"]: next(f for f in p["funds"] if f["row_key"] == "当年财政拨款" and f["measure"] == "execution_rate")
             for p in perf}
    assert (rates[3]["printed"], rates[3]["value"]) == ("68.40%", "0.684")
    assert (rates[1]["printed"], rates[1]["value"]) == ("1.00", "1.00")
    assert rates[12]["value"] == "0.29"
    assert perf[6]["project_name"] == "营商环境建设工作经费"
    assert any(i["level3"] == "无线办公网络" and i["target_value"] == "15.4万元" for i in perf[0]["indicators"])


def test_known_defects(truth):
    kinds = {(d["kind"], d["row_key"], d["measure"]) for d in truth["known_defects"]}
    assert ("total_mismatch", "expenditure:64", "expenditure_total") in kinds
    assert ("cross_table_mismatch", "expenditure:59", "general_budget_appropriation") in kinds
    assert any(d["kind"] == "wrong_year" for d in truth["known_defects"])
    assert any(d["kind"] == "title_mismatch" for d in truth["known_defects"])
    for d in truth["known_defects"]:
        assert d["description"]


def test_truth_file_is_canonical(truth):
    text = TRUTH.read_text(encoding="utf-8")
    assert text == json.dumps(truth, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def test_pdf_text():
    pdfplumber = pytest.importorskip("pdfplumber")
    assert PDF.is_file()
    with pdfplumber.open(PDF) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages[:8])
        assert "收入支出决算总表" in text
        assert "1,266.32" in text
        assert any(p.find_tables() for p in pdf.pages[4:6])


def test_regenerates_identically(tmp_path):
    """The committed sample is what `python -m corpus.seed` produces today."""
    if not SEED_TXT.is_file():
        pytest.skip("shared seed text not available")
    from corpus import render_reportlab, seed

    try:
        render_reportlab.font_path()
    except render_reportlab.FontMissingError as exc:  # pragma: no cover
        pytest.skip(str(exc))
    seed.main(["--seed-txt", str(SEED_TXT), "--out", str(tmp_path)])
    assert (tmp_path / TRUTH.name).read_bytes() == TRUTH.read_bytes()
    assert (tmp_path / PDF.name).read_bytes() == PDF.read_bytes()
