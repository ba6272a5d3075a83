"""The nine 决算 tables as :class:`corpus.model.Table` plus their ground-truth cells.

Every printed amount goes through :class:`Style`, which returns the printed text and
the exact value in 万元 together, so the truth always describes what is printed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Callable

from corpus.model import Cell, Table
from corpus.synth.codes import CLASSES, ECON_BLOCKS, class_name, subject_name
from corpus.synth.data import Line, YearData

CN_NUM = "一二三四五六七八九十"


def cn_ordinal(n: int) -> str:
    if n <= 10:
        return CN_NUM[n - 1] if n < 10 else "十"
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_NUM[tens - 1]
    return head + "十" + (CN_NUM[ones - 1] if ones else "")


def wan(c: int) -> str:
    """Exact 万元 decimal string of an amount in 0.01 万元."""
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


def wan_from_fen(c: int) -> str:
    """Exact 万元 decimal string of an amount in 分 (0.01 元): six decimals."""
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 1000000}.{c % 1000000:06d}"


@dataclass
class Style:
    unit: str = "万元"  # 万元 | 元
    thousands: bool = True
    zero: str = "blank"  # blank | dash | zero
    base: int = 1  # integer units per 0.01 万元 (10000: amounts are in 分)

    def number(self, c: int) -> str:
        if self.base != 1 and self.unit != "元":
            raise ValueError("amounts kept in 分 are printed in 元")
        cents = c * 10000 if self.unit == "元" and self.base == 1 else c  # cents of the printed unit
        sign = "-" if cents < 0 else ""
        cents = abs(cents)
        whole = f"{cents // 100:,}" if self.thousands else str(cents // 100)
        return f"{sign}{whole}.{cents % 100:02d}"

    def amount(self, c: int | None) -> tuple[str, str | None]:
        """(printed, value in 万元) of an amount; None or 0 follow the zero style."""
        if not c:
            if self.zero == "zero":
                return "0.00", "0.00"
            return ("-" if self.zero == "dash" else ""), None
        return self.number(c), (wan(c) if self.base == 1 else wan_from_fen(c))

    @property
    def unit_text(self) -> str:
        return f"单位：{self.unit}"


@dataclass
class TruthTable:
    table_name: str
    printed_number: str | None
    title: str
    is_empty: bool = False
    empty_sentence: str | None = None
    cells: list[dict] = field(default_factory=list)

    def add(self, row_key, measure, printed, value, *, side=None, subject_code=None, line_name=None,
            row_number=None, phase="final") -> None:
        self.cells.append({"row_key": row_key, "side": side, "subject_code": subject_code,
                           "line_name": line_name, "row_number": row_number, "measure": measure,
                           "phase": phase, "printed": printed, "value": value})

    def as_dict(self) -> dict:
        return {"table_name": self.table_name, "printed_number": self.printed_number, "title": self.title,
                "is_empty": self.is_empty, "empty_sentence": self.empty_sentence, "cells": self.cells}


@dataclass
class Ctx:
    """What every table builder needs: the year, style, department line, and layout switches."""

    year: int
    style: Style
    dept_line: str | None
    with_codes: bool = True
    name_width: float = 3.2  # relative width of 科目名称 (narrow → wrapped labels)
    repeat_header: bool = True
    font_size: float = 8.0
    landscape: tuple[str, ...] = ()  # table names drawn on landscape pages
    titles: dict[str, str] = field(default_factory=dict)  # table name -> printed title override
    column_numbers: bool = True  # print the 栏次 header row (1 2 3 …)
    amount_scale: float = 1.0  # wider amount columns (元 documents print 13-character amounts)
    long_font_size: float | None = None  # larger type for 02/03/05 so they run over pages
    overrides: dict[tuple, int] = field(default_factory=dict)  # (table, row_key, measure, phase) -> amount


def _is_lanci(row: list[Cell]) -> bool:
    """The 栏次 row: '栏次' / '栏    次' label or nothing but column numbers."""
    texts = [c.text.replace(" ", "") for c in row]
    return "栏次" in texts or all(t.isdigit() for t in texts)


def _h(text: str, colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(text, colspan=colspan, rowspan=rowspan, align="center", bold=False)


def _num_cell(text: str) -> Cell:
    return Cell(text, align="right")


def _table(ctx: Ctx, name: str, number: str, title: str, header, body, widths, notes, **kw) -> Table:
    if not ctx.column_numbers:
        header = [row for row in header if not _is_lanci(row)]
    font_size = ctx.long_font_size if ctx.long_font_size and name in LONG_TABLES else ctx.font_size
    return Table(title=ctx.titles.get(name, title), header_rows=header, body_rows=body, col_widths=widths,
                 code=f"公开{number}表" if ctx.with_codes else None, unit_text=ctx.style.unit_text,
                 dept_line=ctx.dept_line, notes=notes, repeat_header=ctx.repeat_header,
                 landscape=name in ctx.landscape, font_size=font_size, **kw)


def _put(ctx: Ctx, tt: TruthTable, row: list[Cell], c: int | None, row_key: str, measure: str, *,
         phase: str = "final", force_blank: bool = False, **kw) -> None:
    """Append an amount cell to ``row`` and its truth cell (applying any defect override)."""
    c = ctx.overrides.get((tt.table_name, row_key, measure, phase), c)
    printed, value = ("", None) if force_blank else ctx.style.amount(c)
    row.append(_num_cell(printed))
    tt.add(row_key, measure, printed, value, phase=phase, **kw)


# ----------------------------------------------------------------- coded (功能分类) tables

Measure = tuple[str, Callable[[Line], int]]


def hierarchy(lines: dict[str, Line], keep: Callable[[Line], bool]) -> list[tuple[str, list[str]]]:
    """Rows of a coded table: [(code, [项 codes summed into it])], 类 → 款 → 项 order."""
    codes = sorted(c for c, line in lines.items() if keep(line))
    rows: list[tuple[str, list[str]]] = []
    for lei in sorted({c[:3] for c in codes}):
        rows.append((lei, [c for c in codes if c[:3] == lei]))
        for kuan in sorted({c[:5] for c in codes if c[:3] == lei}):
            rows.append((kuan, [c for c in codes if c[:5] == kuan]))
            rows.extend((c, [c]) for c in codes if c[:5] == kuan)
    return rows


def coded_body(ctx: Ctx, tt: TruthTable, lines: dict[str, Line], measures: list[Measure],
               keep: Callable[[Line], bool], *, blank_body: bool = False) -> list[list[Cell]]:
    rows = hierarchy(lines, keep)
    body: list[list[Cell]] = []
    total_row = [Cell("合计", colspan=2, align="center", bold=True)]
    all_codes = [c for code, members in rows if len(code) == 3 for c in members]
    for measure, fn in measures:
        total = sum(fn(lines[c]) for c in all_codes)
        _put(ctx, tt, total_row, total, "合计", measure, line_name="合计", force_blank=blank_body)
    body.append(total_row)
    for code, members in rows:
        name = subject_name(code, ctx.year)
        row = [Cell(code), Cell(name, bold=len(code) == 3)]
        for measure, fn in measures:
            _put(ctx, tt, row, sum(fn(lines[c]) for c in members), code, measure, subject_code=code,
                 line_name=name)
        body.append(row)
    return body


def _code_header(n_measures: int, labels: list[str]) -> list[list[Cell]]:
    return [
        [_h("项    目", colspan=2)] + [_h(t, rowspan=2) for t in labels],
        [_h("功能分类科目编码"), _h("科目名称")],
        [_h("栏次", colspan=2)] + [_h(str(i + 1)) for i in range(n_measures)],
    ]


INCOME_MEASURES: list[Measure] = [
    ("income_total", lambda l: l.income),
    ("fiscal_appropriation_income", lambda l: l.inc_gb + l.inc_fund),
    ("superior_subsidy_income", lambda l: l.inc_superior),
    ("business_income", lambda l: l.inc_business),
    ("operating_income", lambda l: l.inc_operating),
    ("subordinate_remittance_income", lambda l: l.inc_subordinate),
    ("other_income", lambda l: l.inc_other),
]
EXPENDITURE_MEASURES: list[Measure] = [
    ("expenditure_total", lambda l: l.expenditure),
    ("basic_expenditure", lambda l: l.basic),
    ("project_expenditure", lambda l: l.project),
    ("remittance_to_superior", lambda l: 0),
    ("operating_expenditure", lambda l: l.operating),
    ("subsidy_to_subordinate", lambda l: 0),
]
GENERAL_MEASURES: list[Measure] = [
    ("expenditure_total", lambda l: l.gb_total),
    ("basic_expenditure", lambda l: l.gb_basic),
    ("personnel_expenditure", lambda l: l.gb_personnel),
    ("public_expenditure", lambda l: l.gb_public),
    ("project_expenditure", lambda l: l.gb_project),
]


LONG_TABLES = ("income", "expenditure", "general_budget_expenditure")


def _amount_widths(ctx: Ctx, n: int) -> list[float]:
    return [1.1, ctx.name_width] + [1.2 * ctx.amount_scale] * n


def table_02(ctx: Ctx, yd: YearData) -> tuple[Table, TruthTable]:
    tt = TruthTable("income", "02", "收入决算表")
    labels = ["本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入"]
    body = coded_body(ctx, tt, yd.lines, INCOME_MEASURES, lambda l: l.income != 0)
    t = _table(ctx, "income", "02", tt.title, _code_header(7, labels), body, _amount_widths(ctx, 7),
               ["注：本表反映部门本年度取得的各项收入情况。"])
    tt.title = t.title
    return t, tt


def table_03(ctx: Ctx, yd: YearData) -> tuple[Table, TruthTable]:
    tt = TruthTable("expenditure", "03", "支出决算表")
    labels = ["本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"]
    body = coded_body(ctx, tt, yd.lines, EXPENDITURE_MEASURES, lambda l: l.expenditure != 0)
    t = _table(ctx, "expenditure", "03", tt.title, _code_header(6, labels), body, _amount_widths(ctx, 6),
               ["注：本表反映部门本年度各项支出情况。"])
    tt.title = t.title
    return t, tt


def table_05(ctx: Ctx, yd: YearData) -> tuple[Table, TruthTable]:
    tt = TruthTable("general_budget_expenditure", "05", "一般公共预算财政拨款支出决算表")
    header = [
        [_h("项    目", colspan=2), _h("本年支出", colspan=5)],
        [_h("功能分类科目编码", rowspan=2), _h("科目名称", rowspan=2), _h("小计", rowspan=2),
         _h("基本支出", colspan=3), _h("项目支出", rowspan=2)],
        [_h("小计"), _h("人员经费"), _h("公用经费")],
        [_h("栏次", colspan=2)] + [_h(str(i + 1)) for i in range(5)],
    ]
    body = coded_body(ctx, tt, yd.lines, GENERAL_MEASURES, lambda l: l.gb_total != 0)
    t = _table(ctx, tt.table_name, "05", tt.title, header, body, _amount_widths(ctx, 5),
               ["注：本表反映部门本年度一般公共预算财政拨款支出情况。"])
    tt.title = t.title
    return t, tt


def table_07(ctx: Ctx, yd: YearData) -> tuple[Table, TruthTable]:
    sentence = "本单位没有政府性基金预算财政拨款。"
    fund_lines = {c: l for c, l in yd.lines.items() if l.fund_project or l.inc_fund}
    empty = not fund_lines
    tt = TruthTable("government_fund", "07", "政府性基金预算财政拨款收入支出决算表", is_empty=empty,
                    empty_sentence=sentence if empty else None)
    header = [
        [_h("项    目", colspan=2), _h("年初结转和结余", rowspan=2), _h("本年收入", rowspan=2),
         _h("本年支出", colspan=3), _h("年末结转和结余", rowspan=2)],
        [_h("科目代码"), _h("科目名称"), _h("小计"), _h("基本支出"), _h("项目支出")],
        [_h("栏次", colspan=2)] + [_h(str(i + 1)) for i in range(6)],
    ]
    begin, end = yd.fund_line_begin, yd.fund_line_end
    wrapped = {c: _FundLine(l, begin.get(c, 0), end.get(c, 0)) for c, l in fund_lines.items()}
    measures: list[Measure] = [
        ("carryover_begin", lambda l: l.begin), ("income_current", lambda l: l.line.inc_fund),
        ("expenditure_total", lambda l: l.line.fund_project), ("basic_expenditure", lambda l: 0),
        ("project_expenditure", lambda l: l.line.fund_project), ("carryover_end", lambda l: l.end),
    ]
    body = coded_body(ctx, tt, wrapped, measures, lambda l: True, blank_body=empty)  # type: ignore[arg-type]
    t = _table(ctx, tt.table_name, "07", tt.title, header, body, _amount_widths(ctx, 6),
               ["注：本表反映部门本年度政府性基金预算财政拨款收入、支出及结转和结余情况。"],
               after_text=sentence if empty else None)
    tt.title = t.title
    return t, tt


@dataclass
class _FundLine:
    line: Line
    begin: int
    end: int


def table_08(ctx: Ctx, yd: YearData) -> tuple[Table, TruthTable]:
    sentence = "本单位没有国有资本经营预算财政拨款。"
    tt = TruthTable("state_capital", "08", "国有资本经营预算财政拨款支出决算表", is_empty=True,
                    empty_sentence=sentence)
    header = [
        [_h("项    目", colspan=2), _h("本年支出", colspan=3)],
        [_h("科目代码"), _h("科目名称"), _h("合计"), _h("基本支出"), _h("项目支出")],
        [_h("栏次", colspan=2)] + [_h(str(i + 1)) for i in range(3)],
    ]
    measures: list[Measure] = [("expenditure_total", lambda l: 0), ("basic_expenditure", lambda l: 0),
                               ("project_expenditure", lambda l: 0)]
    body = coded_body(ctx, tt, {}, measures, lambda l: True, blank_body=True)
    t = _table(ctx, tt.table_name, "08", tt.title, header, body, _amount_widths(ctx, 3),
               ["注：本表反映部门本年度国有资本经营预算财政拨款支出情况。"], after_text=sentence)
    tt.title = t.title
    return t, tt


# ----------------------------------------------------------------- two-sided tables (01, 04)

def class_totals(lines: dict[str, Line], fn: Callable[[Line], int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for code, line in lines.items():
        out[code[:3]] = out.get(code[:3], 0) + fn(line)
    return out


def table_01(ctx: Ctx, yd: YearData) -> tuple[Table, TruthTable]:
    tt = TruthTable("income_expenditure_summary", "01", "收入支出决算总表")
    t_ = yd.total
    income_items = [
        ("一、一般公共预算财政拨款收入", t_("inc_gb")), ("二、政府性基金预算财政拨款收入", t_("inc_fund")),
        ("三、国有资本经营预算财政拨款收入", 0), ("四、上级补助收入", t_("inc_superior")),
        ("五、事业收入", t_("inc_business")), ("六、经营收入", t_("inc_operating")),
        ("七、附属单位上缴收入", t_("inc_subordinate")), ("八、其他收入", t_("inc_other")),
    ]
    income_total = sum(v for _, v in income_items)
    begin = yd.gb_begin + yd.fund_begin + yd.nf_begin
    left: list[tuple[str, int, int | None, bool]] = [(n, i + 1, v, False) for i, (n, v) in enumerate(income_items)]
    left += [("", n, None, False) for n in range(9, 27)]
    left += [("本年收入合计", 27, income_total, True), ("使用非财政拨款结余（含专用结余）", 28, yd.use_nf_balance, False),
             ("年初结转和结余", 29, begin, False), ("", 30, None, False),
             ("总计", 31, income_total + yd.use_nf_balance + begin, True)]
    per_class = class_totals(yd.lines, lambda l: l.expenditure)
    spend = sum(per_class.values())
    end = yd.gb_end + yd.fund_end + yd.nf_end
    right: list[tuple[str, int, int | None, bool, str | None]] = [
        (f"{cn_ordinal(i + 1)}、{class_name(code, ctx.year)}", 32 + i, per_class.get(code, 0), False, code)
        for i, (code, _) in enumerate(CLASSES)]
    right += [("本年支出合计", 58, spend, True, None), ("结余分配", 59, yd.balance_distribution, False, None),
              ("年末结转和结余", 60, end, False, None), ("", 61, None, False, None),
              ("总计", 62, spend + yd.balance_distribution + end, True, None)]
    header = [
        [_h("收入", colspan=3), _h("支出", colspan=3)],
        [_h("项    目"), _h("行次"), _h("决算数"), _h("项    目"), _h("行次"), _h("决算数")],
        [_h("栏    次"), _h(""), _h("1"), _h("栏    次"), _h(""), _h("2")],
    ]
    body = []
    for (ln, lno, lv, lb), (rn, rno, rv, rb, rcode) in zip(left, right):
        row = [Cell(ln, bold=lb), Cell(str(lno), align="center")]
        _put(ctx, tt, row, lv, f"income:{lno}", "amount", side="income", line_name=ln, row_number=lno,
             force_blank=lv is None)
        row += [Cell(rn, bold=rb), Cell(str(rno), align="center")]
        _put(ctx, tt, row, rv, f"expenditure:{rno}", "amount", side="expenditure", subject_code=rcode,
             line_name=rn, row_number=rno, force_blank=rv is None)
        body.append(row)
    t = _table(ctx, tt.table_name, "01", tt.title, header, body, [3.3, 0.6, 1.3 * ctx.amount_scale, 3.3, 0.6, 1.3 * ctx.amount_scale],
               ["注：1. 本表反映部门本年度的总收支和年末结转结余情况。", "2. 本套报表金额单位转换时可能存在尾数误差。"])
    tt.title = t.title
    return t, tt


def table_04(ctx: Ctx, yd: YearData) -> tuple[Table, TruthTable]:
    tt = TruthTable("fiscal_appropriation_summary", "04", "财政拨款收入支出决算总表")
    inc_gb, inc_fund = yd.total("inc_gb"), yd.total("inc_fund")
    begin = yd.gb_begin + yd.fund_begin
    left: list[tuple[str, int, int | None, bool]] = [
        ("一、一般公共预算财政拨款", 1, inc_gb, False), ("二、政府性基金预算财政拨款", 2, inc_fund, False),
        ("三、国有资本经营预算财政拨款", 3, 0, False)]
    left += [("", n, None, False) for n in range(4, 27)]
    left += [("本年收入合计", 27, inc_gb + inc_fund, True), ("年初结转和结余", 28, begin, False),
             ("一般公共预算财政拨款", 29, yd.gb_begin, False), ("政府性基金预算财政拨款", 30, yd.fund_begin, False),
             ("国有资本经营预算财政拨款", 31, 0, False), ("总计", 32, inc_gb + inc_fund + begin, True)]
    gb = class_totals(yd.lines, lambda l: l.gb_total)
    fund = class_totals(yd.lines, lambda l: l.fund_project)
    rows: list[tuple[str, int, tuple | None, bool, str | None]] = []
    for i, (code, _) in enumerate(CLASSES):
        g, f = gb.get(code, 0), fund.get(code, 0)
        rows.append((f"{cn_ordinal(i + 1)}、{class_name(code, ctx.year)}", 33 + i, (g + f, g, f, 0), False, code))
    sg, sf = sum(gb.values()), sum(fund.values())
    rows += [("本年支出合计", 59, (sg + sf, sg, sf, 0), True, None),
             ("年末结转和结余", 60, (yd.gb_end + yd.fund_end, yd.gb_end, yd.fund_end, 0), False, None),
             ("", 61, None, False, None), ("", 62, None, False, None), ("", 63, None, False, None),
             ("总计", 64, (sg + sf + yd.gb_end + yd.fund_end, sg + yd.gb_end, sf + yd.fund_end, 0), True, None)]
    header = [
        [_h("收入", colspan=3), _h("支出", colspan=6)],
        [_h("项    目"), _h("行次"), _h("金额"), _h("项    目"), _h("行次"), _h("合计"),
         _h("一般公共预算财政拨款"), _h("政府性基金预算财政拨款"), _h("国有资本经营预算财政拨款")],
        [_h("栏    次"), _h(""), _h("1"), _h("栏    次"), _h(""), _h("2"), _h("3"), _h("4"), _h("5")],
    ]
    measures = ("expenditure_total", "general_budget_appropriation", "government_fund_appropriation",
                "state_capital_appropriation")
    body = []
    for (ln, lno, lv, lb), (rn, rno, rv, rb, rcode) in zip(left, rows):
        row = [Cell(ln, bold=lb), Cell(str(lno), align="center")]
        _put(ctx, tt, row, lv, f"income:{lno}", "amount", side="income", line_name=ln, row_number=lno,
             force_blank=lv is None)
        row += [Cell(rn, bold=rb), Cell(str(rno), align="center")]
        for k, m in enumerate(measures):
            _put(ctx, tt, row, rv[k] if rv else None, f"expenditure:{rno}", m, side="expenditure",
                 subject_code=rcode, line_name=rn, row_number=rno, force_blank=rv is None)
        body.append(row)
    t = _table(ctx, tt.table_name, "04", tt.title, header, body, [2.6, 0.5] + [1.1 * ctx.amount_scale] + [2.6, 0.5] + [1.1 * ctx.amount_scale] * 4,
               ["注：本表反映部门本年度一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算财政拨款的总收支和年末结转结余情况。"])
    tt.title = t.title
    return t, tt


# ----------------------------------------------------------------- 06 and 09

def table_06(ctx: Ctx, yd: YearData) -> tuple[Table, TruthTable]:
    tt = TruthTable("general_budget_basic_expenditure", "06", "一般公共预算财政拨款基本支出决算明细表")
    econ = yd.econ
    values = {}
    for block in ECON_BLOCKS:
        for code, _ in block:
            values[code] = econ.get(code, 0) if len(code) == 5 else sum(
                v for k, v in econ.items() if k.startswith(code))
    header = [[_h("科目代码"), _h("科目名称"), _h("决算数")] * 3]
    body = []
    for entries in zip_longest(*ECON_BLOCKS):
        row: list[Cell] = []
        for entry in entries:
            if entry is None:
                row += [Cell(""), Cell(""), Cell("")]
                continue
            code, name = entry
            row += [Cell(code), Cell(name, bold=len(code) == 3)]
            _put(ctx, tt, row, values[code], code, "amount", subject_code=code, line_name=name)
        body.append(row)
    personnel = values["301"] + values["303"]
    public = values["302"] + values["307"] + values["310"] + values["399"]
    last: list[Cell] = [Cell(""), Cell("人员经费合计", align="center", bold=True)]
    _put(ctx, tt, last, personnel, "人员经费合计", "amount", line_name="人员经费合计")
    last += [Cell(""), Cell("公用经费合计", colspan=4, align="center", bold=True)]
    _put(ctx, tt, last, public, "公用经费合计", "amount", line_name="公用经费合计")
    body.append(last)
    t = _table(ctx, tt.table_name, "06", tt.title, header, body, [0.8, 2.2, 1.0 * ctx.amount_scale] * 3,
               ["注：本表反映部门本年度一般公共预算财政拨款基本支出明细情况。"])
    tt.title = t.title
    return t, tt


TP_MEASURES = ("three_public_total", "outbound_travel", "vehicle_total", "vehicle_purchase",
               "vehicle_operation", "official_reception")


def tp_values(tp: dict[str, int]) -> dict[str, int]:
    vehicle = tp.get("vehicle_purchase", 0) + tp.get("vehicle_operation", 0)
    return {"three_public_total": tp.get("outbound_travel", 0) + vehicle + tp.get("official_reception", 0),
            "outbound_travel": tp.get("outbound_travel", 0), "vehicle_total": vehicle,
            "vehicle_purchase": tp.get("vehicle_purchase", 0), "vehicle_operation": tp.get("vehicle_operation", 0),
            "official_reception": tp.get("official_reception", 0)}


def table_09(ctx: Ctx, yd: YearData) -> tuple[Table, TruthTable]:
    tt = TruthTable("three_public", "09", "财政拨款“三公”经费支出决算表")
    group = [_h("合计", rowspan=2), _h("因公出国(境)费", rowspan=2), _h("公务用车购置及运行费", colspan=3),
             _h("公务接待费", rowspan=2)]
    header = [
        [_h("预算数", colspan=6), _h("决算数", colspan=6)],
        group + [Cell(c.text, colspan=c.colspan, rowspan=c.rowspan, align="center") for c in group],
        [_h("小计"), _h("公务用车购置费"), _h("公务用车运行费")] * 2,
        [_h(str(i + 1)) for i in range(12)],
    ]
    row: list[Cell] = []
    for phase, tp in (("budget", yd.tp_budget), ("final", yd.tp_final)):
        vals = tp_values(tp)
        for m in TP_MEASURES:
            _put(ctx, tt, row, vals[m], "三公经费", m, phase=phase, line_name="三公经费")
    t = _table(ctx, tt.table_name, "09", tt.title, [header[0], header[1], header[2], header[3]], [row],
               [1.0] * 12,
               ["注：本表反映部门本年度财政拨款“三公”经费支出预决算情况。其中，预算数为“三公”经费全年预算数，"
                "反映按规定程序调整后的预算数；决算数是包括当年财政拨款和以前年度结转资金安排的实际支出。"])
    tt.title = t.title
    return t, tt


BUILDERS = {
    "income_expenditure_summary": table_01, "income": table_02, "expenditure": table_03,
    "fiscal_appropriation_summary": table_04, "general_budget_expenditure": table_05,
    "general_budget_basic_expenditure": table_06, "government_fund": table_07, "state_capital": table_08,
    "three_public": table_09,
}
TABLE_ORDER = list(BUILDERS)
