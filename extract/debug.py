"""See what extraction saw: a page rendered with the detected grid and cells drawn on it
(pdfplumber's visual debugger plus our merged cells and their text)."""
from __future__ import annotations

from pathlib import Path

import pdfplumber

from .grid import TABLE_SETTINGS, find_grids, without_backdrops


def render_page(pdf_path: Path, page_number: int, out_png: Path, resolution: int = 110) -> Path:
    with pdfplumber.open(str(pdf_path)) as pdf:
        if not 1 <= page_number <= len(pdf.pages):
            raise ValueError(f"page {page_number} out of range 1..{len(pdf.pages)}")
        page = pdf.pages[page_number - 1]
        dp = page.dedupe_chars(tolerance=1)
        im = without_backdrops(dp).to_image(resolution=resolution)
        im.debug_tablefinder(TABLE_SETTINGS)
        for grid in find_grids(dp, page_number, list(dp.chars)):
            for cell in grid.cells:
                colour = (0, 160, 0, 60) if cell.text else (200, 200, 200, 30)
                im.draw_rect(cell.bbox, fill=colour, stroke=(0, 120, 0), stroke_width=1)
        out_png = Path(out_png)
        out_png.parent.mkdir(parents=True, exist_ok=True)
        im.save(str(out_png))
        page.close()
    return out_png
