"""OCR row labels matched to the catalog's known labels; ordinals rebuilt from row order."""
from __future__ import annotations

import numpy as np
import pytest

from extract import ocr_labels as ol

SUMMARY_INCOME = ol.vocabulary("budget_summary", "income")


@pytest.mark.parametrize("text,value", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十六", 26),
                                        ("九十九", 99), ("", None), ("十十", None), ("二二", None)])
def test_chinese_ordinals_read_and_written(text, value):
    assert ol.cn_number(text) == value
    if value is not None:
        assert ol.cn_numeral(value) == text


def test_a_leading_numeral_that_belongs_to_the_body_is_not_an_ordinal():
    assert ol.read_label("一般公共预算", SUMMARY_INCOME) == ("", "", "一般公共预算", 1.0)
    assert ol.read_label("一、一般公共预算", SUMMARY_INCOME) == ("一", "、", "一般公共预算", 1.0)
    assert ol.read_label("1.一般公共预算", SUMMARY_INCOME) == ("1.", "", "一般公共预算", 1.0)


def test_a_misread_character_of_a_known_label_is_matched_with_its_similarity():
    num, sep, body, sim = ol.read_label("二、财政专户管埋资金", SUMMARY_INCOME)
    assert (num, sep, body) == ("二", "、", "财政专户管理资金") and sim == pytest.approx(7 / 8)
    assert ol.read_label("二、差旅费", SUMMARY_INCOME) is None  # no known label is close: left as read


def test_ordinals_count_up_and_a_lost_or_misread_one_is_rebuilt():
    assert ol.renumber([1, 2, 3]) == [1, 2, 3]
    assert ol.renumber([1, None, 3]) == [1, 2, 3]
    assert ol.renumber([None, 2, 3]) == [1, 2, 3]
    assert ol.renumber([1, 10, 3]) == [1, 2, 3]
    assert ol.renumber([1, 2, 4, 5]) == [1, 2, 4, 5]  # a real gap: two rows agree on it
    assert ol.renumber([None]) == [None]


def test_repair_restores_the_ordinal_and_leaves_right_and_unknown_labels_alone():
    labels = ["一、财政拨款", "1.一般公共预算", "二财政专户管理资金", "、其他资金", "当年收入小计", "差旅费"]
    out = ol.repair_labels(labels, SUMMARY_INCOME)
    assert out[0] is None and out[1] is None and out[4] is None and out[5] is None
    assert out[2] == ("二、财政专户管理资金", 1.0)
    assert out[3] == ("三、其他资金", 1.0)


def test_an_ordinal_that_cannot_be_told_leaves_the_label_as_read():
    assert ol.repair_labels(["、财政拨款"], SUMMARY_INCOME) == [None]


def test_expenditure_labels_know_the_functional_classes():
    labels = ["一、一般公共服务支出", "二、外交支出", "三国防支出", "四、公共安仝支出"]
    out = ol.repair_labels(labels, ol.vocabulary("budget_summary", "expenditure"))
    assert out[:2] == [None, None]
    assert out[2] == ("三、国防支出", 1.0)
    assert out[3][0] == "四、公共安全支出" and out[3][1] < 1.0


def test_relabelled_cells_are_not_trusted_without_an_identity():
    from types import SimpleNamespace

    cells = [{"row_index": i, "col_index": 1, "side": "income", "row_key": f"income:{lb}", "line_name": lb,
              "confidence": 0.99, "value_source": "ocr"}
             for i, lb in enumerate(["一、财政拨款", "二财政专户管理资金", "三、其他资金"])]
    inst = SimpleNamespace(template=SimpleNamespace(id="budget_summary", layout="two_sided"), cells=cells)
    assert ol.repair_instance(inst, lambda c: c["value_source"] == "ocr") == 1
    assert cells[1]["row_key"] == "income:二、财政专户管理资金" and cells[1]["ocr_label"] == "二财政专户管理资金"
    assert cells[1]["confidence"] <= ol.REPAIRED < 0.97
    assert cells[0]["confidence"] == 0.99 and "ocr_label" not in cells[0]


def test_a_box_that_left_out_the_ordinal_is_widened_over_its_ink():
    from extract.ocr import widen_to_ink

    ink = np.zeros((100, 400), np.uint8)
    ink[40:60, 50:70] = 255  # 一 (a glyph the detector left out)
    ink[52:60, 75:80] = 255  # 、
    ink[40:60, 90:200] = 255  # the detected text
    rules = np.zeros_like(ink)
    box = np.array([[90, 38], [200, 38], [200, 62], [90, 62]], np.float32)
    (wide,) = widen_to_ink([box], ink, rules)
    assert wide[:, 0].min() < 50 and wide[:, 0].max() == 200
    rules[:, 30:33] = 255  # a cell rule between the ink and another cell's text: the search stops there
    ink[40:60, 10:28] = 255
    (wide,) = widen_to_ink([box], ink, rules)
    assert 33 <= wide[:, 0].min() < 50
    ink[40:60, 50:80] = 0  # nothing left out: the box stays
    (same,) = widen_to_ink([box], ink, rules)
    assert np.array_equal(same, box)


def test_a_bar_read_on_a_vertical_rule_is_the_rule_and_elsewhere_it_stays():
    from extract.ocr import drop_rule_glyphs

    def ch(text, x0, x1):
        return {"text": text, "x0": x0, "x1": x1, "top": 100, "bottom": 110, "size": 10, "conf": 0.99}

    rule = {"orientation": "v", "x0": 200.0, "x1": 200.0, "top": 90.0, "bottom": 130.0}
    chars = [ch("2", 170, 175), ch("5", 175, 180), ch("|", 198, 201), ch("|", 150, 152)]
    kept = drop_rule_glyphs(chars, [rule])
    assert [c["text"] for c in kept] == ["2", "5", "|"] and kept[-1]["x0"] == 150


def test_a_seal_ring_piece_is_no_rule_but_a_printed_rule_under_the_seal_is():
    from extract.ocr_grid import PageImage, _seal_run

    h, w = 200, 200
    gray = np.full((h, w), 210, np.uint8)
    red = np.zeros((h, w), np.uint8)
    gray[20:80, 50:52], red[20:80, 50:52] = 180, 60  # a ring piece: light and reddish
    gray[20:80, 120:122], red[20:80, 120:122] = 120, 90  # black print under the red seal: dark
    gray[100:160, 50:52] = 60  # a plain printed rule
    img = PageImage(gray, np.zeros_like(gray), 1.0, 0.0, red)
    assert _seal_run(img, (50.5, 20, 80), horizontal=False)
    assert not _seal_run(img, (120.5, 20, 80), horizontal=False)
    assert not _seal_run(img, (50.5, 100, 160), horizontal=False)


def test_a_finer_scan_is_read_at_its_own_resolution_and_reduced_to_the_ocr_dpi(tmp_path):
    import pypdfium2 as pdfium

    from corpus.scan import scan_pdf
    from extract.ocr import native_dpi, render

    w_pt, h_pt = 300.0, 200.0
    blank = pdfium.PdfDocument.new()
    blank.new_page(w_pt, h_pt)
    blank.save(str(tmp_path / "blank.pdf"))
    scan_pdf(tmp_path / "blank.pdf", tmp_path / "scan.pdf", 300, seed=1)
    page = pdfium.PdfDocument(str(tmp_path / "scan.pdf"))[0]
    assert native_dpi(page) == pytest.approx(300, abs=1)
    rgb = render(page, 200)
    assert rgb.shape == (round(h_pt * 200 / 72), round(w_pt * 200 / 72), 3)
    direct = render(page, 300)  # no finer than asked: pdfium renders it directly
    assert abs(direct.shape[0] - h_pt * 300 / 72) <= 1 and abs(direct.shape[1] - w_pt * 300 / 72) <= 1
