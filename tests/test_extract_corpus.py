"""Extraction measured against ground truth (bundled corpus) and checked on real files.

Real files live in ../shared/corpus/real/ and are never copied into the project: those
tests skip cleanly when the folder is absent.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from extract.api import read_document
from extract.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpus" / "sample"
REAL = ROOT.parent / "shared" / "corpus" / "real"

NINE_FINAL_TABLES = {
    "income_expenditure_summary", "income", "expenditure", "fiscal_appropriation_summary",
    "general_budget_expenditure", "general_budget_basic_expenditure", "government_fund",
    "state_capital", "three_public",
}


def _score(paths):
    res = evaluate(paths)
    n, hit, m, ok = res["stats"]["all"]
    return n, hit, m, ok, res["misses"]


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_seed_every_cell_of_the_nine_tables_and_performance_tables(engine, monkeypatch):
    monkeypatch.setenv("FISCAL_PAGE_ENGINE", engine)
    n, hit, m, ok, misses = _score(sorted((SAMPLE / "seed").glob("*.truth.json")))
    assert n > 800
    assert hit == n, misses[:10]
    assert ok == m, misses[:10]


@pytest.mark.slow
def test_synthetic_corpus_cells_exact():
    paths = sorted((SAMPLE / "synthetic").glob("*.truth.json"))
    if not paths:
        pytest.skip("synthetic sample not generated")
    n, hit, m, ok, misses = _score(paths)
    assert hit == n, misses[:10]
    assert ok == m, misses[:10]


def test_seed_identity_and_lineage():
    r = read_document(SAMPLE / "seed" / "yanbian-2023-final.pdf")
    ident = r["identity"]
    assert ident.department_name == "延边朝鲜族自治州政务服务和数字化建设管理局"
    assert (ident.fiscal_year, ident.doc_kind, ident.scope) == (2023, "final", "consolidated")
    names = {i.table_name for i in r["instances"]}
    assert NINE_FINAL_TABLES <= names
    assert len(r["projects"]) == 15
    cells = [c for i in r["instances"] for c in i.cells]
    assert all(c["page"] >= 1 and c["x0"] < c["x1"] and c["top"] < c["bottom"] for c in cells)
    empty = {i.table_name: i for i in r["instances"] if i.table_name in ("government_fund", "state_capital")}
    assert empty["government_fund"].is_empty and "本单位没有" in empty["government_fund"].empty_sentence
    # narrative figures keep their sentence and resolve 项 paths to codes
    figs = r["figures"]
    budget = [f for f in figs if f["figure_kind"] == "budget" and f["subject_code"] == "2010301"]
    assert budget and str(budget[0]["value"]) == "383.47"
    assert "行政运行" in budget[0]["topic"] and "年初预算" in budget[0]["sentence"]


needs_real = pytest.mark.skipif(not REAL.exists(), reason="../shared/corpus/real not present")


@needs_real
@pytest.mark.parametrize("name", ["上海市普陀区财政局2024年度部门决算.pdf", "中共上海市普陀区委社会工作部 2024 年度部门决算.pdf"])
def test_shanghai_final_accounts_all_nine_tables(name):
    r = read_document(REAL / "shanghai-2024-final" / name)
    ident = r["identity"]
    assert (ident.fiscal_year, ident.doc_kind, ident.is_template) == (2024, "final", False)
    assert ident.department_name and "上海市普陀区" in ident.department_name
    found = {i.table_name for i in r["instances"]}
    assert NINE_FINAL_TABLES <= found


@needs_real
def test_shanghai_template_is_recognised_as_template():
    r = read_document(REAL / "shanghai-2024-final" / "附件2：部门决算模板.pdf")
    assert r["identity"].is_template


JIANGSU = {
    # file: (department as printed, fiscal year, part)
    "江苏省人大办公厅/江苏省人大办公厅2017年度预算公开.pdf": ("江苏省人大常委会办公厅", 2017, "full"),
    "江苏省人大办公厅/江苏省人大常委会2019年度部门预算公开.pdf": ("江苏省人大常委会办公厅", 2019, "narrative"),
    "江苏省人大办公厅/江苏省人大常委会办公厅2019年部门预算公开表.pdf": ("江苏省人大常委会办公厅", 2019, "tables"),
    "江苏省人大办公厅/省人大办公厅2018预算公开.pdf": ("江苏省人大常委会办公厅", 2018, "full"),
    "江苏省委办公厅/江苏省委办公厅2017年部门预算.pdf": ("江苏省委办公厅", 2017, "narrative"),
    "江苏省委办公厅/江苏省委办公厅2017年预算公开表格.pdf": ("中国共产党江苏省委员会办公厅", 2017, "tables"),
    "江苏省委办公厅/江苏省委办公厅2018年度部门预算公开文件.pdf": ("江苏省委办公厅", 2018, "narrative"),
    "江苏省委办公厅/江苏省委办公厅2018年度部门预算公开表.pdf": ("中共江苏省委办公厅", 2018, "tables"),
    "江苏省委办公厅/江苏省委办公厅2019年度部门预算公开文件.pdf": ("江苏省委办公厅", 2019, "narrative"),
    "江苏省委办公厅/江苏省委办公厅2019年度部门预算公开表格.pdf": ("中共江苏省委办公厅", 2019, "tables"),
    "江苏省政协办公厅/2017年度部门预算公开表.pdf": ("江苏省政协办公厅", 2017, "tables"),
    "江苏省政协办公厅/江苏省政协办公厅2017年度部门预算.pdf": ("江苏省政协办公厅", 2017, "narrative"),
    "江苏省政协办公厅/江苏省政协办公厅2018年度部门预算.pdf": ("江苏省政协办公厅", 2018, "narrative"),
    "江苏省政协办公厅/江苏省政协办公厅2018度部门预算公开表.pdf": ("江苏省政协办公厅", 2018, "tables"),
    "江苏省政协办公厅/江苏省政协办公厅2019年度部门预算.pdf": ("江苏省政协办公厅", 2019, "narrative"),
    "江苏省政协办公厅/江苏省政协办公厅2019年预算公开表.pdf": ("江苏省政协办公厅", 2019, "tables"),
}


@needs_real
@pytest.mark.parametrize("rel", sorted(JIANGSU))
def test_jiangsu_budget_identified_and_tables_mapped(rel):
    dept, year, part = JIANGSU[rel]
    r = read_document(REAL / "jiangsu-2017-2019-budget" / rel)
    ident = r["identity"]
    assert (ident.doc_kind, ident.fiscal_year, ident.department_name, ident.part) == ("budget", year, dept, part)
    unmapped = [i.printed_title for i in r["instances"] if i.template is None]
    assert not unmapped, unmapped
    if part != "narrative":
        assert {i.table_name for i in r["instances"]} >= {"budget_summary", "budget_three_public"}


def _cells(path, engine, monkeypatch):
    monkeypatch.setenv("FISCAL_PAGE_ENGINE", engine)
    r = read_document(path)
    return {(i.seq, i.table_name, c["row_key"], c["measure"], c["phase"], c["col_index"]): c["value_text"]
            for i in r["instances"] for c in i.cells}


@needs_real
@pytest.mark.parametrize("rel", [
    "shanghai-2024-final/上海市普陀区财政局2024年度部门决算.pdf",  # ONLYOFFICE
    "shanghai-2024-final/中共上海市普陀区委社会工作部 2024 年度部门决算.pdf",  # WPS, scaled text matrices
    "jiangsu-2017-2019-budget/江苏省委办公厅/江苏省委办公厅2019年度部门预算公开表格.pdf",  # PScript, frames
])
def test_pdfium_engine_reads_exactly_what_pdfplumber_reads(rel, monkeypatch):
    a = _cells(REAL / rel, "pdfplumber", monkeypatch)
    b = _cells(REAL / rel, "pdfium", monkeypatch)
    assert a and a == b
