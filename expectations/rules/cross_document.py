"""Cross-document checks: a 决算 against the same department's 部门预算 of the same year."""
from __future__ import annotations

import re
from typing import Any

from .common import clip, measure_zh, table_en, table_no
from .engine import Outcome, check
from .loader import Peers
from .model import Doc, amount
from .narrative import narrative_figs
from .preconditions import need_table


def budget_peer(out: Outcome, doc: Doc, table: str) -> Doc | None:
    peers: Peers | None = getattr(doc, "peers", None)
    if peers is None:
        out.insufficient("cross-document check evaluated without the other documents")
        return None
    budget = peers.find(doc, "budget")
    if budget is None:
        out.na(f"no 部门预算 of this department for {doc.fiscal_year} (scope {peers.key_of.get(doc.id, ('', '', '?'))[2]})")
        return None
    if not budget.has_table(table):
        out.insufficient(f"the 部门预算 {budget.meta.get('file_name') or budget.id} has no {table}")
        return None
    return budget


def _budget_file(budget: Doc) -> str:
    return budget.meta.get("file_name") or budget.id


@check("narrative_budget_vs_budget_doc")
def _narrative_budget_vs_budget_doc(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """The 年初预算 a 决算 narrative quotes per 功能分类 科目 = that 科目 in the 部门预算's
    一般公共预算支出预算表 (a 科目 the budget does not print counts as zero)."""
    table, measure = p.get("table", "budget_general_expenditure"), p.get("measure", "amount")
    topics = set(p.get("topics") or ["item_initial_budget"])
    figs = [f for f in narrative_figs(doc) if f.value is not None and f.row.get("subject_code")
            and re.fullmatch(r"\d{3}(\d{2}){0,2}", str(f.row["subject_code"]))
            and (f.kind == "budget" or (f.row.get("topic") in topics and f.kind == "amount"))
            and f.row.get("unit") in (None, "万元")]
    if not figs:
        out.na("the narrative quotes no 年初预算 per 科目")
        return
    budget = budget_peer(out, doc, table)
    if budget is None:
        return
    tol_budget = budget.rounding(table)
    for fig in figs:
        code = str(fig.row["subject_code"])
        cell = budget.cell(table, code, measure)
        expected = amount(cell)
        tol = fig.half + tol_budget
        before = len(out.findings)
        out.compare_equal(
            table=None, cell=None, printed=fig.value, expected=expected, tolerance=tol, row_key=code, measure=measure,
            msg_zh=(f"情况说明所列 {code} 年初预算与同年部门预算 {_budget_file(budget)} 一般公共预算支出预算表不一致"
                    f"（“{clip(fig.row.get('sentence'))}”）"),
            msg_en=f"Narrative initial budget of {code} vs the {doc.fiscal_year} budget document {_budget_file(budget)} ({table})",
        )
        if len(out.findings) > before and out.findings[-1].page is None:
            out.findings[-1].page = fig.row.get("page")


@check("three_public_budget_vs_budget_doc")
def _three_public_budget_vs_budget_doc(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """The 预算数 columns of the 决算's 三公 table = the 部门预算's “三公”经费 预算表 items."""
    final_t, budget_t = p.get("table", "three_public"), p.get("budget_table", "budget_three_public")
    measures = p.get("measures") or list(TP_ITEMS)
    if not need_table(out, doc, final_t, empty_ok=True):
        return
    budget = budget_peer(out, doc, budget_t)
    if budget is None:
        return
    brow = next(iter(budget.rows(budget_t)), None)
    frow = next(iter(doc.rows(final_t)), None)
    if brow is None or frow is None:
        out.insufficient("三公 row not extracted")
        return
    for m in measures:
        fc, bc = frow.get(m, "budget"), brow.get(m)
        if fc is not None and fc.get("phase") not in (None, "budget"):
            fc = None
        if fc is None and bc is None:
            continue
        tol = doc.rounding(final_t) + budget.rounding(budget_t)
        out.compare_equal(
            table=final_t, cell=fc, expected=amount(bc), tolerance=tol, row_key=frow.row_key, measure=m,
            msg_zh=f"{table_no(final_t)} 预算数 {measure_zh(m)} 与同年部门预算 {_budget_file(budget)} “三公”经费预算表不一致",
            msg_en=f"{table_en(final_t)} budget {m} vs the {doc.fiscal_year} budget document {_budget_file(budget)}",
        )


TP_ITEMS = ("three_public_total", "outbound_travel", "vehicle_total", "vehicle_purchase", "vehicle_operation",
            "official_reception")



