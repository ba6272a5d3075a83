"""Layouts of the third producer (LibreOffice, corpus/sample/libreoffice): unruled tables,
numbers wrapped inside narrow cells, letter-spaced labels, 科目编码 split over 类|款|项,
landscape pages, long tables broken over pages. The committed PDFs need no LibreOffice;
regenerating them does (skipped, naming the package, where it is missing)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import sysdeps
from corpus.model import Cell, Table
from corpus.render_odt import PACKAGE, Layout, letter_space, split_code_column
from extract.api import read_document
from extract.evaluate import evaluate
from extract.text import compact

ROOT = Path(__file__).resolve().parents[1]
LO = ROOT / "corpus" / "sample" / "libreoffice"


def _truths() -> list[Path]:
    return sorted(LO.glob("*.truth.json"))


def test_every_layout_variant_is_in_the_sample():
    variants = set()
    for p in _truths():
        doc = json.loads(p.read_text(encoding="utf-8"))["document"]
        assert doc["producer_family"] == "libreoffice"
        variants |= set(doc["variants"])
    assert {"ruled", "unruled", "narrow_amounts", "letter_spaced", "split_codes", "long_tables",
            "repeat_header", "no_repeat_header"} <= variants
    assert any(v.startswith("landscape:") for v in variants)


@pytest.mark.slow
def test_libreoffice_sample_cells_exact():
    res = evaluate(_truths())
    n, hit, m, ok = res["stats"]["all"]
    assert n > 4000
    assert (hit, ok) == (n, m), res["misses"][:10]
    for group in ("variant:unruled", "variant:narrow_amounts", "variant:letter_spaced", "variant:split_codes"):
        n, hit, m, ok = res["stats"][group]
        assert n and (hit, ok) == (n, m), group


def test_unruled_tables_are_marked_and_wrapped_numbers_are_one_value():
    r = read_document(LO / "2025_hlth_hz.pdf")  # unruled, amount columns too narrow for their numbers
    tables = [i for i in r["instances"] if i.template is not None and i.template.layout != "performance"]
    assert tables and all(not i.ruled for i in tables)
    assert not any(i.problem for i in tables)
    t01 = next(i for i in tables if i.table_name == "income_expenditure_summary")
    truth = json.loads((LO / "2025_hlth_hz.truth.json").read_text(encoding="utf-8"))
    wrapped = [c for t in truth["tables"] if t["table_name"] == "income_expenditure_summary" for c in t["cells"]
               if c["value"] and len(c["printed"]) > 6]  # printed over two lines in its 1 cm column
    assert wrapped
    got = {c["row_key"]: c["amount"] for c in t01.cells}
    for c in wrapped:
        assert str(got[c["row_key"]]) == c["value"], c


def test_ruled_producers_keep_ruled_true():
    r = read_document(LO / "2025_aud_hz.pdf")
    assert all(i.ruled for i in r["instances"])


def test_split_codes_and_letter_spacing_change_no_value():
    tb = Table(title="收入决算表", col_widths=[1, 3, 1],
               header_rows=[[Cell("科目编码"), Cell("科目名称"), Cell("本年收入合计")]],
               body_rows=[[Cell("合计", colspan=2), Cell("12.00", align="right")],
                          [Cell("201"), Cell("一般公共服务支出"), Cell("12.00", align="right")],
                          [Cell("2010301"), Cell("行政运行"), Cell("12.00", align="right")]])
    split = split_code_column(tb)
    assert len(split.col_widths) == 5
    assert [c.text for c in split.header_rows[1]] == ["类", "款", "项"]
    assert [c.text for c in split.body_rows[2][:3]] == ["201", "03", "01"]
    assert split.body_rows[0][0].colspan == 4  # 合计 still covers the codes and the name
    spaced = letter_space(tb)
    assert spaced.body_rows[0][0].text == "合 计" and compact(spaced.body_rows[0][0].text) == "合计"
    assert tb.body_rows[0][0].text == "合计"  # the model the truth was built from is untouched


@pytest.mark.slow
def test_regenerated_document_matches_its_truth(tmp_path):
    sysdeps.pytest_require(PACKAGE)
    from corpus.synth import libreoffice_set

    key, kind, layout, forced = next(p for p in libreoffice_set.PLAN if p[0] == "cult")  # unruled
    stem, doc, truth = libreoffice_set.build(key, kind, layout, forced)
    from corpus.render_odt import render

    render(doc, tmp_path / f"{stem}.pdf", layout)
    (tmp_path / f"{stem}.truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    res = evaluate([tmp_path / f"{stem}.truth.json"])
    n, hit, m, ok = res["stats"]["all"]
    assert (hit, ok) == (n, m), res["misses"][:10]
    assert Layout(ruled=False).labels() == ["unruled"]
