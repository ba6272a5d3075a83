"""Seeded amounts of the synthetic prefecture, bottom-up in integers.

The integer unit is 0.01 万元 for most departments (``YearData.k == 1``); departments
flagged ``yuan`` keep their books to the 分 (0.01 元, ``k == 10000``) and print in 元, so
their amounts carry real cents (12,663,245.67).

Every unit (本级 and one subordinate unit) is generated year by year, 2021 first, so
年初结转和结余 of a year is the previous year's 年末结转和结余.  A department's 汇总
figures are the sum of its units; identities therefore hold exactly by construction.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from corpus.synth.codes import DEPARTMENTS, PERSONNEL_LINES

FIRST_YEAR = 2021  # invented baseline, never rendered

LINE_FIELDS = (
    "gb_personnel", "gb_public", "gb_project", "fund_project", "nf_basic", "nf_project", "operating",
    "inc_gb", "inc_fund", "inc_superior", "inc_business", "inc_operating", "inc_subordinate", "inc_other",
    "initial_budget",
)
THREE_PUBLIC = ("outbound_travel", "vehicle_purchase", "vehicle_operation", "official_reception")
COUNTS = ("outbound_groups", "outbound_persons", "vehicles", "vehicles_bought", "reception_batches",
          "reception_persons")


@dataclass
class Line:
    gb_personnel: int = 0  # 一般公共预算 基本支出 人员经费
    gb_public: int = 0  # 一般公共预算 基本支出 公用经费
    gb_project: int = 0  # 一般公共预算 项目支出
    fund_project: int = 0  # 政府性基金 项目支出
    nf_basic: int = 0  # 非财政拨款 基本支出
    nf_project: int = 0  # 非财政拨款 项目支出
    operating: int = 0  # 经营支出
    inc_gb: int = 0
    inc_fund: int = 0
    inc_superior: int = 0
    inc_business: int = 0
    inc_operating: int = 0
    inc_subordinate: int = 0
    inc_other: int = 0
    initial_budget: int = 0  # 一般公共预算 年初预算 (narrative 完成率)

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
        return self.gb_project + self.fund_project + self.nf_project

    @property
    def expenditure(self) -> int:
        return self.basic + self.project + self.operating

    @property
    def income(self) -> int:
        return (self.inc_gb + self.inc_fund + self.inc_superior + self.inc_business + self.inc_operating
                + self.inc_subordinate + self.inc_other)

    def add(self, other: "Line") -> None:
        for f in LINE_FIELDS:
            setattr(self, f, getattr(self, f) + getattr(other, f))


@dataclass
class YearData:
    """One unit's (or a department's summed) figures for one year, in 0.01 万元."""

    lines: dict[str, Line] = field(default_factory=dict)
    gb_begin: int = 0
    gb_end: int = 0
    fund_begin: int = 0
    fund_end: int = 0
    nf_begin: int = 0
    nf_end: int = 0
    use_nf_balance: int = 0  # 使用非财政拨款结余（含专用结余）
    balance_distribution: int = 0  # 结余分配
    fund_line_begin: dict[str, int] = field(default_factory=dict)
    fund_line_end: dict[str, int] = field(default_factory=dict)
    econ: dict[str, int] = field(default_factory=dict)  # 经济分类 款 -> amount (06)
    tp_budget: dict[str, int] = field(default_factory=dict)
    tp_final: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    procurement: dict[str, int] = field(default_factory=dict)  # goods/works/services
    sme_share: int = 0  # per mille of procurement awarded to SMEs (narrative only)
    k: int = 1  # integer units per 0.01 万元: 1, or 10000 when amounts are in 分 (0.01 元)

    def add(self, other: "YearData") -> None:
        for code, line in other.lines.items():
            self.lines.setdefault(code, Line()).add(line)
        for f in ("gb_begin", "gb_end", "fund_begin", "fund_end", "nf_begin", "nf_end", "use_nf_balance",
                  "balance_distribution"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        for name in ("fund_line_begin", "fund_line_end", "econ", "tp_budget", "tp_final", "counts",
                     "procurement"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v
        self.sme_share = max(self.sme_share, other.sme_share)

    # convenient totals
    def total(self, attr: str) -> int:
        return sum(getattr(line, attr) for line in self.lines.values())


def split(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """Split an integer total into len(weights) non-negative integers summing exactly to total."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    jitter = [w * rng.uniform(0.8, 1.2) for w in weights]
    s = sum(jitter)
    parts = [int(total * w / s) for w in jitter]
    parts[max(range(len(parts)), key=lambda i: parts[i])] += total - sum(parts)
    return parts


def _amount(rng: random.Random, base: float, spread: float = 0.15) -> int:
    return max(0, int(round(base * rng.uniform(1 - spread, 1 + spread))))


def _units(dept: dict) -> list[dict]:
    """The units of a department: 本级 first, then (for most) one subordinate unit."""
    units = [{"name": "本级", "share": 0.7 if dept.get("sub") else 1.0, "lines": dept["lines"]}]
    if dept.get("sub"):
        service = [(c, r) for c, r in dept["lines"] if r == "service"]
        lines = service or [(dept["lines"][0][0], "service")]
        projects = [(c, r) for c, r in dept["lines"] if r == "project"][-1:]
        units.append({"name": dept["sub"], "share": 0.3, "lines": lines + projects})
    return units


def generate_unit(seed: int, dept: dict, unit_index: int, unit: dict, years: list[int]) -> dict[int, YearData]:
    """Generate one unit's years in order (FIRST_YEAR baseline included)."""
    base_rng = random.Random(f"{seed}|{dept['key']}|{unit_index}")
    k = 10000 if dept.get("yuan") else 1
    scale = dept["scale"] * 100 * k * unit["share"] * base_rng.uniform(0.7, 1.3)  # in 0.01 万元
    weights = {code: base_rng.uniform(0.3, 1.5) for code, _ in unit["lines"]}
    has_business = any(r == "service" for _, r in unit["lines"]) and base_rng.random() < 0.45
    has_other_income = base_rng.random() < 0.5
    has_superior = unit_index > 0 and base_rng.random() < 0.5
    vehicles = base_rng.choice([0, 1, 1, 2, 2, 3, 4, 6]) if unit_index == 0 else base_rng.choice([0, 1, 2])
    outbound = base_rng.random() < 0.25
    out: dict[int, YearData] = {}
    gb_carry = _amount(base_rng, scale * 0.01, 1.0) if base_rng.random() < 0.6 else 0
    fund_carry: dict[str, int] = {}
    nf_carry = _amount(base_rng, scale * 0.02, 1.0) if has_business else 0
    for year in range(FIRST_YEAR, max(years) + 1):
        rng = random.Random(f"{seed}|{dept['key']}|{unit_index}|{year}")
        scale *= rng.uniform(0.9, 1.12)
        yd = YearData(k=k)
        personnel_base = 0
        for code, role in unit["lines"]:
            line = Line()
            w = weights[code]
            if role == "admin":
                line.gb_personnel = _amount(rng, scale * 0.34)
                line.gb_public = _amount(rng, scale * 0.075)
                personnel_base += line.gb_personnel
            elif role == "service":
                line.gb_personnel = _amount(rng, scale * 0.18 * w)
                line.gb_public = _amount(rng, scale * 0.03 * w)
                personnel_base += line.gb_personnel
                if has_business:
                    line.inc_business = _amount(rng, scale * 0.05)
            elif role == "project":
                if rng.random() < 0.12:
                    continue  # project not funded this year
                line.gb_project = _amount(rng, scale * 0.12 * w, 0.35)
            elif role == "fund":
                if unit_index > 0 or (not fund_carry.get(code) and rng.random() < 0.1):
                    continue  # a fund line with a carry-over is always spent from
                line.fund_project = _amount(rng, scale * 0.15 * w, 0.3)
            yd.lines[code] = line
        for code, share in PERSONNEL_LINES:
            if code == "2101199" and rng.random() < 0.5:
                continue
            yd.lines[code] = Line(gb_personnel=_amount(rng, personnel_base * share, 0.1))
        # 年初预算 of 一般公共预算 lines
        for code, line in yd.lines.items():
            if line.gb_total:
                if line.gb_project and rng.random() < 0.12:
                    line.initial_budget = 0  # added during the year
                else:
                    line.initial_budget = _amount(rng, line.gb_total * rng.choice([1.0, 1.0, 1.05, 0.95, 1.12, 0.85]), 0.04)
        # fiscal income: spending plus the change in carry-over, booked on the largest line
        gb_spend = yd.total("gb_total")
        yd.gb_begin = gb_carry
        target_end = _amount(rng, scale * 0.012, 1.0) if rng.random() < 0.55 else 0
        anchor = max((c for c in yd.lines if yd.lines[c].gb_total),
                     key=lambda c: (yd.lines[c].gb_project, yd.lines[c].gb_total, c))
        for line in yd.lines.values():
            line.inc_gb = line.gb_total
        delta = target_end - gb_carry
        if yd.lines[anchor].inc_gb + delta < 0:
            delta = -yd.lines[anchor].inc_gb // 2
        yd.lines[anchor].inc_gb += delta
        yd.gb_end = gb_carry + delta
        gb_carry = yd.gb_end
        assert gb_spend + yd.gb_end == yd.total("inc_gb") + yd.gb_begin
        # government fund lines
        for code, line in yd.lines.items():
            if not line.fund_project:
                continue
            begin = fund_carry.get(code, 0)
            end = _amount(rng, line.fund_project * 0.1, 1.0) if rng.random() < 0.5 else 0
            line.inc_fund = max(0, line.fund_project + end - begin)
            end = begin + line.inc_fund - line.fund_project
            yd.fund_line_begin[code], yd.fund_line_end[code] = begin, end
            fund_carry[code] = end
        yd.fund_begin = sum(yd.fund_line_begin.values())
        yd.fund_end = sum(yd.fund_line_end.values())
        # non-fiscal income and spending
        admin_code = unit["lines"][0][0]
        if has_other_income:
            yd.lines[admin_code].inc_other = rng.randint(1, 60 * k)
        if has_superior:
            yd.lines[admin_code].inc_superior = _amount(rng, scale * 0.02)
        nf_income = yd.total("inc_superior") + yd.total("inc_business") + yd.total("inc_other")
        yd.nf_begin = nf_carry
        if nf_income:
            available = nf_carry + nf_income
            spend = int(available * rng.uniform(0.6, 0.97))
            host = max(yd.lines, key=lambda c: (yd.lines[c].inc_business, yd.lines[c].inc_superior, c))
            basic, project = split(rng, spend, [0.65, 0.35])
            yd.lines[host].nf_basic += basic
            yd.lines[host].nf_project += project
            if has_business and rng.random() < 0.3:
                yd.balance_distribution = int((available - spend) * 0.1)
            yd.nf_end = available - spend - yd.balance_distribution
        else:
            yd.nf_end = nf_carry
        nf_carry = yd.nf_end
        _economic(rng, yd, k, vehicles if year < 2023 or unit_index else max(vehicles - (year == 2024), 0), outbound)
        yd.procurement = {k: _amount(rng, scale * f, 0.8) if rng.random() < p else 0
                          for k, f, p in (("goods", 0.02, 0.9), ("works", 0.03, 0.2), ("services", 0.025, 0.6))}
        yd.sme_share = rng.choice([0, 0, 600, 850, 1000])
        out[year] = yd
    return out


def _economic(rng: random.Random, yd: YearData, k: int, vehicles: int, outbound: bool) -> None:
    """06 经济分类 breakdown of 一般公共预算 基本支出, plus 三公 figures tied to it."""
    lines = yd.lines
    personnel = yd.total("gb_personnel")
    public = yd.total("gb_public")
    econ: dict[str, int] = {}
    g = lambda code: lines[code].gb_personnel if code in lines else 0  # noqa: E731
    econ["30302"] = g("2080501") + g("2080502")
    econ["30309"] = rng.randint(0, 80 * k) if rng.random() < 0.4 else 0
    econ["30108"] = g("2080505")
    econ["30109"] = g("2080506")
    econ["30110"] = g("2101101") + g("2101102")
    econ["30111"] = g("2101103")
    econ["30112"] = g("2101199")
    econ["30113"] = g("2210201")
    rest = personnel - sum(econ.values())
    if rest < 0:  # tiny units: drop the 奖励金
        econ["30309"] = 0
        rest = personnel - sum(econ.values())
    keys = ["30101", "30102", "30103", "30107", "30199"]
    for code, v in zip(keys, split(rng, rest, [0.32, 0.26, 0.16, 0.2, 0.06])):
        econ[code] = v
    # 三公
    tp = {"outbound_travel": 0, "vehicle_purchase": 0, "vehicle_operation": 0, "official_reception": 0}
    counts = dict.fromkeys(("outbound_groups", "outbound_persons", "vehicles", "vehicles_bought",
                            "reception_batches", "reception_persons"), 0)
    if outbound and rng.random() < 0.6:
        tp["outbound_travel"] = min(_amount(rng, 450 * k, 0.6), public // 8)
        if tp["outbound_travel"]:
            counts["outbound_groups"] = rng.randint(1, 2)
            counts["outbound_persons"] = counts["outbound_groups"] * rng.randint(2, 5)
    counts["vehicles"] = vehicles
    if vehicles:
        tp["vehicle_operation"] = min(_amount(rng, 160 * k * vehicles, 0.4), public // 4)
    if rng.random() < 0.08:
        tp["vehicle_purchase"] = _amount(rng, 2000 * k, 0.25)
        counts["vehicles_bought"] = 1
    tp["official_reception"] = min(_amount(rng, public * 0.012, 0.8), public // 8)
    if tp["official_reception"]:
        counts["reception_batches"] = max(1, tp["official_reception"] // (k * rng.randint(5, 12)))
        counts["reception_persons"] = counts["reception_batches"] * rng.randint(3, 8)
    econ["30212"] = tp["outbound_travel"]
    econ["30217"] = tp["official_reception"]
    econ["30231"] = tp["vehicle_operation"]
    capital = int(public * rng.uniform(0, 0.04)) if rng.random() < 0.5 else 0
    econ["31002"] = capital
    rest = public - econ["30212"] - econ["30217"] - econ["30231"] - capital
    keys = ["30201", "30205", "30206", "30207", "30208", "30211", "30213", "30226", "30228", "30229",
            "30239", "30299"]
    chosen = [code for code in keys if rng.random() < 0.8] or ["30201"]
    weights = {"30201": 3, "30205": 0.6, "30206": 1.5, "30207": 0.5, "30208": 2, "30211": 1.5, "30213": 0.8,
               "30226": 0.4, "30228": 0.6, "30229": 0.5, "30239": 2.5, "30299": 0.6}
    for code, v in zip(chosen, split(rng, rest, [weights[c] for c in chosen])):
        econ[code] = v
    yd.econ = {code: v for code, v in econ.items() if v}
    yd.tp_final = tp
    yd.tp_budget = {m: (_amount(rng, v * rng.uniform(1.0, 1.5), 0.05) if v else
                        (_amount(rng, 300 * k, 0.5) if m == "official_reception" and rng.random() < 0.3 else 0))
                    for m, v in tp.items()}
    yd.counts = counts


def department_years(seed: int, dept: dict, years: list[int]) -> dict[str, dict[int, YearData]]:
    """{'consolidated': {year: YearData}, 'own': {...}} for one department (own = 本级 only)."""
    units = _units(dept)
    per_unit = [generate_unit(seed, dept, i, u, years) for i, u in enumerate(units)]
    consolidated: dict[int, YearData] = {}
    for year in per_unit[0]:
        total = YearData(k=per_unit[0][year].k)
        for unit_years in per_unit:
            total.add(unit_years[year])
        consolidated[year] = total
    return {"consolidated": consolidated, "own": per_unit[0], "unit_names": [u["name"] for u in units]}


def departments(n: int) -> list[dict]:
    return DEPARTMENTS[:n]
