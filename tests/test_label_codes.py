"""科目 codes printed inside a row's label (``[301]工资福利支出``) become the row's subject_code,
and a whole-number amount (``791``) in a table without a code column stays an amount."""
from __future__ import annotations

from decimal import Decimal

from extract.codes import code_classification, split_label_code
from extract.tables import read_table
from tests.test_extract_cells import _grid, _instance


def test_a_code_in_brackets_or_before_a_space_is_the_labels_code():
    assert split_label_code("[301]工资福利支出", "economic") == ("301", "工资福利支出")
    assert split_label_code("[30101]基本工资", "economic") == ("30101", "基本工资")
    assert split_label_code("【301】工资福利支出", "economic") == ("301", "工资福利支出")
    assert split_label_code("（301）工资福利支出", "economic") == ("301", "工资福利支出")
    assert split_label_code("301 工资福利支出", "economic") == ("301", "工资福利支出")
    assert split_label_code("[2010101]行政运行", "functional") == ("2010101", "行政运行")
    assert split_label_code("[512]债务还本支出", "economic") == ("512", "债务还本支出")  # 政府预算经济分类
    assert split_label_code("[20132]组织事务") == ("20132", "组织事务")  # no classification: either catalog


def test_a_number_that_is_no_code_of_the_classification_is_not_taken():
    for label in ("2019年预算", "2019 年预算", "791", "301", "1 基本工资", "301 302", "[791]电费",
                  "301工资福利支出",  # no bracket, no space: the digits may be part of the name
                  "（一）工资福利支出"):
        assert split_label_code(label, "economic") is None, label
    assert split_label_code("[2010101]行政运行", "economic") is None  # a 功能分类 code in an 经济分类 table
    assert split_label_code("[301]工资福利支出", "functional") is None
    assert split_label_code("[3010101]工资", "economic") is None  # 经济分类 has no 7-digit codes
    assert code_classification("791") is None and code_classification("2019") is None
    assert code_classification("30206") == "economic" and code_classification("2080505") == "functional"


def test_a_label_printing_its_code_gives_subject_code_and_a_clean_line_name():
    grid = _grid([["项目", "本年一般公共预算基本支出"],
                  ["合计", "15.00"],
                  ["[301]工资福利支出", "15.00"],
                  ["[30101]基本工资", "10.00"],
                  ["301 02 津贴补贴", "5.00"],  # not a code followed by a name: left as printed
                  ["2019年预算", "0.00"]])
    inst = _instance("budget_general_basic", grid)
    read_table(inst)
    got = {c["row_key"]: (c["subject_code"], c["line_name"], c["subject_level"], c["parent_code"], c["classification"])
           for c in inst.cells}
    assert got["[301]工资福利支出"] == ("301", "工资福利支出", 1, None, "economic")
    assert got["[30101]基本工资"] == ("30101", "基本工资", 2, "301", "economic")
    assert got["30102津贴补贴"][0] is None and got["2019年预算"][0] is None and got["合计"][0] is None


def test_a_functional_label_code_in_a_functional_table():
    grid = _grid([["项目", "合计", "基本支出", "项目支出"],
                  ["合计", "15.00", "15.00", ""],
                  ["[201]一般公共服务支出", "15.00", "15.00", ""],
                  ["【20132】组织事务", "15.00", "15.00", ""],
                  ["2013299 其他组织事务支出", "15.00", "15.00", ""]])
    inst = _instance("budget_general_expenditure", grid)
    read_table(inst)
    got = {c["row_key"]: (c["subject_code"], c["line_name"]) for c in inst.cells}
    assert got == {"合计": (None, "合计"), "[201]一般公共服务支出": ("201", "一般公共服务支出"),
                   "【20132】组织事务": ("20132", "组织事务"), "2013299其他组织事务支出": ("2013299", "其他组织事务支出")}


def test_a_whole_number_amount_is_not_read_as_a_code_column():
    """Hangzhou 2026 交通运输局 p. 32: 电费 prints ``791`` in the 合计 column of a table without a
    code column; that column is amounts, the row has no code."""
    grid = _grid([["经济分类科目名称", "合计", "人员经费", "日常公用支出"],
                  ["合计", "1,056.10", "", "1,056.10"],
                  ["水费", "150.1", "", "150.1"],
                  ["电费", "791", "", "791"],
                  ["邮电费", "114.50", "", "114.50"]])
    inst = _instance("budget_general_basic", grid)
    read_table(inst)
    power = [c for c in inst.cells if c["line_name"] == "电费"]
    assert {c["row_key"] for c in power} == {"电费"} and all(c["subject_code"] is None for c in power)
    assert {c["col_index"]: c["amount"] for c in power} == {1: Decimal("791"), 2: None, 3: Decimal("791")}
    total = [c for c in inst.cells if c["row_key"] == "合计" and c["col_index"] == 1]
    assert total and total[0]["amount"] == Decimal("1056.10")


def test_a_code_column_without_a_header_is_still_found():
    grid = _grid([["", "项目", "合计"],
                  ["", "合计", "15.00"],
                  ["301", "工资福利支出", "15.00"],
                  ["30101", "基本工资", "15.00"]])
    inst = _instance("budget_general_basic", grid)
    read_table(inst)
    assert {c["line_name"]: c["subject_code"] for c in inst.cells} == {
        "合计": None, "工资福利支出": "301", "基本工资": "30101"}
