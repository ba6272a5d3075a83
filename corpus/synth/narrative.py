"""情况说明 (narrative) and 名词解释, written with the seed's sentence patterns.

Each sentence is assembled from figures registered through :class:`Narrative`, which
records the figure (value as printed, the table cell it restates, the inputs of a
percentage) together with the finished sentence.  Narrative defects are applied here,
at the moment a figure is printed, so the truth records what the PDF says.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from corpus.synth.codes import class_name, subject_name
from corpus.synth.data import YearData
from corpus.synth.tables import tp_values, wan

SECTIONS = [
    "一、收入支出决算总体情况说明", "二、收入决算情况说明", "三、支出决算情况说明",
    "四、财政拨款收入支出决算总体情况说明", "五、一般公共预算财政拨款支出决算情况说明",
    "六、一般公共预算财政拨款基本支出决算情况说明", "七、政府性基金预算财政拨款收入支出决算情况说明",
    "八、国有资本经营预算财政拨款支出决算情况说明", "九、财政拨款“三公”经费支出决算情况说明",
    "十、绩效评价情况说明", "十一、其他重要事项情况说明",
]


def pct_text(num: Decimal, den: Decimal) -> str:
    """Percentage with one decimal, half-up, trailing .0 dropped (91.9, 100, -15.4)."""
    if den == 0:
        return "0"
    q = (Decimal(100) * num / den).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{q:f}"
    return text[:-2] if text.endswith(".0") else text


def ref(table: str, row_key: str, measure: str, phase: str = "final", **extra) -> dict:
    return {"table_name": table, "row_key": row_key, "measure": measure, "phase": phase, **extra}


@dataclass
class NarrativeDefect:
    kind: str  # narrative_amount | narrative_pct | template_residue | wrong_year
    topic: str  # figure topic (or sentence topic) to corrupt
    figure_kind: str | None = None
    applied: dict | None = None


@dataclass
class Narrative:
    year: int
    rng: random.Random
    defect: NarrativeDefect | None = None
    figures: list[dict] = field(default_factory=list)
    blocks: list[tuple[str, object]] = field(default_factory=list)  # ("h2"|"h3"|"p", text)
    _pending: list[dict] = field(default_factory=list)
    section: str = ""
    k: int = 1  # integer units per 0.01 万元 of the data (10000 when kept in 分)
    pct_space: bool = False  # print "91.9 %" (as parts of the seed do) instead of "91.9%"

    # -------------------------------------------------------------- units
    def r(self, c: int) -> int:
        """Amount rounded half-up to 0.01 万元, the precision the narrative prints."""
        if self.k == 1:
            return c
        q = (Decimal(c) / self.k).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(q)

    def d(self, c: int) -> Decimal:
        """Exact 万元 of an amount (the inputs of a percentage)."""
        return Decimal(c) / (100 * self.k)

    def fmt(self, c: int) -> str:
        return wan(self.r(c))

    # -------------------------------------------------------------- figures
    def _defect_for(self, topic: str, kind: str) -> bool:
        df = self.defect
        return bool(df and not df.applied and df.topic == topic and df.figure_kind == kind
                    and df.kind in ("narrative_amount", "narrative_pct"))

    def amount(self, topic: str, c: int, ref_: dict | None = None, subject_code: str | None = None,
               kind: str = "amount") -> str:
        c = self.r(c)
        text = wan(c)
        if self._defect_for(topic, kind):
            wrong = c + self.rng.choice([1, -1]) * self.rng.choice([1000, 2000, 525, 10000, 36])
            if wrong < 0:
                wrong = c + 1000
            printed = wan(wrong)
            self.defect.applied = {"expected": text, "printed": printed, "topic": topic, "figure_kind": kind,
                                   "subject_code": subject_code, "ref": ref_}
            text = printed
        self._pending.append({"section": self.section, "topic": topic, "subject_code": subject_code,
                              "figure_kind": kind, "value": text, "unit": "万元", "ref": ref_, "inputs": None})
        return text

    def pct(self, topic: str, kind: str, num: Decimal, den: Decimal, subject_code: str | None = None) -> str:
        text = pct_text(num, den)
        if self._defect_for(topic, kind):
            q = Decimal(text) + Decimal(self.rng.choice(["3.1", "-2.4", "5", "-7.2", "10.3"]))
            printed = f"{q:f}"
            printed = printed[:-2] if printed.endswith(".0") else printed
            self.defect.applied = {"expected": text, "printed": printed, "topic": topic, "figure_kind": kind,
                                   "subject_code": subject_code, "ref": None}
            text = printed
        self._pending.append({"section": self.section, "topic": topic, "subject_code": subject_code,
                              "figure_kind": kind, "value": text, "unit": "%", "ref": None,
                              "inputs": [f"{num:f}", f"{den:f}"]})
        return text

    def count(self, topic: str, n: int, unit: str) -> str:
        self._pending.append({"section": self.section, "topic": topic, "subject_code": None, "figure_kind": "count",
                              "value": str(n), "unit": unit, "ref": None, "inputs": None})
        return str(n)

    def change(self, topic: str, cur: int, prev: int, subject_code: str | None = None) -> str:
        """'增加 X 万元，增长 Y%' against the previous year (signed values in the truth)."""
        cur, prev = self.r(cur), self.r(prev)  # changes are taken between printed amounts
        diff = cur - prev
        if diff == 0:
            return "持平"
        word, pword = ("增加", "增长") if diff > 0 else ("减少", "下降")
        amount = wan(abs(diff))
        self._pending.append({"section": self.section, "topic": topic, "subject_code": subject_code,
                              "figure_kind": "change_amount", "value": wan(diff), "unit": "万元", "ref": None,
                              "inputs": None})
        if prev == 0:
            return f"{word} {amount} 万元"
        p = self.pct(topic, "change_pct", Decimal(diff) / 100, Decimal(prev) / 100, subject_code)
        return f"{word} {amount} 万元，{pword} {p.lstrip('-')}%"

    # -------------------------------------------------------------- text
    def heading(self, text: str, level: int = 2) -> None:
        if level == 2:
            self.section = text
        self.blocks.append((f"h{level}", text))

    def sentence(self, text: str) -> str:
        if self.pct_space:
            text = text.replace("%", " %")
        for f in self._pending:
            f["sentence"] = text
            self.figures.append(f)
        self._pending = []
        return text

    def para(self, *sentences: str) -> None:
        self.blocks.append(("p", "".join(sentences)))


INCREASE_REASONS = ["人员增加、工资标准调整", "项目资金增加", "新增专项工作任务", "人员经费增加"]
DECREASE_REASONS = ["人员减少、项目资金减少", "部分项目完成后不再安排", "压减一般性支出", "项目资金减少"]


def reason(rng: random.Random, cur: int, prev: int) -> str:
    return rng.choice(INCREASE_REASONS if cur >= prev else DECREASE_REASONS)


def build_narrative(n: Narrative, cur: YearData, prev: YearData, *, dept_name: str, perf: list[dict],
                    tp_counts_prev: dict | None = None) -> None:
    y, rng = n.year, n.rng
    py = y - 1
    t, p = cur.total, prev.total
    inc_total, inc_prev = t("income"), p("income")
    spend = t("expenditure")
    grand = inc_total + cur.use_nf_balance + cur.gb_begin + cur.fund_begin + cur.nf_begin
    grand_prev = inc_prev + prev.use_nf_balance + prev.gb_begin + prev.fund_begin + prev.nf_begin

    n.heading(SECTIONS[0])
    s1 = n.sentence(f"{y} 年度收、支总计均为 {n.amount('grand_total', grand, ref('income_expenditure_summary', 'income:31', 'amount'))} 万元。")
    ch = n.change("grand_total", grand, grand_prev)
    s2 = n.sentence(f"与 {py} 年度相比，收、支总计各{ch}。" if ch != "持平" else f"与 {py} 年度相比，收、支总计持平。")
    n.para(s1, s2, f"主要原因：{reason(rng, grand, grand_prev)}。")

    n.heading(SECTIONS[1])
    parts = [n.sentence(f"本年收入合计 {n.amount('income_total', inc_total, ref('income', '合计', 'income_total'))} 万元，其中：")]
    sources = [("fiscal_appropriation_income", "财政拨款收入", lambda yd: yd.total("inc_gb") + yd.total("inc_fund")),
               ("superior_subsidy_income", "上级补助收入", lambda yd: yd.total("inc_superior")),
               ("business_income", "事业收入", lambda yd: yd.total("inc_business")),
               ("operating_income", "经营收入", lambda yd: yd.total("inc_operating")),
               ("subordinate_remittance_income", "附属单位上缴收入", lambda yd: yd.total("inc_subordinate")),
               ("other_income", "其他收入", lambda yd: yd.total("inc_other"))]
    clauses = []
    for measure, label, fn in sources:
        c, pc = fn(cur), fn(prev)
        amt = n.amount(measure, c, ref("income", "合计", measure))
        if c == 0 and pc == 0:
            clauses.append(n.sentence(f"{label} {amt} 万元，与上年持平，主要是本单位不涉及此项"))
        else:
            ch = n.change(measure, c, pc)
            clauses.append(n.sentence(f"{label} {amt} 万元，比上年{ch}，主要是{reason(rng, c, pc)}"))
    n.para(parts[0] + "；".join(clauses) + "。")

    n.heading(SECTIONS[2])
    basic, project = t("basic"), t("project")
    clauses = []
    for measure, label, c, pc in (("basic_expenditure", "基本支出", basic, p("basic")),
                                  ("project_expenditure", "项目支出", project, p("project"))):
        amt = n.amount(measure, c, ref("expenditure", "合计", measure))
        ch = n.change(measure, c, pc)
        clauses.append(n.sentence(f"{label} {amt} 万元，比上年{ch}，主要是{reason(rng, c, pc)}"))
    oper = t("operating")
    clauses.append("上缴上级支出 0.00 万元，主要是本单位不涉及此项")
    clauses.append(n.sentence(f"经营支出 {n.amount('operating_expenditure', oper, ref('expenditure', '合计', 'operating_expenditure'))} 万元"))
    clauses.append("对附属单位补助支出 0.00 万元，主要是本单位不涉及此项")
    head = n.sentence(f"本年支出合计 {n.amount('expenditure_total', spend, ref('expenditure', '合计', 'expenditure_total'))} 万元，其中：")
    n.para(head + "；".join(clauses) + "。")

    n.heading(SECTIONS[3])
    fa = t("inc_gb") + t("inc_fund") + cur.gb_begin + cur.fund_begin
    fa_prev = p("inc_gb") + p("inc_fund") + prev.gb_begin + prev.fund_begin
    s1 = f"{y} 年度财政拨款收、支总计均为 {n.amount('fiscal_grand_total', fa, ref('fiscal_appropriation_summary', 'income:32', 'amount'))} 万元，"
    ch = n.change("fiscal_grand_total", fa, fa_prev)
    n.para(n.sentence(s1 + (f"与 {py} 年相比，财政拨款收、支总计各{ch}。" if ch != "持平" else "与上年持平。")),
           f"主要原因：{reason(rng, fa, fa_prev)}。")

    n.heading(SECTIONS[4])
    gb, gb_prev = t("gb_total"), p("gb_total")
    n.heading("（一）一般公共预算财政拨款支出决算总体情况", 3)
    s = f"{y} 年度一般公共预算财政拨款支出 {n.amount('general_budget_expenditure', gb, ref('general_budget_expenditure', '合计', 'expenditure_total'))} 万元，"
    s += f"占本年支出合计的 {n.pct('general_budget_share_of_expenditure', 'share_pct', n.d(gb), n.d(spend))}%。"
    n.para(n.sentence(s))
    ch = n.change("general_budget_expenditure", gb, gb_prev)
    n.para(n.sentence(f"与 {py} 年度相比，一般公共预算财政拨款支出{ch}。"), f"主要原因：{reason(rng, gb, gb_prev)}。")
    n.heading("（二）一般公共预算财政拨款支出决算结构情况", 3)
    by_class: dict[str, int] = {}
    for code, line in cur.lines.items():
        if line.gb_total:
            by_class[code[:3]] = by_class.get(code[:3], 0) + line.gb_total
    clauses = []
    for code in sorted(by_class):
        amt = n.amount("class_general_budget", by_class[code], ref("general_budget_expenditure", code, "expenditure_total"),
                       subject_code=code)
        share = n.pct("class_general_budget", "share_pct", n.d(by_class[code]), n.d(gb), subject_code=code)
        clauses.append(n.sentence(f"{class_name(code, y)} {amt} 万元，占 {share}%"))
    n.para(f"{y} 年度一般公共预算财政拨款支出 {n.fmt(gb)} 万元，主要用于以下方面：" + "；".join(clauses) + "。")
    n.heading("（三）一般公共预算财政拨款支出决算具体情况", 3)
    initial = sum(l.initial_budget for l in cur.lines.values() if l.gb_total)
    s = (f"{y} 年度一般公共预算财政拨款支出年初预算为 {n.amount('general_budget_initial', initial)} 万元，"
         f"支出决算为 {n.amount('general_budget_expenditure', gb, ref('general_budget_expenditure', '合计', 'expenditure_total'))} 万元，"
         f"完成年初预算的 {n.pct('general_budget_completion', 'completion_pct', n.d(gb), n.d(initial))}%。其中：")
    n.para(n.sentence(s))
    for i, code in enumerate(sorted(c for c, l in cur.lines.items() if l.gb_total), start=1):
        line = cur.lines[code]
        path = (f"{class_name(code[:3], y)}（类）{subject_name(code[:5], y)}（款）{subject_name(code, y)}（项）")
        b = n.amount("item_initial_budget", line.initial_budget, subject_code=code)
        f_ = n.amount("item_general_budget", line.gb_total, ref("general_budget_expenditure", code, "expenditure_total"),
                      subject_code=code)
        # no rate over a zero budget (it cannot be computed; printing 0% is N_RATE_UNDEFINED), as change() does
        rate = (f"，完成年初预算的 {n.pct('item_completion', 'completion_pct', n.d(line.gb_total), n.d(line.initial_budget), subject_code=code)}%"
                if line.initial_budget else "")
        if line.gb_total > line.initial_budget:
            why = f"决算数大于预算数的主要原因是{rng.choice(['年中追加预算', '增加基础绩效奖金', '人员增加', '新增工作任务'])}。"
        elif line.gb_total < line.initial_budget:
            why = f"决算数小于预算数的主要原因是{rng.choice(['人员减少', '部分项目延缓', '厉行节约', '项目资金结转下年'])}。"
        else:
            why = "决算数与预算数持平。"
        n.para(f"{i}. " + n.sentence(f"{path}。年初预算为 {b} 万元，支出决算为 {f_} 万元{rate}。") + why)

    n.heading(SECTIONS[5])
    personnel, public = t("gb_personnel"), t("gb_public")
    s = (f"{y} 年度一般公共预算财政拨款基本支出 {n.amount('general_budget_basic', personnel + public, ref('general_budget_expenditure', '合计', 'basic_expenditure'))} 万元，"
         f"其中：人员经费 {n.amount('personnel_expenditure', personnel, ref('general_budget_basic_expenditure', '人员经费合计', 'amount'))} 万元，"
         "主要包括：基本工资、津贴补贴、奖金、绩效工资、机关事业单位基本养老保险缴费、职业年金缴费、职工基本医疗保险缴费、"
         "公务员医疗补助缴费、其他社会保障缴费、住房公积金、退休费和奖励金等；"
         f"公用经费 {n.amount('public_expenditure', public, ref('general_budget_basic_expenditure', '公用经费合计', 'amount'))} 万元，"
         "主要包括：办公费、水费、电费、邮电费、取暖费、差旅费、维修（护）费、公务接待费、劳务费、工会经费、福利费、"
         "公务用车运行维护费、其他交通费用、其他商品和服务支出和办公设备购置等。")
    n.para(n.sentence(s))

    n.heading(SECTIONS[6])
    fund_income, fund_spend = t("inc_fund"), t("fund_project")
    if fund_income or fund_spend or cur.fund_begin:
        s = (f"{y} 年度政府性基金预算财政拨款年初结转和结余 {n.amount('fund_carryover_begin', cur.fund_begin, ref('government_fund', '合计', 'carryover_begin'))} 万元；"
             f"本年收入 {n.amount('fund_income', fund_income, ref('government_fund', '合计', 'income_current'))} 万元，比上年{n.change('fund_income', fund_income, p('inc_fund'))}；"
             f"本年支出 {n.amount('fund_expenditure', fund_spend, ref('government_fund', '合计', 'expenditure_total'))} 万元，比上年{n.change('fund_expenditure', fund_spend, p('fund_project'))}；"
             f"年末结转和结余 {n.amount('fund_carryover_end', cur.fund_end, ref('government_fund', '合计', 'carryover_end'))} 万元。")
        n.para(n.sentence(s))
    else:
        n.para(n.sentence(f"{y} 年度本单位没有政府性基金预算财政拨款收入，也没有使用政府性基金预算财政拨款安排的支出。"))
    n.heading(SECTIONS[7])
    n.para(n.sentence(f"{y} 年度本单位没有国有资本经营预算财政拨款收入，也没有使用国有资本经营预算财政拨款安排的支出。"))

    n.heading(SECTIONS[8])
    n.heading("（一）“三公”经费财政拨款支出决算总体情况说明", 3)
    bud, fin, fin_prev = tp_values(cur.tp_budget), tp_values(cur.tp_final), tp_values(prev.tp_final)
    tpref = lambda m, ph="final": ref("three_public", "三公经费", m, ph)  # noqa: E731
    s = (f"{y} 年度“三公”经费财政拨款支出预算为 {n.amount('three_public_budget', bud['three_public_total'], tpref('three_public_total', 'budget'), kind='budget_amount')} 万元，"
         f"支出决算为 {n.amount('three_public_total', fin['three_public_total'], tpref('three_public_total'))} 万元，"
         f"完成预算的 {n.pct('three_public_completion', 'completion_pct', n.d(fin['three_public_total']), n.d(bud['three_public_total']))}%；"
         f"较 {py} 年度{n.change('three_public_total', fin['three_public_total'], fin_prev['three_public_total'])}，"
         f"主要原因是{'严格落实过紧日子要求' if fin['three_public_total'] <= fin_prev['three_public_total'] else '必要的公务接待和公务用车运行经费增加'}。")
    n.para(n.sentence(s))
    n.heading("（二）“三公”经费财政拨款支出决算具体情况说明", 3)
    cn = cur.counts
    s = (f"1. 因公出国（境）费预算为 {n.amount('outbound_travel_budget', bud['outbound_travel'], tpref('outbound_travel', 'budget'), kind='budget_amount')} 万元，"
         f"支出决算为 {n.amount('outbound_travel', fin['outbound_travel'], tpref('outbound_travel'))} 万元，"
         f"完成预算的 {n.pct('outbound_travel_completion', 'completion_pct', n.d(fin['outbound_travel']), n.d(bud['outbound_travel']))}%。"
         f"全年共有因公出国（境）团组 {n.count('outbound_groups', cn.get('outbound_groups', 0), '个')} 个，"
         f"因公出国（境）{n.count('outbound_persons', cn.get('outbound_persons', 0), '人次')} 人次。")
    n.para(n.sentence(s))
    s = (f"2. 公务用车购置及运行费预算为 {n.amount('vehicle_total_budget', bud['vehicle_total'], tpref('vehicle_total', 'budget'), kind='budget_amount')} 万元，"
         f"支出决算为 {n.amount('vehicle_total', fin['vehicle_total'], tpref('vehicle_total'))} 万元，"
         f"完成预算的 {n.pct('vehicle_total_completion', 'completion_pct', n.d(fin['vehicle_total']), n.d(bud['vehicle_total']))}%。")
    n.para(n.sentence(s))
    s = (f"其中：公务用车购置费支出 {n.amount('vehicle_purchase', fin['vehicle_purchase'], tpref('vehicle_purchase'))} 万元，"
         f"截至 {y} 年 12 月 31 日，公务用车保有量为 {n.count('vehicles', cn.get('vehicles', 0), '辆')} 辆，"
         f"公务用车购置数为 {n.count('vehicles_bought', cn.get('vehicles_bought', 0), '辆')} 辆。")
    n.para(n.sentence(s))
    n.para(n.sentence(f"公务用车运行维护费支出 {n.amount('vehicle_operation', fin['vehicle_operation'], tpref('vehicle_operation'))} 万元，主要是用于公车燃油、维修、保险等费用。"))
    s = (f"3. 公务接待费预算为 {n.amount('official_reception_budget', bud['official_reception'], tpref('official_reception', 'budget'), kind='budget_amount')} 万元，"
         f"支出决算为 {n.amount('official_reception', fin['official_reception'], tpref('official_reception'))} 万元，"
         f"完成预算的 {n.pct('official_reception_completion', 'completion_pct', n.d(fin['official_reception']), n.d(bud['official_reception']))}%。"
         f"全年共接待国内来访团组 {n.count('reception_batches', cn.get('reception_batches', 0), '个')} 个、"
         f"来宾 {n.count('reception_persons', cn.get('reception_persons', 0), '人次')} 人次（不包括陪同人员）。")
    n.para(n.sentence(s))

    n.heading(SECTIONS[9])
    gb_project = t("gb_project")
    executed = sum(pr["executed"] for pr in perf)
    s = (f"根据预算绩效管理要求，本单位组织对 {y} 年度一般公共预算项目支出全面开展绩效自评，"
         f"其中二级项目 {n.count('performance_projects', len(perf), '个')} 个，共涉及资金 {n.amount('performance_funds', executed)} 万元，"
         f"占一般公共预算项目支出总额的 {n.pct('performance_share', 'share_pct', n.d(executed), n.d(gb_project))}%。")
    n.para("（一）绩效评价工作开展情况。" + n.sentence(s))
    n.para("（二）项目绩效自评结果。")
    for i, pr in enumerate(perf, start=1):
        pref = lambda m: {"table_name": "performance_self_assessment", "table_seq": i, "row_key": "年度资金总和",  # noqa: E731
                          "measure": m, "phase": "final"}
        s = (f"项目全年预算数为 {n.amount('project_adjusted_budget', pr['adjusted'], pref('adjusted_budget'))} 万元，"
             f"执行数为 {n.amount('project_executed', pr['executed'], pref('executed'))} 万元，"
             f"完成预算的 {n.pct('project_completion', 'completion_pct', n.d(pr['executed']), n.d(pr['adjusted']))}%。")
        n.para(f"{i}. {pr['name']}项目绩效自评情况：根据年初设定的绩效目标，项目绩效自评得分为 {pr['score']} 分。"
               + n.sentence(s) + f"项目绩效目标完成情况：{pr['achieved']}。")

    n.heading(SECTIONS[10])
    n.heading("（一）机关运行经费执行情况说明", 3)
    ch = n.change("office_operating_cost", public, p("gb_public"))
    s = (f"{y} 年度机关运行经费支出 {n.amount('office_operating_cost', public, ref('general_budget_basic_expenditure', '公用经费合计', 'amount'))} 万元，"
         f"较 {py} 年度{ch}，主要是{reason(rng, public, p('gb_public'))}。")
    n.para(n.sentence(s))
    n.heading("（二）政府采购支出情况说明", 3)
    pc = cur.procurement
    total = sum(pc.values())
    s = (f"{y} 年度政府采购支出总额 {n.amount('procurement_total', total)} 万元，其中：政府采购货物支出 "
         f"{n.amount('procurement_goods', pc.get('goods', 0))} 万元、政府采购工程支出 {n.amount('procurement_works', pc.get('works', 0))} 万元、"
         f"政府采购服务支出 {n.amount('procurement_services', pc.get('services', 0))} 万元。")
    sme = total * cur.sme_share // 1000
    s2 = (f"授予中小企业合同金额 {n.amount('procurement_sme', sme)} 万元，占政府采购支出总额的 "
          f"{n.pct('procurement_sme_share', 'share_pct', n.d(sme), n.d(total))}%。")
    n.para(n.sentence(s), n.sentence(s2))
    n.heading("（三）国有资产占用情况说明", 3)
    s = (f"截至 {y} 年 12 月 31 日，{dept_name}共有车辆 {n.count('asset_vehicles', cn.get('vehicles', 0), '辆')} 辆，"
         f"其中，主要负责人用车 0 辆、机要通信用车 0 辆、应急保障用车 0 辆、执法执勤用车 0 辆、"
         f"其他用车 {cn.get('vehicles', 0)} 辆，其他用车主要是日常办公所需用车；单位价值 100 万元（含）以上设备（不含车辆）0 台（套）。")
    n.para(n.sentence(s))


GLOSSARY = [
    ("财政拨款收入", "指单位从同级财政部门取得的财政预算资金。"),
    ("上级补助收入", "指从主管部门和上级单位取得的非财政补助收入。"),
    ("事业收入", "指事业单位开展专业业务活动及辅助活动取得的收入。"),
    ("其他收入", "指除上述收入以外的各项收入，主要是银行存款利息收入等。"),
    ("年初结转和结余", "指单位以前年度尚未完成、结转到本年按有关规定继续使用的资金，或项目已完成等产生的结余资金。"),
    ("年末结转和结余", "指单位按有关规定结转到下年或以后年度继续使用的资金，或项目已完成等产生的结余资金。"),
    ("基本支出", "指为保障机构正常运转、完成日常工作任务而发生的人员支出和公用支出。"),
    ("项目支出", "指在基本支出之外为完成特定行政任务或事业发展目标所发生的支出。"),
    ("“三公”经费", "指用财政拨款安排的因公出国（境）费、公务用车购置及运行费和公务接待费。"),
    ("机关运行经费", "指为保障行政单位（含参照公务员法管理的事业单位）运行用于购买货物和服务的各项资金。"),
]
