"""Scanned pages: ruling lines from pixels, OCR offline, values checked by the tables' identities."""
from __future__ import annotations

import json
import socket
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests import pdf_factory as pf

cv2 = pytest.importorskip("cv2")

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "sample" / "synthetic"
AGRI = SAMPLE / "2022_agri_ys.pdf"


def _table_image(dpi: int = 200, angle: float = 0.0, stamp: bool = False) -> np.ndarray:
    """A white A4 page with a 4 × 3 ruled table, optionally turned and stamped in red."""
    s = dpi / 72.0
    h, w = int(842 * s), int(595 * s)
    img = np.full((h, w, 3), 235, np.uint8)
    xs = [int(x * s) for x in (60, 200, 380, 530)]
    ys = [int(y * s) for y in (100, 125, 150, 175, 200)]
    for x in xs:
        cv2.line(img, (x, ys[0]), (x, ys[-1]), (0, 0, 0), max(1, int(s * 0.7)))
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), (0, 0, 0), max(1, int(s * 0.7)))
    for r in range(4):  # text-like blobs inside the cells
        for c in range(3):
            cv2.putText(img, "12.34", (xs[c] + 10, ys[r] + int(17 * s)), cv2.FONT_HERSHEY_SIMPLEX, 0.25 * s,
                        (0, 0, 0), max(1, int(s / 2)))
    if stamp:  # the scan generator's seal: red ink, semi-transparent
        import random

        from PIL import Image

        from corpus.scan import _stamp

        seal = _stamp(int(1.4 * dpi), random.Random(1))
        page = Image.fromarray(img)
        page.paste(seal, (xs[1], ys[1]), seal)
        img = np.asarray(page).copy()
    if angle:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        img = cv2.warpAffine(img, m, (w, h), borderValue=(235, 235, 235))
    return img


@pytest.mark.parametrize("angle", [0.0, 0.6, -0.8])
def test_rules_of_a_turned_scan_become_one_table_of_twelve_cells(angle):
    from extract.ocr_grid import ruling_edges, straighten
    from extract.pdfium_page import find_tables

    dpi = 200
    page = straighten(_table_image(dpi, angle), dpi / 72.0)
    assert abs(page.skew_deg + angle) <= 0.06  # the rotation undone
    tables = find_tables(595, 842, ruling_edges(page, dpi))
    assert len(tables) == 1
    assert len(tables[0].cells) == 12
    x0, top, x1, bottom = tables[0].bbox
    assert abs(x0 - 60) < 3 and abs(x1 - 530) < 3 and abs(top - 100) < 4 and abs(bottom - 200) < 4


def test_a_red_seal_is_paper_not_ink():
    from extract.ocr_grid import ruling_edges, straighten
    from extract.pdfium_page import find_tables

    page = straighten(_table_image(200, 0.0, stamp=True), 200 / 72.0)
    tables = find_tables(595, 842, ruling_edges(page, 200))
    assert len(tables) == 1 and len(tables[0].cells) == 12  # the ring added no cell borders


def test_image_only_pages_are_told_apart_from_text_pages(tmp_path):
    from extract.ocr import image_only
    from extract.pdf import cheap_pass

    scan = pf.image_only_pdf(tmp_path / "scan.pdf")
    text = pf.text_pdf(tmp_path / "text.pdf", pf.disclosure_lines())
    assert [image_only(p) for p in cheap_pass(scan).pages] == [True]
    assert [image_only(p) for p in cheap_pass(text).pages] == [False]


def test_the_engine_reads_without_network(monkeypatch):
    """The models ship in the wheel: constructing the engine and reading must not open a socket."""
    import extract.ocr as ocr

    def refuse(*a, **k):
        raise AssertionError("OCR tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(ocr, "_ENGINE", None)
    img = np.full((60, 300), 235, np.uint8)
    cv2.putText(img, "5,300.06", (10, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    chars = ocr.recognise(img, 1.0)
    assert "".join(c["text"] for c in chars) == "5,300.06"
    assert all(0 < c["conf"] <= 1 for c in chars)
    xs = [c["x0"] for c in chars]
    assert xs == sorted(xs)  # characters laid out left to right inside the word box


def _truth_cells(table: str) -> dict[tuple[str, str], Decimal | None]:
    truth = json.loads(AGRI.with_name("2022_agri_ys.truth.json").read_text(encoding="utf-8"))
    for t in truth["tables"]:
        if t["table_name"] == table:
            return {(c["row_key"], c["measure"]): None if c["value"] in (None, "") else Decimal(c["value"])
                    for c in t["cells"]}
    raise KeyError(table)


@pytest.mark.slow  # one page of OCR: ~10 s of CPU
@pytest.mark.skipif(not AGRI.exists(), reason="synthetic sample not present")
def test_a_mixed_document_reads_its_scanned_table_page_by_ocr(tmp_path):
    """Cover as text, the 收入/支出预算总表 page scanned at 150 dpi with a seal: the scanned
    tables come out with the text path's row keys and exact values, checked by identities."""
    from corpus.scan import scan_pdf
    from extract.api import extract_document, read_document

    subset = pf.page_subset_pdf(AGRI, tmp_path / "subset.pdf", [1, 3])
    mixed = tmp_path / "mixed.pdf"
    assert scan_pdf(subset, mixed, 150, pages="tables") == [2]
    res = read_document(mixed)
    assert res["identity"].department_name == "青川州农业农村局"
    assert set(res["ocr"]["pages"]) == {2} and res["ocr"]["skipped"] == []
    got = {}
    for inst in res["instances"]:
        for c in inst.cells:
            assert c["value_source"] == ("ocr" if c["page"] == 2 else "text")
            if inst.table_name == "budget_expenditure" and c["measure"]:
                got[(c["row_key"], c["measure"])] = c
    truth = _truth_cells("budget_expenditure")
    assert set(truth) <= set(got)
    wrong = [k for k, v in truth.items() if got[k]["amount"] != v]
    assert all(got[k]["review_reason"] for k in wrong), "a misread value went unflagged"
    assert len(wrong) <= 2  # at 150 dpi the seal sits on two amounts of the 基本支出 column; both flagged above
    # 合计 = Σ 类 and 类 = Σ 款 hold exactly on a correct read: the totals are confirmed
    assert got[("合计", "expenditure_total")]["confirmed"] is True or ("合计", "expenditure_total") in wrong
    assert res["ocr"]["review"]["confirmed"] > 0

    m = extract_document(mixed, tmp_path / "out")
    assert m["status"] == "extracted"
    import pyarrow.parquet as pq

    pages = pq.read_table(tmp_path / "out" / m["document_id"] / "page_text.parquet").to_pylist()
    assert [(p["page"], p["text_source"]) for p in pages] == [(1, "text"), (2, "ocr")]
    cells = pq.read_table(tmp_path / "out" / m["document_id"] / "table_cell.parquet").to_pylist()
    assert {c["value_source"] for c in cells if c["page"] == 2} == {"ocr"}
    assert all(c["confidence"] is not None for c in cells if c["page"] == 2)


def test_ocr_off_keeps_the_old_quarantine(tmp_path, monkeypatch):
    from extract.api import extract_document

    monkeypatch.setenv("FISCAL_OCR", "0")
    m = extract_document(pf.image_only_pdf(tmp_path / "scan.pdf"), tmp_path / "out")
    assert m["status"] == "quarantined" and m["error_code"] == "image_only"
    assert "FISCAL_OCR" in m["error_message"]


@pytest.mark.skipif(not AGRI.exists(), reason="synthetic sample not present")
def test_identities_confirm_right_values_and_catch_a_confidently_misread_one():
    """The review needs no image: take a text document's cells as if OCR had read them, all with
    high confidence, and misread one digit of a 款 amount.  Exact identities confirm the rest;
    the misread value (and only values of the broken identities) is flagged."""
    from extract.api import read_document
    from extract.ocr_review import review

    res = read_document(AGRI)
    target = None
    for inst in res["instances"]:
        for c in inst.cells:
            c.update(value_source="ocr", confidence=0.995, confirmed=None, review_reason=None)
            if inst.table_name == "budget_expenditure" and c["row_key"] == "20805" and c["measure"] == "expenditure_total":
                target = c
    assert target is not None and target["amount"] == Decimal("542.09")
    target["amount"] = target["amount_printed"] = Decimal("542.69")  # a 0 read as 6, confidently
    res["ocr"] = {"pages": {}, "skipped": []}
    counts = review(res)
    assert counts["identities"] > 0 and counts["error"] is None
    assert target["confirmed"] is False and target["review_reason"] == "identity_failed"
    cells = [c for i in res["instances"] for c in i.cells if c["measure"] and c["amount"] is not None]
    confirmed = [c for c in cells if c["confirmed"]]
    assert len(confirmed) > 0.8 * len(cells)  # most values are tied to an exact identity
    assert all(c["review_reason"] is None for c in confirmed)
    # a value no identity reaches keeps its confidence as the only evidence
    lone = [c for c in cells if not c["confirmed"] and c is not target and c["review_reason"] is None]
    assert all(c["confidence"] >= 0.97 for c in lone)
