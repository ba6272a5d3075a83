"""Two-sided tables (公开01 收入支出决算总表, 公开04 财政拨款收入支出决算总表): income items add up to
本年收入合计, the 总计 rows to their parts, and the two sides balance."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .common import table_en, table_no, top_level_rows
from .engine import Outcome, check, fmt
from .model import Doc, Row, amount
from .preconditions import need_table

# -- two-sided tables (01, 04) ------------------------------------------------------
_TOTALISH = re.compile(r"合计|小计|总计|^其中")


class Sides:
    """The rows of one side of a 01/04 table, classified by their printed labels."""

    def __init__(self, rows: list[Row], side: str):
        self.rows = rows
        self.side = side
        current = "本年收入合计" if side == "income" else "本年支出合计"
        self.current = self.find(lambda lb: lb == current or lb == current.replace("本年", ""))
        self.grand = self.find(lambda lb: lb in ("总计", "收入总计", "支出总计"))
        self.use_nonfiscal = self.find(lambda lb: "使用非财政拨款结余" in lb)
        # 年初结转和结余, 年初财政拨款结转和结余 (Shanghai), 年初结转结余
        self.carry_begin = self.find(lambda lb: bool(re.search(r"年初.{0,6}结转", lb)))
        self.distribution = self.find(lambda lb: "结余分配" in lb)
        self.carry_end = self.find(lambda lb: bool(re.search(r"年末.{0,6}结转", lb)))
        if self.current is not None:
            self.items = top_level_rows([
                r for r in rows
                if r.order < self.current.order and r.label and not _TOTALISH.search(r.label)
            ])
        else:
            self.items = []

    def find(self, pred: Callable[[str], bool]) -> Row | None:
        for r in self.rows:
            if r.label and pred(r.label):
                return r
        return None


def side_measures(doc: Doc, table: str, side: str) -> list[str]:
    return doc.measures(table, side) or ["amount"]


@check("two_sided_current_total")
def _two_sided_current_total(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table, side = p["table"], p["side"]
    if not need_table(out, doc, table):
        return
    s = Sides(doc.rows(table, side), side)
    what = "本年收入合计" if side == "income" else "本年支出合计"
    if s.current is None:
        out.insufficient(f"{table_no(table)} {what} row not found")
        return
    if not s.items:
        out.insufficient(f"{table_no(table)} no {side} item rows above {what}")
        return
    for m in side_measures(doc, table, side):
        total = s.current.get(m)
        if total is None:
            continue
        out.compare_sum(
            table=table, total=total, terms=[r.get(m) for r in s.items], row_key=s.current.row_key,
            measure=m, what_zh=what, what_en="income of the year" if side == "income" else "expenditure of the year",
            terms_zh=f"{len(s.items)} 行" + ("收入项目" if side == "income" else "支出功能分类类") + "之和",
        )


@check("two_sided_grand_total")
def _two_sided_grand_total(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table, side = p["table"], p["side"]
    if not need_table(out, doc, table):
        return
    s = Sides(doc.rows(table, side), side)
    if s.grand is None or s.current is None:
        out.insufficient(f"{table_no(table)} {side} 总计 or 本年合计 row not found")
        return
    if side == "income":
        parts = [s.current, s.use_nonfiscal, s.carry_begin]
        terms_zh = "本年收入合计 + 使用非财政拨款结余 + 年初结转和结余"
    else:
        parts = [s.current, s.distribution, s.carry_end]
        terms_zh = "本年支出合计 + 结余分配 + 年末结转和结余"
    for m in side_measures(doc, table, side):
        total = s.grand.get(m)
        if total is None:
            continue
        out.compare_sum(
            table=table, total=total, terms=[r.get(m) if r else None for r in parts], row_key=s.grand.row_key,
            measure=m, what_zh=("收入" if side == "income" else "支出") + "总计",
            what_en=f"{side} grand total", terms_zh=terms_zh,
        )


@check("two_sided_balance")
def _two_sided_balance(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table = p["table"]
    if not need_table(out, doc, table):
        return
    inc = Sides(doc.rows(table, "income"), "income")
    exp = Sides(doc.rows(table, "expenditure"), "expenditure")
    if inc.grand is None or exp.grand is None:
        out.insufficient(f"{table_no(table)} 总计 rows not found")
        return
    inc_cell = inc.grand.get("amount") or inc.grand.get(None)
    exp_cell = exp.grand.get("amount") or exp.grand.get("expenditure_total") or exp.grand.get(None)
    if inc_cell is None or exp_cell is None:
        out.insufficient(f"{table_no(table)} 总计 amounts not found")
        return
    out.compare_equal(
        table=table, cell=exp_cell, expected=amount(inc_cell), tolerance=doc.rounding(table),
        row_key=exp.grand.row_key, measure=exp_cell.get("measure"),
        msg_zh=f"{table_no(table)} 支出总计 与 收入总计 {fmt(amount(inc_cell))} 不等",
        msg_en=f"{table_en(table)} expenditure grand total differs from income grand total",
        page_cells=[inc_cell],
    )

