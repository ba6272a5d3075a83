"""Cell values re-assembled from their printed lines, and tables that print amounts but
yield none (an extraction failure recorded for the operator, never ``is_empty``)."""
from __future__ import annotations

from decimal import Decimal

from extract.catalog import load_catalog
from extract.grid import Cell, Grid
from extract.tables import TableInstance, read_table


def _grid(rows: list[list[str]], *, page: int = 3, widths: float = 60.0, height: float = 14.0) -> Grid:
    """A ruled grid of one-slot cells; a cell's text may hold several printed lines (``\\n``)."""
    n_cols = len(rows[0])
    xs = [40 + k * widths for k in range(n_cols + 1)]
    ys = [100 + r * height for r in range(len(rows) + 1)]
    cells = []
    for r, row in enumerate(rows):
        for k, text in enumerate(row):
            lines = text.split("\n") if text else []
            cells.append(Cell(r, k, 1, 1, "".join(lines), (xs[k], ys[r], xs[k + 1], ys[r + 1]), lines))
    return Grid(page, (xs[0], ys[0], xs[-1], ys[-1]), xs, ys, cells)


def _instance(table_id: str, grid: Grid) -> TableInstance:
    t = load_catalog().by_id(table_id)
    return TableInstance(seq=1, template=t, printed_title=t.titles[0], printed_number=None, unit="万元",
                         dept_line=None, grids=[grid])


HEADER_01 = ["项目", "行次", "决算数", "项目", "行次", "决算数"]


def test_a_number_wrapped_inside_its_cell_is_one_value():
    grid = _grid([HEADER_01,
                  ["一、财政拨款收入", "1", "548.3\n3", "一、一般公共服务支出", "32", "5257.2\n8"],
                  ["本年收入合计", "2", "548.33", "本年支出合计", "33", "5,257.\n28"]])
    inst = _instance("income_expenditure_summary", grid)
    read_table(inst)
    got = {(c["side"], c["row_number"]): c["amount"] for c in inst.cells}
    assert got == {("income", 1): Decimal("548.33"), ("expenditure", 32): Decimal("5257.28"),
                   ("income", 2): Decimal("548.33"), ("expenditure", 33): Decimal("5257.28")}
    assert not inst.is_empty and inst.problem is None


def test_a_table_that_prints_amounts_but_yields_none_is_an_extraction_failure():
    # no ruling line between the body rows: every amount column is one cell holding all the
    # amounts of the column, which is not one amount
    grid = _grid([HEADER_01,
                  ["一、财政拨款收入\n本年收入合计", "1\n2", "548.33\n548.33", "一、一般公共服务支出\n本年支出合计",
                   "32\n33", "548.33\n548.33"]], page=7)
    inst = _instance("income_expenditure_summary", grid)
    read_table(inst)
    assert not [c for c in inst.cells if c["amount"] is not None]
    assert not inst.is_empty, "a table whose cells print amounts is not a table printed empty"
    assert inst.problem and inst.problem.startswith("第7页") and "548.33" in inst.problem
    texts = [c for c in inst.cells if c["measure"] and c["value_kind"] == "text"]
    assert texts and all(c["value_text"] == "548.33548.33" for c in texts)  # kept as text, never blank


def test_a_table_printed_empty_is_still_empty():
    grid = _grid([["科目编码", "科目名称", "年初结转和结余", "本年收入", "本年支出", "年末结转和结余"],
                  ["合计", "", "-", "-", "", "-"]])
    inst = _instance("government_fund", grid)
    read_table(inst)
    assert inst.is_empty and inst.problem is None


def test_an_unread_table_is_reported_for_the_operator_and_its_rules_lack_data(tmp_path):
    from expectations.testing import clean_truth, find_table
    from tests.test_rules_engine import one

    truth = clean_truth()
    t01 = find_table(truth, "income_expenditure_summary")
    t01["cells"] = []
    t01["extraction_problem"] = "第4页 收入支出决算总表：表内印有30个金额（如“548.33”），但未能读出任何金额"
    t01["first_page"] = 4
    res = one(tmp_path, truth)
    status, _, findings = res["E_TABLE_UNREAD"]
    assert status == "fail" and findings[0]["page"] == 4 and findings[0]["category"] == "extraction"
    assert findings[0]["table_name"] == "income_expenditure_summary"
    # the identities of 01 are not judged on a table that was not read, nor called "printed empty"
    assert res["T01_INCOME_TOTAL"][0] == "insufficient_data"
    assert res["E_CELL_UNPARSED"][0] == "pass"


# characters XML cannot hold (an Excel workbook of a page whose text layer maps a dash to
# U+FFFE would not open): noncharacters, C0 controls, a lone surrogate
ILLEGAL = ["\ufffe", "\uffff", "\ufdd0", "\U0001fffe", "\x00", "\x08", "\x1b", "\ud800"]


def test_normalised_text_holds_no_character_xml_cannot_hold():
    from extract.text import compact, normalize

    for ch in ILLEGAL:
        assert normalize(f"合{ch}计") == "合计", repr(ch)
    assert normalize("本年\x0c收入") == "本年 收入"  # a control that is whitespace stays a space
    assert normalize("一\t二\n三\r") == "一\t二\n三\r"
    assert compact("⼀般公共\ufffe预算") == "一般公共预算"  # the radical map still applies


def _chars(text: str, x0: float, top: float, size: float = 9.0) -> list[dict]:
    return [{"text": ch, "x0": x0 + i * size, "x1": x0 + (i + 1) * size, "top": top, "bottom": top + size,
             "size": size} for i, ch in enumerate(text)]


def test_a_cell_read_from_characters_holds_no_character_xml_cannot_hold():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from extract.grid import chars_text
    from extract.unruled import tokens_by_line
    from extract.values import parse_value

    chars = _chars("1\ufffe2.5\x000", 100, 50)
    assert chars_text(chars) == "12.50"  # a ruled cell's text
    (line,) = tokens_by_line(chars + _chars("合\uffff计", 20, 50))
    assert [t.text for t in line] == ["合计", "12.50"]  # an unruled table's cells
    assert parse_value(chars_text(chars)).printed == Decimal("12.50")
    assert not any(ILLEGAL_CHARACTERS_RE.search(t.text) or "\ufffe" in t.text for t in line)


def test_a_code_printed_on_two_rows_of_a_table_keeps_both_rows():
    from expectations.rules import Doc
    from extract.catalog import number_repeated_codes

    grid = _grid([["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"],
                  ["", "合计", "15.00", "15.00", ""],
                  ["2010101", "行政运行", "10.00", "10.00", ""],
                  ["2010101", "行政运行", "5.00", "5.00", ""],
                  ["2010102", "一般行政管理事务", "0.00", "", ""]])
    inst = _instance("expenditure", grid)
    read_table(inst)
    number_repeated_codes([inst])
    totals = {c["row_key"]: (c["subject_code"], c["amount"]) for c in inst.cells if c["measure"] == "expenditure_total"}
    assert totals == {"合计": (None, Decimal("15.00")), "2010101": ("2010101", Decimal("10.00")),
                      "2010101#2": ("2010101", Decimal("5.00")), "2010102": ("2010102", Decimal("0.00"))}
    doc = Doc.from_rows({"document_id": "d"}, inst.cells)
    rows = doc.rows("expenditure")
    assert [r.row_key for r in rows] == ["合计", "2010101", "2010101#2", "2010102"]
    assert rows[2].subject_code == "2010101" and rows[2].cells[("expenditure_total", "final")]["amount"] == Decimal("5")


def test_a_kuan_printed_without_its_leading_zero_is_still_its_code():
    """``301 | 2 津贴补贴`` (a budget's 基本支出 table printing 款 2 for 02): the code is
    30102 by the code's 3 + 2 + 2 structure, not a row without a code."""
    from extract.rows import join_code_parts

    assert join_code_parts(["301", "2"]) == "30102"
    assert join_code_parts(["301 7"]) == "30107"  # both parts in one cell
    assert join_code_parts(["201", "01", "02"]) == "2010102"
    assert join_code_parts(["2 0 1"]) == "201"  # a spaced-out code is still joined first
    assert join_code_parts(["3012"]) is None and join_code_parts(["", "合计"]) is None
    grid = _grid([["类", "款", "科目名称", "本年支出合计", "基本支出", "项目支出"],
                  ["", "", "合计", "15.00", "15.00", ""],
                  ["301", "", "工资福利支出", "15.00", "15.00", ""],
                  ["301", "2", "津贴补贴", "10.00", "10.00", ""],
                  ["301", "7", "绩效工资", "5.00", "5.00", ""]])
    inst = _instance("expenditure", grid)
    read_table(inst)
    codes = {c["line_name"]: c["subject_code"] for c in inst.cells if c["measure"] == "expenditure_total"}
    assert codes == {"合计": None, "工资福利支出": "301", "津贴补贴": "30102", "绩效工资": "30107"}
