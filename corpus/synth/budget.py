"""部门预算 (budget) documents of the synthetic prefecture, Jiangsu 2017–2019 style.

The budget of a department-year is derived from the data the 决算 generator already has,
without drawing from any of its random streams (so the 决算 truth is unchanged):

* 一般公共预算 per 项 = ``Line.initial_budget`` (the 年初预算 the 决算 narrative quotes per 项),
  split into 基本支出 / 项目支出 (and 基本 into 人员经费 / 公用经费) in the proportions of the
  final figures;
* the 三公 budget = ``YearData.tp_budget`` (the 预算数 printed in the 决算's table 09); 会议费
  and 培训费 come from a separate seeded stream;
* 政府性基金 and 其他资金 budgets are the final figures scaled by a seeded factor.

Every amount is an integer (0.01 万元, or 分 for the departments that keep their books in 元),
so every identity of the budget tables holds exactly.  Cross-document defects are applied to
the budget side (the budget document prints a different 项 or 三公 item, consistently through
its totals) and labelled in the 决算's truth, since the 决算 is the document that quotes it.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

from corpus.model import Cell, Document, RenderOptions, Table
from corpus.synth.codes import CLASSES, ECON_NAMES, PREFECTURE, class_name, subject_name
from corpus.synth.data import YearData
from corpus.synth.tables import Style, TruthTable, cn_ordinal, tp_values

# the twelve 公开表 of the Jiangsu template, in its order (numbers as in extract/catalog/tables.yaml)
BUDGET_TABLES = ("budget_summary", "budget_income", "budget_expenditure", "budget_fiscal_summary",
                 "budget_fiscal_expenditure", "budget_fiscal_basic", "budget_government_fund",
                 "budget_general_expenditure", "budget_general_basic", "budget_admin_operating",
                 "budget_three_public", "budget_procurement")
XDOC_KINDS = ("narrative_budget_vs_budget_doc", "three_public_budget_vs_budget_doc")


def norm(text: str) -> str:
    """The normalised form row keys are compared in (NFKC, no whitespace)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass
class BudgetLine:
    gb_personnel: int = 0
    gb_public: int = 0
    gb_project: int = 0
    fund_project: int = 0
    nf_basic: int = 0

    @property
    def gb_basic(self) -> int:
        return self.gb_personnel + self.gb_public

    @property
    def gb_total(self) -> int:
        return self.gb_basic + self.gb_project

    @property
    def basic(self) -> int:
        return self.gb_basic + self.nf_basic

    @property
    def project(self) -> int:
        return self.gb_project + self.fund_project

    @property
    def total(self) -> int:
        return self.basic + self.project


@dataclass
class BudgetData:
    lines: dict[str, BudgetLine] = field(default_factory=dict)
    econ: dict[str, int] = field(default_factory=dict)
    tp: dict[str, int] = field(default_factory=dict)
    meeting: int = 0
    training: int = 0
    business: int = 0  # 其他资金: 事业收入
    other: int = 0  # 其他资金: 其他收入
    procurement: dict[str, int] = field(default_factory=dict)  # goods / works / services
    k: int = 1

    def total(self, attr: str) -> int:
        return sum(getattr(line, attr) for line in self.lines.values())


def apportion(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split an integer total over keys in proportion to integer weights, exactly (largest remainder)."""
    s = sum(weights.values())
    if total <= 0 or s <= 0:
        return {key: 0 for key in weights}
    base = {key: total * w // s for key, w in weights.items()}
    rest = total - sum(base.values())
    order = sorted(weights, key=lambda key: (-(total * weights[key] % s), key))
    for key in order[:rest]:
        base[key] += 1
    return base


def derive_budget(seed: int, dept_key: str, year: int, cur: YearData) -> BudgetData:
    rng = random.Random(f"{seed}|budget|{dept_key}|{year}")
    k = cur.k
    bd = BudgetData(k=k, tp=dict(cur.tp_budget))
    for code in sorted(cur.lines):
        line = cur.lines[code]
        bl = BudgetLine()
        ib = line.initial_budget if line.gb_total else 0
        if ib:
            basic = ib * line.gb_basic // line.gb_total
            bl.gb_project = ib - basic
            bl.gb_personnel = basic * line.gb_personnel // line.gb_basic if line.gb_basic else 0
            bl.gb_public = basic - bl.gb_personnel
        if line.fund_project:
            bl.fund_project = int(line.fund_project * rng.uniform(0.85, 1.1))
        if bl.total:
            bd.lines[code] = bl
    business, other = cur.total("inc_business"), cur.total("inc_other")
    bd.business = int(business * rng.uniform(0.85, 1.1)) if business else 0
    bd.other = int(other * rng.uniform(0.5, 1.5)) if other else 0
    if bd.business + bd.other:
        host = max(cur.lines, key=lambda c: (cur.lines[c].inc_business, cur.lines[c].gb_personnel, c))
        bd.lines.setdefault(host, BudgetLine()).nf_basic += bd.business + bd.other
    tp_total = sum(cur.tp_budget.values())
    bd.meeting = int(rng.uniform(2, 30) * 100 * k) if rng.random() < 0.8 else 0
    bd.training = int(rng.uniform(1, 20) * 100 * k) if rng.random() < 0.7 else 0
    if tp_total == 0 and rng.random() < 0.5:
        bd.meeting = 0
    bd.procurement = {key: int(v * rng.uniform(0.8, 1.2)) for key, v in sorted(cur.procurement.items())}
    econ_budget(bd, cur)
    return bd


def econ_budget(bd: BudgetData, cur: YearData) -> None:
    """经济分类 of the 一般公共预算 基本支出 budget: the final 06 mix scaled to the budget totals."""
    personnel = {c: v for c, v in cur.econ.items() if c[:3] in ("301", "303")}
    public = {c: v for c, v in cur.econ.items() if c[:3] not in ("301", "303")}
    econ = apportion(bd.total("gb_personnel"), personnel)
    econ.update(apportion(bd.total("gb_public"), public))
    # the 三公 budget covers every 财政拨款 (basic and project), 30231 only the general budget's basic
    # expenditure: 30231 is part of the 三公 公务用车运行维护费 and never exceeds it (XB11_09_VEHICLE)
    excess = econ.get("30231", 0) - bd.tp.get("vehicle_operation", 0)
    if excess > 0:
        econ["30231"] -= excess
        sink = max((c for c in public if c != "30231"), key=lambda c: (econ[c], c))
        econ[sink] += excess
    bd.econ = {c: v for c, v in econ.items() if v}


# ----------------------------------------------------------------- tables

def _h(text: str, colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(text, colspan=colspan, rowspan=rowspan, align="center")


@dataclass
class BCtx:
    year: int
    style: Style
    dept_line: str | None
    with_codes: bool
    font_size: float = 7.5


def _put(ctx: BCtx, tt: TruthTable, row: list[Cell], c: int | None, row_key: str, measure: str, *,
         force_blank: bool = False, **kw) -> None:
    printed, value = ("", None) if force_blank else ctx.style.amount(c)
    row.append(Cell(printed, align="right"))
    tt.add(row_key, measure, printed, value, phase="budget", **kw)


def _table(ctx: BCtx, number: str, title: str, header, body, widths, *, landscape=False, start_new_page=True,
           notes=None) -> Table:
    return Table(title=title, header_rows=header, body_rows=body, col_widths=widths,
                 code=f"公开{number}表" if ctx.with_codes else None, unit_text=ctx.style.unit_text,
                 dept_line=ctx.dept_line, notes=notes or [], landscape=landscape, font_size=ctx.font_size,
                 start_new_page=start_new_page)


def class_totals(bd: BudgetData, attr: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for code, line in bd.lines.items():
        out[code[:3]] = out.get(code[:3], 0) + getattr(line, attr)
    return out


def t_summary(ctx: BCtx, bd: BudgetData) -> tuple[Table, TruthTable]:
    tt = TruthTable("budget_summary", "01", "收支预算总表")
    gb, fund, nf = bd.total("gb_total"), bd.total("fund_project"), bd.business + bd.other
    income = [("一、财政拨款", gb + fund), ("1.一般公共预算", gb), ("2.政府性基金预算", fund),
              ("二、财政专户管理资金", 0), ("三、其他资金", nf)]
    per_class = class_totals(bd, "total")
    expend = [(f"{cn_ordinal(i + 1)}、{class_name(code, ctx.year)}", per_class.get(code, 0), code)
              for i, (code, _) in enumerate(CLASSES)]
    purpose = [("一、基本支出", bd.total("basic")), ("二、项目支出", bd.total("project")), ("三、单位预留机动经费", 0)]
    total = gb + fund + nf
    header = [
        [_h("收入", colspan=2), _h("支出", colspan=4)],
        [_h("项目名称", rowspan=2), _h("金额", rowspan=2), _h("功能分类", colspan=2), _h("支出用途", colspan=2)],
        [_h("功能科目名称"), _h("金额"), _h("项目名称"), _h("金额")],
    ]
    body = []
    for i in range(len(expend)):
        row: list[Cell] = []
        if i < len(income):
            name, v = income[i]
            row.append(Cell(name))
            _put(ctx, tt, row, v, f"income:{norm(name)}", "amount", side="income", line_name=name)
        else:
            row += [Cell(""), Cell("")]
        name, v, code = expend[i]
        row.append(Cell(name))
        _put(ctx, tt, row, v, f"expenditure:{norm(name)}", "amount", side="expenditure", subject_code=code,
             line_name=name)
        if i < len(purpose):
            name, v = purpose[i]
            row.append(Cell(name))
            _put(ctx, tt, row, v, f"purpose:{norm(name)}", "amount", side="purpose", line_name=name)
        else:
            row += [Cell(""), Cell("")]
        body.append(row)
    for (iname, iv), (ename, ev) in ((("当年收入小计", total), ("当年支出小计", total)),
                                     (("上年结转资金", 0), ("结转下年资金", 0)),
                                     (("收入合计", total), ("支出合计", total))):
        row = [Cell(iname, align="center", bold=True)]
        _put(ctx, tt, row, iv, f"income:{iname}", "amount", side="income", line_name=iname)
        row.append(Cell(ename, align="center", bold=True))
        _put(ctx, tt, row, ev, f"expenditure:{ename}", "amount", side="expenditure", line_name=ename)
        row += [Cell(""), Cell("")]
        body.append(row)
    t = _table(ctx, "01", tt.title, header, body, [2.6, 1.3, 3.2, 1.3, 2.2, 1.3], landscape=True)
    t.font_size = 6.5
    return t, tt


INCOME_ROWS = [  # (group, item, key in values)
    ("一般公共预算资金", "小计", "gb"), ("一般公共预算资金", "公共财政拨款（补助）资金", "gb"),
    ("一般公共预算资金", "专项收入", None),
    ("政府性基金", "小计", "fund"),
    ("财政专户管理资金", "小计", None), ("财政专户管理资金", "专户管理教育收费", None),
    ("财政专户管理资金", "其他非税收入", None),
    ("其他资金", "小计", "nf"), ("其他资金", "事业收入", "business"), ("其他资金", "经营收入", None),
    ("其他资金", "其他收入", "other"),
    ("上年结转和结余资金", "小计", None), ("上年结转和结余资金", "其中：动用上年结转和结余资金", None),
]


def t_income(ctx: BCtx, bd: BudgetData) -> tuple[Table, TruthTable]:
    tt = TruthTable("budget_income", "02", "收入预算总表")
    vals = {"gb": bd.total("gb_total"), "fund": bd.total("fund_project"), "nf": bd.business + bd.other,
            "business": bd.business, "other": bd.other, None: 0}
    header = [[_h("项目名称", colspan=2), _h("金额")]]
    row = [Cell("收入总计", colspan=2, align="center", bold=True)]
    _put(ctx, tt, row, vals["gb"] + vals["fund"] + vals["nf"], "收入总计", "amount", line_name="收入总计")
    body = [row]
    prev = None
    for group, item, key in INCOME_ROWS:
        row = []
        if group != prev:
            row.append(Cell(group, rowspan=sum(1 for g, _, _ in INCOME_ROWS if g == group), align="center"))
            prev = group
        row.append(Cell(item))
        _put(ctx, tt, row, vals[key], f"{group}/{norm(item)}", "amount", line_name=item)
        body.append(row)
    return _table(ctx, "02", tt.title, header, body, [2.4, 3.6, 1.8]), tt


def hierarchy(codes: list[str]) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = []
    for lei in sorted({c[:3] for c in codes}):
        rows.append((lei, [c for c in codes if c[:3] == lei]))
        for kuan in sorted({c[:5] for c in codes if c[:3] == lei}):
            rows.append((kuan, [c for c in codes if c[:5] == kuan]))
            rows.extend((c, [c]) for c in codes if c[:5] == kuan)
    return rows


def _coded(ctx: BCtx, tt: TruthTable, values: dict[str, dict[str, int]], measures: list[str],
           name_of) -> list[list[Cell]]:
    """合计 row then 类/款/项 rows; ``values``: measure -> {leaf code: amount}.  An empty table
    prints its 合计 row blank whatever the zero style (as the Jiangsu tables do)."""
    leaves = sorted({c for m in measures for c, v in values[m].items() if v})
    body = []
    row = [Cell("合计", colspan=2, align="center", bold=True)]
    for m in measures:
        _put(ctx, tt, row, sum(values[m].get(c, 0) for c in leaves), "合计", m, line_name="合计",
             force_blank=not leaves)
    body.append(row)
    for code, members in hierarchy(leaves):
        name = name_of(code)
        row = [Cell(code), Cell(name, bold=len(code) == 3)]
        for m in measures:
            _put(ctx, tt, row, sum(values[m].get(c, 0) for c in members), code, m, subject_code=code,
                 line_name=name)
        body.append(row)
    return body


def t_expenditure(ctx: BCtx, bd: BudgetData) -> tuple[Table, TruthTable]:
    tt = TruthTable("budget_expenditure", "03", "支出预算总表")
    measures = ["expenditure_total", "basic_expenditure", "project_expenditure"]
    values = {"expenditure_total": {c: l.total for c, l in bd.lines.items()},
              "basic_expenditure": {c: l.basic for c, l in bd.lines.items()},
              "project_expenditure": {c: l.project for c, l in bd.lines.items()}}
    header = [[_h("功能科目编码"), _h("功能科目名称"), _h("合计"), _h("基本支出"), _h("项目支出")]]
    body = _coded(ctx, tt, values, measures, lambda c: subject_name(c, ctx.year))
    return _table(ctx, "03", tt.title, header, body, [1.2, 3.2, 1.3, 1.3, 1.3]), tt


def t_fiscal_summary(ctx: BCtx, bd: BudgetData) -> tuple[Table, TruthTable]:
    tt = TruthTable("budget_fiscal_summary", "04", "财政拨款收支预算总表")
    gb, fund = bd.total("gb_total"), bd.total("fund_project")
    income = [("一、一般公共预算", gb), ("二、政府性基金预算", fund)]
    purpose = [("一、基本支出", bd.total("gb_basic")), ("二、项目支出", bd.total("gb_project") + fund),
               ("三、单位预留机动经费", 0)]
    header = [[_h("收入", colspan=2), _h("支出", colspan=2)],
              [_h("项目名称", rowspan=2), _h("金额", rowspan=2), _h("支出用途", colspan=2)],
              [_h("项目名称"), _h("金额")]]
    body = []
    for i in range(3):
        row: list[Cell] = []
        if i < len(income):
            name, v = income[i]
            row.append(Cell(name))
            _put(ctx, tt, row, v, f"income:{norm(name)}", "amount", side="income", line_name=name)
        else:
            row += [Cell(""), Cell("")]
        name, v = purpose[i]
        row.append(Cell(name))
        _put(ctx, tt, row, v, f"purpose:{norm(name)}", "amount", side="purpose", line_name=name)
        body.append(row)
    row = [Cell("收入合计", align="center", bold=True)]
    _put(ctx, tt, row, gb + fund, "income:收入合计", "amount", side="income", line_name="收入合计")
    row.append(Cell("支出合计", align="center", bold=True))
    _put(ctx, tt, row, gb + fund, "purpose:支出合计", "amount", side="purpose", line_name="支出合计")
    body.append(row)
    return _table(ctx, "04", tt.title, header, body, [2.6, 1.5, 2.6, 1.5]), tt


def t_general(ctx: BCtx, bd: BudgetData) -> tuple[Table, TruthTable]:
    tt = TruthTable("budget_general_expenditure", "08", "一般公共预算支出预算表（功能科目）")
    header = [[_h("功能科目编码"), _h("功能科目名称"), _h("金额")]]
    body = _coded(ctx, tt, {"amount": {c: l.gb_total for c, l in bd.lines.items()}}, ["amount"],
                  lambda c: subject_name(c, ctx.year))
    return _table(ctx, "08", tt.title, header, body, [1.4, 4.0, 1.8]), tt


def t_general_basic(ctx: BCtx, bd: BudgetData, table: str = "budget_general_basic", number: str = "09",
                    title: str = "一般公共预算基本支出预算表（经济科目）", measure: str = "amount",
                    column: str = "金额", classes: tuple[str, ...] = ()) -> tuple[Table, TruthTable]:
    tt = TruthTable(table, number, title)
    header = [[_h("科目编码"), _h("科目名称"), _h(column)]]
    leaves = {c: v for c, v in bd.econ.items() if not classes or c[:3] in classes}
    body = []
    row = [Cell("合计", colspan=2, align="center", bold=True)]
    _put(ctx, tt, row, sum(leaves.values()), "合计", measure, line_name="合计")
    body.append(row)
    for lei in sorted({c[:3] for c in leaves}):
        members = sorted(c for c in leaves if c[:3] == lei)
        for code, amount in [(lei, sum(leaves[c] for c in members))] + [(c, leaves[c]) for c in members]:
            name = ECON_NAMES[code]
            row = [Cell(code), Cell(name, bold=len(code) == 3)]
            _put(ctx, tt, row, amount, code, measure, subject_code=code, line_name=name)
            body.append(row)
    return _table(ctx, number, tt.title, header, body, [1.4, 4.0, 1.8]), tt


def t_fiscal_expenditure(ctx: BCtx, bd: BudgetData) -> tuple[Table, TruthTable]:
    tt = TruthTable("budget_fiscal_expenditure", "05", "财政拨款支出预算表（功能科目）")
    header = [[_h("功能科目编码"), _h("功能科目名称"), _h("金额")]]
    body = _coded(ctx, tt, {"amount": {c: l.gb_total + l.fund_project for c, l in bd.lines.items()}}, ["amount"],
                  lambda c: subject_name(c, ctx.year))
    return _table(ctx, "05", tt.title, header, body, [1.4, 4.0, 1.8]), tt


def t_fiscal_basic(ctx: BCtx, bd: BudgetData) -> tuple[Table, TruthTable]:
    return t_general_basic(ctx, bd, "budget_fiscal_basic", "06", "财政拨款基本支出预算表（经济科目）")


def t_admin_operating(ctx: BCtx, bd: BudgetData) -> tuple[Table, TruthTable]:
    return t_general_basic(ctx, bd, "budget_admin_operating", "10", "一般公共预算机关运行经费支出预算表",
                           "administrative_operating", "机关运行经费支出", ("302",))


def t_government_fund(ctx: BCtx, bd: BudgetData) -> tuple[Table, TruthTable]:
    fund = {c: l.fund_project for c, l in bd.lines.items() if l.fund_project}
    tt = TruthTable("budget_government_fund", "07", "政府性基金支出预算表", is_empty=not fund,
                    empty_sentence="注：本部门无相关收支项目" if not fund else None)
    header = [[_h("功能科目编码"), _h("功能科目名称"), _h("金额")]]
    body = _coded(ctx, tt, {"amount": fund}, ["amount"], lambda c: subject_name(c, ctx.year))
    t = _table(ctx, "07", tt.title, header, body, [1.4, 4.0, 1.8])
    if not fund:
        t.after_text = tt.empty_sentence
    return t, tt


PROCUREMENT_ROWS = (("一、货物类", "goods"), ("二、工程类", "works"), ("三、服务类", "services"))


def t_procurement(ctx: BCtx, bd: BudgetData) -> tuple[Table, TruthTable]:
    tt = TruthTable("budget_procurement", "12", f"{ctx.year}年政府采购预算表")
    header = [[_h("采购品目大类"), _h("金额")]]
    row = [Cell("合计", align="center", bold=True)]
    _put(ctx, tt, row, sum(bd.procurement.values()), "合计", "amount", line_name="合计")
    body = [row]
    for name, key in PROCUREMENT_ROWS:
        row = [Cell(name)]
        _put(ctx, tt, row, bd.procurement.get(key, 0), norm(name), "amount", line_name=name)
        body.append(row)
    return _table(ctx, "12", tt.title, header, body, [4.0, 1.8], notes=["注：本套报表金额单位转换时可能存在尾数误差。"]), tt


TP_BUDGET_MEASURES = ("three_public_meeting_training_total", "three_public_total", "outbound_travel", "vehicle_total",
                      "vehicle_purchase", "vehicle_operation", "official_reception", "meeting_expense",
                      "training_expense")


def tp_budget_values(bd: BudgetData) -> dict[str, int]:
    v = tp_values(bd.tp)
    v["meeting_expense"], v["training_expense"] = bd.meeting, bd.training
    v["three_public_meeting_training_total"] = v["three_public_total"] + bd.meeting + bd.training
    return v


def t_three_public(ctx: BCtx, bd: BudgetData) -> tuple[Table, TruthTable]:
    tt = TruthTable("budget_three_public", "11", "“三公”经费、会议费、培训费支出预算表")
    header = [
        [_h("合计", rowspan=3), _h("“三公”经费", colspan=6), _h("会议费", rowspan=3), _h("培训费", rowspan=3)],
        [_h("小计", rowspan=2), _h("因公出国（境）费", rowspan=2), _h("公务用车购置及运行维护费", colspan=3),
         _h("公务接待费", rowspan=2)],
        [_h("小计"), _h("公务用车购置费"), _h("公务用车运行维护费")],
    ]
    vals = tp_budget_values(bd)
    row: list[Cell] = []
    for m in TP_BUDGET_MEASURES:
        _put(ctx, tt, row, vals[m], "三公经费", m, line_name="三公经费")
    return _table(ctx, "11", tt.title, header, [row], [1.0] * 9), tt


BUILDERS = {"budget_summary": t_summary, "budget_income": t_income, "budget_expenditure": t_expenditure,
            "budget_fiscal_summary": t_fiscal_summary, "budget_fiscal_expenditure": t_fiscal_expenditure,
            "budget_fiscal_basic": t_fiscal_basic, "budget_government_fund": t_government_fund,
            "budget_general_expenditure": t_general, "budget_general_basic": t_general_basic,
            "budget_admin_operating": t_admin_operating, "budget_three_public": t_three_public,
            "budget_procurement": t_procurement}


@dataclass
class BudgetSpec:
    stem: str
    dept: dict
    year: int
    producer: str
    xdefect: dict | None = None  # {kind, subject_code | measure, delta}


def apply_xdefect(bd: BudgetData, xd: dict) -> tuple[int, int]:
    """Perturb the budget (consistently through its totals); (budget value, the 决算's value)."""
    if xd["kind"] == "narrative_budget_vs_budget_doc":
        line = bd.lines[xd["subject_code"]]
        before = line.gb_total
        if line.gb_project:
            line.gb_project += xd["delta"]
        else:
            line.gb_personnel += xd["delta"]
        return line.gb_total, before
    before = bd.tp[xd["measure"]]
    bd.tp[xd["measure"]] += xd["delta"]
    return bd.tp[xd["measure"]], before


def build_budget(spec: BudgetSpec, cur: YearData, seed: int) -> tuple[Document, dict, BudgetData]:
    rng = random.Random(f"{seed}|budgetdoc|{spec.stem}")
    k = cur.k
    unit = "元" if k != 1 else "万元"
    variants = {"unit": unit, "thousands_separator": rng.random() < 0.75,
                "zero_style": rng.choice(["blank", "blank", "blank", "dash", "zero"]),
                "table_codes": rng.random() < 0.7}
    style = Style(unit=unit, thousands=variants["thousands_separator"], zero=variants["zero_style"], base=k)
    name = PREFECTURE + spec.dept["name"]
    ctx = BCtx(year=spec.year, style=style, dept_line=f"部门：{name}", with_codes=variants["table_codes"])
    bd = derive_budget(seed, spec.dept["key"], spec.year, cur)
    if spec.xdefect:
        spec.xdefect["budget_value"], spec.xdefect["final_value"] = apply_xdefect(bd, spec.xdefect)
        econ_budget(bd, cur)
    built = [BUILDERS[n](ctx, bd) for n in BUDGET_TABLES]
    y = spec.year
    blocks: list = [t for t, _ in built]
    for t in blocks[2:]:  # after the landscape 收支预算总表 the tables follow one another, over page breaks
        t.start_new_page = False
    doc = Document(
        title_lines=[f"{y} 年度", f"{name}部门预算", f"{y} 年 {rng.randint(1, 2)} 月 {rng.randint(1, 28)} 日"],
        blocks=blocks,
        options=RenderOptions(thousands_separator=variants["thousands_separator"]),
        metadata_title=f"{name}{y}年度部门预算", metadata_author=name,
    )
    labels = sorted([f"producer:{spec.producer}", f"unit:{unit}", f"zero:{variants['zero_style']}",
                     "thousands_separator" if variants["thousands_separator"] else "no_thousands_separator",
                     "table_codes" if variants["table_codes"] else "no_table_codes", "dept_line"])
    truth = {
        "file": f"{spec.stem}.pdf",
        "generator": {"seed": seed, "version": 1},
        "document": {"department_name": name, "scope": "consolidated", "parent_department": None,
                     "fiscal_year": y, "doc_kind": "budget", "unit": unit, "producer_family": spec.producer,
                     "variants": labels},
        "tables": [tt.as_dict() for _, tt in built],
        "performance": [],
        "narrative_figures": [],
        "defects": [],
    }
    return doc, truth, bd
