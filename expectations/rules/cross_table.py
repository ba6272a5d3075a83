"""Identities across the tables of one document: a value restated in another table agrees."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from .coded import coded_rows
from .common import functional_class_codes, label, measure_zh, table_en, table_no
from .engine import Outcome, check, phase_zh
from .model import ZERO, Doc, Row, amount
from .preconditions import need_table
from .two_sided import Sides


# -- across tables ------------------------------------------------------------------
def class_code(row: Row) -> str | None:
    if row.code and len(row.code) == 3:
        return row.code
    return functional_class_codes().get(row.label)


@check("cross_classes")
def _cross_classes(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """A two-sided table's expenditure column (total and 类 rows) vs a coded table's column."""
    left, right = p["left"], p["right"]
    lt, lm, rt, rm = left["table"], left["measure"], right["table"], right["measure"]
    if not need_table(out, doc, lt):
        return
    if not doc.has_table(rt):
        out.insufficient(f"{table_no(rt)} {rt} not extracted")
        return
    side = Sides(doc.rows(lt, "expenditure"), "expenditure")
    if side.current is None:
        out.insufficient(f"{table_no(lt)} 本年支出合计 row not found")
        return
    lmeasure = lm if lm in doc.measures(lt, "expenditure") else ("amount" if lm == "amount" else None)
    if lmeasure is None:
        out.insufficient(f"{table_no(lt)} column {measure_zh(lm)} not extracted")
        return
    right_empty = doc.is_empty(rt)
    if right_empty and not p.get("empty_right_is_zero"):
        out.na(f"{table_no(rt)} printed empty")
        return
    total, by_code = coded_rows(doc, rt)
    col = f"{table_no(lt)} {measure_zh(lm)}"
    # totals
    rtotal = ZERO if right_empty else (amount(total.get(rm)) if total is not None else None)
    if rtotal is None:
        out.insufficient(f"{table_no(rt)} 合计 row not found")
    else:
        out.compare_equal(
            table=lt, cell=side.current.get(lmeasure), expected=rtotal, tolerance=doc.rounding(lt, rt),
            row_key=side.current.row_key, measure=lmeasure,
            msg_zh=f"{col} 本年支出合计 与 {table_no(rt)} 合计 {measure_zh(rm)}{'（空表，应为 0）' if right_empty else ''} 不一致",
            msg_en=f"{table_en(lt)} {lm} expenditure of the year vs {table_en(rt)} total {rm}",
            page_cells=[total.get(rm) if total else None],
        )
    # 类 rows
    right_classes = {} if right_empty else {c: r for c, r in by_code.items() if len(c) == 3}
    compare_classes(
        out, doc, side.items, lambda r: r.get(lmeasure), lt=lt, lmeasure=lmeasure, rt=rt, rm=rm,
        right_classes=right_classes, tolerance=doc.rounding(lt, rt), left_name=table_no(lt),
        pair_zh=lambda r, code: f"{col} {r.label}({code}) 与 {table_no(rt)} 类 {code} {measure_zh(rm)} 不一致",
        pair_en=lambda code: f"{table_en(lt)} {lm} class {code} vs {table_en(rt)} class {code} {rm}",
        orphan_zh=lambda code, rrow: f"{table_no(rt)} 类 {code} {label(rrow.line_name)} 在 {col} 中没有对应金额",
        orphan_en=lambda code: f"{table_en(rt)} class {code} has no amount in {table_en(lt)} column {lm}",
    )


def compare_classes(out: Outcome, doc: Doc, left_rows: list[Row], left_cell, *, lt: str, lmeasure: str | None,
                    rt: str, rm: str, right_classes: dict[str, Row], tolerance, left_name: str,
                    pair_zh, pair_en, orphan_zh, orphan_en) -> None:
    """类 rows of a summary table (by code, or by the 类 name) against the 类 rows of a coded table;
    a 类 with an amount on one side only is compared with zero."""
    matched: set[str] = set()
    for r in left_rows:
        code = class_code(r)
        lcell = left_cell(r)
        if code is None:
            if amount(lcell) != 0:
                out.notes.append(f"{left_name} row {r.line_name!r} not mapped to a 类 code")
            continue
        rrow = right_classes.get(code)
        if rrow is None and amount(lcell) == 0:
            continue
        matched.add(code)
        rcell = rrow.get(rm) if rrow else None
        out.compare_equal(table=lt, cell=lcell, expected=amount(rcell), tolerance=tolerance, row_key=r.row_key,
                          measure=lmeasure, msg_zh=pair_zh(r, code), msg_en=pair_en(code), page_cells=[rcell])
    for code, rrow in right_classes.items():
        if code in matched or amount(rrow.get(rm)) == 0:
            continue
        out.compare_equal(table=rt, cell=rrow.get(rm), expected=ZERO, tolerance=doc.rounding(rt), row_key=code,
                          measure=rm, msg_zh=orphan_zh(code, rrow), msg_en=orphan_en(code))


@check("cross_income_01_02")
def _cross_income_01_02(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    lt, rt = "income_expenditure_summary", "income"
    if not need_table(out, doc, lt) or not need_table(out, doc, rt):
        return
    side = Sides(doc.rows(lt, "income"), "income")
    total, _ = coded_rows(doc, rt)
    if side.current is None or total is None:
        out.insufficient("01 本年收入合计 or 02 合计 row not found")
        return
    out.compare_equal(
        table=lt, cell=side.current.get("amount") or side.current.get(None), expected=amount(total.get("income_total")),
        tolerance=doc.rounding(lt, rt), row_key=side.current.row_key, measure="amount",
        msg_zh="公开01表 本年收入合计 与 公开02表 合计 本年收入合计 不一致",
        msg_en="Table 01 income of the year vs table 02 total income", page_cells=[total.get("income_total")],
    )
    item_measure = {label(name): m for m, names in p["items"].items() for name in names}
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in side.items:
        m = item_measure.get(r.label)
        if m:
            groups[m].append(r)
    for m, rows in groups.items():
        lsum = sum((amount(r.get("amount") or r.get(None)) for r in rows), ZERO)
        rcell = total.get(m)
        out.compare_equal(
            table=lt, cell=rows[0].get("amount"), printed=lsum, expected=amount(rcell), tolerance=doc.rounding(lt, rt) * len(rows),
            row_key=rows[0].row_key, measure="amount",
            msg_zh=f"公开01表 {'+'.join(r.label for r in rows)} 与 公开02表 合计 {measure_zh(m)} 不一致",
            msg_en=f"Table 01 income items vs table 02 total {m}", page_cells=[rcell],
        )


@check("cross_cells")
def _cross_cells(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    for pair in p["pairs"]:
        L, R = pair["left"], pair["right"]
        if not need_table(out, doc, L["table"]) or not doc.has_table(R["table"]):
            if not doc.has_table(R["table"]):
                out.insufficient(f"{table_no(R['table'])} {R['table']} not extracted")
            continue
        lcell = (doc.cell(L["table"], L["row_key"], L.get("measure"), L.get("phase"))
                 or doc.cell_by_code(L["table"], L["row_key"], L.get("measure"), L.get("phase")))
        rcell = (doc.cell(R["table"], R["row_key"], R.get("measure"), R.get("phase"))
                 or doc.cell_by_code(R["table"], R["row_key"], R.get("measure"), R.get("phase")))
        if lcell is None:
            out.insufficient(f"{table_no(L['table'])} {L['row_key']} {measure_zh(L.get('measure'))} not found")
            continue
        if rcell is None and R["row_key"] in ("人员经费合计", "公用经费合计"):
            out.insufficient(f"{table_no(R['table'])} {R['row_key']} not found")
            continue
        tolerance = doc.rounding(L["table"], R["table"])
        at_least = pair.get("relation") == "at_least"  # left covers more than right: left ≥ right
        if at_least and amount(lcell) >= amount(rcell) - tolerance:
            out.ok()
            continue
        out.compare_equal(
            table=L["table"], cell=lcell, expected=amount(rcell), tolerance=tolerance,
            row_key=L["row_key"], measure=L.get("measure"),
            msg_zh=f"{table_no(L['table'])} {L['row_key']} {measure_zh(L.get('measure'))}{phase_zh(L.get('phase'))} "
                   + (f"小于 {table_no(R['table'])} {R['row_key']}（前者口径更宽，应不小于后者）" if at_least
                      else f"与 {table_no(R['table'])} {R['row_key']} 不一致"),
            msg_en=f"{table_en(L['table'])} {L['row_key']} {L.get('measure')} "
                   + ("below" if at_least else "vs") + f" {table_en(R['table'])} {R['row_key']}",
            page_cells=[rcell],
        )
