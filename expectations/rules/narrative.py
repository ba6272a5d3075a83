"""The 情况说明: figures that restate a table cell, change and completion rates, shares, the number
of self-assessed projects.  Where a figure is printed in the tables is data
(``narrative_topics.yaml``)."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from extract.text import compact

from .common import (
    PERFORMANCE_TABLE,
    clip,
    functional_class_codes,
    label,
    measure_zh,
    narrative_topics,
    table_en,
    table_no,
)
from .engine import Finding, Outcome, check, fmt, half_unit, q6, ratio_interval
from .model import ZERO, Doc, amount
from .two_sided import Sides

# -- narrative ------------------------------------------------------------------------
# Figure kinds as extraction writes them (records.py) and as older truth files spell them.
KIND_ALIASES = {"change": "change_amount", "share": "share_pct", "completion_rate": "completion_pct",
                "budget_amount": "budget", "executed": "final"}
AMOUNT_KINDS = ("amount", "final", "budget")
_QUOTES = re.compile(r"[“”\"'‘’「」]")
_TOPIC_PREFIX = re.compile(r"^(?:其中[:：]?|20\d{2}年度?|与20\d{2}年度?相比[,，]?|\d+[.、．]|[(（][一二三四五六七八九十\d]+[)）])+")
_TOPIC_SUFFIX = re.compile(r"(?:均为|为|是|各(?:增加|减少))$")
_TOPIC_PHASE = re.compile(r"(?:情况|决算数|支出决算|决算|预算数|年初预算|预算)$")


def topic_key(topic: str | None) -> str:
    t = _QUOTES.sub("", compact(topic)).replace("、", "")
    t = _TOPIC_PREFIX.sub("", t)
    t = _TOPIC_SUFFIX.sub("", t)
    t = _TOPIC_PHASE.sub("", t)
    return t


@lru_cache(maxsize=1)
def _topic_index() -> dict[str, list[dict[str, Any]]]:
    idx: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in narrative_topics()["topics"]:
        for name in entry["names"]:
            idx[topic_key(name)].append(entry)
    return dict(idx)


def _topic_entry(key: str, section: str = "") -> dict[str, Any] | None:
    """The topic entry for a key: the first whose section condition holds, else the first without one."""
    entries = _topic_index().get(key) or []
    for e in entries:
        if e.get("section_contains") and compact(e["section_contains"]) in section:
            return e
    return next((e for e in entries if not e.get("section_contains")), None)


@dataclass
class Fig:
    """A narrative figure with what the checks need precomputed."""

    row: dict[str, Any]
    seq: int
    kind: str
    key: str
    sentence: str
    section: str
    value: Decimal | None

    @property
    def text(self) -> str | None:
        return self.row.get("value_text")

    @property
    def half(self) -> Decimal:
        return half_unit(self.text, self.value)

    @property
    def is_amount(self) -> bool:
        return self.kind in AMOUNT_KINDS and self.value is not None and self.row.get("unit") in (None, "万元")

    @property
    def name(self) -> str:
        return self.row.get("topic") or self.row.get("subject_code") or ""


def narrative_figs(doc: Doc) -> list[Fig]:
    if doc._figs is None:
        doc._figs = []
        for i, f in enumerate(doc.figures):
            kind = KIND_ALIASES.get(f.get("figure_kind") or "", f.get("figure_kind") or "")
            v = f.get("value")
            doc._figs.append(Fig(f, i, kind, topic_key(f.get("topic")), compact(f.get("sentence")),
                                 compact(f.get("section")), None if v is None else Decimal(v)))
    return doc._figs


def refs_for(doc: Doc, fig: Fig) -> tuple[list[dict[str, Any]] | None, dict[str, Any]]:
    """The table refs a figure restates (None: not printed in the tables / unknown) and its topic entry."""
    entry = _topic_entry(fig.key, fig.section)
    code = fig.row.get("subject_code")
    if entry is not None:
        ref = entry.get("ref")
        if ref is None:
            return None, entry
        refs = ref if isinstance(ref, list) else [ref]
        out = []
        for r in refs:
            if r.get("by_code"):
                if not code:
                    continue
                r = dict(r, row_key=str(code))
            out.append(r)
        return out or None, entry
    if not code:
        code = functional_class_codes().get(label(fig.row.get("topic")))
    if code and re.fullmatch(r"\d{3}(\d{2}){0,2}", str(code)):
        cfg = narrative_topics()
        ref = next((s["ref"] for s in cfg.get("sections", []) if s["contains"] in fig.section), cfg["default_section_ref"])
        return [dict(ref, row_key=str(code))], {"total": False}
    return None, {}


def resolve_cell(doc: Doc, ref: dict[str, Any], phase: str | None) -> tuple[str, dict[str, Any] | None, str]:
    """(table, cell, row_key) of a table ref; cell None when the row is not printed."""
    table = ref["table"]
    if "line" in ref:
        s = Sides(doc.rows(table, ref["side"]), ref["side"])
        want = ref["line"]
        row = {"总计": s.grand, "本年收入合计": s.current, "本年支出合计": s.current}.get(want) or s.find(lambda lb: lb == want)
        if row is None:
            return table, None, want
        m = ref.get("measure")
        c = row.get(m) if m else (row.get("amount") or row.get("expenditure_total") or row.get(None))
        return table, c, row.row_key
    ph = phase if table == "three_public" else None
    c = doc.cell(table, ref["row_key"], ref.get("measure"), ph)
    if c is not None and ph and c.get("phase") not in (None, ph):
        c = None
    return table, c, ref["row_key"]


def _same_section(figs: list[Fig], fig: Fig) -> list[Fig]:
    return [f for f in figs if f.section == fig.section]


@check("narrative_amount")
def _narrative_amount(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    figs = narrative_figs(doc)
    if not figs:
        out.insufficient("no narrative figures extracted")
        return
    want_total = bool(p.get("totals"))
    for fig in figs:
        if not fig.is_amount:
            continue
        refs, entry = refs_for(doc, fig)
        if not refs or bool(entry.get("total")) != want_total:
            continue
        for ref in refs:
            if fig.kind == "budget" and ref["table"] != "three_public":
                continue  # 年初预算 is not printed in the 决算 tables
            if not doc.has_table(ref["table"]):
                out.insufficient(f"{table_no(ref['table'])} not extracted (for {fig.name})")
                continue
            table, cell, row_key = resolve_cell(doc, ref, "budget" if fig.kind == "budget" else "final")
            coded = bool(re.fullmatch(r"\d+", str(row_key)))
            if cell is None and not doc.is_empty(table) and not coded:
                out.insufficient(f"{table_no(table)} {row_key} {measure_zh(ref.get('measure'))} not found")
                continue
            measure = ref.get("measure") or (cell or {}).get("measure")
            where = label((cell or {}).get("line_name")) or row_key
            before = len(out.findings)
            out.compare_equal(
                table=table, cell=cell, printed=fig.value, expected=amount(cell), tolerance=fig.half, row_key=row_key,
                measure=measure,
                msg_zh=f"情况说明 {fig.name}{'（预算数）' if fig.kind == 'budget' else ''} 与 {table_no(table)} {where} {measure_zh(measure)} 不一致（“{clip(fig.row.get('sentence'))}”）",
                msg_en=f"Narrative {fig.kind} '{fig.name}' vs {table_en(table)} {row_key} {measure}",
            )
            if len(out.findings) > before:
                f = out.findings[-1]
                # the sentence is what the officer corrects or checks: its page, the table cell's when unknown
                f.page = f.page if fig.row.get("page") is None else fig.row.get("page")
                f.severity = entry.get("severity") or f.severity  # a restatement that holds only in general
    if not out.checked and not out.missing:
        out.na("no narrative " + ("totals" if want_total else "item amounts") + " that restate a table cell")


def _pct_finding(fig: Fig, rng: tuple[Decimal, Decimal], expected: Decimal, what_zh: str, what_en: str,
                 table: str | None = None, row_key: str | None = None) -> Finding | None:
    """None when the printed percentage lies in the range its operands allow, else the finding."""
    printed = abs(fig.value)
    h = fig.half
    lo, hi, exp = rng[0] * 100, rng[1] * 100, expected * 100
    if lo - h <= printed <= hi + h:
        return None
    tol = max(exp - lo, hi - exp) + h
    return Finding(
        table, fig.row.get("page"), row_key or fig.row.get("subject_code") or fig.row.get("topic"), fig.kind,
        q6(exp), q6(printed), q6(printed - exp), q6(tol),
        f"情况说明 {what_zh}：填报 {fmt(printed)}%，重算应为 {exp:.2f}%（“{clip(fig.row.get('sentence'))}”）"
        f" / Narrative {what_en}: printed {fmt(printed)}%, recomputed {exp:.2f}%",
    )


def _change_triples(doc: Doc):
    """(pct, change, current) for every change percentage the narrative states."""
    figs = narrative_figs(doc)
    for pct in figs:
        if pct.kind != "change_pct" or pct.value is None:
            continue
        sec = _same_section(figs, pct)
        before = [f for f in sec if f.seq < pct.seq and f.kind == "change_amount" and f.value is not None]
        same = [f for f in before if pct.key and f.key == pct.key]
        chg = (same or before or [None])[-1]
        if chg is None:
            continue
        amounts = [f for f in sec if f.is_amount]
        cur = None
        if chg.key:
            same_topic = [f for f in amounts if f.key == chg.key and f.kind != "budget"]
            if same_topic:
                cur = min(same_topic, key=lambda f: abs(f.seq - chg.seq))
        if cur is None:
            prior = [f for f in amounts if f.seq < chg.seq]
            prior_nb = [f for f in prior if f.kind != "budget"]
            cur = (prior_nb or prior or [None])[-1]
        if cur is not None:
            yield pct, chg, cur


def _change_signs(chg: Fig, pct: Fig) -> tuple[int, ...]:
    """+1 increase / -1 decrease: from a signed value, the direction field, or the printed words."""
    if (chg.value is not None and chg.value < 0) or (pct.value is not None and pct.value < 0):
        return (-1,)
    direction = chg.row.get("direction") or pct.row.get("direction")
    if direction in ("increase", "decrease"):
        return (1,) if direction == "increase" else (-1,)
    candidates = [compact(pct.row.get("topic")), compact(chg.row.get("topic"))]
    text = chg.text or (None if chg.value is None else f"{abs(chg.value)}")
    if text and chg.sentence:
        i = chg.sentence.find(compact(text).lstrip("-"))
        if i > 0:
            candidates.append(chg.sentence[max(0, i - 4): i])
    for words in candidates:
        up, down = bool(re.search(r"增加|增长|上升", words)), bool(re.search(r"减少|下降|降低", words))
        if up != down:
            return (1,) if up else (-1,)
    return (1, -1)


def _change_range(pct: Fig, chg: Fig, cur: Fig, sign: int):
    d, hd, c, hc = abs(chg.value), chg.half, cur.value, cur.half
    prev = c - sign * d
    return prev, ratio_interval(d, hd, prev, hc + hd)


@check("narrative_change")
def _narrative_change(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    if not doc.figures:
        out.insufficient("no narrative figures extracted")
        return
    for pct, chg, cur in _change_triples(doc):
        if abs(chg.value) == 0 and pct.value == 0:
            out.ok()
            continue
        failures: list[Finding] | None = []
        for sign in _change_signs(chg, pct):
            prev, rng = _change_range(pct, chg, cur, sign)
            if rng is None or prev <= 0:
                failures = None  # previous year 0 under this reading: N_RATE_UNDEFINED
                break
            f = _pct_finding(pct, rng, abs(chg.value) / prev,
                             f"{cur.name} 比上年{'增长' if sign > 0 else '下降'}率（上年 = {fmt(prev)} = {fmt(cur.value)} {'−' if sign > 0 else '+'} {fmt(abs(chg.value))}）",
                             f"'{cur.name}' year-on-year change (previous year {fmt(prev)})")
            if f is None:
                failures = None
                break
            failures.append(f)
        if failures is None:
            out.ok()
        elif failures:
            out.add(failures[0])
    if not out.checked:
        out.na("no change amount + change % + current amount stated together")


def _completion_pairs(doc: Doc):
    """(pct, final, budget) for every completion rate the narrative states."""
    figs = narrative_figs(doc)
    for pct in figs:
        if pct.kind != "completion_pct" or pct.value is None:
            continue
        same = [f for f in figs if f.sentence == pct.sentence and f.seq < pct.seq]
        last_pct = max((f.seq for f in same if f.kind.endswith("_pct")), default=-1)
        amounts = [f for f in same if f.seq > last_pct and f.is_amount]
        budgets = [f for f in amounts if f.kind == "budget"]
        if budgets:
            den = budgets[-1]
            nums = [f for f in amounts if f.seq > den.seq and f.kind != "budget"]
            num = nums[-1] if nums else None
        elif len(amounts) >= 2:
            den, num = amounts[-2], amounts[-1]
        else:
            continue
        if num is not None:
            yield pct, num, den


@check("narrative_completion")
def _narrative_completion(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    if not doc.figures:
        out.insufficient("no narrative figures extracted")
        return
    for pct, num, den in _completion_pairs(doc):
        rng = ratio_interval(num.value, num.half, den.value, den.half)
        if rng is None:
            continue  # budget 0: N_RATE_UNDEFINED
        f = _pct_finding(pct, rng, num.value / den.value,
                         f"{pct.name or num.name} 完成预算比例（{fmt(num.value)} / {fmt(den.value)}）",
                         f"completion rate ({fmt(num.value)} / {fmt(den.value)})")
        out.add(f) if f else out.ok()
    if not out.checked:
        out.na("no completion rate stated with its budget and final amounts")


@check("narrative_rate_undefined")
def _narrative_rate_undefined(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    if not doc.figures:
        out.insufficient("no narrative figures extracted")
        return
    for pct, num, den in _completion_pairs(doc):
        if ratio_interval(num.value, num.half, den.value, den.half) is not None:
            continue
        if num.value == 0 and pct.value == 0:
            out.ok()
            continue
        out.add(Finding(None, pct.row.get("page"), pct.name, pct.kind, None, q6(pct.value), None, None,
                        f"情况说明 完成率 {fmt(pct.value)}% 无法计算：预算数为 {fmt(den.value)}，决算数 {fmt(num.value)}（“{clip(pct.row.get('sentence'))}”）"
                        f" / completion rate printed with a zero budget"))
    for pct, chg, cur in _change_triples(doc):
        signs = _change_signs(chg, pct)
        ranges = [_change_range(pct, chg, cur, s) for s in signs]
        if any(rng is not None and prev > 0 for prev, rng in ranges):
            continue
        if pct.value == 0 and chg.value == 0:
            continue
        if all(prev > 0 for prev, _ in ranges):
            # the previous year as printed is not 0, only too small to tell from 0 within the rounding
            # (0.40 − 0.39 = 0.01 → 3900%): the rate is defined, it just cannot be verified
            out.ok()
            continue
        out.add(Finding(None, pct.row.get("page"), pct.name, pct.kind, None, q6(pct.value), None, None,
                        f"情况说明 增减率 {fmt(pct.value)}% 无法计算：上年数为 0（“{clip(pct.row.get('sentence'))}”）"
                        f" / change rate printed with a zero previous year"))
    if not out.checked:
        out.na("no rate stated over a zero base")


def _base_value(doc: Doc, fig: Fig, base: dict[str, Any]) -> tuple[Decimal, Decimal] | None | str:
    """(value, half unit) of a share's base; a string says what is missing."""
    if "narrative_topic" in base:
        key = topic_key(base["narrative_topic"])
        cands = [f for f in narrative_figs(doc) if f.key == key and f.is_amount]
        if not cands:
            return f"narrative figure {base['narrative_topic']} not found"
        b = min(cands, key=lambda f: abs(f.seq - fig.seq))
        return b.value, b.half
    if not doc.has_table(base["table"]):
        return f"{table_no(base['table'])} not extracted"
    _, cell, key = resolve_cell(doc, base, "final")
    if cell is None:
        return f"{table_no(base['table'])} {key} not found"
    return amount(cell), doc.rounding(base["table"])


def _balancing_share(figs: list[Fig], share: Fig, f: Finding) -> bool:
    """The last of an enumeration's shares printed so that they add up to exactly 100% (a common way
    of absorbing the rounding of the others): off by no more than that rounding."""
    run: list[Fig] = []  # the enumeration the share belongs to: amounts and shares in a row, one section
    for x in figs:
        if x.section != share.section or (x.kind not in AMOUNT_KINDS and x.kind != "share_pct"):
            if share in run:
                break
            run = []
            continue
        run.append(x)
    same = [x for x in run if x.kind == "share_pct" and x.value is not None]
    if len(same) < 2 or same[-1] is not share:
        return False
    if abs(sum(abs(x.value) for x in same) - 100) > share.half:
        return False
    return f.difference is not None and abs(f.difference) <= f.tolerance + sum(x.half for x in same[:-1])


@check("narrative_share")
def _narrative_share(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    figs = narrative_figs(doc)
    if not figs:
        out.insufficient("no narrative figures extracted")
        return
    cfg = narrative_topics()
    for share in figs:
        if share.kind != "share_pct" or share.value is None:
            continue
        entry = _topic_entry(share.key, share.section)
        base = (entry or {}).get("share_base")
        if base is None and share.key.startswith("占"):  # 占本年支出合计的 X%: the share names its base
            named = _topic_entry(topic_key(re.sub(r"^占|的$", "", share.key)), share.section)
            if named and isinstance(named.get("ref"), dict) and not named["ref"].get("by_code"):
                base = named["ref"]
        if base is None and entry is not None and isinstance(entry.get("ref"), dict):
            # 基本支出 518.72 万元，占 40.9%: a share of its own table's 合计 row
            base = cfg.get("table_share_bases", {}).get(entry["ref"]["table"])
        if base is None:
            base = next((s["base"] for s in cfg.get("section_share_bases", []) if s["contains"] in share.section), None)
        if base is None:
            continue
        prior = [f for f in figs if f.sentence == share.sentence and f.seq < share.seq and f.is_amount]
        if not prior:
            continue
        num_fig = prior[-1]
        refs, _ = refs_for(doc, num_fig)
        a, ha = num_fig.value, num_fig.half
        table, row_key = None, num_fig.name
        if refs and doc.has_table(refs[0]["table"]):
            table, cell, row_key = resolve_cell(doc, refs[0], "final")
            if cell is not None:
                a, ha = amount(cell), doc.rounding(table)
        bv = _base_value(doc, share, base)
        if isinstance(bv, str):
            out.insufficient(bv)
            continue
        if bv is None:
            continue
        b, hb = bv
        rng = ratio_interval(a, ha, b, hb)
        if rng is None:
            continue
        f = _pct_finding(share, rng, a / b, f"{num_fig.name} 占比（{fmt(a)} / {fmt(b)}）",
                         f"share of '{num_fig.name}' ({fmt(a)} / {fmt(b)})", table, row_key)
        if f is not None and _balancing_share(figs, share, f):
            out.notes.append(f"{num_fig.name} {fmt(share.value)}%: the last share, printed as 100% minus the others")
            f = None
        out.add(f) if f else out.ok()
    if not out.checked and not out.missing:
        out.na("no share (占 X%) with a known base")



@check("project_count")
def _project_count(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    figs = [f for f in narrative_figs(doc) if f.kind == "count" and f.value is not None
            and ("二级项目" in f.key or f.key == "performance_projects")]
    if not figs:
        out.na("the narrative states no number of self-assessed projects")
        return
    printed_tables = len(doc.performance) or sum(1 for t in doc.table_rows if t.get("table_name") == PERFORMANCE_TABLE)
    for f in figs:
        out.compare_equal(
            table=PERFORMANCE_TABLE, cell=None, printed=f.value, expected=Decimal(printed_tables), tolerance=ZERO,
            row_key=f.name, measure="count",
            msg_zh=f"情况说明 称绩效自评项目 {int(f.value)} 个，公开的项目支出绩效自评表 {printed_tables} 张",
            msg_en=f"Narrative states {int(f.value)} self-assessed projects, {printed_tables} self-assessment tables are printed",
        )
        if out.findings and out.findings[-1].page is None:
            out.findings[-1].page = f.row.get("page")

