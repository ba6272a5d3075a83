"""Assemble one synthetic disclosure: layout variants, tables, 绩效自评表, narrative,
defects, and the ground truth describing the PDF as printed."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from corpus.model import Cell, Document, Heading, PageBreak, Paragraph, RenderOptions, Table
from corpus.synth.codes import PREFECTURE, XIANG
from corpus.synth.data import YearData
from corpus.synth.narrative import GLOSSARY, Narrative, NarrativeDefect, build_narrative
from corpus.synth.tables import BUILDERS, TABLE_ORDER, Ctx, Style, cn_ordinal, wan

GENERATOR_VERSION = 1

DEFECT_KINDS = ("wrong_total", "class_not_sum", "t04_vs_t05", "three_public_subtotal", "narrative_amount",
                "narrative_pct", "missing_table", "template_residue", "wrong_year")
TABLE_LABELS = {
    "income_expenditure_summary": "一、收入支出决算总表", "income": "二、收入决算表", "expenditure": "三、支出决算表",
    "fiscal_appropriation_summary": "四、财政拨款收入支出决算总表",
    "general_budget_expenditure": "五、一般公共预算财政拨款支出决算表",
    "general_budget_basic_expenditure": "六、一般公共预算财政拨款基本支出决算明细表",
    "government_fund": "七、政府性基金预算财政拨款收入支出决算表",
    "state_capital": "八、国有资本经营预算财政拨款支出决算表",
    "three_public": "九、财政拨款“三公”经费支出决算表",
}


@dataclass
class DocSpec:
    """Which document to build and how it looks."""

    stem: str
    dept: dict
    scope: str  # consolidated | own
    year: int
    producer: str  # reportlab | fpdf2
    variants: dict = field(default_factory=dict)
    defect: str | None = None

    @property
    def department_name(self) -> str:
        full = PREFECTURE + self.dept["name"]
        return full if self.scope == "consolidated" else full + "本级"

    @property
    def display_name(self) -> str:
        full = PREFECTURE + self.dept["name"]
        return f"{full}（汇总）" if self.scope == "consolidated" else f"{full}本级"


def choose_variants(rng: random.Random, spec: DocSpec) -> dict:
    """Layout variants of one document (recorded in its truth)."""
    many_lines = len(spec.dept["lines"]) >= 5
    return {
        "unit": "元" if (rng.random() < 0.15 or spec.dept.get("yuan")) else "万元",
        "thousands_separator": rng.random() < 0.7,
        "zero_style": rng.choice(["blank", "blank", "dash", "zero"]),
        "table_codes": rng.random() < 0.8,
        "dept_line": rng.random() < 0.85,
        "rate_format": rng.choice(["percent", "fraction"]),
        "landscape": sorted(t for t, p in (("fiscal_appropriation_summary", 0.18), ("three_public", 0.2))
                            if rng.random() < p),
        "repeat_header": rng.random() < 0.7,
        "long_tables": many_lines and rng.random() < 0.45,
        "narrow_names": rng.random() < 0.35,
        "alt_titles": rng.random() < 0.1,
        "column_numbers": rng.random() < 0.8,
        "pct_space": rng.random() < 0.3,
        "kangxi_radicals": False,
        "bold_twice": False,
    }


# 元 documents print amounts like 87,301,300.00: their wide tables go on landscape pages
YUAN_LANDSCAPE = ("income", "expenditure", "fiscal_appropriation_summary", "general_budget_expenditure",
                  "general_budget_basic_expenditure", "government_fund", "three_public")


def finalize_variants(v: dict) -> dict:
    """Make forced/random choices consistent (called once all variants are chosen)."""
    if v["unit"] == "元":
        v["landscape"] = sorted(set(v["landscape"]) | set(YUAN_LANDSCAPE))
        v["long_tables"] = False
    if v["long_tables"]:
        v["narrow_names"] = True
    return v


def variant_labels(v: dict, producer: str) -> list[str]:
    out = [f"producer:{producer}", f"unit:{v['unit']}", f"zero:{v['zero_style']}", f"rate:{v['rate_format']}",
           "thousands_separator" if v["thousands_separator"] else "no_thousands_separator",
           "table_codes" if v["table_codes"] else "no_table_codes",
           "dept_line" if v["dept_line"] else "no_dept_line",
           "repeat_header" if v["repeat_header"] else "no_repeat_header"]
    out += [f"landscape:{t}" for t in v["landscape"]]
    if not v["column_numbers"]:
        out.append("no_column_numbers")
    for key in ("long_tables", "narrow_names", "alt_titles", "kangxi_radicals", "bold_twice", "pct_space"):
        if v[key]:
            out.append(key)
    return sorted(out)


# ----------------------------------------------------------------- performance tables

TOPICS = ["业务运行保障", "信息系统运维", "专项业务工作", "宣传培训", "第三方技术服务", "监督检查工作"]
ACHIEVED = ["按计划完成年度绩效目标", "各项工作有序推进，年度目标基本完成", "项目按期实施，服务对象满意度较高",
            "完成年度工作任务，资金使用规范"]


def make_projects(rng: random.Random, spec: DocSpec, yd: YearData, unit_names: list[str]) -> list[dict]:
    n_projects = rng.randint(2, 4)
    hosts = sorted((c for c, l in yd.lines.items() if l.gb_project), key=lambda c: -yd.lines[c].gb_project)
    hosts += sorted((c for c, l in yd.lines.items() if l.gb_basic and c not in hosts),
                    key=lambda c: -yd.lines[c].gb_basic)
    projects, used = [], set()
    for i in range(n_projects):
        code = hosts[i % len(hosts)]
        line = yd.lines[code]
        base = line.gb_project or line.gb_public or line.gb_basic
        name = f"{XIANG[code]}专项经费" if line.gb_project else f"{TOPICS[i % len(TOPICS)]}经费"
        if name in used or XIANG[code] == "行政运行":
            name = f"{spec.dept['name'].removesuffix('局')}{TOPICS[(i + 2) % len(TOPICS)]}经费"
        used.add(name)
        k = yd.k  # project funds are stated to 0.01 万元 even where the books are kept in 分
        executed = max(1, int(base / k * rng.uniform(0.25, 0.9)))
        rate = 1.0 if rng.random() < 0.45 else rng.uniform(0.2, 0.99)
        adjusted = max(executed, int(round(executed / rate)))
        initial = int(round(adjusted * rng.choice([1.0, 1.0, 1.0, 1.15, 0.8, 1.3])))
        carry = int(adjusted * 0.2) if rng.random() < 0.15 else 0
        executed, adjusted, initial, carry = (x * k for x in (executed, adjusted, initial, carry))
        own_unit = PREFECTURE + spec.dept["name"] + "本级"
        unit = own_unit if (spec.scope == "own" or len(unit_names) == 1 or i % 2 == 0) else "青川" + unit_names[-1]
        projects.append({
            "name": name, "unit": unit, "initial": initial, "adjusted": adjusted, "executed": executed,
            "carry": carry, "score": rng.choice(["100", "98.5", "95", "92.36", "88", "85.2", "76.5"]),
            "achieved": rng.choice(ACHIEVED),
            "k": k, "goal": f"保障{name.removesuffix('经费')}顺利实施，按期完成年度工作任务",
        })
    return projects


def _rate(executed: int, adjusted: int, fmt: str) -> tuple[str, str]:
    if adjusted == 0:
        return ("0.00%", "0.0000") if fmt == "percent" else ("0.00", "0.00")
    r = Decimal(executed) / Decimal(adjusted)
    if fmt == "percent":
        p = (r * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{p}%", f"{(p / 100):.4f}"
    f = r.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{f}", f"{f}"


def _money(c: int, thousands: bool) -> str:
    whole = f"{c // 100:,}" if thousands else str(c // 100)
    return f"{whole}.{c % 100:02d}"


def performance_table(seq: int, pr: dict, year: int, v: dict, rng: random.Random) -> tuple[Table, dict]:
    th = v["thousands_separator"]
    k = pr["k"]
    pr = {**pr, **{key: pr[key] // k for key in ("initial", "adjusted", "executed", "carry")}}
    cur = {"initial": pr["initial"] - pr["carry"], "adjusted": pr["adjusted"] - pr["carry"],
           "executed": pr["executed"] - min(pr["carry"], pr["executed"])}
    carry = {"initial": pr["carry"], "adjusted": pr["carry"], "executed": min(pr["carry"], pr["executed"])}
    zero = {"initial": 0, "adjusted": 0, "executed": 0}
    total = {"initial": pr["initial"], "adjusted": pr["adjusted"], "executed": pr["executed"]}
    c = lambda t, **k: Cell(t, align="center", **k)  # noqa: E731
    body = [
        [c("项目名称"), Cell(pr["name"], colspan=6)],
        [c("实施单位"), Cell(pr["unit"], colspan=6)],
        [c("资金情况（万元）", rowspan=5), c("项目资金"), c("年初预算数"), c("全年预算数"), c("全年执行数"),
         c("执行率", colspan=2)],
    ]
    funds = []
    for label, vals in (("当年财政拨款", cur), ("上年结转资金", carry), ("其他资金", zero), ("年度资金总和", total)):
        row = [c(label)]
        for measure, key in (("initial_budget", "initial"), ("adjusted_budget", "adjusted"), ("executed", "executed")):
            printed = _money(vals[key], th)
            row.append(Cell(printed, align="right"))
            funds.append({"row_key": label, "measure": measure, "printed": printed, "value": wan(vals[key])})
        printed, value = _rate(vals["executed"], vals["adjusted"], v["rate_format"])
        row.append(Cell(printed, colspan=2, align="right"))
        funds.append({"row_key": label, "measure": "execution_rate", "printed": printed, "value": value})
        body.append(row)
    body += [
        [c("年度总体目标", rowspan=2), c("预期目标", colspan=3), c("实际完成情况", colspan=3)],
        [Cell(pr["goal"], colspan=3), Cell(pr["achieved"], colspan=3)],
    ]
    b, e = wan(pr["adjusted"]), wan(pr["executed"])
    short = pr["executed"] < pr["adjusted"]
    indicators = [
        ("成本指标", "经济成本指标", "项目成本控制", f"{b}万元", f"{e}万元",
         "部分合同款尚未达到支付条件，结转下年支付" if short else ""),
        ("产出指标", "数量指标", "完成工作任务数", f"{rng.randint(2, 40)}项", None, ""),
        ("产出指标", "质量指标", "验收合格率", "100%", "100%", ""),
        ("产出指标", "时效指标", "按时完成率", "≥95%", f"{rng.choice([95, 98, 100])}%", ""),
        ("效益指标", "社会效益指标", "服务保障能力", "有效提升", "有效提升", ""),
        ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", f"{rng.choice([92, 95, 96, 98])}%", ""),
    ]
    indicators = [(a, b_, c_, t, t if act is None else act, dv) for a, b_, c_, t, act, dv in indicators]
    body.append([c("绩效指标", rowspan=len(indicators) + 1), c("一级指标"), c("二级指标"), c("三级指标"),
                 c("年度指标值"), c("实际完成值"), c("偏差原因分析及改进措施")])
    prev1 = prev2 = None
    for i, (l1, l2, l3, tgt, act, dev) in enumerate(indicators):
        row = []
        if l1 != prev1:
            span = sum(1 for x in indicators[i:] if x[0] == l1)
            row.append(c(l1, rowspan=span))
        if (l1, l2) != prev2:
            span = sum(1 for x in indicators[i:] if (x[0], x[1]) == (l1, l2))
            row.append(c(l2, rowspan=span))
        row += [Cell(l3), c(tgt), c(act), Cell(dev)]
        prev1, prev2 = l1, (l1, l2)
        body.append(row)
    table = Table(title="项目支出绩效自评表", header_rows=[], body_rows=body,
                  col_widths=[1.3, 1.3, 1.5, 1.7, 1.3, 1.3, 2.2], code=None, unit_text=f"（{year}年度）",
                  dept_line=None, font_size=8.0, start_new_page=seq == 1 or rng.random() < 0.5)
    truth = {"table_seq": seq, "project_name": pr["name"], "implementing_unit": pr["unit"], "funds": funds,
             "indicators": [{"level1": a, "level2": b_, "level3": c_, "target_value": t, "actual_value": ac,
                             "deviation_reason": dv or None} for a, b_, c_, t, ac, dv in indicators]}
    return table, truth


# ----------------------------------------------------------------- the document

DUTIES = [
    "贯彻执行国家和省有关{topic}工作的方针政策和法律法规，拟订全州{topic}发展规划和政策措施并组织实施。",
    "负责全州{topic}工作的统筹协调和监督管理，指导县市开展相关工作。",
    "负责本部门预算管理、财务管理和国有资产管理，组织开展预算绩效管理工作。",
    "完成州委、州政府交办的其他任务。",
]


def _value_c(cell: dict, k: int) -> int:
    return int(Decimal(cell["value"]) * 100 * k) if cell["value"] is not None else 0


def build_document(spec: DocSpec, cur: YearData, prev: YearData, unit_names: list[str], seed: int
                   ) -> tuple[Document, dict]:
    rng = random.Random(f"{seed}|doc|{spec.stem}")
    v = spec.variants
    style = Style(unit=v["unit"], thousands=v["thousands_separator"], zero=v["zero_style"], base=cur.k)
    k = cur.k
    ctx = Ctx(year=spec.year, style=style, dept_line=f"部门：{spec.display_name}" if v["dept_line"] else None,
              with_codes=v["table_codes"], name_width=1.6 if v["narrow_names"] else 3.2,
              repeat_header=v["repeat_header"], font_size=8.0,
              long_font_size=9.0 if v["long_tables"] else None, amount_scale=1.4 if v["unit"] == "元" else 1.0,
              landscape=tuple(v["landscape"]), column_numbers=v["column_numbers"])
    if v["alt_titles"]:
        ctx.titles = {"general_budget_basic_expenditure": "一般公共预算财政拨款基本支出决算表"}
    defects: list[dict] = []
    defect_id = f"{spec.stem}#1"
    kind = spec.defect
    missing = None
    if kind == "missing_table":
        missing = rng.choice(["general_budget_basic_expenditure", "three_public", "state_capital", "government_fund",
                              "expenditure"])
    built = {name: BUILDERS[name](ctx, cur) for name in TABLE_ORDER if name != missing}

    def override(table: str, row_key: str, measure: str, delta: int, phase: str = "final") -> tuple[str, str]:
        cells = [c for c in built[table][1].cells if (c["row_key"], c["measure"], c["phase"]) == (row_key, measure, phase)]
        expected = _value_c(cells[0], k)
        delta *= k
        ctx.overrides[(table, row_key, measure, phase)] = expected + delta
        return expected, expected + delta

    def record(table, row_key, measure, expected, printed, description, phase="final"):
        fmt = lambda c: style.amount(c)[0]  # noqa: E731
        defects.append({"defect_id": defect_id, "kind": kind, "table_name": table, "row_key": row_key,
                        "measure": measure, "page_hint": f"第二部分 {TABLE_LABELS[table]}",
                        "expected": fmt(expected), "printed": fmt(printed), "description": description})

    if kind == "wrong_total":
        table = rng.choice(["income", "expenditure", "general_budget_expenditure"])
        measure = {"income": "income_total", "expenditure": "expenditure_total",
                   "general_budget_expenditure": "expenditure_total"}[table]
        e, p = override(table, "合计", measure, rng.choice([1000, -1000, 2000, 10000]))
        built[table] = BUILDERS[table](ctx, cur)
        record(table, "合计", measure, e, p, f"{TABLE_LABELS[table]}合计行与各类之和不符")
    elif kind == "class_not_sum":
        table = rng.choice(["expenditure", "general_budget_expenditure", "income"])
        measure = {"income": "income_total", "expenditure": "expenditure_total",
                   "general_budget_expenditure": "expenditure_total"}[table]
        classes = sorted({c["row_key"] for c in built[table][1].cells if len(c["row_key"]) == 3 and c["row_key"].isdigit()})
        code = rng.choice(classes)
        e, p = override(table, code, measure, rng.choice([100, 500, -300, 1000]))
        built[table] = BUILDERS[table](ctx, cur)
        record(table, code, measure, e, p, f"{TABLE_LABELS[table]}{code}类数与所属款之和不符")
    elif kind == "t04_vs_t05":
        t04 = built["fiscal_appropriation_summary"][1]
        funded = [c for c in t04.cells if c["subject_code"] and c["measure"] == "general_budget_appropriation"
                  and _value_c(c, k) > 0]
        big = [c for c in funded if _value_c(c, k) > 3000 * k] or funded
        rows = sorted({c["row_key"] for c in big}, key=lambda rk: int(rk.split(":")[1]))
        a, b = rng.sample(rows, 2) if len(rows) >= 2 else (rows[0], None)
        delta = rng.choice([500, 1000, 1500])
        e, p = override("fiscal_appropriation_summary", a, "general_budget_appropriation", delta)
        override("fiscal_appropriation_summary", a, "expenditure_total", delta)
        if b:
            override("fiscal_appropriation_summary", b, "general_budget_appropriation", -delta)
            override("fiscal_appropriation_summary", b, "expenditure_total", -delta)
        built["fiscal_appropriation_summary"] = BUILDERS["fiscal_appropriation_summary"](ctx, cur)
        record("fiscal_appropriation_summary", a, "general_budget_appropriation", e, p,
               "财政拨款收入支出决算总表一般公共预算财政拨款列与一般公共预算财政拨款支出决算表不符")
    elif kind == "three_public_subtotal":
        measure = rng.choice(["three_public_total", "vehicle_total"])
        e, p = override("three_public", "三公经费", measure, rng.choice([120, 50, -80, 300]))
        built["three_public"] = BUILDERS["three_public"](ctx, cur)
        record("three_public", "三公经费", measure, e, p, "“三公”经费支出决算表决算数合计与分项之和不符")

    perf_rng = random.Random(f"{seed}|perf|{spec.stem}")
    projects = make_projects(perf_rng, spec, cur, unit_names)
    perf_tables = [performance_table(i + 1, pr, spec.year, v, perf_rng) for i, pr in enumerate(projects)]

    ndefect = None
    if kind == "narrative_amount":
        ndefect = NarrativeDefect(kind, rng.choice(["expenditure_total", "general_budget_expenditure", "income_total",
                                                    "personnel_expenditure", "public_expenditure"]), "amount")
    elif kind == "narrative_pct":
        topic, fk = rng.choice([("general_budget_share_of_expenditure", "share_pct"), ("class_general_budget", "share_pct"),
                                ("item_completion", "completion_pct"), ("general_budget_completion", "completion_pct")])
        ndefect = NarrativeDefect(kind, topic, fk)
    narr = Narrative(spec.year, random.Random(f"{seed}|narr|{spec.stem}"), ndefect, k=k,
                     pct_space=v["pct_space"])
    build_narrative(narr, cur, prev, dept_name=PREFECTURE + spec.dept["name"], perf=projects)
    if ndefect:
        ap = ndefect.applied
        assert ap, (spec.stem, ndefect)
        fig = next(f for f in narr.figures if f["topic"] == ap["topic"] and f["figure_kind"] == ap["figure_kind"]
                   and f["value"] == ap["printed"])
        defects.append({"defect_id": defect_id, "kind": kind, "table_name": (ap["ref"] or {}).get("table_name"),
                        "row_key": (ap["ref"] or {}).get("row_key") or ap["subject_code"],
                        "measure": (ap["ref"] or {}).get("measure"), "page_hint": f"第三部分 {fig['section']}",
                        "expected": ap["expected"], "printed": ap["printed"],
                        "description": f"情况说明中的数字与表格或其计算结果不符：{fig['sentence']}"})
    elif kind in ("template_residue", "wrong_year"):
        _sentence_defect(narr, spec, kind, rng, defects, defect_id)
    elif kind == "missing_table":
        defects.append({"defect_id": defect_id, "kind": kind, "table_name": missing, "row_key": None, "measure": None,
                        "page_hint": "第二部分", "expected": None, "printed": None,
                        "description": f"缺少{TABLE_LABELS[missing]}"})

    # ------------------------------------------------------------- blocks
    y = spec.year
    blocks: list = [Heading("第一部分 部门概况", 1), Heading("一、部门主要职责", 2)]
    topic = spec.dept["name"].removesuffix("局").removesuffix("委员会").removesuffix("管理")
    for i, duty in enumerate(DUTIES, start=1):
        blocks.append(Paragraph(f"（{'一二三四'[i - 1]}）" + duty.format(topic=topic)))
    blocks.append(Heading("二、机构设置及部门决算单位构成", 2))
    units = [PREFECTURE + spec.dept["name"] + "本级"] + (["青川" + u for u in unit_names[1:]] if spec.scope == "consolidated" else [])
    blocks.append(Paragraph(f"纳入{PREFECTURE}{spec.dept['name']} {y} 年度部门决算编制范围的单位包括："))
    for i, u in enumerate(units, start=1):
        blocks.append(Paragraph(f"{i}. {u}"))
    blocks.append(PageBreak())
    blocks.append(Heading(f"第二部分 {y} 年度部门决算表", 1))
    tables_truth = []
    first = True
    for name in TABLE_ORDER:
        if name not in built:
            continue
        t, tt = built[name]
        t.start_new_page = not first
        first = False
        blocks.append(t)
        tables_truth.append(tt.as_dict())
    for i, (t, _) in enumerate(perf_tables):
        blocks.append(t)
    blocks.append(PageBreak())
    blocks.append(Heading(f"第三部分 {y} 年度部门决算情况说明", 1))
    for kind_, text in narr.blocks:
        if kind_ == "h2":
            blocks.append(Heading(text, 2))
        elif kind_ == "h3":
            blocks.append(Heading(text, 3))
        else:
            blocks.append(Paragraph(text))
    blocks.append(Heading("第四部分 名词解释", 1))
    for i, (term, text) in enumerate(GLOSSARY, start=1):
        blocks.append(Paragraph(f"{cn_ordinal(i)}、{term}：{text}"))
    doc = Document(
        title_lines=[f"{y} 年度", f"{spec.display_name}部门决算", f"{y + 1} 年 {rng.randint(7, 9)} 月 {rng.randint(1, 28)} 日"],
        blocks=blocks,
        options=RenderOptions(kangxi_radicals=v["kangxi_radicals"], bold_twice=v["bold_twice"],
                              thousands_separator=v["thousands_separator"]),
        metadata_title=f"{spec.display_name}{y}年度部门决算", metadata_author=PREFECTURE + spec.dept["name"],
    )
    truth = {
        "file": f"{spec.stem}.pdf",
        "generator": {"seed": seed, "version": GENERATOR_VERSION},
        "document": {"department_name": spec.department_name, "scope": spec.scope,
                     "parent_department": PREFECTURE + spec.dept["name"] if spec.scope == "own" else None,
                     "fiscal_year": y, "doc_kind": "final", "unit": v["unit"], "producer_family": spec.producer,
                     "variants": variant_labels(v, spec.producer)},
        "tables": tables_truth,
        "performance": [p for _, p in perf_tables],
        "narrative_figures": narr.figures,
        "defects": defects,
    }
    return doc, truth


def _sentence_defect(narr: Narrative, spec: DocSpec, kind: str, rng: random.Random, defects: list, defect_id: str) -> None:
    """Corrupt one figure-bearing sentence: template residue (…… / XX局) or a wrong year."""
    y = spec.year
    candidates = [f for f in narr.figures if f["topic"] in ("office_operating_cost", "asset_vehicles", "procurement_total")]
    target = rng.choice(candidates)
    old = target["sentence"]
    if kind == "wrong_year":
        new = old.replace(f"{y} 年", f"{y - 2} 年", 1)
        desc = f"情况说明中出现非本年度的年份 {y - 2} 年"
    elif target["topic"] == "asset_vehicles":
        new = old.replace(PREFECTURE + spec.dept["name"], "XX局", 1)
        desc = "情况说明中残留模板文字“XX局”"
    else:
        new = old.replace("主要是", "主要是……，", 1) if "主要是" in old else old.replace("。", "，主要用于……。", 1)
        desc = "情况说明中残留模板文字“……”"
    assert new != old
    for f in narr.figures:
        if f["sentence"] == old:
            f["sentence"] = new
    narr.blocks = [(k, t.replace(old, new) if k == "p" else t) for k, t in narr.blocks]
    defects.append({"defect_id": defect_id, "kind": kind, "table_name": None, "row_key": None, "measure": None,
                    "page_hint": f"第三部分 {target['section']}", "expected": old, "printed": new, "description": desc})
