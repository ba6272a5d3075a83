"""Who published what: identity from the pages, with evidence and confidence.

The unit tests feed ``identify`` page texts written the way real templates print them; the
last test compares the extractor with the identities a person labelled for every file of
``../shared/corpus/real/`` (``tests/data/real_identities.csv``) and skips without it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from extract.identify import clean_name, identify, same_organisation
from extract.identity_eval import evaluate, judge, read_labels, summary

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("FISCAL_REAL_CORPUS", ROOT.parent / "shared" / "corpus" / "real"))
if not REAL.exists():  # a helper's worktree sits one level deeper than the main checkout
    REAL = ROOT.parents[1] / "shared" / "corpus" / "real"


def _ident(*pages: str, file_name: str = "x.pdf", has_tables: bool = True, dept_lines=()):
    return identify(list(pages), list(dept_lines), file_name, has_tables=has_tables)


@pytest.mark.parametrize("heading", ["第一部分", "部门综合", "目录", "第二部分2026年度部门预算报表", "一、收支总表"])
def test_headings_are_never_names(heading):
    assert clean_name(heading)[0] is None


def test_names_by_structure():
    assert clean_name("-1-北京市信访办公室部门") == ("北京市信访办公室", None)
    assert clean_name("福州市民政局(本级)") == ("福州市民政局", "own")
    assert clean_name("延边州政务服务和数字化建设管理局（汇总）") == ("延边州政务服务和数字化建设管理局", "consolidated")
    assert clean_name("606-湖州市交通运输局") == ("湖州市交通运输局", None)
    assert clean_name("万元")[0] is None
    assert same_organisation("省人大办公厅", "江苏省人大常委会办公厅")
    assert same_organisation("中共江苏省委办公厅", "中国共产党江苏省委员会办公厅")
    assert not same_organisation("北京市公安局", "北京市公安局交通管理局")


def test_heading_on_the_cover_does_not_become_the_department():
    # cover = table of contents; the name is printed only in an attachment title
    ident = _ident("- 1 -\n第一部分 2026 年度部门预算情况说明\n一、部门情况说明\n第二部分 2026 年度部门预算报表",
                   "附件：北京市审计局2026年度部门预算报表\n", file_name="2026年北京市审计局部门预算.pdf")
    assert (ident.department_name, ident.fiscal_year, ident.doc_kind, ident.scope) == (
        "北京市审计局", 2026, "budget", "consolidated")
    assert ident.identity_confidence >= 0.6 and not ident.review
    assert any(e.page == 2 and "北京市审计局" in e.text for e in ident.evidence)


def test_no_name_anywhere_is_flagged_not_guessed():
    ident = _ident("第一部分 2026 年度部门预算情况说明\n一、部门情况说明", file_name="2026年某市某局部门预算.pdf")
    assert ident.department_name is None or ident.review
    assert any(r["field"] == "department_name" for r in ident.review)


def test_disagreeing_sources_are_flagged():
    ident = _ident("甲市财政局2024年度部门决算", "部门：乙市审计局 单位：万元", "部门：乙市审计局 单位：万元",
                   "部门：乙市审计局 单位：万元")
    assert any(r["code"] == "department_name_conflict" for r in ident.review)


def test_own_level_from_the_name_without_brackets():
    # the synthetic sample prints 青川州教育局本级部门决算 and 部门：青川州教育局本级
    ident = _ident("2022 年度\n青川州教育局本级部门决算", "部门：青川州教育局本级\n单位：元")
    assert (ident.department_name, ident.scope, ident.parent_department) == ("青川州教育局", "own", "青川州教育局")


def test_unit_budget_with_and_without_a_printed_parent():
    ident = _ident("2024年度\n某区社会福利院单位预算", "主管部门：某区民政局\n单位名称：某区社会福利院 单位：万元")
    assert (ident.department_name, ident.scope, ident.parent_department) == ("某区社会福利院", "unit", "某区民政局")
    assert not ident.review
    inferred = _ident("2026 年度\n福州市公安局治安管理支队\n单位预算")
    assert (inferred.scope, inferred.parent_department) == ("unit", "福州市公安局")
    assert [r["code"] for r in inferred.review if r["field"] == "parent_department"] == ["parent_inferred"]
    missing = _ident("上海市普陀区社会福利院2024年单位预算\n预算单位：上海市普陀区社会福利院")
    assert (missing.scope, missing.parent_department) == ("unit", None)
    assert [r["code"] for r in missing.review if r["field"] == "parent_department"] == ["parent_missing"]


def test_unit_budget_titled_department_budget_is_a_unit():
    # another city's template: a 学院's budget titled 部门预算, its tables headed by both names
    header = "主管部门：某市教育局\n预算单位：某市职业技术学院 单位：万元\n收支总表"
    ident = _ident("某市职业技术学院2025年部门预算", header, header)
    assert (ident.department_name, ident.scope, ident.parent_department) == ("某市职业技术学院", "unit", "某市教育局")
    one_page = _ident("某市职业技术学院2025年部门预算", header)
    assert (one_page.scope, one_page.parent_department) == ("unit", "某市教育局") or one_page.review


def test_department_budget_named_by_its_budget_authority():
    ident = _ident("上海市普陀区2025年区级部门预算\n预算主管部门：上海市普陀区财政局", "编制部门：上海市普陀区财政局 单位：元")
    assert (ident.department_name, ident.fiscal_year, ident.scope) == ("上海市普陀区财政局", 2025, "consolidated")


def test_column_headers_do_not_vote_for_another_year():
    ident = _ident("重庆市水利局2026年部门预算情况说明", "项目\n2025年预算\n2026年预算数", "2025年预算\n2025年预算数")
    assert ident.fiscal_year == 2026 and not ident.review


def test_judge_counts_a_flagged_mistake_apart_from_a_silent_one():
    label = {"is_disclosure": "yes", "department": "甲局", "department_aliases": "", "fiscal_year": "2026",
             "doc_kind": "budget", "scope": "consolidated", "parent_department": ""}
    got = {"department_name": "第一部分", "fiscal_year": 2026, "doc_kind": "budget", "scope": "consolidated"}
    assert judge(label, got)[0] == "wrong"
    assert judge(label, {**got, "identity_review": [{"code": "x"}]})[0] == "flagged"
    assert judge(label, {**got, "department_name": "甲局"})[0] == "right"
    assert judge({**label, "is_disclosure": "no_html"}, None)[0] == "right"


@pytest.mark.slow
@pytest.mark.skipif(not REAL.exists(), reason="../shared/corpus/real not present")
def test_labelled_real_identities_right_or_flagged():
    rows = evaluate(REAL, read_labels())
    assert len(rows) == len(read_labels())
    wrong = [(r["path"], r["diff"], r["got"]) for r in rows if r["verdict"] == "wrong"]
    assert not wrong, wrong
    counts = summary(rows)["(all)"]
    # flagging everything would pass the line above: most must be plainly right
    assert counts["right"] >= 0.9 * len(rows), counts
