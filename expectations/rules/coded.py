"""Coded tables (02, 03, 05, 06, 07, 08): 合计 = Σ类, 类 = Σ款, 款 = Σ项; and the row identities over
columns (total column = Σ term columns, 经济分类 totals)."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from .common import label, measure_zh, table_no
from .engine import Outcome, check
from .model import Doc, Row, printed_count
from .preconditions import need_table


# -- coded tables (02, 03, 05, 06, 07, 08) ---------------------------------------------
def coded_rows(doc: Doc, table: str) -> tuple[Row | None, dict[str, Row]]:
    total, by_code = None, {}
    for r in doc.rows(table):
        if r.row_key == "合计" or (r.code is None and r.label in ("合计", "总计")):
            total = total or r
        elif r.code:
            by_code.setdefault(r.code, r)
    return total, by_code


def _code_measures(doc: Doc, table: str) -> list[str]:
    return [m for m in doc.measures(table) if m] or ["amount"]


@check("coded_total_eq_classes")
def _coded_total_eq_classes(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table = p["table"]
    if not need_table(out, doc, table):
        return
    total, by_code = coded_rows(doc, table)
    if total is None:
        out.insufficient(f"{table_no(table)} 合计 row not found")
        return
    inf = doc.code_inference(table)
    if inf is not None and inf.unresolved and not any(r.printed_code and not r.code_rejected for r in doc.rows(table)):
        # printed by name only: every row with an amount must be a known 类 or 款 of its 类
        out.insufficient(f"{table_no(table)} printed without 经济分类 codes and not every row's name decides"
                         f" its code ({inf.reason()}): the 类 are not all known")
        return
    classes = [r for c, r in by_code.items() if len(c) == 3]
    if not classes:
        out.insufficient(f"{table_no(table)} no 类 rows")
        return
    orphans = _uncoded_outside_blocks(doc.rows(table))
    if orphans:  # a 类 printed without a readable code (工资福利支出 alone): the 类 are not all known
        out.insufficient(f"{table_no(table)} rows with amounts but no readable code outside any 类 "
                         f"({', '.join(orphans[:3])}{'…' if len(orphans) > 3 else ''}): the 类 are not all known")
        return
    _code_lineage(out, doc, table)
    for m in _code_measures(doc, table):
        tcell = total.get(m)
        if tcell is None:
            continue
        out.compare_sum(
            table=table, total=tcell, terms=[r.get(m) for r in classes], row_key=total.row_key, measure=m,
            what_zh="合计", what_en="total row" + _INFERRED_EN * _any_inferred(classes),
            terms_zh=f"{len(classes)} 个类之和" + _INFERRED_ZH * _any_inferred(classes),
        )


@check("coded_parent_eq_children")
def _coded_parent_eq_children(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table = p["table"]
    if not need_table(out, doc, table):
        return
    _, by_code = coded_rows(doc, table)
    if not by_code:
        out.insufficient(f"{table_no(table)} no coded rows")
        return
    children: dict[str, list[Row]] = defaultdict(list)
    for code, r in by_code.items():
        if len(code) > 3 and code[:-2] in by_code:
            children[code[:-2]].append(r)
    if not children:
        out.na(f"{table_no(table)} no 类/款 row with printed sub-rows")
        return
    _code_lineage(out, doc, table)
    unread = _blocks_with_uncoded_rows(doc.rows(table))
    for parent in [c for c in children if c in unread]:
        out.insufficient(f"{table_no(table)} {parent}: rows without a readable code inside its block"
                         f" ({', '.join(unread[parent][:3])}): its sub-rows are not all known")
        del children[parent]
    for m in _code_measures(doc, table):
        for parent, kids in children.items():
            pr = by_code[parent]
            pcell = pr.get(m)
            if pcell is None and printed_count(k.get(m) for k in kids) == 0:
                continue
            level = "类" if len(parent) == 3 else "款"
            inferred = _any_inferred([pr, *kids])
            out.compare_sum(
                table=table, total=pcell, terms=[k.get(m) for k in kids], row_key=pr.row_key if pr.code_inferred else parent, measure=m,
                what_zh=f"{level} {parent} {label(pr.line_name)}", what_en=f"{level} {parent}" + _INFERRED_EN * inferred,
                terms_zh=f"{len(kids)} 个下级科目之和（{','.join((k.code if k.code_inferred else k.row_key) or '' for k in kids[:6])}"
                         f"{'…' if len(kids) > 6 else ''}）" + _INFERRED_ZH * inferred,
            )


_INFERRED_ZH = "（经济分类编码按科目名称推断）"
_INFERRED_EN = " (经济分类 codes inferred from the printed names)"


def _any_inferred(rows: list[Row]) -> bool:
    return any(r.code_inferred for r in rows)


def _code_lineage(out: Outcome, doc: Doc, table: str) -> None:
    """Say in the result's detail where codes not printed in a code column came from."""
    rows = doc.rows(table)
    named = [r.code for r in rows if r.code_inferred]
    labelled = [r.code for r in rows if r.label_code and not r.code_inferred]
    if named:
        out.notes.append(f"{len(named)} 经济分类 codes inferred from the printed names ({', '.join(named[:4])}"
                         f"{'…' if len(named) > 4 else ''})")
    if labelled:
        out.notes.append(f"{len(labelled)} codes printed in the labels ([{labelled[0]}]…)")


def _uncoded_outside_blocks(rows: list[Row]) -> list[str]:
    """Labels of rows with a non-zero amount, no readable code and no coded row above them:
    they may be 类 whose code was not printed or not read."""
    out: list[str] = []
    seen_code = False
    for r in rows:
        if r.code:
            seen_code = True
        elif (not seen_code and r.label not in ("合计", "总计")
              and any(c.get("amount") not in (None, 0) for c in r.cells.values())):
            out.append(r.label)
    return out


def _blocks_with_uncoded_rows(rows: list[Row]) -> dict[str, list[str]]:
    """Coded parent → labels of uncoded rows with amounts printed inside its block (before the
    next row that is not its descendant): a code the extraction could not read (款 printed '2'
    for 02), so the parent's children are not all known."""
    out: dict[str, list[str]] = {}
    open_codes: list[str] = []
    for r in rows:
        if r.code:
            open_codes = [c for c in open_codes if r.code.startswith(c) and r.code != c] + [r.code]
        elif r.label not in ("合计", "总计") and any(c.get("amount") not in (None, 0) for c in r.cells.values()):
            for c in open_codes:
                out.setdefault(c, []).append(r.label)
    return out


@check("column_identity")
def _column_identity(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """On every row: total column = Σ term columns (per phase for table 09)."""
    table, total_m, terms_m = p["table"], p["total"], list(p["terms"])
    if not need_table(out, doc, table):
        return
    phases = ("budget", "final") if p.get("by_phase") else (None,)
    printed_measures = set(doc.measures(table, p.get("side")))
    parts: dict[str, list[str]] = p.get("parts") or {}
    for parent, children in parts.items():  # 基本支出 printed only as 人员支出 + 日常公用支出
        if parent in terms_m and parent not in printed_measures and printed_measures & set(children):
            i = terms_m.index(parent)
            terms_m[i:i + 1] = [c for c in children if c not in terms_m]
    if p.get("partition"):
        # the terms must account for every amount column the table prints: a column the
        # identity does not know (another place's template) makes it unknowable, not wrong
        known = {total_m, *terms_m, *(c for cs in parts.values() for c in cs), *(p.get("not_terms") or [])}
        other = sorted(m for m in printed_measures - known if m)
        if other:
            out.insufficient(f"{table_no(table)} prints columns this identity does not account for "
                             f"({', '.join(measure_zh(m) for m in other)})")
            return
    terms_zh = " + ".join(measure_zh(m) for m in terms_m)
    if total_m in printed_measures and not printed_measures & set(terms_m):
        out.na(f"{table_no(table)} prints no {terms_zh} columns (template variant)")
        return
    any_row = False
    for r in doc.rows(table, p.get("side")):
        for ph in phases:
            tcell = r.get(total_m, ph)
            if ph is not None and tcell is not None and tcell.get("phase") not in (ph,):
                tcell = None
            if tcell is None:
                continue
            terms = [r.get(m, ph) for m in terms_m]
            if ph is not None:
                terms = [t if t is not None and t.get("phase") == ph else None for t in terms]
            if all(t is None for t in terms):
                out.insufficient(f"{table_no(table)} {r.row_key}: no {terms_zh} cells")
                continue
            any_row = True
            name = label(r.line_name) or r.row_key
            out.compare_sum(
                table=table, total=tcell, terms=terms, row_key=r.row_key, measure=total_m,
                what_zh=f"{name}", what_en=f"row {r.row_key}", terms_zh=terms_zh, phase=ph,
            )
    if not any_row and not out.missing:
        out.insufficient(f"{table_no(table)} no {measure_zh(total_m)} cells")


@check("economic_total")
def _economic_total(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table = p["table"]
    if not need_table(out, doc, table):
        return
    rows = {r.row_key: r for r in doc.rows(table)}
    total_row = rows.get(p["total_row"]) or next((r for r in rows.values() if r.label == p["total_row"]), None)
    if total_row is None or total_row.get(None) is None:
        out.insufficient(f"{table_no(table)} {p['total_row']} not found")
        return
    present = [rows[c] for c in p["classes"] if c in rows]
    if not present:
        out.insufficient(f"{table_no(table)} none of the 类 {', '.join(p['classes'])} found")
        return
    tcell = total_row.get(None)
    out.compare_sum(
        table=table, total=tcell, terms=[r.get(None) for r in present], row_key=total_row.row_key,
        measure=tcell.get("measure"), what_zh=p["total_row"], what_en=p["total_row"],
        terms_zh=" + ".join(r.row_key for r in present),
    )

