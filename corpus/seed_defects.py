"""The seed disclosure's known defects, recomputed from the parsed text with Decimal.

Split from :mod:`corpus.seed` (parsing and rendering); :func:`known_defects` is the one entry
point and reads only the parsed seed, the truth tables and the narrative figures.
"""
from __future__ import annotations

import re
from decimal import Decimal

from corpus.seed import DEPARTMENT, FISCAL_YEAR, LEVEL2, MEASURES_09, TABLE_IDS, Perf, Seed, rate_value


def D(x: str | None) -> Decimal:
    return Decimal(x) if x not in (None, "") else Decimal(0)


def _half_ulp(printed: str | None) -> Decimal:
    if not printed or "." not in printed:
        return Decimal("0.5") if printed and printed.strip() not in ("", "0") else Decimal("0.005")
    d = len(printed.split(".")[1].rstrip("%"))
    return Decimal(1).scaleb(-d) / 2


def known_defects(seed: Seed, tables: dict[str, dict], perfs: list[Perf], figures: list[dict]) -> list[dict]:
    """Inconsistencies of the printed disclosure, recomputed with Decimal arithmetic.

    A sum of n printed terms is allowed to differ from its printed total by n × 0.005
    (the rounding allowance); two printings of the same quantity must agree exactly."""
    out: list[dict] = []

    def val(t: str, key: str, measure: str, phase: str = "final") -> str | None:
        for c in tables[t]["cells"]:
            if c["row_key"] == key and c["measure"] == measure and c["phase"] == phase:
                return c["value"]
        raise KeyError((t, key, measure))

    def add(kind, tbls, row_key, measure, expected, printed, description, allowance=Decimal(0)):
        diff = None
        numeric = True
        try:
            Decimal(str(expected)), Decimal(str(printed))
        except Exception:
            numeric = False
        if expected is not None and printed is not None and numeric:
            diff = D(str(printed)) - D(str(expected))
            if abs(diff) <= allowance:
                return
            diff = format(diff, "f")
        elif expected is not None and printed is not None and str(expected) == str(printed):
            return
        if isinstance(expected, Decimal):
            expected = format(expected, "f")
        out.append({"kind": kind, "tables": tbls, "row_key": row_key, "measure": measure,
                    "expected": expected, "printed": printed, "difference": diff,
                    "allowance": format(allowance, "f") if numeric and expected is not None else None,
                    "description": description})

    def sum_check(kind, tbl, key, measure, terms: list[str | None], total: str | None, desc, phase="final"):
        s = sum((D(x) for x in terms), Decimal(0))
        if total is None:
            if s == 0:
                return  # blank total over blank (or zero) terms
            total = "0"
        n_terms = len([x for x in terms if x is not None])
        add(kind, [tbl], key, measure, s, total, desc, Decimal("0.005") * max(n_terms, 1))

    # ---- within-table sums (coded tables: 类 = Σ 款, 款 = Σ 项, 合计 = Σ 类)
    for t in ("02", "03", "05"):
        rows = {}
        for c in tables[t]["cells"]:
            rows.setdefault(c["row_key"], {})[c["measure"]] = c["value"]
        codes = [k for k in rows if k != "合计"]
        measures = list(next(iter(rows.values())).keys())
        for m in measures:
            for parent in codes + ["合计"]:
                if parent == "合计":
                    kids = [k for k in codes if len(k) == 3]
                elif len(parent) in (3, 5):
                    kids = [k for k in codes if k.startswith(parent) and len(k) == len(parent) + 2]
                else:
                    continue
                if not kids:
                    continue
                sum_check("sum_mismatch", TABLE_IDS[t], parent, m, [rows[k][m] for k in kids], rows[parent][m],
                          f"公开{t}表 {parent} {m}: printed total vs Σ of its {len(kids)} sub-rows")
        # across columns
        for k, r in rows.items():
            if t == "02":
                sum_check("column_sum_mismatch", TABLE_IDS[t], k, "income_total",
                          [r[m] for m in measures if m != "income_total"], r["income_total"],
                          f"公开02表 {k}: 本年收入合计 vs Σ sources")
            elif t == "03":
                sum_check("column_sum_mismatch", TABLE_IDS[t], k, "expenditure_total",
                          [r[m] for m in measures if m != "expenditure_total"], r["expenditure_total"],
                          f"公开03表 {k}: 本年支出合计 vs Σ kinds")
            else:
                sum_check("column_sum_mismatch", TABLE_IDS[t], k, "expenditure_total",
                          [r["basic_expenditure"], r["project_expenditure"]], r["expenditure_total"],
                          f"公开05表 {k}: 小计 vs 基本支出 + 项目支出")
                sum_check("column_sum_mismatch", TABLE_IDS[t], k, "basic_expenditure",
                          [r["personnel_expenditure"], r["public_expenditure"]], r["basic_expenditure"],
                          f"公开05表 {k}: 基本支出 vs 人员经费 + 公用经费")

    # ---- 01 / 04 two-sided identities
    for t in ("01", "04"):
        cells = tables[t]["cells"]
        first_m = "amount" if t == "01" else "expenditure_total"
        inc = {c["row_number"]: (c["line_name"], c["value"]) for c in cells if c["side"] == "income"}
        exp = {c["row_number"]: (c["line_name"], c["value"]) for c in cells if c["side"] == "expenditure" and c["measure"] == first_m}
        inc_total = [k for k, (nm, _) in inc.items() if nm == "本年收入合计"][0]
        exp_total = [k for k, (nm, _) in exp.items() if nm == "本年支出合计"][0]
        inc_grand = [k for k, (nm, _) in inc.items() if nm == "总计"][0]
        exp_grand = [k for k, (nm, _) in exp.items() if nm == "总计"][0]
        exp_first = min(exp)
        inc_items = [inc[k][1] for k in inc if k < inc_total and inc[k][0]]
        sum_check("sum_mismatch", TABLE_IDS[t], f"income:{inc_total}", "amount", inc_items, inc[inc_total][1],
                  f"公开{t}表 本年收入合计 vs Σ income items")
        exp_items = [exp[k][1] for k in exp if exp_first <= k < exp_total]
        sum_check("sum_mismatch", TABLE_IDS[t], f"expenditure:{exp_total}", first_m, exp_items, exp[exp_total][1],
                  f"公开{t}表 本年支出合计 vs Σ 类 rows")
        if t == "01":
            inc_after = [inc[k][1] for k in (28, 29)]
            exp_after = [exp[k][1] for k in (59, 60)]
        else:  # 04: 年初结转和结余 (28) carries its three fund sub-rows (29–31)
            inc_after = [inc[28][1]]
            exp_after = [exp[60][1]]
        sum_check("sum_mismatch", TABLE_IDS[t], f"income:{inc_grand}", "amount", [inc[inc_total][1]] + inc_after,
                  inc[inc_grand][1], f"公开{t}表 收入总计 vs 本年收入合计 + 结转结余 rows")
        sum_check("sum_mismatch", TABLE_IDS[t], f"expenditure:{exp_grand}", first_m,
                  [exp[exp_total][1]] + exp_after, exp[exp_grand][1],
                  f"公开{t}表 支出总计 vs 本年支出合计 + 结余分配/年末结转和结余")
        add("total_mismatch", [TABLE_IDS[t]], f"expenditure:{exp_grand}", first_m, inc[inc_grand][1],
            exp[exp_grand][1], f"公开{t}表 收入总计 ≠ 支出总计 (the two sides of the table do not balance)")

    # ---- 04 vs 05 / 01 (general budget appropriation) by 类
    c05 = {c["row_key"]: c["value"] for c in tables["05"]["cells"] if c["measure"] == "expenditure_total"}
    c01exp = {c["line_name"]: c["value"] for c in tables["01"]["cells"] if c["side"] == "expenditure"}
    for c in tables["04"]["cells"]:
        if c["side"] != "expenditure" or c["measure"] != "general_budget_appropriation" or c["value"] is None:
            continue
        name = c["line_name"]
        if name == "本年支出合计":
            add("cross_table_mismatch", [TABLE_IDS["04"], TABLE_IDS["05"]], c["row_key"], c["measure"], c05["合计"],
                c["value"], "公开04表 一般公共预算财政拨款 本年支出合计 vs 公开05表 合计 (and 01 本年支出合计)")
            continue
        # class row: match 05 by name via 01's class labels
        label = re.sub(r"^[一二三四五六七八九十]+、", "", name)
        code = {"一般公共服务支出": "201", "社会保障和就业支出": "208", "卫生健康支出": "210", "住房保障支出": "221"}.get(label)
        if code:
            add("cross_table_mismatch", [TABLE_IDS["04"], TABLE_IDS["05"]], c["row_key"], c["measure"], c05[code],
                c["value"], f"公开04表 {label} vs 公开05表 {code} 小计")
    # 01 本年支出合计 vs 04 本年支出合计 (all expenditure is general-budget funded here)
    # ---- 01 vs 02 / 03 totals and classes
    v01_inc = val("01", "income:27", "amount")
    add("cross_table_mismatch", [TABLE_IDS["01"], TABLE_IDS["02"]], "合计", "income_total", v01_inc,
        val("02", "合计", "income_total"), "公开01表 本年收入合计 vs 公开02表 合计")
    add("cross_table_mismatch", [TABLE_IDS["01"], TABLE_IDS["03"]], "合计", "expenditure_total",
        val("01", "expenditure:58", "amount"), val("03", "合计", "expenditure_total"),
        "公开01表 本年支出合计 vs 公开03表 合计")
    for code in ("201", "208", "210", "221"):
        add("cross_table_difference", [TABLE_IDS["02"], TABLE_IDS["03"]], code, "income_total/expenditure_total",
            val("03", code, "expenditure_total"), val("02", code, "income_total"),
            f"类 {code}: 公开02表 本年收入 vs 公开03表 本年支出 differ (warning: a carry-over movement can explain it; "
            f"01 年末结转 6.69 − 年初 6.60 = 0.09)")
        name01 = {"201": "一、一般公共服务支出", "208": "八、社会保障和就业支出", "210": "九、卫生健康支出",
                  "221": "十九、住房保障支出"}[code]
        add("cross_table_mismatch", [TABLE_IDS["01"], TABLE_IDS["03"]], code, "expenditure_total",
            val("03", code, "expenditure_total"), c01exp[name01], f"公开01表 {name01} vs 公开03表 {code}")
    # 03 vs 05 basic / project
    for m in ("basic_expenditure", "project_expenditure"):
        add("cross_table_mismatch", [TABLE_IDS["03"], TABLE_IDS["05"]], "合计", m, val("03", "合计", m),
            val("05", "合计", m), f"公开03表 vs 公开05表 合计 {m}")

    # ---- 06: 类 = Σ 款, totals
    c06 = {c["row_key"]: c["value"] for c in tables["06"]["cells"]}
    classes = [k for k in c06 if len(k) == 3 and k.isdigit()]
    for cl in classes:
        kids = [k for k in c06 if len(k) == 5 and k.startswith(cl)]
        sum_check("sum_mismatch", TABLE_IDS["06"], cl, "amount", [c06[k] for k in kids], c06[cl],
                  f"公开06表 {cl}: printed 类 total vs Σ of its {len(kids)} 款")
    sum_check("sum_mismatch", TABLE_IDS["06"], "人员经费合计", "amount", [c06["301"], c06["303"]], c06["人员经费合计"],
              "公开06表 人员经费合计 vs 301 + 303")
    sum_check("sum_mismatch", TABLE_IDS["06"], "公用经费合计", "amount", [c06["302"], c06["310"], c06.get("307"), c06.get("399")],
              c06["公用经费合计"], "公开06表 公用经费合计 vs 302 + 307 + 310 + 399")
    add("cross_table_mismatch", [TABLE_IDS["05"], TABLE_IDS["06"]], "人员经费合计", "personnel_expenditure",
        val("05", "合计", "personnel_expenditure"), c06["人员经费合计"], "公开05表 人员经费 vs 公开06表 人员经费合计")
    add("cross_table_mismatch", [TABLE_IDS["05"], TABLE_IDS["06"]], "公用经费合计", "public_expenditure",
        val("05", "合计", "public_expenditure"), c06["公用经费合计"], "公开05表 公用经费 vs 公开06表 公用经费合计")

    # ---- 09
    for phase in ("budget", "final"):
        g = {m: val("09", "三公经费", m, phase) for m in MEASURES_09}
        sum_check("sum_mismatch", TABLE_IDS["09"], "三公经费", "three_public_total",
                  [g["outbound_travel"], g["vehicle_total"], g["official_reception"]], g["three_public_total"],
                  f"公开09表 {phase}: 合计 vs 因公出国 + 公务用车 + 公务接待")
        sum_check("sum_mismatch", TABLE_IDS["09"], "三公经费", "vehicle_total",
                  [g["vehicle_purchase"], g["vehicle_operation"]], g["vehicle_total"],
                  f"公开09表 {phase}: 公务用车小计 vs 购置 + 运行")
    # 09 vs 06 (soft): 公务用车运行维护费
    add("cross_table_mismatch", [TABLE_IDS["06"], TABLE_IDS["09"]], "30231", "vehicle_operation", c06["30231"],
        val("09", "三公经费", "vehicle_operation", "final"), "公开06表 30231 公务用车运行维护费 vs 公开09表 决算 公务用车运行费 (soft)")

    # ---- performance tables: 执行率 = 全年执行数 / 全年预算数; cost indicators vs funds
    for p in perfs:
        for fr in p.fund_rows:
            label, ini, adj, exe, rate = fr
            if D(adj) == 0:
                continue
            r = rate_value(rate)
            expect = D(exe) / D(adj)
            allow = _half_ulp(rate if not rate.endswith("%") else None) if not rate.endswith("%") else \
                Decimal(1).scaleb(-(len(rate[:-1].split(".")[1]) if "." in rate else 0)) / 200
            allow += (Decimal("0.005") / D(adj)) * 2  # the two printed amounts are rounded too
            add("rate_mismatch", ["performance_self_assessment"], f"{p.seq}:{label}", "execution_rate",
                format(expect.quantize(Decimal("0.0001")), "f"), r,
                f"绩效自评表 {p.seq} ({p.project_name}) {label}: 执行率 vs 全年执行数/全年预算数", allow)
        # cost indicators with 万元 amounts
        terms_t, terms_a = [], []
        l1 = ""
        for r in p.indicators:
            l1 = r[0] or l1
            if l1 != "成本指标":
                continue
            mt = re.fullmatch(r"([\d.]+)万元", r[3])
            ma = re.fullmatch(r"([\d.]+)万元", r[4])
            if mt:
                terms_t.append(mt.group(1))
            if ma:
                terms_a.append(ma.group(1))
        cur = {fr[0]: fr for fr in p.fund_rows}["当年财政拨款"]
        if terms_t:
            allow = sum((_half_ulp(x) for x in terms_t), Decimal(0)) + Decimal("0.005")
            add("indicator_vs_funds", ["performance_self_assessment"], f"{p.seq}:当年财政拨款", "adjusted_budget",
                cur[2], format(sum(D(x) for x in terms_t), "f"),
                f"绩效自评表 {p.seq} ({p.project_name}): Σ 成本指标 年度指标值 (万元) vs 全年预算数", allow)
        if terms_a:
            allow = sum((_half_ulp(x) for x in terms_a), Decimal(0)) + Decimal("0.005")
            add("indicator_vs_funds", ["performance_self_assessment"], f"{p.seq}:当年财政拨款", "executed",
                cur[3], format(sum(D(x) for x in terms_a), "f"),
                f"绩效自评表 {p.seq} ({p.project_name}): Σ 成本指标 实际完成值 (万元) vs 全年执行数", allow)

    # ---- narrative vs tables (figures recomputed from the tables)
    def narr(section_part: str, pred) -> dict | None:
        for f in figures:
            if section_part in f["section"] and pred(f):
                return f
        return None

    f = narr("四、财政拨款收入支出决算总体情况说明", lambda f: f["figure_kind"] == "amount")
    if f:
        add("narrative_vs_table", [TABLE_IDS["04"]], "expenditure:64", "expenditure_total",
            val("04", "expenditure:64", "expenditure_total"), f["value"],
            "情况说明四 says 财政拨款收、支总计均为 1272.62, but 公开04表 支出总计 prints 1,198.25")
    f = narr("（一）一般公共预算财政拨款支出决算总体情况", lambda f: f["figure_kind"] == "amount")
    if f:
        add("narrative_vs_table", [TABLE_IDS["04"]], "expenditure:59", "general_budget_appropriation",
            val("04", "expenditure:59", "general_budget_appropriation"), f["value"],
            "情况说明五 一般公共预算财政拨款支出 1266.26 (= 05) vs 公开04表 一般公共预算财政拨款 本年支出合计")
    # shares, completion rates and changes stated in the narrative
    for f in figures:
        s = f["sentence"]
        if f["figure_kind"] == "completion_rate":
            m = re.search(r"(?:预算|年初预算数?)\s*(?:为|数)?\s*([\d.]+)\s*万元[，,]\s*(?:支出决算为|执行数为)\s*([\d.]+)\s*万元", s)
            if not m:
                continue
            bud, fin = m.group(1), m.group(2)
            if D(bud) == 0:
                if D(fin) != 0:
                    add("narrative_rate_undefined", ["narrative"], f["topic"], "completion_rate", None, f["value"] + "%",
                        f"{f['section']}: 完成率 printed {f['value']}% with a zero 预算 and 决算 {fin} (rate undefined)")
                continue
            exp_rate = D(fin) / D(bud) * 100
            allow = _half_ulp(f["value"]) + exp_rate * Decimal("0.005") / D(fin) if D(fin) else _half_ulp(f["value"])
            add("narrative_rate_mismatch", ["narrative"], f["topic"], "completion_rate",
                format(exp_rate.quantize(Decimal("0.01")), "f"), f["value"],
                f"{f['section']}: 完成率 vs 决算/预算 in the same sentence", allow + Decimal("0.05"))
        if f["figure_kind"] == "share":
            m = re.search(r"([\d.]+)\s*万元[，,]\s*占", f["sentence"][max(0, f["sentence"].find(f["topic"]) - 1):])
    # year-on-year changes: "<X> 万元 … 减少 <Y> 万元，下降 <Z>%": previous = X ± Y, Z = Y / previous
    chg_re = re.compile(r"(增加|减少)(?:（(?:增加|减少)）)?\s*([\d.]+)\s*万元[，,]\s*(增长|下降|降低)(?:（下降）)?\s*([\d.]+)\s*%")
    section = ""
    for kind, text, lvl in seed.part3:
        if kind == "h":
            section = text
            continue
        for m in chg_re.finditer(text):
            before = text[:m.start()]
            amts = [a for a in re.finditer(r"([\d.]+)\s*万元", before) if "预算" not in before[max(0, a.start() - 4):a.start()]]
            if not amts:
                continue
            cur_v, chg, pct = D(amts[-1].group(1)), D(m.group(2)), m.group(4)
            if chg == 0 and D(pct) == 0:
                continue
            prev = cur_v - chg if m.group(1) == "增加" else cur_v + chg
            ctx = text[max(0, amts[-1].start() - 20):m.end()]
            if prev == 0:
                add("narrative_rate_undefined", ["narrative"], section, "change_pct", None, pct + "%",
                    f"{section}: “{ctx}” — growth {pct}% from a zero previous-year amount (undefined)")
                continue
            rate = chg / prev * 100
            add("narrative_rate_mismatch", ["narrative"], section, "change_pct", format(rate.quantize(Decimal("0.01")), "f"),
                pct, f"{section}: “{ctx}” — change % vs change / previous-year amount",
                _half_ulp(pct) + Decimal("0.01"))
    # performance narrative: first instalment paid vs 全年执行数
    for kind, text, lvl in seed.part3:
        m = re.match(r"^(\d+)\.\s*(.+?)项目绩效自评情况", text)
        if kind != "p" or not m:
            continue
        seq = int(m.group(1))
        pm = re.search(r"支付(?:合同)?首期款\s*([\d.]+)\s*万|支付\s*([\d.]+)\s*万首期款", text)
        p = next((x for x in perfs if x.seq == seq), None)
        if pm and p:
            paid = pm.group(1) or pm.group(2)
            exe = {fr[0]: fr for fr in p.fund_rows}["当年财政拨款"][3]
            if D(paid) > D(exe):
                add("narrative_vs_table", ["performance_self_assessment", "narrative"], f"{seq}:当年财政拨款", "executed",
                    exe, paid, f"情况说明十（二）{seq}: “{pm.group(0)}” paid in 2023, more than the 全年执行数 {exe} "
                    f"of 绩效自评表 {seq}")
    # share figures: 类 amount / 1266.26
    total = D(val("05", "合计", "expenditure_total"))
    for f in figures:
        if f["figure_kind"] != "share" or "结构" not in f["section"]:
            continue
        m = re.search(r"([^，；：]+?)\s*([\d.]+)\s*万元[，,]\s*占\s*" + re.escape(f["value"]) + r"\s*%", f["sentence"])
        if m:
            share = D(m.group(2)) / total * 100
            add("narrative_rate_mismatch", ["narrative"], m.group(1).strip(), "share",
                format(share.quantize(Decimal("0.01")), "f"), f["value"],
                "情况说明五（二）: 占 % vs 类 amount / 1266.26", _half_ulp(f["value"]) + Decimal("0.01"))
    # performance narrative vs tables
    for f in figures:
        m = re.match(r"^(\d+)\. ", f["sentence"])
    perf_by_title = {}
    for kind, text, _ in seed.part3:
        m = re.match(r"^(\d+)\.\s*(.+?)项目绩效自评情况：.*?全年预算数为\s*([\d.]+)\s*万元，执行数为\s*([\d.]+)\s*万元，完成预算的\s*([\d.]+)%", text)
        if kind == "p" and m:
            perf_by_title[int(m.group(1))] = (m.group(2).replace(" ", ""), m.group(3), m.group(4), m.group(5))
    for p in perfs:
        if p.seq not in perf_by_title:
            continue
        name, adj, exe, pct = perf_by_title[p.seq]
        cur = {fr[0]: fr for fr in p.fund_rows}["当年财政拨款"]
        if name != p.project_name.replace(" ", ""):
            add("title_mismatch", ["performance_self_assessment", "narrative"], f"{p.seq}", "project_name", name,
                p.project_name, f"绩效自评表 {p.seq} is titled “{p.project_name}” but its amounts ({cur[2]}/{cur[3]}) "
                f"are those of “{name}” in 情况说明十（二）{p.seq}")
        add("narrative_vs_table", ["performance_self_assessment", "narrative"], f"{p.seq}:当年财政拨款",
            "adjusted_budget", cur[2], adj, f"情况说明十（二）{p.seq} 全年预算数 vs 绩效自评表 {p.seq}")
        add("narrative_vs_table", ["performance_self_assessment", "narrative"], f"{p.seq}:当年财政拨款",
            "executed", cur[3], exe, f"情况说明十（二）{p.seq} 执行数 vs 绩效自评表 {p.seq}")
    # copied goals
    seen_goals: dict[str, int] = {}
    for p in perfs:
        g = p.goal_texts[0]
        if g in seen_goals:
            add("copied_text", ["performance_self_assessment"], f"{p.seq}", "goal", None, g[:40],
                f"绩效自评表 {p.seq} ({p.project_name}) repeats the 预期目标 of table {seen_goals[g]} verbatim")
        else:
            seen_goals[g] = p.seq
    # count of projects
    m = next((re.search(r"二级项目\s*(\d+)\s*个", t) for k, t, _ in seed.part3 if "二级项目" in t), None)
    if m and int(m.group(1)) != len(perfs):
        add("count_mismatch", ["performance_self_assessment", "narrative"], "二级项目", "count", str(len(perfs)),
            m.group(1), f"情况说明十 says {m.group(1)} 二级项目 were self-assessed; {len(perfs)} 自评表 are printed")
    # text residue
    text_all = [(t) for k, t, _ in seed.part1 + seed.part3]
    for t in text_all:
        m = re.search(r"纳入[^，。]*?(\d{4})\s*年度部门决算编制范围", t)
        if m and int(m.group(1)) != FISCAL_YEAR:
            add("wrong_year", ["narrative"], "部门概况", "year", str(FISCAL_YEAR), m.group(1),
                f"“{m.group(0)}”: the 2023 disclosure names {m.group(1)} as the year of the 决算编制范围")
    n_ellipsis = sum(t.count("……") for t in text_all)
    n_pair = sum(len(re.findall(r"增加（减少）|增长（下降）|大（小）于", t)) for t in text_all)
    if n_ellipsis:
        add("template_residue", ["narrative"], "情况说明", "text", None, "……",
            f"template placeholder “……” left {n_ellipsis} times (e.g. 主要原因是……)")
    if n_pair:
        add("template_residue", ["narrative"], "情况说明", "text", None, "增加（减少）",
            f"template alternatives “增加（减少）/增长（下降）/大（小）于” left {n_pair} times instead of one word")
    for t in text_all:
        if "年初结转和结余万元" in t:
            add("template_residue", ["narrative"], "情况说明七", "carryover_begin", None, "年初结转和结余万元",
                "情况说明七: the 年初结转和结余 amount is missing (“年初结转和结余万元”)")
        if "支出决算较 2022 年度增加（减少）万元" in t:
            add("template_residue", ["narrative"], "情况说明九（二）1", "change", None, "增加（减少）万元，增长（下降）%",
                "情况说明九（二）1: amount and % of the change left blank")
    for ts in seed.tables:
        if ts.after and "其基金" in ts.after:
            add("typo", [TABLE_IDS[ts.number]], "empty_sentence", "text", "本单位没有政府性基金预算财政拨款。", ts.after,
                "empty-table sentence under 公开07表 has a stray 其 (政府性其基金)")
        if ts.dept is not None and ts.dept.strip() == "部门：":
            add("missing_label", [TABLE_IDS[ts.number]], "dept_line", "text", DEPARTMENT, ts.dept,
                f"公开{ts.number}表 prints an empty 部门： line")
    labels = {fr[0] for p in perfs for fr in p.fund_rows}
    if "年度资金总额" in labels and "年度资金总和" in labels:
        seqs = [p.seq for p in perfs if any(fr[0] == "年度资金总额" for fr in p.fund_rows)]
        add("label_variant", ["performance_self_assessment"], "年度资金总额", "label", "年度资金总和", "年度资金总额",
            f"绩效自评表 {seqs} label the total fund row 年度资金总额, the others 年度资金总和")
    for p in perfs:
        for r in p.indicators:
            if r[1] and r[2] == r[1] and r[1] in LEVEL2:
                add("shifted_row", ["performance_self_assessment"], f"{p.seq}", "indicator", None,
                    " | ".join(r[1:5]), f"绩效自评表 {p.seq}: indicator row printed one column to the right "
                    f"(三级指标 repeats {r[1]}, the indicator name sits under 年度指标值)")
    return out
