"""The reportlab renderer: text, ruled grids with merged headers, determinism."""
from __future__ import annotations

import pathlib

import pytest

pdfplumber = pytest.importorskip("pdfplumber")

from corpus import render_reportlab  # noqa: E402
from corpus.model import Cell, Document, Heading, Paragraph, RenderOptions, Table  # noqa: E402


def _font_or_skip():
    try:
        render_reportlab.font_path()
    except render_reportlab.FontMissingError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(str(exc))


def _doc(options: RenderOptions | None = None) -> Document:
    header = [
        [Cell("项 目", colspan=2, align="center"), Cell("本年支出", colspan=3, align="center")],
        [Cell("科目编码", align="center"), Cell("科目名称", align="center"), Cell("小计", align="center"),
         Cell("人员经费", align="center"), Cell("公用经费", align="center")],
    ]
    body = [
        [Cell("合计", colspan=2, align="center", bold=True), Cell("1,266.26", align="right"),
         Cell("441.67", align="right"), Cell("77.06", align="right")],
        [Cell("2080505"), Cell("机关事业单位基本养老保险缴费支出"), Cell("43.17", align="right"),
         Cell("43.17", align="right"), Cell("", align="right")],
    ]
    table = Table(title="一般公共预算财政拨款支出决算表", header_rows=header, body_rows=body,
                  col_widths=[1.2, 1.0, 1, 1, 1], code="公开05表", dept_line="部门：测试局",
                  notes=["注：本表反映部门本年度一般公共预算财政拨款支出情况。"],
                  after_text="本单位没有政府性基金预算财政拨款。")
    return Document(title_lines=["2023 年度", "测试局部门决算"],
                    blocks=[Heading("第一部分 部门概况"), Paragraph("一、部门主要职责。" * 5), table],
                    options=options or RenderOptions(), metadata_title="测试", metadata_author="测试局")


def test_text_and_grid(tmp_path: pathlib.Path):
    _font_or_skip()
    out = tmp_path / "t.pdf"
    render_reportlab.render(_doc(), out)
    with pdfplumber.open(out) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
        assert "一般公共预算财政拨款支出决算表" in text
        assert "公开05表" in text and "部门：测试局" in text and "本单位没有政府性基金预算财政拨款。" in text
        tables = [t for p in pdf.pages for t in p.find_tables()]
        assert len(tables) == 1
        rows = tables[0].extract()
        assert rows[0][0] == "项 目" and rows[0][1] is None  # merged header cell, no interior line
        assert rows[0][2] == "本年支出" and rows[0][3] is None and rows[0][4] is None
        assert rows[2][:3] == ["合计", None, "1,266.26"]
        # the long label wraps inside one cell
        assert rows[3][1].replace("\n", "") == "机关事业单位基本养老保险缴费支出"
        assert "\n" in rows[3][1]
        assert pdf.metadata.get("Title") == "测试"


def test_deterministic(tmp_path: pathlib.Path):
    _font_or_skip()
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    render_reportlab.render(_doc(), a)
    render_reportlab.render(_doc(), b)
    assert a.read_bytes() == b.read_bytes()


def test_bold_twice_duplicates_chars(tmp_path: pathlib.Path):
    _font_or_skip()
    out = tmp_path / "b.pdf"
    render_reportlab.render(_doc(RenderOptions(bold_twice=True)), out)
    with pdfplumber.open(out) as pdf:
        chars = "".join(c["text"] for p in pdf.pages for c in p.chars)
    # each bold run is drawn twice: the title text appears twice in the character stream
    assert chars.count("一般公共预算财政拨款支出决算表") == 2
    assert chars.count("机关事业单位基本养老保险缴费支出") == 1  # regular text once


def test_kangxi_only_with_glyph(tmp_path: pathlib.Path):
    _font_or_skip()
    out = tmp_path / "k.pdf"
    render_reportlab.render(_doc(RenderOptions(kangxi_radicals=True)), out)
    with pdfplumber.open(out) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
    ctx = render_reportlab._make_ctx(RenderOptions(kangxi_radicals=True))
    if "一" in ctx.kangxi:
        assert "\u2f00" in text
    else:
        assert "一" in text
