"""Locate catalog tables in a document and stitch them across pages.

Input: per page, its text lines and ruled grids (:mod:`extract.grid`).
Output: :class:`TableInstance` objects; their ``cells`` (records of
``records.TABLE_CELL`` without ``document_id``) are read by :mod:`extract.readers`
(:func:`read_table`, re-exported here), with the header analysis of :mod:`extract.rows`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalog import Catalog, TableTemplate
from .grid import Grid, Line, split_caption
from .readers import _cell_record, read_table  # noqa: F401 - re-exported: api, performance, tests
from .recognize import Recognition, is_heading_title, is_title_like, normalise_title, recognise
from .rows import header_paths, split_header
from .text import compact
from .values import find_unit

_TABLE_NO = re.compile(r"公开\s*(\d{1,2})\s*表")
_PAGE_FURNITURE = re.compile(r"^(?:第?\s*\d+\s*页(?:共\s*\d+\s*页)?|-\s*\d+\s*-|\d+|\d+/\d+)$")
@dataclass
class PageData:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line]
    grids: list[Grid]
    chars: list[dict] | None = None  # kept until unruled tables are looked for (extract.unruled)


@dataclass
class TableInstance:
    seq: int
    template: TableTemplate | None
    printed_title: str | None
    printed_number: str | None
    unit: str | None
    dept_line: str | None
    grids: list[Grid] = field(default_factory=list)
    after_lines: list[str] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)
    is_empty: bool = False
    empty_sentence: str | None = None
    project_name: str | None = None
    unit_inherited: bool = False
    recognition: Recognition | None = None
    ruled: bool = True  # False: columns and rows found from text positions (extract.unruled)
    problem: str | None = None  # why the table could not be read (an extraction failure), with page

    @property
    def table_name(self) -> str:
        """The catalog id, or ``unmapped`` (dbt names it ``unrecognised:<normalised title>``)."""
        return self.template.id if self.template else "unmapped"

    @property
    def first_page(self) -> int:
        return self.grids[0].page

    @property
    def last_page(self) -> int:
        return self.grids[-1].page


# ----------------------------------------------------------------------------------------
# locating and stitching


def locate_tables(pages: list[PageData], catalog: Catalog, department: str | None = None,
                  doc_kind: str | None = None) -> list[TableInstance]:
    """Every ruled table of the document, stitched across pages and named by
    :func:`extract.recognize.recognise` (title and header)."""
    instances: list[TableInstance] = []
    current: TableInstance | None = None
    pending: list[Line] = []  # lines after a page's last table that open the next table
    for page in pages:
        prev_bottom = 0.0
        for gi, framed in enumerate(page.grids):
            caption, grid = split_caption(framed)
            above = [ln for ln in page.lines if prev_bottom - 1 <= ln.top and ln.bottom <= framed.bbox[1] + 1]
            above += caption
            if gi == 0 and pending:
                above = pending + above
            pending = []
            meaningful = [ln for ln in above if not _PAGE_FURNITURE.match(compact(ln.text))]
            title_line = _find_title(meaningful)
            header_text = " ".join(ln.text for ln in meaningful)
            if current is not None and _continues(current, grid, meaningful, gi, title_line, department):
                current.grids.append(grid)
            else:
                title = title_line.text if title_line else _guess_title(meaningful)
                m = _TABLE_NO.search(compact(header_text))
                dept = next((ln.text for ln in meaningful if compact(ln.text).startswith(("部门:", "单位名称:", "编制单位:", "部门名称:"))), None)
                rec = _recognise_grid(grid, title_line.text if title_line else None, doc_kind, department, catalog)
                current = TableInstance(
                    seq=len(instances) + 1,
                    template=rec.template,
                    printed_title=compact(title) if title else None,
                    printed_number=f"公开{int(m.group(1)):02d}表" if m else None,
                    unit=find_unit(header_text),
                    dept_line=dept,
                    grids=[grid],
                    recognition=rec,
                )
                instances.append(current)
            nxt_top = page.grids[gi + 1].bbox[1] if gi + 1 < len(page.grids) else page.height + 1
            below = [ln for ln in page.lines if grid.bbox[3] - 1 <= ln.top and ln.bottom <= nxt_top + 1]
            below = [ln for ln in below if not _PAGE_FURNITURE.match(compact(ln.text))]
            if gi + 1 == len(page.grids):
                # a title at the foot of the page belongs to the table on the next page
                for i, ln in enumerate(below):
                    if is_title_like(ln.text):
                        pending = below[i:]
                        below = below[:i]
                        break
            current.after_lines.extend(ln.text for ln in below)
            prev_bottom = grid.bbox[3]
    return instances


def _find_title(lines: list[Line]) -> Line | None:
    """The nearest line above a grid that reads as a table title; a title wrapped over two
    lines (…支出预算 / 表) is joined."""
    for i in range(len(lines) - 1, -1, -1):
        ln = lines[i]
        if is_title_like(ln.text):
            if i > 0 and not is_title_like(lines[i - 1].text) and len(compact(ln.text)) <= 6 \
                    and is_title_like(lines[i - 1].text + ln.text):
                prev = lines[i - 1]
                return Line(prev.text + ln.text, prev.x0, prev.top, ln.x1, ln.bottom)
            return ln
        if i + 1 < len(lines):
            joined = ln.text + lines[i + 1].text
            if is_title_like(joined) and len(compact(lines[i + 1].text)) <= 12:
                return Line(joined, ln.x0, ln.top, lines[i + 1].x1, lines[i + 1].bottom)
    # no title: a section heading right above a table in the narrative names it
    for ln in lines[-3:][::-1]:
        if is_heading_title(ln.text):
            return ln
    return None


def _recognise_grid(grid: Grid, title: str | None, doc_kind, department, catalog) -> Recognition:
    n_header, start = split_header(grid)
    paths = header_paths(grid, n_header)
    rows = [grid.row_texts(r) for r in range(start, grid.n_rows)]
    heading = title is not None and not is_title_like(title)
    return recognise(title, paths, rows, doc_kind=doc_kind, department=department, catalog=catalog,
                     heading=heading)


def _continues(current: TableInstance, grid: Grid, lines_above: list[Line], grid_index: int,
               title: Line | None = None, department: str | None = None) -> bool:
    """A grid continues the open table when nothing but page furniture separates them, or
    when it repeats the open table's title (templates that print the title on every page)."""
    last = current.grids[-1]
    if grid.page == last.page:
        return False
    if grid.page != last.page + 1 or grid_index != 0:
        return False
    if title is not None:
        rec = current.recognition
        same = rec is not None and rec.normalised_title and \
            normalise_title(title.text, department) == rec.normalised_title
        # and reprints the same header row; one form per project (绩效自评表, 绩效目标表)
        # repeats its title but not its first row (项目名称 | <the project>)
        first = current.grids[0]
        return bool(same) and grid.n_cols == first.n_cols and grid.n_rows > 0 and first.n_rows > 0 and \
            [compact(t) for t in grid.row_texts(0)] == [compact(t) for t in first.row_texts(0)] and \
            (current.template is None or current.template.layout != "performance")
    if any(compact(ln.text).endswith("表") for ln in lines_above):
        return False
    # column layouts may differ (a continuation drawn with its own widths): columns are
    # mapped onto the first grid's by x position
    return True


def _guess_title(lines: list[Line]) -> str | None:
    for ln in reversed(lines):
        t = compact(ln.text)
        if t.endswith("表") and 4 <= len(t) <= 40 and not t.startswith("注"):
            return ln.text
    return None
