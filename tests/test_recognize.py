"""Recognition of tables by title and header (extract.recognize), the 目录 listing
(extract.toc) and the generic reading of tables no template names."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from extract.grid import Cell, Grid
from extract.recognize import name_by_title, normalise_title, recognise
from extract.tables import TableInstance, read_table
from extract.toc import listed_tables

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "real"
if not REAL.exists():  # a worktree beside the main checkout
    REAL = Path("/work/shared/corpus/real")


@pytest.mark.parametrize("printed, department, expected", [
    ("公开01表:收支预算总表", None, "收支总表"),
    ("一、2018年度江苏省委办公厅收支预算总表", "江苏省委办公厅", "收支总表"),
    ("表1:2026年市级部门收支预算总表", None, "收支总表"),
    ("部门公开表1部门收支总表", None, "收支总表"),
    ("2026年部门收支总体情况表", None, "收支总表"),
    ("表1-1 2026年预算单位财务收支预算总表", None, "财务收支总表"),
    ("表一 收入总体情况表", None, "收入总表"),
    ("公开表3 一般公共预算支出情况表(按功能分类科目)", None, "一般公共预算支出表"),
    ("财政拨款支出预算表(功能科目)", None, "财政拨款支出表"),
    ("国有资本经营预算支出预算表", None, "国有资本经营预算支出表"),
])
def test_titles_are_normalised(printed, department, expected):
    assert normalise_title(printed, department) == expected


TWO_SIDED = [["收入", "项目"], ["收入", "预算数"], ["支出", "项目"], ["支出", "预算数"]]
TWO_SIDED_ROWS = [["一、一般公共预算拨款收入", "100.00", "一、一般公共服务支出", "100.00"],
                  ["二、事业收入", "", "", ""], ["收入总计", "100.00", "支出总计", "100.00"]]
CODED = [["科目编码"], ["科目名称"], ["合计"], ["基本支出"], ["项目支出"]]
CODED_ROWS = [["", "合计", "30.00", "20.00", "10.00"], ["201", "一般公共服务支出", "30.00", "20.00", "10.00"],
              ["20101", "人大事务", "30.00", "20.00", "10.00"]]
ECONOMIC_ROWS = [["301", "工资福利支出", "30.00", "20.00", "10.00"], ["30101", "基本工资", "30.00", "20.00", "10.00"]]


def test_the_substring_traps_name_the_exact_table():
    # 收支总表 ⊂ 财政拨款收支总表, as strings; as terms they differ
    assert recognise("收支总表", TWO_SIDED, TWO_SIDED_ROWS, doc_kind="budget").template.id == "budget_summary"
    assert recognise("财政拨款收支总表", TWO_SIDED, TWO_SIDED_ROWS, doc_kind="budget").template.id == \
        "budget_fiscal_summary"
    # 支出决算表 ⊂ 一般公共预算财政拨款支出决算表
    assert recognise("支出决算表", CODED, CODED_ROWS, doc_kind="final").template.id == "expenditure"
    assert recognise("一般公共预算财政拨款支出决算表", CODED, CODED_ROWS, doc_kind="final").template.id == \
        "general_budget_expenditure"


def test_recognition_records_how_and_a_score():
    r = recognise("2026年部门收支总体情况表", TWO_SIDED, TWO_SIDED_ROWS, doc_kind="budget")
    assert (r.template.id, r.by, r.ambiguous) == ("budget_summary", "both", False)
    assert 0.5 < r.score <= 1 and r.normalised_title == "收支总表"
    assert r.candidates[0][0] == "budget_summary"


def test_a_table_without_title_is_named_by_its_header():
    paths = [["单位名称"], ["“三公”经费合计"], ["因公出国(境)费"], ["公务用车购置及运行费", "小计"],
             ["公务用车购置及运行费", "公务用车购置费"], ["公务用车购置及运行费", "公务用车运行维护费"], ["公务接待费"]]
    r = recognise(None, paths, [["合计", "7.00", "1.00", "5.00", "2.00", "3.00", "1.00"]], doc_kind="budget")
    assert (r.template.id, r.by) == ("budget_three_public", "header")


def test_two_templates_alike_are_ambiguous_never_a_silent_pick():
    # 支出总表, 一般公共预算支出表 and 政府性基金预算支出表 print the same header: without a
    # title nothing says which it is
    r = recognise(None, CODED, CODED_ROWS, doc_kind="budget")
    assert r.template is None and r.ambiguous
    assert len(r.candidates) >= 2


def test_codes_of_the_other_classification_veto_a_title():
    r = recognise("一般公共预算项目支出情况表(按经济分类科目)", CODED, ECONOMIC_ROWS, doc_kind="budget")
    assert r.template is not None and r.template.classification == "economic"
    r = recognise("一般公共预算支出表", CODED, ECONOMIC_ROWS, doc_kind="budget")
    assert r.template is None or r.template.id != "budget_general_expenditure"


def test_a_table_nobody_knows_stays_unrecognised():
    paths = [["序号"], ["项目名称"], ["结构内容"], ["收费标准"]]
    r = recognise(None, paths, [["1", "快速路沥青路面", "沥青砼15cm", "342元/m2"]], doc_kind="budget")
    assert r.template is None and not r.ambiguous


def _grid(rows: list[list[str]], page: int = 3) -> Grid:
    cells = [Cell(r, k, 1, 1, text, (k * 50.0, r * 20.0, k * 50.0 + 50, r * 20.0 + 20))
             for r, row in enumerate(rows) for k, text in enumerate(row)]
    n_rows, n_cols = len(rows), len(rows[0])
    return Grid(page, (0, 0, n_cols * 50.0, n_rows * 20.0), [k * 50.0 for k in range(n_cols + 1)],
                [r * 20.0 for r in range(n_rows + 1)], cells)


def test_an_unrecognised_table_keeps_every_number_with_row_key_and_header_path():
    grid = _grid([["科目编码", "科目名称", "本年收入", "上年结转"],
                  ["", "合计", "12.50", "1.00"],
                  ["201", "一般公共服务支出", "12.50", "1.00"],
                  ["30101", "基本工资", "3.00", "-"]])
    inst = TableInstance(1, None, "某某新表", None, "万元", None, grids=[grid])
    read_table(inst)
    numeric = {(c["row_key"], c["header_path"]): c for c in inst.cells if c["amount"] is not None}
    assert set(numeric) == {("合计", "本年收入"), ("合计", "上年结转"), ("201", "本年收入"), ("201", "上年结转"),
                            ("30101", "本年收入")}
    assert numeric[("201", "本年收入")]["classification"] == "functional"
    assert numeric[("30101", "本年收入")]["classification"] == "economic"
    assert all(c["measure"] is None and c["table_name"] == "unmapped" for c in inst.cells)


@dataclass
class _Page:
    number: int
    text: str


def test_the_toc_lists_tables_found_printed_or_absent():
    pages = [_Page(1, "某局2026年度部门预算"),
             _Page(2, "目 录\n第一部分 部门概况\n第二部分 2026年度部门预算表\n一、收支总表……3\n"
                      "二、财政拨款收支总表\n三、政府采购支出表\n第三部分 情况说明"),
             _Page(3, "一、收支总表\n单位:万元"),
             _Page(4, "二、财政拨款收支总表\n单位:万元")]
    rec = recognise("收支总表", TWO_SIDED, TWO_SIDED_ROWS, doc_kind="budget")
    inst = TableInstance(1, rec.template, "收支总表", None, None, None, grids=[_grid([["a"]])], recognition=rec)
    rows = listed_tables(pages, [inst], doc_kind="budget")
    assert [(r["table_name"], r["is_found"], r["printed_page"]) for r in rows] == [
        ("budget_summary", True, 3), ("budget_fiscal_summary", False, 4), ("budget_procurement", False, None)]


def test_a_toc_title_alone_must_be_clear():
    assert name_by_title("八、一般公共预算“三公”经费支出表", doc_kind="budget")[0].id == "budget_three_public"
    assert name_by_title("第三部分 情况说明表", doc_kind="budget")[0] is None


@pytest.mark.slow
@pytest.mark.skipif(not REAL.exists(), reason="../shared/corpus/real not present")
def test_real_budgets_of_a_city_are_recognised_and_keep_their_numbers():
    from extract.survey import survey

    docs = [d for d in survey(REAL, only="006_苏州") if d.status == "read"]
    tables = [t for d in docs for t in d.tables]
    assert len(docs) >= 5 and len(tables) >= 60
    assert sum(t.recognised for t in tables) / len(tables) >= 0.97
    assert not any(t.ambiguous for t in tables)
    assert sum(t.identities_held for t in tables) >= 0.99 * sum(t.identities for t in tables)


def test_the_operator_list_of_unrecognised_tables_from_the_warehouse():
    import duckdb

    from extract.survey import unrecognised_in_warehouse

    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.document_registry (document_id varchar, status varchar, file_path varchar)")
    con.execute("create table raw.extracted_table (document_id varchar, table_seq integer, is_mapped boolean, "
                "normalised_title varchar, is_ambiguous boolean, first_page integer, recognition_candidates varchar)")
    con.execute("insert into raw.document_registry values ('a', 'loaded', 'x/a.pdf'), ('b', 'loaded', 'x/b.pdf'), "
                "('c', 'superseded', 'x/c.pdf')")
    con.execute("insert into raw.extracted_table values ('a', 1, false, '新表', false, 7, '[]'), "
                "('b', 3, false, '新表', true, 9, '[]'), ('b', 4, true, '收支总表', false, 2, '[]'), "
                "('a', 2, false, null, false, 8, '[]'), ('c', 1, false, '新表', false, 1, '[]')")
    rows = unrecognised_in_warehouse(con)
    assert [(r["normalised_title"], r["tables"], r["documents"], r["ambiguous"]) for r in rows] == [
        ("新表", 2, 2, 1), ("(无标题)", 1, 1, 0)]
    assert rows[0]["example"] == "x/a.pdf 第7页"


def test_a_performance_target_form_becomes_one_row_per_indicator():
    from extract.catalog import load_catalog
    from extract.perf_target import read_performance_targets

    grid = _grid([["项目名称", "办公楼物业", "", "", ""],
                  ["主管部门", "某局", "", "实施单位", "某中心"],
                  ["专项资金情况(万元)", "资金总额", "", "25.89", ""],
                  ["年度目标", "保障办公楼运转", "", "", ""],
                  ["绩效目标指标", "一级指标", "二级指标", "三级指标", "指标值"],
                  ["", "产出指标", "数量指标", "物业管理面积", "≤5137.26平方米"],
                  ["", "", "质量指标", "及时处理率", "=100%"]])
    inst = TableInstance(4, load_catalog().by_id("budget_performance_target"), "办公楼物业项目绩效目标表",
                         None, None, None, grids=[grid])
    rows = read_performance_targets(inst)
    assert [(r["project_name"], r["level1"], r["level2"], r["level3"], r["target_value"]) for r in rows] == [
        ("办公楼物业", "产出指标", "数量指标", "物业管理面积", "≤5137.26平方米"),
        ("办公楼物业", "产出指标", "质量指标", "及时处理率", "=100%")]
    assert rows[0]["department"] == "某局" and rows[0]["implementing_unit"] == "某中心"
    assert str(rows[0]["funds_printed"]) == "25.89" and rows[0]["unit"] == "万元"
    assert rows[0]["goal"] == "保障办公楼运转"


def test_a_performance_target_list_carries_the_project_down():
    from extract.catalog import load_catalog
    from extract.perf_target import read_performance_targets

    grid = _grid([["单位名称", "项目名称", "金额", "项目总体绩效目标"],
                  ["**", "**", "**", "**"],
                  ["某中心", "低碳交通推广", "1,012.17", "完成推广"],
                  ["", "航道养护", "300.00", "保障通航"]])
    inst = TableInstance(2, load_catalog().by_id("budget_performance_target"), "项目支出绩效表", None, "万元",
                         None, grids=[grid])
    rows = read_performance_targets(inst)
    assert [(r["department"], r["project_name"], r["funds_text"]) for r in rows] == [
        ("某中心", "低碳交通推广", "1,012.17"), ("某中心", "航道养护", "300.00")]
