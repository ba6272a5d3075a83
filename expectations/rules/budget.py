"""部门预算 (Jiangsu 2017–2019 templates: 收支预算总表 … 政府采购预算表): the two-sided summaries, the
labelled income groups, restatements across the budget tables."""
from __future__ import annotations

import re
from typing import Any, NamedTuple

from .coded import coded_rows
from .common import SUB_ORDINAL, TOP_ORDINAL, label, measure_zh, printed_label, table_en, table_no
from .cross_table import compare_classes
from .engine import Outcome, check, fmt
from .model import ZERO, Doc, Row, amount, printed_count
from .preconditions import need_table, unverified_family_is_warning

# ---------------------------------------------------------------------------
# 部门预算 (Jiangsu 2017–2019 templates: 收支预算总表 … 政府采购预算表)
# ---------------------------------------------------------------------------
BUDGET_TABLES = (
    "budget_summary", "budget_income", "budget_expenditure", "budget_fiscal_summary",
    "budget_fiscal_expenditure", "budget_fiscal_basic", "budget_government_fund",
    "budget_general_expenditure", "budget_general_basic", "budget_admin_operating",
    "budget_three_public", "budget_procurement",
)
# "当年收入" alone: the label 当年收入小计 wrapped over a page break (its amount on the first line)
_B_INC_CURRENT = ("当年收入小计", "收入小计", "本年收入小计", "本年收入合计", "当年收入合计", "当年收入")
_B_INC_TOTAL = ("收入合计", "收入总计", "总计")
_B_EXP_CURRENT = ("当年支出小计", "支出小计", "本年支出小计", "本年支出合计", "当年支出合计", "当年支出")
_B_EXP_TOTAL = ("支出合计", "支出总计", "总计")
_B_INC_CARRY = re.compile(r"^上年结转")
_B_EXP_CARRY = re.compile(r"^结转下年")
_B_TOTALISH = re.compile(r"合计|小计|总计")


def bval(row: Row | None) -> dict[str, Any] | None:
    """The amount cell of a row of a one-column (金额) two-sided budget table."""
    if row is None:
        return None
    return row.get("amount") or row.get(None)


class BudgetSides:
    """收支预算总表 / 财政拨款收支预算总表 rows, classified by their printed labels.

    Income side: items (一、… with nested 1./2. under them), 当年收入小计, 上年结转, 收入合计.
    Expenditure: 功能分类 类 rows (side ``expenditure``), 支出用途 rows (side ``purpose``), and the
    totals 当年支出小计 / 结转下年 / 支出合计, looked up on every side (Jiangsu prints their labels
    across the 功能分类 and 支出用途 columns).
    """

    def __init__(self, doc: Doc, table: str):
        rows = doc.rows(table)
        inc = [r for r in rows if r.row_key.startswith("income:")]
        exp = [r for r in rows if not r.row_key.startswith("income:")]

        def first(rs, names=(), pattern=None):
            for r in rs:
                lb = r.label
                if lb and ((lb in names) or (pattern is not None and pattern.search(lb))):
                    return r
            return None

        self.inc_current = first(inc, _B_INC_CURRENT)
        self.inc_carry = first(inc, pattern=_B_INC_CARRY)
        self.inc_total = first(inc, _B_INC_TOTAL)
        self.exp_current = first(exp, _B_EXP_CURRENT)
        self.exp_carry = first(exp, pattern=_B_EXP_CARRY)
        self.exp_total = first(exp, _B_EXP_TOTAL)
        stop = min((r.order for r in (self.inc_current, self.inc_carry, self.inc_total) if r is not None), default=None)
        items = [r for r in inc if r.label and not _B_TOTALISH.search(r.label) and not _B_INC_CARRY.search(r.label)
                 and (stop is None or r.order < stop)]
        raw = {r.row_key: printed_label(r.line_name) for r in items}
        has_top = any(TOP_ORDINAL.match(raw[r.row_key]) for r in items)
        self.income_top: list[Row] = []
        self.income_nested: dict[str, list[Row]] = {}
        parent: Row | None = None
        for r in items:
            if has_top and SUB_ORDINAL.match(raw[r.row_key]) and parent is not None:
                self.income_nested.setdefault(parent.row_key, []).append(r)
            else:
                self.income_top.append(r)
                parent = r
        self.income_items = items

        def body(side):
            return [r for r in rows if r.row_key.startswith(side + ":") and r.label
                    and not _B_TOTALISH.search(r.label) and not _B_EXP_CARRY.search(r.label)]

        self.classes = body("expenditure")
        self.purposes = body("purpose")

    def income_current_or_total(self) -> tuple[Row | None, list[Row]]:
        """The row the income items add up to, and the extra terms (上年结转 when that row is 收入合计)."""
        if self.inc_current is not None:
            return self.inc_current, []
        if self.inc_total is not None:
            return self.inc_total, [self.inc_carry] if self.inc_carry is not None else []
        return None, []

    def expenditure_current_or_total(self) -> tuple[Row | None, list[Row]]:
        if self.exp_current is not None:
            return self.exp_current, []
        if self.exp_total is not None:
            return self.exp_total, [self.exp_carry] if self.exp_carry is not None else []
        return None, []

    def general_budget_only(self) -> bool | None:
        """True when every income other than 一般公共预算 (and the 财政拨款 line over it) is blank or 0;
        None when the income side was not extracted."""
        if not self.income_items:
            return None
        for r in self.income_items:
            lb = r.label
            if "一般公共预算" in lb or lb in ("财政拨款", "财政拨款收入"):
                continue
            if amount(bval(r)) != 0:
                return False
        return amount(bval(self.inc_carry)) == 0


_BUDGET_IDENTITIES = {
    "income_items": ("当年收入小计 = 各项收入之和", "income of the year = sum of income items"),
    "income_nested": ("财政拨款 = 一般公共预算 + 政府性基金预算", "appropriation = general budget + government fund"),
    "income_total": ("收入合计 = 当年收入小计 + 上年结转", "income total = income of the year + carry-over"),
    "expenditure_total": ("支出合计 = 当年支出小计 + 结转下年", "expenditure total = expenditure of the year + carry-forward"),
    "balance": ("收入合计 = 支出合计", "income total = expenditure total"),
    "classes": ("当年支出小计 = 各功能分类类之和", "expenditure of the year = sum of functional 类 rows"),
    "purpose": ("当年支出小计 = 基本支出 + 项目支出 + 单位预留机动经费", "expenditure of the year = sum of purpose rows"),
}


class _GrandTotal(NamedTuple):
    """One side's 合计 = 当年小计 + 结转 identity: the BudgetSides rows it reads and what it says."""
    total: str
    current: str
    carry: str
    missing: str  # the reason when the 合计 row was not found
    no_current: str  # the reason when no 当年小计 is printed
    what_en: str
    terms_zh: str


_GRAND_TOTALS = {
    "income_total": _GrandTotal("inc_total", "inc_current", "inc_carry", "收入合计 row not found",
                                "prints no 当年收入小计 (收入合计 is checked against the items)",
                                "income total", "当年收入小计 + 上年结转"),
    "expenditure_total": _GrandTotal("exp_total", "exp_current", "exp_carry", "支出合计 row not found (label not extracted)",
                                     "prints no 当年支出小计 (支出合计 is checked against the 支出用途 rows)",
                                     "expenditure total", "当年支出小计 + 结转下年"),
}


@check("budget_two_sided")
def _budget_two_sided(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """The identities of a 收支预算总表 / 财政拨款收支预算总表 (params ``table``, ``identity``)."""
    table, ident = p["table"], p["identity"]
    if not need_table(out, doc, table):
        return
    s = BudgetSides(doc, table)
    _, en = _BUDGET_IDENTITIES[ident]
    tno = table_no(table)

    def sum_(total: Row, terms: list[Row | None], what_zh: str, what_en: str, terms_zh: str) -> None:
        out.compare_sum(table=table, total=bval(total), terms=[bval(t) for t in terms], row_key=total.row_key,
                        measure="amount", what_zh=what_zh, what_en=what_en, terms_zh=terms_zh)

    if ident == "income_items":
        target, extra = s.income_current_or_total()
        if target is None:
            out.insufficient(f"{tno} 当年收入小计 / 收入合计 row not found")
            return
        if not s.income_top:
            out.insufficient(f"{tno} no income item rows above {target.label}")
            return
        terms = s.income_top + extra
        sum_(target, terms, target.label, "income of the year",
             "+".join(r.label for r in terms[:6]) + ("…" if len(terms) > 6 else ""))
    elif ident == "income_nested":
        if not s.income_nested:
            out.na(f"{tno} no nested income rows (1.一般公共预算 …)")
            return
        by_key = {r.row_key: r for r in s.income_top}
        for key, kids in s.income_nested.items():
            parent = by_key[key]
            if bval(parent) is None and printed_count(bval(k) for k in kids) == 0:
                continue
            sum_(parent, kids, parent.label, f"income item {parent.label}", "+".join(k.label for k in kids))
        if not out.checked:
            out.na(f"{tno} nested income rows all blank")
    elif ident in _GRAND_TOTALS:
        g = _GRAND_TOTALS[ident]
        total, current, carry = getattr(s, g.total), getattr(s, g.current), getattr(s, g.carry)
        if total is None:
            out.insufficient(f"{tno} {g.missing}")
            return
        if current is None:
            out.na(f"{tno} {g.no_current}")
            return
        sum_(total, [current, carry], total.label, g.what_en, g.terms_zh)
    elif ident == "balance":
        if s.inc_total is None or s.exp_total is None:
            out.insufficient(f"{tno} 收入合计 or 支出合计 row not found (label not extracted)")
            return
        icell, ecell = bval(s.inc_total), bval(s.exp_total)
        out.compare_equal(table=table, cell=ecell, expected=amount(icell), tolerance=doc.rounding(table),
                          row_key=s.exp_total.row_key, measure="amount",
                          msg_zh=f"{tno} 支出合计 与 收入合计 {fmt(amount(icell))} 不等",
                          msg_en=f"{table_en(table)} expenditure total differs from income total", page_cells=[icell])
    elif ident in ("classes", "purpose"):
        body = s.classes if ident == "classes" else s.purposes
        what = "功能分类类" if ident == "classes" else "支出用途"
        if not body:
            out.na(f"{tno} prints no {what} rows")
            return
        target, extra = s.expenditure_current_or_total()
        if target is None:
            out.insufficient(f"{tno} 当年支出小计 / 支出合计 row not found (label not extracted)")
            return
        terms = body + extra
        sum_(target, terms, target.label, en, f"{len(body)} 行{what}之和" + (" + 结转下年" if extra else ""))
    else:  # pragma: no cover - catalog error
        raise ValueError(f"unknown budget identity {ident}")


def _budget_ref(doc: Doc, ref: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None, str]:
    """A cell named in a budget cross rule: ``row`` is ``@income_current`` / ``@income_total`` /
    ``@expenditure_current`` / ``@expenditure_total`` (two-sided tables), ``合计`` (coded tables)
    or ``side:label`` (label without ordinal).  Returns (cell, row_key, description)."""
    table, measure = ref["table"], ref.get("measure")
    if ref.get("keys"):  # a labelled table's row keys ('其他资金/小计'), in order of preference
        keys = list(ref["keys"])
        desc = f"{table_no(table)} {keys[0]}"
        rows = {r.row_key: r for r in doc.rows(table)}
        for k in keys:
            if k in rows:
                r = rows[k]
                return (r.get(measure) if measure else bval(r)), r.row_key, desc
        return None, None, desc
    row = ref["row"]
    if "|" in row:  # alternatives, the first one found wins
        got = (None, None, "")
        for alt in row.split("|"):
            got = _budget_ref(doc, dict(ref, row=alt))
            if got[1] is not None:
                return got
        return got
    desc = f"{table_no(table)} {row.lstrip('@')}{' ' + measure_zh(measure) if measure else ''}"
    if row.startswith("@"):
        s = BudgetSides(doc, table)
        r = {"@income_current": s.income_current_or_total()[0], "@income_total": s.inc_total,
             "@expenditure_current": s.expenditure_current_or_total()[0], "@expenditure_total": s.exp_total}[row]
        return bval(r), (r.row_key if r else None), desc
    if row == "合计":
        total, _ = coded_rows(doc, table)
        if total is None:
            return None, None, desc
        cell = total.get(measure) if measure else (total.get("amount") or total.get(None))
        return cell, total.row_key, desc
    side, _, want = row.partition(":")
    for r in doc.rows(table):
        if r.row_key.startswith(side + ":") and r.label == label(want):
            return (r.get(measure) if measure else bval(r)), r.row_key, desc
    return None, None, desc


@check("labelled_groups")
def _labelled_groups(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """A labelled table of groups ('其他资金/小计', '其他资金/事业收入' …): the grand total row
    (params ``total``) = Σ group 小计, and each group's 小计 = Σ its other rows (其中 rows excluded)."""
    table, total_key = p["table"], p["total"]
    if not need_table(out, doc, table):
        return
    rows = doc.rows(table)
    total = next((r for r in rows if r.row_key == total_key), None)
    subtotals = [r for r in rows if r.row_key.endswith("/小计")]
    if not subtotals:
        out.insufficient(f"{table_no(table)} no group 小计 rows")
        return
    if total is not None and p.get("check_total", True):
        out.compare_sum(table=table, total=bval(total), terms=[bval(r) for r in subtotals], row_key=total.row_key,
                        measure="amount", what_zh=total_key, what_en=total_key,
                        terms_zh=f"{len(subtotals)} 组小计之和")
    elif total is None:
        out.insufficient(f"{table_no(table)} {total_key} row not found")
    orphans = [r for r in rows if "/" not in r.row_key and r is not total and amount(bval(r)) != 0]
    if orphans:
        out.insufficient(f"{table_no(table)} rows without a group ({', '.join(r.row_key for r in orphans[:3])})")
        return
    for sub in subtotals:
        group = sub.row_key[: -len("/小计")]
        kids = [r for r in rows if r.row_key.startswith(group + "/") and r is not sub
                and not label(r.row_key.split("/")[-1]).startswith("其中")]
        if not kids or (bval(sub) is None and printed_count(bval(k) for k in kids) == 0):
            continue
        out.compare_sum(table=table, total=bval(sub), terms=[bval(k) for k in kids], row_key=sub.row_key,
                        measure="amount", what_zh=f"{group} 小计", what_en=f"{group} subtotal",
                        terms_zh=f"{len(kids)} 项之和")


@check("budget_cross_cells")
def _budget_cross_cells(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """Pairs of cells of one budget disclosure that restate each other (params ``pairs``;
    ``when: general_budget_only`` skips a document whose 收支预算总表 has other funds than 一般公共预算)."""
    if p.get("when") == "general_budget_only":
        if not need_table(out, doc, "budget_summary"):
            return
        only = BudgetSides(doc, "budget_summary").general_budget_only()
        if only is None:
            out.insufficient("公开01表 budget_summary income rows not extracted")
            return
        if not only:
            out.na("the 收支预算总表 has funds other than 一般公共预算 (其他资金, 财政专户, 上年结转 …)")
            return
    for pair in p["pairs"]:
        L, R = pair["left"], pair["right"]
        if not need_table(out, doc, L["table"]):
            continue
        if not need_table(out, doc, R["table"], empty_ok=True):
            continue
        lcell, lkey, ldesc = _budget_ref(doc, L)
        if doc.is_empty(R["table"]) and pair.get("empty_right_is_zero"):
            rcell, rdesc, rval = None, f"{table_no(R['table'])}（空表）", ZERO
        else:
            if doc.is_empty(R["table"]):
                out.na(f"{table_no(R['table'])} printed empty")
                continue
            rcell, _, rdesc = _budget_ref(doc, R)
            if rcell is None:
                out.insufficient(f"{rdesc} not found")
                continue
            rval = amount(rcell)
        if lcell is None and lkey is None:
            out.insufficient(f"{ldesc} not found")
            continue
        out.compare_equal(
            table=L["table"], cell=lcell, expected=rval, tolerance=doc.rounding(L["table"], R["table"]),
            row_key=lkey, measure=(lcell or {}).get("measure") or L.get("measure"),
            msg_zh=f"{ldesc} 与 {rdesc} 不一致",
            msg_en=f"{L['table']} {L.get('row') or L['keys'][0]} vs {R['table']} {R.get('row') or R['keys'][0]}",
            page_cells=[rcell],
        )
    unverified_family_is_warning(out, doc)


@check("budget_classes_cross")
def _budget_classes_cross(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """收支预算总表 功能分类 类 rows vs the 类 rows (and 合计) of a coded budget table, for a document
    funded by 一般公共预算 only (otherwise the summary also carries 其他资金 …)."""
    lt, rt, rm = "budget_summary", p["right"], p.get("measure", "amount")
    if not need_table(out, doc, lt) or not need_table(out, doc, rt, empty_ok=True):
        return
    s = BudgetSides(doc, lt)
    only = s.general_budget_only()
    if only is None:
        out.insufficient("公开01表 budget_summary income rows not extracted")
        return
    if not only:
        out.na("the 收支预算总表 has funds other than 一般公共预算 (其他资金, 财政专户, 上年结转 …)")
        return
    if not s.classes:
        out.na("公开01表 prints no 功能分类 rows")
        return
    if doc.is_empty(rt):
        out.na(f"{table_no(rt)} printed empty")
        return
    total, by_code = coded_rows(doc, rt)
    right_classes = {c: r for c, r in by_code.items() if len(c) == 3}
    tol = doc.rounding(lt, rt)
    target, extra = s.expenditure_current_or_total()
    if target is not None and not extra and total is not None:
        out.compare_equal(table=lt, cell=bval(target), expected=amount(total.get(rm)), tolerance=tol,
                          row_key=target.row_key, measure="amount",
                          msg_zh=f"公开01表 {target.label} 与 {table_no(rt)} 合计 不一致",
                          msg_en=f"Table 01 expenditure of the year vs {table_en(rt)} total", page_cells=[total.get(rm)])
    compare_classes(
        out, doc, s.classes, bval, lt=lt, lmeasure="amount", rt=rt, rm=rm, right_classes=right_classes,
        tolerance=tol, left_name="公开01表",
        pair_zh=lambda r, code: f"公开01表 {r.label}({code}) 与 {table_no(rt)} 类 {code} 不一致",
        pair_en=lambda code: f"Table 01 class {code} vs {table_en(rt)} class {code}",
        orphan_zh=lambda code, rrow: f"{table_no(rt)} 类 {code} {label(rrow.line_name)} 在 公开01表 功能分类 中没有对应金额",
        orphan_en=lambda code: f"{table_en(rt)} class {code} has no amount in table 01",
    )
    unverified_family_is_warning(out, doc)


# ---------------------------------------------------------------------------

