"""Table reading on small rendered documents: the layouts that are easy to get wrong."""
from __future__ import annotations

from decimal import Decimal

import pytest

from corpus.model import Cell, Document, Paragraph, Table
from extract.api import read_document

render_reportlab = pytest.importorskip("corpus.render_reportlab")


def _render(tmp_path, tables, lines=("2023年度青川州测试局部门决算",)):
    doc = Document(title_lines=list(lines), blocks=[Paragraph("本部门2023年度部门决算情况说明。")] + list(tables))
    path = tmp_path / "t.pdf"
    try:
        render_reportlab.render(doc, path)
    except render_reportlab.FontMissingError as exc:  # pragma: no cover - font package absent
        pytest.skip(str(exc))
    return read_document(path)


def _fund_table(total_row):
    header = [[Cell("科目代码"), Cell("科目名称"), Cell("年初结转和结余"), Cell("本年收入"), Cell("本年支出"),
               Cell("年末结转和结余")]]
    return Table(title="政府性基金预算财政拨款收入支出决算表", code="公开07表", header_rows=header,
                 body_rows=[total_row], col_widths=[1, 2, 1, 1, 1, 1], dept_line="部门：青川州测试局",
                 after_text="本单位没有政府性基金预算财政拨款。")


def test_empty_table_with_dashes_in_its_total_row_keeps_the_dashes(tmp_path):
    row = [Cell("合计", colspan=2)] + [Cell("-", align="right") for _ in range(4)]
    r = _render(tmp_path, [_fund_table(row)])
    inst = next(i for i in r["instances"] if i.table_name == "government_fund")
    kinds = {c["measure"]: c["value_kind"] for c in inst.cells if c["row_key"] == "合计"}
    assert kinds == {"carryover_begin": "dash", "income_current": "dash", "expenditure_total": "dash",
                     "carryover_end": "dash"}
    assert all(c["amount"] is None for c in inst.cells)
    assert inst.is_empty and inst.empty_sentence.startswith("本单位没有")


def test_blank_and_zero_are_kept_apart(tmp_path):
    row = [Cell("合计", colspan=2), Cell(""), Cell("0.00", align="right"), Cell("1,234.50", align="right"),
           Cell("-", align="right")]
    r = _render(tmp_path, [_fund_table(row)])
    inst = next(i for i in r["instances"] if i.table_name == "government_fund")
    got = {c["measure"]: (c["value_kind"], c["amount"]) for c in inst.cells}
    assert got["carryover_begin"] == ("blank", None)
    assert got["income_current"][0] == "zero" and got["income_current"][1] == 0
    assert got["expenditure_total"][1] == Decimal("1234.50")
    assert got["carryover_end"] == ("dash", None)
    assert not inst.is_empty
