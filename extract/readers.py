"""Reading the data rows of a located table into cell records, one reader per layout.

:func:`read_table` picks the reader by the catalog template's ``layout``; every reader
appends records of ``records.TABLE_CELL`` (without ``document_id``) to ``inst.cells``.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .catalog import functional_class_codes, strip_ordinal
from .codes import code_classification, split_label_code
from .grid import Grid
from .rows import _AMOUNT_IN_TEXT, _CODE, _column_map, data_rows, header_paths, join_code_parts, split_header
from .text import compact, normalize
from .values import parse_value, unit_factor

if TYPE_CHECKING:
    from .tables import TableInstance

_EMPTY_SENTENCE = re.compile(r"没有|不涉及|无数据|为空表|(?:无|未安排).{0,30}(?:预算|拨款|收入|支出|经费)")

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
    # no header says so: the column whose cells are mostly 科目 codes (an amount column printing
    # one whole number, ``791``, is not one: its other cells are amounts, and 791 is no code)
    counts: dict[int, int] = {}
    others: dict[int, int] = {}
    for g, r in rows:
        for k, t in enumerate(g.row_texts(r)):
            c = compact(t)
            if _CODE.match(c) and code_classification(c):
                counts[k] = counts.get(k, 0) + 1
            elif c and parse_value(c).printed is not None:
                others[k] = others.get(k, 0) + 1
    counts = {k: n for k, n in counts.items() if n > others.get(k, 0)}
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
        code = join_code_parts([normalize(by_col.get(c, (0, ""))[1]) for c in code_cols])
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
        # the row key stays the label as printed ([301]工资福利支出): line ids are built from it
        row_key = code or label or ("合计" if not code_cols and name_col is None else f"row{idx}")
        in_label = split_label_code(label_cell, t.classification if t else None)
        if in_label and (not code or code == in_label[0]):
            code, label = in_label  # the code printed in the label, the name without it
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
            code = None
            if side == "expenditure":
                raw = by_col.get(role["label"], (0, ""))[1] if role["label"] is not None else label
                in_label = split_label_code(raw or label, "functional")
                if in_label:
                    code, label = in_label  # [201]一般公共服务支出: the printed code, the name without it
                else:
                    code = codes.get(strip_ordinal(label))
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
        raw = g.row_texts(r)
        texts = [compact(x) for x in raw]
        for codes, name_col, amount_cols in blocks:
            parts = [texts[c] for c in codes if c < len(texts)]
            code = join_code_parts(parts)
            name = texts[name_col] if name_col < len(texts) else ""
            label_in_code = next((p for p in parts if p and not p.isdigit()), "")
            if not name and label_in_code:
                name = label_in_code
            printed_name = name
            raw_name = raw[name_col] if name and name_col < len(raw) and texts[name_col] == name else name
            in_label = split_label_code(raw_name, "economic")
            column_code = code
            if in_label and (not code or code == in_label[0]):
                code, name = in_label  # [301]工资福利支出: the printed code, the name without it
            if not name and not code:
                # a total label centred across the block lands in its amount column (unruled)
                name = next((texts[c] for c in amount_cols if c < len(texts) and texts[c] in t.total_labels), "")
            total_measure = t.total_labels.get(name)
            if not code and not name:
                continue
            # the row key stays the label as printed when the code was read from it
            row_key = column_code or printed_name or name
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
                rec = _cell_record(inst, g, r, col, row_index=idx, row_key=row_key, measure=measure,
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
