"""Locate catalog tables in a document, stitch them across pages and read their cells.

Input: per page, its text lines and ruled grids (:mod:`extract.grid`).
Output: :class:`TableInstance` objects whose ``cells`` are records of
``records.TABLE_CELL`` (without ``document_id``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalog import Catalog, TableTemplate, functional_class_codes, strip_ordinal
from .grid import Grid, Line, split_caption
from .recognize import Recognition, is_heading_title, is_title_like, normalise_title, recognise
from .text import compact
from .values import find_unit, parse_value, unit_factor

_TABLE_NO = re.compile(r"公开\s*(\d{1,2})\s*表")
_CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
_CODE_PART = re.compile(r"^\d{2,3}$")
_INT = re.compile(r"^\d{1,3}$")
_AMOUNTISH = re.compile(r"^\(?[-−]?[\d,]+\.\d+\)?%?$")
_EMPTY_SENTENCE = re.compile(r"没有|不涉及|无数据|为空表|(?:无|未安排).{0,30}(?:预算|拨款|收入|支出|经费)")
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
    return recognise(title, paths, rows, doc_kind=doc_kind, department=department, catalog=catalog)


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


# ----------------------------------------------------------------------------------------
# header analysis


def _is_column_number_row(texts: list[str]) -> bool:
    vals = [compact(t) for t in texts if compact(t)]
    if not vals:
        return False
    if compact(vals[0]) in ("栏次", "栏目"):
        vals = vals[1:]
    return bool(vals) and all(_INT.match(v) for v in vals) and len(vals) >= 2 and sorted(map(int, vals))[0] <= 2


def _is_data_row(grid: Grid, r: int) -> bool:
    for t in grid.row_texts(r):
        c = compact(t)
        if _AMOUNTISH.match(c) or _CODE.match(c) or _AMOUNT_IN_TEXT.search(c):
            return True  # (an amount inside other text: a cell that could not be read is still data)
    labels = [compact(t) for t in grid.row_texts(r) if compact(t)]
    # an empty table's 合计 row prints nothing else, or only dashes; a header row that
    # starts with 合计 prints other headings after it
    return bool(labels) and labels[0] in ("合计", "总计") and all(
        parse_value(t).kind in ("dash", "zero", "number") for t in labels[1:])


def split_header(grid: Grid) -> tuple[int, int]:
    """(number of header rows, index of the first data row) of a table's first grid."""
    for r in range(grid.n_rows):
        texts = grid.row_texts(r)
        joined = [compact(t) for t in texts if compact(t)]
        if joined and joined[0] in ("栏次", "栏目") or _is_column_number_row(texts):
            return r, r + 1
        if _is_data_row(grid, r):
            return r, r
    return grid.n_rows, grid.n_rows


def header_paths(grid: Grid, n_header: int) -> list[list[str]]:
    """Printed header texts covering each column, top to bottom, merged cells repeated once."""
    paths = []
    for k in range(grid.n_cols):
        path: list[str] = []
        seen: set[int] = set()
        for r in range(n_header):
            c = grid.slot(r, k)
            if c is None or id(c) in seen:
                continue
            seen.add(id(c))
            t = compact(c.text)
            if t and (not path or path[-1] != t):
                path.append(t)
        paths.append(path)
    return paths


def _is_header_repeat(grid: Grid, header_texts: list[list[str]]) -> int:
    """How many leading rows of a continuation grid repeat the first grid's header (incl. 栏次)."""
    n = 0
    for r in range(min(grid.n_rows, len(header_texts) + 1)):
        texts = [compact(t) for t in grid.row_texts(r)]
        if r < len(header_texts) and texts == header_texts[r]:
            n = r + 1
            continue
        if _is_column_number_row(grid.row_texts(r)) or (texts and texts[0] in ("栏次", "栏目")):
            n = r + 1
        break
    return n


def data_rows(inst: TableInstance) -> tuple[list[list[str]], list[tuple[Grid, int]]]:
    """Header paths of the first grid and every data row (grid, row index) of the stitched table."""
    first = inst.grids[0]
    n_header, start = split_header(first)
    paths = header_paths(first, n_header)
    header_texts = [[compact(t) for t in first.row_texts(r)] for r in range(start)]
    rows: list[tuple[Grid, int]] = [(first, r) for r in range(start, first.n_rows)]
    for g in inst.grids[1:]:
        skip = _is_header_repeat(g, header_texts)
        if rows and skip < g.n_rows and _join_fragment(inst, rows[-1], g, skip):
            skip += 1
        rows.extend((g, r) for r in range(skip, g.n_rows))
    return paths, rows


_ORDINAL_START = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+[.、．]|[（(])")


def _join_fragment(inst: TableInstance, prev: tuple[Grid, int], g: Grid, r: int) -> bool:
    """A label wrapped over a page break: the first row of a continuation holds only the
    rest of a label (``业支出`` after ``八、社会保障和就``; ``小计`` after ``当年收入``).
    Its text is appended to the previous row's cell in the same column; True if joined."""
    cells = [c for c in {id(c): c for c in g.row_cells(r) if c is not None}.values() if c.row == r]
    texts = [compact(c.text) for c in cells if compact(c.text)]
    if not texts or any(parse_value(t).kind != "text" or _CODE.match(t) or _ORDINAL_START.match(t)
                        or len(t) > 8 for t in texts):
        return False
    pg, pr = prev
    cmap_new = _column_map(inst, g)
    cmap_old = _column_map(inst, pg)
    joined = False
    for c in cells:
        if not compact(c.text):
            continue
        target_col = cmap_new[c.col]
        old = next((pg.slot(pr, k) for k in range(pg.n_cols) if cmap_old[k] == target_col), None)
        if old is None or not compact(old.text):
            return False
        old.text = old.text + c.text
        joined = True
    return joined


def _column_map(inst: TableInstance, grid: Grid) -> list[int]:
    """Map a continuation grid's columns onto the first grid's columns by x position."""
    first = inst.grids[0]
    if grid is first or grid.n_cols == first.n_cols:
        return list(range(grid.n_cols))
    # by left edges: a continuation drawn with merged columns still starts each column
    # where one of the first grid's columns starts
    lefts = first.xs[:-1]
    return [min(range(len(lefts)), key=lambda i: abs(lefts[i] - grid.xs[k])) for k in range(grid.n_cols)]


# ----------------------------------------------------------------------------------------
# reading rows into cell records


def _cell_record(inst: TableInstance, grid: Grid, r: int, k: int, *, row_index: int, row_key: str,
                 measure: str | None, phase: str | None, header_path: list[str], side=None,
                 subject_code=None, line_name=None, row_number=None, classification=None,
                 rate: bool = False) -> dict | None:
    cell = grid.slot(r, k)
    if cell is None or cell.row != r or cell.col != k:
        return None
    value = parse_value(cell.text, rate=rate)
    factor = unit_factor(inst.unit)
    if value.kind == "percent":
        amount = value.printed
    elif value.printed is not None:
        amount = value.printed * factor
    else:
        amount = None
    level = None
    parent = None
    if subject_code:
        level = {3: 1, 5: 2, 7: 3}.get(len(subject_code))
        parent = subject_code[:-2] if len(subject_code) > 3 else None
    return {
        "table_seq": inst.seq,
        "table_name": inst.table_name,
        "row_index": row_index,
        "col_index": k,
        "row_key": row_key,
        "side": side,
        "subject_code": subject_code,
        "classification": classification,
        "subject_level": level,
        "parent_code": parent,
        "line_name": line_name,
        "row_number": row_number,
        "measure": measure,
        "phase": phase,
        "header_path": "/".join(header_path),
        "value_text": value.text,
        "value_kind": value.kind,
        "amount": amount,
        "amount_printed": value.printed,
        "page": grid.page,
        "x0": cell.bbox[0],
        "top": cell.bbox[1],
        "x1": cell.bbox[2],
        "bottom": cell.bbox[3],
    }


def _code_columns(paths: list[list[str]], rows: list[tuple[Grid, int]]) -> list[int]:
    cols = [k for k, p in enumerate(paths)
            if p and (any("编码" in c or "代码" in c for c in p) or p[-1] in ("类", "款", "项"))]
    if cols:
        return cols
    # no header says so: the column whose cells look like codes
    counts: dict[int, int] = {}
    for g, r in rows:
        for k, t in enumerate(g.row_texts(r)):
            if _CODE.match(compact(t)):
                counts[k] = counts.get(k, 0) + 1
    return [max(counts, key=counts.get)] if counts else []


def _name_column(paths: list[list[str]], code_cols: list[int]) -> int | None:
    for k, p in enumerate(paths):
        if k in code_cols:
            continue
        if p and any("名称" in c for c in p):
            return k
    for k, p in enumerate(paths):
        if k not in code_cols and p and p[-1] in ("项目", "项目名称", "科目"):
            return k
    nxt = max(code_cols) + 1 if code_cols else 0
    return nxt if nxt < len(paths) else None


def read_coded(inst: TableInstance) -> None:
    t = inst.template
    paths, rows = data_rows(inst)
    code_cols = _code_columns(paths, rows)
    name_col = _name_column(paths, code_cols)
    if not code_cols and name_col is not None and t is not None and t.measure_for(paths[name_col]):
        name_col = None  # a one-row table of amounts only (支出预算总表)
    measure_cols = {}
    for k, p in enumerate(paths):
        if k in code_cols or k == name_col or not p or p[-1] in ("行次", "栏次"):
            continue
        measure_cols[k] = t.measure_for(p) if t else None
    for idx, (g, r) in enumerate(rows):
        cmap = _column_map(inst, g)
        texts = g.row_texts(r)
        by_col: dict[int, tuple[int, str]] = {}
        for k, txt in enumerate(texts):
            by_col.setdefault(cmap[k], (k, txt))
        parts = [compact(by_col.get(c, (0, ""))[1]) for c in code_cols]
        digits = [p for p in parts if p.isdigit()]
        code = "".join(digits) if digits else None
        if code and not _CODE.match(code):
            code = None
        label_cell = None
        if name_col is not None and name_col in by_col:
            label_cell = by_col[name_col][1]
        if not compact(label_cell):
            # merged label (合计 spanning code and name columns), or a code column holding the label
            cover = [g.slot(r, k) for k in range(g.n_cols) if cmap[k] in code_cols or cmap[k] == name_col]
            label_cell = next((c.text for c in cover if c and compact(c.text) and not compact(c.text).isdigit()
                               and compact(c.text) not in ("类", "款", "项")), "")
        label = compact(label_cell)
        if not code and not label and all(not compact(by_col.get(c, (0, ""))[1]) for c in measure_cols):
            continue
        row_key = code or label or ("合计" if not code_cols and name_col is None else f"row{idx}")
        for col, measure in measure_cols.items():
            if col not in by_col:
                continue
            k = by_col[col][0]
            rec = _cell_record(inst, g, r, k, row_index=idx, row_key=row_key, measure=measure,
                               phase=t.phase if t else None, header_path=paths[col],
                               subject_code=code, line_name=label or None,
                               classification=t.classification if t else None)
            if rec:
                inst.cells.append(rec)


def _side_of(path: list[str], sides: dict) -> tuple[str | None, int]:
    """The side whose longest label alias (``支出/功能分类``) is a prefix of the header path,
    and how many path components that alias covers."""
    best, best_len = None, 0
    comps = [compact(c) for c in path]
    for side, spec in sides.items():
        for alias in spec.get("label_aliases", []):
            parts = [compact(a) for a in alias.split("/")]
            if comps[: len(parts)] == parts and len(parts) > best_len:
                best, best_len = side, len(parts)
    return best, best_len


def read_two_sided(inst: TableInstance) -> None:
    t = inst.template
    paths, rows = data_rows(inst)
    matched = [_side_of(p, t.sides) for p in paths]
    side_of = [m[0] for m in matched]
    # no 收入/支出 header: the second label column starts the expenditure side
    if not any(side_of):
        seen_label = 0
        current = "income"
        for k, p in enumerate(paths):
            if p and p[-1] in ("项目", "项目名称"):
                seen_label += 1
                current = "income" if seen_label == 1 else "expenditure"
            side_of[k] = current
    roles: dict[str, dict] = {s: {"label": None, "rowno": None, "measures": {}} for s in t.sides}
    for k, p in enumerate(paths):
        side = side_of[k]
        if side is None:
            continue
        last = p[-1] if p else ""
        if last in ("项目", "项目名称", "收入项目", "支出项目", "功能科目名称", "科目名称") or (roles[side]["label"] is None and last in t.sides[side].get("label_aliases", [])):
            roles[side]["label"] = k
        elif last == "行次":
            roles[side]["rowno"] = k
        else:
            depth = matched[k][1] or (1 if len(p) > 1 else 0)
            m = t.measure_for(p[depth:] or p, t.sides[side].get("measure_aliases", {}))
            roles[side]["measures"][k] = m
    codes = functional_class_codes()
    for idx, (g, r) in enumerate(rows):
        texts = g.row_texts(r)
        cmap = _column_map(inst, g)
        by_col = {}
        for k, txt in enumerate(texts):
            by_col.setdefault(cmap[k], (k, txt))
        for side, role in roles.items():
            label = compact(by_col.get(role["label"], (0, ""))[1]) if role["label"] is not None else ""
            if not label and role["label"] is not None:
                # a label merged across sides (当年支出小计 spanning 功能分类 and 支出用途) names
                # the row of the side whose amount column it does not cover
                first = inst.grids[0]
                x = (first.xs[role["label"]] + first.xs[role["label"] + 1]) / 2
                cover = next((c for c in g.row_cells(r) if c is not None and c.row == r
                              and c.bbox[0] <= x <= c.bbox[2]), None)
                if cover is not None and cover.bbox[0] < first.xs[role["label"]] - 1:
                    label = compact(cover.text)
            rowno_txt = compact(by_col.get(role["rowno"], (0, ""))[1]) if role["rowno"] is not None else ""
            rowno = int(rowno_txt) if rowno_txt.isdigit() else None
            has_value = any(compact(by_col.get(c, (0, ""))[1]) for c in role["measures"])
            if not label and not has_value and rowno is None:
                continue
            if label in ("栏次", "栏目"):
                continue
            row_key = f"{side}:{rowno}" if rowno is not None else f"{side}:{label}"
            code = codes.get(strip_ordinal(label)) if side == "expenditure" else None
            for col, measure in role["measures"].items():
                if col not in by_col:
                    continue
                rec = _cell_record(inst, g, r, by_col[col][0], row_index=idx, row_key=row_key,
                                   measure=measure, phase=t.phase, header_path=paths[col], side=side,
                                   subject_code=code, line_name=label or None, row_number=rowno,
                                   classification="functional" if code else None)
                if rec:
                    inst.cells.append(rec)


def _is_code_header(path: list[str]) -> bool:
    return bool(path) and (any("编码" in c or "代码" in c for c in path) or path[-1] in ("类", "款", "项"))


def read_three_block(inst: TableInstance) -> None:
    """Blocks of (code column(s), name, amount) printed side by side become ordinary rows."""
    t = inst.template
    paths, rows = data_rows(inst)
    code_cols = [k for k, p in enumerate(paths) if _is_code_header(p)]
    if not code_cols:
        read_coded(inst)
        return
    groups: list[list[int]] = []
    for k in code_cols:
        if groups and k == groups[-1][-1] + 1:
            groups[-1].append(k)
        else:
            groups.append([k])
    blocks = []
    for i, codes in enumerate(groups):
        end = groups[i + 1][0] if i + 1 < len(groups) else len(paths)
        name = next((k for k in range(codes[-1] + 1, end) if paths[k] and "名称" in paths[k][-1]), codes[-1] + 1)
        amounts = [k for k in range(codes[-1] + 1, end) if k != name]
        blocks.append((codes, name, amounts))
    for idx, (g, r) in enumerate(rows):
        texts = [compact(x) for x in g.row_texts(r)]
        for codes, name_col, amount_cols in blocks:
            parts = [texts[c] for c in codes if c < len(texts)]
            digits = [p for p in parts if p.isdigit()]
            code = "".join(digits) if digits else None
            if code and not _CODE.match(code):
                code = None
            name = texts[name_col] if name_col < len(texts) else ""
            label_in_code = next((p for p in parts if p and not p.isdigit()), "")
            if not name and label_in_code:
                name = label_in_code
            if not name and not code:
                # a total label centred across the block lands in its amount column (unruled)
                name = next((texts[c] for c in amount_cols if c < len(texts) and texts[c] in t.total_labels), "")
            total_measure = t.total_labels.get(name)
            if not code and not name:
                continue
            cols = list(amount_cols)
            if total_measure and all(not texts[c] or texts[c] == name for c in cols if c < len(texts)):
                # a total whose amount is printed further right (merged label cells)
                nxt = next((c for c in range(max(amount_cols or [name_col]) + 1, len(texts))
                            if texts[c] and parse_value(texts[c]).printed is not None), None)
                cols = [nxt] if nxt is not None else cols
            for col in cols:
                if col >= len(texts):
                    continue
                # the row key says which total it is; the measure stays the column's (决算数)
                measure = t.measure_for(paths[col]) or "amount"
                rec = _cell_record(inst, g, r, col, row_index=idx, row_key=code or name, measure=measure,
                                   phase=t.phase, header_path=paths[col], subject_code=code,
                                   line_name=name or None, classification="economic" if code else None)
                if rec:
                    inst.cells.append(rec)


def read_single_row(inst: TableInstance) -> None:
    t = inst.template
    paths, rows = data_rows(inst)
    groups = {compact(k): v for k, v in t.column_groups.items()}
    for idx, (g, r) in enumerate(rows):
        texts = [compact(x) for x in g.row_texts(r)]
        if not any(texts):
            continue
        label = next((x for x in texts if x and parse_value(x).kind == "text"), None)
        row_key = "三公经费" if len(rows) == 1 or not label else label
        for k, p in enumerate(paths):
            if not p:
                continue
            group = next((c for c in p if c in groups), None)
            phase = groups.get(group, t.phase)
            rest = [c for c in p if c != group]
            measure = t.measure_for(rest) if rest else None
            if measure is None and not (texts[k] if k < len(texts) else ""):
                continue
            if measure is None and parse_value(texts[k]).kind == "text":
                continue
            rec = _cell_record(inst, g, r, k, row_index=idx, row_key=row_key, measure=measure, phase=phase,
                               header_path=p, line_name=label)
            if rec:
                inst.cells.append(rec)


def read_labelled(inst: TableInstance) -> None:
    """Rows keyed by their printed labels: the leading text columns, merged labels
    carried down (``一般公共预算资金/小计``)."""
    t = inst.template
    paths, rows = data_rows(inst)
    measure_cols = {k: t.measure_for(p) for k, p in enumerate(paths) if p and t.measure_for(p)}
    if not measure_cols:  # no header names the amount: the last column is it
        measure_cols = {len(paths) - 1: "amount"}
    label_cols = [k for k in range(len(paths)) if k not in measure_cols]
    for idx, (g, r) in enumerate(rows):
        cmap = _column_map(inst, g)
        labels = []
        for k in range(g.n_cols):
            if cmap[k] in label_cols:
                c = g.slot(r, k)
                if c is not None and compact(c.text) and compact(c.text) not in labels:
                    labels.append(compact(c.text))
        origin = {cmap[k]: k for k in range(g.n_cols)}
        if not labels and all(not compact(g.row_texts(r)[origin[c]]) for c in measure_cols if c in origin):
            continue
        row_key = "/".join(labels) or f"row{idx}"
        for col, measure in measure_cols.items():
            if col not in origin:
                continue
            rec = _cell_record(inst, g, r, origin[col], row_index=idx, row_key=row_key, measure=measure,
                               phase=t.phase, header_path=paths[col], line_name=labels[-1] if labels else None)
            if rec:
                inst.cells.append(rec)


READERS = {
    "labelled": read_labelled,
    "coded": read_coded,
    "two_sided": read_two_sided,
    "three_block": read_three_block,
    "single_row": read_single_row,
}


def read_table(inst: TableInstance) -> None:
    inst.ruled = all(g.ruled for g in inst.grids)
    t = inst.template
    if t is None or t.layout == "form":
        read_generic(inst)
    elif t.layout == "labelled" and _code_columns_declared(inst):
        read_coded(inst)  # the national 收入总表 is keyed by 功能分类 codes, not labels
    else:
        reader = READERS.get(t.layout)
        if reader is None:
            return  # performance tables are read by extract.performance
        reader(inst)
    numeric = [c for c in inst.cells if c["amount"] is not None]
    if inst.template is not None and not numeric:
        printed = printed_amounts(inst)
        if printed:
            # the frame and the title are there and the cells print amounts, yet none was read:
            # an extraction failure for the operator, never a table "printed empty"
            page, text = printed[0]
            inst.problem = (f"第{page}页 {inst.printed_title or inst.table_name}：表内印有{len(printed)}个金额"
                            f"（如“{text}”），但未能读出任何金额 / the table prints {len(printed)} amounts "
                            f"(e.g. '{text}' on page {page}) but none could be read")
        else:
            inst.is_empty = True
    if inst.template is not None and inst.template.empty_sentence:
        for line in inst.after_lines:
            if _EMPTY_SENTENCE.search(compact(line)):
                inst.empty_sentence = compact(line)
                break


# an amount as printed somewhere inside a cell's text: 1,266.32 / 1266.32 / 68.40% (a code,
# a 行次 or a year has no decimal point and no thousands separator)
_AMOUNT_IN_TEXT = re.compile(r"(?<![\d.,])[-−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)%?(?![\d])")


def printed_amounts(inst: TableInstance) -> list[tuple[int, str]]:
    """(page, text) of every amount printed in the table's cells, header rows included."""
    out = []
    for g in inst.grids:
        for c in g.cells:
            for m in _AMOUNT_IN_TEXT.finditer(compact(c.text)):
                if parse_value(m.group(0)).printed is not None:
                    out.append((g.page, m.group(0)))
    return out


def _code_columns_declared(inst: TableInstance) -> bool:
    first = inst.grids[0]
    n_header, _ = split_header(first)
    return any(_is_code_header(p) for p in header_paths(first, n_header))


def read_generic(inst: TableInstance) -> None:
    """A table no template names (or a form such as a 绩效目标表): rows keyed by their 科目
    code or label; every amount kept with its header path (its measure is NULL in the
    records; dbt names it ``header:<header path>`` in fct_fiscal_line)."""
    read_coded(inst)
    for c in inst.cells:
        if c["subject_code"] and not c["classification"]:
            c["classification"] = "functional" if c["subject_code"][0] == "2" else (
                "economic" if c["subject_code"][0] in "35" else None)
