"""extract.ruling (our grid-based cell builder) against pdfplumber's TableFinder, and the raw
pdfium walk against pypdfium2's object iterator: the same cells, the same counts."""
from __future__ import annotations

import random
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from extract import ruling
from extract.pdf import cheap_pass
from extract.pdfium_page import address, reference_tables, walk_objects

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpus" / "sample"
REAL = ROOT.parent / "shared" / "corpus" / "real"


def _same_tables(edges: list[dict], width: float = 595.0, height: float = 842.0) -> None:
    ours = [(list(t.cells), t.bbox) for t in ruling.find_tables(edges)]
    theirs = [(t.cells, t.bbox) for t in reference_tables(width, height, edges)]
    assert ours == theirs


def _pages_with_edges(path: Path):
    cp = cheap_pass(path, wants_geometry=lambda info: True)
    return [p for p in cp.pages if p.edges]


@pytest.mark.parametrize("path", [
    SAMPLE / "seed" / "yanbian-2023-final.pdf",
    SAMPLE / "libreoffice" / "2025_aud_hz.pdf",
    SAMPLE / "synthetic" / "2024_edu_bj.pdf",
], ids=lambda p: p.name)
def test_cells_of_every_page_of_the_samples_are_pdfplumbers(path):
    pages = _pages_with_edges(path)
    assert pages
    assert any(ruling.find_tables(p.edges) for p in pages)
    for p in pages:
        _same_tables(p.edges, p.width, p.height)


@pytest.mark.skipif(not REAL.exists(), reason="../shared/corpus/real not present")
@pytest.mark.parametrize("rel", [
    "shanghai-2024-final/上海市普陀区财政局2024年度部门决算.pdf",  # ONLYOFFICE
    "shanghai-2024-final/中共上海市普陀区委社会工作部 2024 年度部门决算.pdf",  # WPS
    "jiangsu-2017-2019-budget/江苏省委办公厅/江苏省委办公厅2019年度部门预算公开表格.pdf",  # PScript, frames
])
def test_cells_of_real_files_of_three_producers_are_pdfplumbers(rel):
    pages = _pages_with_edges(REAL / rel)
    assert any(ruling.find_tables(p.edges) for p in pages)
    for p in pages:
        _same_tables(p.edges, p.width, p.height)


def _h(x0, x1, y):
    return {"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0, "orientation": "h",
            "object_type": "line"}


def _v(x, top, bottom):
    return {"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0.0, "height": bottom - top,
            "orientation": "v", "object_type": "line"}


def test_snapping_joining_and_near_misses_follow_pdfplumber():
    rng = random.Random(17)
    with_tables = 0
    for _ in range(150):
        xs = sorted(rng.sample(range(40, 560, 7), rng.randint(2, 7)))
        ys = sorted(rng.sample(range(40, 800, 9), rng.randint(2, 7)))
        edges = []
        for y in ys:  # rules drawn per cell, a little off, sometimes with gaps or missing
            for a, b in zip(xs, xs[1:]):
                if rng.random() < 0.1:
                    continue
                j = rng.uniform(-3.5, 3.5) if rng.random() < 0.3 else 0.0
                edges.append(_h(a + rng.uniform(-1, 1), b + rng.choice([0.0, -4.0, 2.5]), y + j))
        for x in xs:
            for a, b in zip(ys, ys[1:]):
                if rng.random() < 0.1:
                    continue
                j = rng.uniform(-3.5, 3.5) if rng.random() < 0.3 else 0.0
                edges.append(_v(x + j, a + rng.choice([0.0, 3.2, -1.0]), b + rng.uniform(-2, 2)))
        edges.append(_h(10, 11.5, 300))  # too short to count
        rng.shuffle(edges)
        _same_tables(edges)
        with_tables += bool(ruling.find_tables(edges))
    assert 50 < with_tables < 150  # broken rulings: some still tables, some not


def test_no_edges_no_tables():
    assert ruling.find_tables([]) == []
    assert ruling.find_tables([_h(10, 100, 50)]) == []


def test_one_walk_counts_what_pypdfium2_iterates():
    pdf = pdfium.PdfDocument(str(SAMPLE / "seed" / "yanbian-2023-final.pdf"))
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            paths, images, path_objects = walk_objects(address(page.raw))
            kinds = [o.type for o in page.get_objects(max_depth=2)]
            assert (paths, images) == (kinds.count(pdfium_c.FPDF_PAGEOBJ_PATH), kinds.count(pdfium_c.FPDF_PAGEOBJ_IMAGE))
            deep = [address(o.raw) for o in page.get_objects(max_depth=3) if o.type == pdfium_c.FPDF_PAGEOBJ_PATH]
            assert [address(o) for o in path_objects] == deep
            page.close()
    finally:
        pdf.close()
