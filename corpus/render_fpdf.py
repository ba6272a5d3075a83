"""Render a :class:`corpus.model.Document` to PDF with fpdf2 — the corpus's second producer.

    from corpus.render_fpdf import render
    render(doc, pathlib.Path("out.pdf"))

Deliberately unlike :mod:`corpus.render_reportlab`, so the extractor is never tuned to
one producer: fpdf2's own font subsetting (WenQuanYi Micro Hei; Zen Hei where Kangxi
radicals are printed), synthetic bold drawn as filled-and-stroked glyphs, other margins and
spacing, the 部门/单位 line printed on one line, no header shading, page numbers as
``第 N 页``, and every table cell drawn as its own rectangle (so neighbouring borders are
stroked twice, as many office exports do) instead of a ruled grid.  Tables break between
rows only; rows tied together by a row-spanning cell move as one block; the header is
repeated on each page when ``Table.repeat_header``.  Output bytes are deterministic.
"""
from __future__ import annotations

import datetime as _dt
import logging
import pathlib
import unicodedata
from functools import lru_cache

from fpdf import FPDF

import sysdeps
from corpus import render_reportlab
from corpus.model import Cell, Document, Heading, PageBreak, Paragraph, Table

__all__ = ["render", "font_path"]

logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # Zen Hei's bitmap tables are dropped

FONT = "WQY"
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 42.0, 48.0, 54.0
PAD = 2.5
_NO_LINE_START = set("。，、；：！？）》」』”’%)]}.,;:")
FIXED_DATE = _dt.datetime(2024, 1, 1, tzinfo=_dt.timezone.utc)


def font_path(radicals: bool = False) -> pathlib.Path:
    """The WenQuanYi font file (declared system packages); Zen Hei carries the Kangxi radicals."""
    if radicals:
        return sysdeps.font_file("fonts-wqy-zenhei", "wqy-zenhei.ttc")
    return render_reportlab.font_path()


@lru_cache(maxsize=1)
def kangxi_map() -> dict[str, str]:
    """Unified ideograph -> Kangxi radical (U+2F00..U+2FD5) whose NFKC form it is."""
    out: dict[str, str] = {}
    for cp in range(0x2F00, 0x2FD6):
        base = unicodedata.normalize("NFKC", chr(cp))
        out.setdefault(base, chr(cp))
    return out


class _PDF(FPDF):
    def __init__(self, numbered: bool, has_cover: bool):
        super().__init__(unit="pt", format="A4")
        self._numbered, self._has_cover = numbered, has_cover
        self.set_auto_page_break(False)
        self.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)

    def footer(self):
        if not self._numbered:
            return
        n = self.page_no() - (1 if self._has_cover else 0)
        if n < 1:
            return
        self.set_font(FONT, size=8.5)
        self.set_xy(0, self.h - MARGIN_BOTTOM / 2 - 5)
        self.cell(self.w, 10, f"第 {n} 页", align="C")


class _Renderer:
    def __init__(self, doc: Document):
        self.doc = doc
        self.opts = doc.options
        self.pdf = _PDF(doc.options.page_numbers, bool(doc.title_lines))
        self.pdf.add_font(FONT, "", str(font_path(doc.options.kangxi_radicals)), collection_font_number=0)
        self.pdf.set_creation_date(FIXED_DATE)
        self.pdf.set_creator("corpus.render_fpdf")
        self.pdf.set_producer("fpdf2")
        if doc.metadata_title:
            self.pdf.set_title(doc.metadata_title)
        if doc.metadata_author:
            self.pdf.set_author(doc.metadata_author)
        self.kangxi = kangxi_map() if doc.options.kangxi_radicals else {}
        self.orient = "P"
        self.started = False

    # ------------------------------------------------------------ primitives
    def t(self, text: str) -> str:
        return "".join(self.kangxi.get(ch, ch) for ch in text) if self.kangxi else text

    @property
    def bottom(self) -> float:
        return self.pdf.h - MARGIN_BOTTOM

    @property
    def width(self) -> float:
        return self.pdf.w - 2 * MARGIN_X

    def new_page(self, orient: str | None = None) -> None:
        self.orient = orient or self.orient
        self.pdf.add_page(orientation=self.orient)
        self.pdf.set_xy(MARGIN_X, MARGIN_TOP)
        self.started = True

    def ensure(self, height: float) -> None:
        if not self.started or self.pdf.get_y() + height > self.bottom:
            self.new_page()

    def text_at(self, x: float, y: float, text: str, size: float, bold: bool = False) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, size=size)
        text = self.t(text)
        if bold and not self.opts.bold_twice:
            # synthetic bold: fill and stroke the glyph outlines
            pdf.set_line_width(size * 0.03)
            with pdf.local_context(text_mode="FILL_STROKE"):
                pdf.text(x, y, text)
            return
        pdf.text(x, y, text)
        if bold:  # bold_twice: the same glyphs drawn a second time, slightly offset
            pdf.text(x + 0.35, y, text)

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        """Break text into lines that fit ``width``; digits/latin runs are kept whole."""
        pdf = self.pdf
        pdf.set_font(FONT, size=size)
        lines: list[str] = []
        for para in text.split("\n"):
            tokens, buf = [], ""
            for ch in para:
                ascii_run = ch.isascii() and ch != " " and buf and buf[-1].isascii() and buf[-1] != " "
                if ascii_run or (ch in _NO_LINE_START and buf):
                    buf += ch  # keep numbers whole; never start a line with closing punctuation
                    continue
                if buf:
                    tokens.append(buf)
                buf = ch
            if buf:
                tokens.append(buf)
            line = ""
            for tok in tokens:
                if line and pdf.get_string_width(self.t(line + tok)) > width:
                    lines.append(line)
                    line = tok.lstrip(" ")
                else:
                    line += tok
            lines.append(line)
        return lines or [""]

    # ------------------------------------------------------------ blocks
    def cover(self, lines: list[str]) -> None:
        self.new_page("P")
        y = self.pdf.h * 0.3
        for i, line in enumerate(lines):
            size = 20 if i < 2 else 14
            for part in self.wrap(line, size, self.width):
                w = self.pdf.get_string_width(self.t(part))
                self.text_at((self.pdf.w - w) / 2, y, part, size, bold=i < 2)
                y += size * 1.9
            y += 10

    def heading(self, h: Heading) -> None:
        size = {1: 15.0, 2: 12.5}.get(h.level, 11.5)
        lh = size * 1.6
        lines = self.wrap(h.text, size, self.width - (0 if h.level == 1 else 2 * size))
        self.ensure(lh * len(lines) + 30)  # keep with the first lines that follow
        self.pdf.set_y(self.pdf.get_y() + (10 if h.level == 1 else 5))
        for line in lines:
            y = self.pdf.get_y() + size
            if h.level == 1:
                w = self.pdf.get_string_width(self.t(line))
                self.text_at((self.pdf.w - w) / 2, y, line, size, bold=True)
            else:
                self.text_at(MARGIN_X + 2 * 10.5, y, line, size, bold=True)
            self.pdf.set_y(self.pdf.get_y() + lh)
        self.pdf.set_y(self.pdf.get_y() + 3)

    def paragraph(self, p: Paragraph) -> None:
        size = 10.5
        lh = size * 1.75
        indent = "\u3000\u3000" if p.indent else ""
        lines = self.wrap(indent + p.text, size, self.width)
        for line in lines:
            self.ensure(lh)
            y = self.pdf.get_y() + size
            text = line.replace("\u3000", "")
            x = MARGIN_X + (len(line) - len(line.lstrip("\u3000"))) * size
            if p.align == "center":
                x = (self.pdf.w - self.pdf.get_string_width(self.t(text))) / 2
            self.text_at(x, y, text, size, bold=p.bold)
            self.pdf.set_y(self.pdf.get_y() + lh)
        self.pdf.set_y(self.pdf.get_y() + 2)

    # ------------------------------------------------------------ tables
    def table(self, tb: Table) -> None:
        target = "L" if tb.landscape else "P"
        if tb.start_new_page or not self.started or target != self.orient:
            self.new_page(target)
        fs = tb.font_size
        grid, n_header = _grid(tb)
        total = float(sum(tb.col_widths))
        widths = [self.width * w / total for w in tb.col_widths]
        xs = [MARGIN_X]
        for w in widths:
            xs.append(xs[-1] + w)
        lh = fs * 1.35
        heights = [fs * 1.9] * len(grid)
        wrapped: dict[tuple[int, int], list[str]] = {}
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                w = xs[c + cell.colspan] - xs[c]
                lines = self.wrap(cell.text, fs, w - 2 * PAD)
                wrapped[(r, c)] = lines
                if cell.rowspan == 1:
                    heights[r] = max(heights[r], len(lines) * lh + 2 * PAD)
        for (r, c), lines in wrapped.items():
            cell = grid[r][c]
            need = len(lines) * lh + 2 * PAD
            have = sum(heights[r:r + cell.rowspan])
            if need > have:
                heights[r + cell.rowspan - 1] += need - have
        blocks = _blocks(grid, n_header)
        header_block = blocks[0] if n_header else None
        body_blocks = blocks[1:] if n_header else blocks
        # title block
        title_h = fs + 8 + 3 * (fs + 4)
        first_h = sum(heights[r] for r in (header_block or [])) + (sum(heights[r] for r in body_blocks[0]) if body_blocks else 0)
        self.ensure(title_h + first_h)
        self.table_title(tb)
        if header_block:
            self.draw_rows(grid, wrapped, heights, xs, header_block, fs, lh)
        for block in body_blocks:
            h = sum(heights[r] for r in block)
            if self.pdf.get_y() + h > self.bottom:
                self.new_page()
                if header_block and tb.repeat_header:
                    self.draw_rows(grid, wrapped, heights, xs, header_block, fs, lh)
            self.draw_rows(grid, wrapped, heights, xs, block, fs, lh)
        self.pdf.set_y(self.pdf.get_y() + 4)
        for note in tb.notes:
            self.small_text(note, fs + 0.5)
        if tb.after_text:
            self.pdf.set_y(self.pdf.get_y() + 6)
            self.paragraph(Paragraph(tb.after_text))
        self.pdf.set_y(self.pdf.get_y() + 10)

    def table_title(self, tb: Table) -> None:
        pdf, fs = self.pdf, tb.font_size
        if tb.code:
            pdf.set_font(FONT, size=fs + 1)
            w = pdf.get_string_width(self.t(tb.code))
            self.text_at(pdf.w - MARGIN_X - w, pdf.get_y() + fs + 1, tb.code, fs + 1)
            pdf.set_y(pdf.get_y() + fs + 4)
        size = fs + 5
        for line in self.wrap(tb.title, size, self.width):
            pdf.set_font(FONT, size=size)
            w = pdf.get_string_width(self.t(line))
            self.text_at((pdf.w - w) / 2, pdf.get_y() + size, line, size, bold=True)
            pdf.set_y(pdf.get_y() + size * 1.5)
        if tb.dept_line or tb.unit_text:
            y = pdf.get_y() + fs + 1
            if tb.dept_line:
                self.text_at(MARGIN_X, y, tb.dept_line, fs + 1)
            if tb.unit_text:
                pdf.set_font(FONT, size=fs + 1)
                w = pdf.get_string_width(self.t(tb.unit_text))
                self.text_at(pdf.w - MARGIN_X - w, y, tb.unit_text, fs + 1)
            pdf.set_y(pdf.get_y() + fs + 6)

    def small_text(self, text: str, size: float) -> None:
        for line in self.wrap(text, size, self.width):
            self.ensure(size * 1.5)
            self.text_at(MARGIN_X, self.pdf.get_y() + size, line, size)
            self.pdf.set_y(self.pdf.get_y() + size * 1.5)

    def draw_rows(self, grid, wrapped, heights, xs, rows: list[int], fs: float, lh: float) -> None:
        pdf = self.pdf
        y0 = pdf.get_y()
        ys = {}
        y = y0
        for r in rows:
            ys[r] = y
            y += heights[r]
        pdf.set_line_width(0.6)
        for r in rows:
            for c, cell in enumerate(grid[r]):
                if cell is None:
                    continue
                x, w = xs[c], xs[c + cell.colspan] - xs[c]
                h = sum(heights[r:r + cell.rowspan])
                pdf.rect(x, ys[r], w, h)
                lines = wrapped[(r, c)]
                ty = ys[r] + (h - len(lines) * lh) / 2 + fs * 1.02
                for line in lines:
                    pdf.set_font(FONT, size=fs)
                    tw = pdf.get_string_width(self.t(line))
                    if cell.align == "right":
                        tx = x + w - PAD - tw
                    elif cell.align == "center":
                        tx = x + (w - tw) / 2
                    else:
                        tx = x + PAD
                    self.text_at(tx, ty, line, fs, bold=cell.bold)
                    ty += lh
        pdf.set_y(y)

    def run(self, path: pathlib.Path) -> None:
        if self.doc.title_lines:
            self.cover(self.doc.title_lines)
            self.started = True
        pending = bool(self.doc.title_lines)
        for b in self.doc.blocks:
            if isinstance(b, PageBreak):
                pending = True
                if b.landscape is not None:
                    self.orient = "L" if b.landscape else "P"
                continue
            if isinstance(b, Table):
                if pending:
                    b = _copy_start(b)
                pending = False
                self.table(b)
                continue
            if pending or not self.started:
                self.new_page()
                pending = False
            if isinstance(b, Heading):
                self.heading(b)
            elif isinstance(b, Paragraph):
                self.paragraph(b)
            else:  # pragma: no cover
                raise TypeError(type(b).__name__)
        if not self.started:
            self.new_page()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.pdf.output(str(path))


def _copy_start(tb: Table) -> Table:
    from dataclasses import replace
    return replace(tb, start_new_page=True)


def _grid(tb: Table) -> tuple[list[list[Cell | None]], int]:
    """Cells at their top-left grid position (HTML semantics); covered positions are None."""
    ncols = len(tb.col_widths)
    rows = list(tb.header_rows) + list(tb.body_rows)
    grid: list[list[Cell | None]] = [[None] * ncols for _ in rows]
    taken = [[False] * ncols for _ in rows]
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while c < ncols and taken[r][c]:
                c += 1
            if c + cell.colspan > ncols or r + cell.rowspan > len(rows):
                raise ValueError(f"table {tb.title!r}: cell {cell.text!r} at ({r},{c}) outside the grid")
            grid[r][c] = cell
            for rr in range(r, r + cell.rowspan):
                for cc in range(c, c + cell.colspan):
                    taken[rr][cc] = True
            c += cell.colspan
    return grid, len(tb.header_rows)


def _blocks(grid, n_header: int) -> list[list[int]]:
    """Row groups that must stay on one page: the header, then rows tied by row spans."""
    out: list[list[int]] = []
    if n_header:
        out.append(list(range(n_header)))
    r = n_header
    while r < len(grid):
        end = r
        k = r
        while k <= end:
            for cell in grid[k]:
                if cell is not None:
                    end = max(end, k + cell.rowspan - 1)
            k += 1
        out.append(list(range(r, end + 1)))
        r = end + 1
    return out


def render(doc: Document, path: pathlib.Path) -> None:
    """Render ``doc`` to ``path`` with fpdf2 (deterministic bytes for the same input)."""
    _Renderer(doc).run(pathlib.Path(path))
