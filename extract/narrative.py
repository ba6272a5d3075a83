"""Figures stated in the narrative (情况说明), each with the sentence it came from.

The narrative restates the tables in a handful of sentence shapes:
``本年收入合计 1266.35 万元``, ``比上年减少 215.2 万元，下降 14.5%``,
``一般公共服务支出 1163.64 万元，占 91.9%``, ``年初预算为 383.47 万元，支出决算为
416.09 万元，完成年初预算的 108.5%``, ``公务用车保有量为 1 辆``.  Each clause is
scanned for amounts, percentages and counts; a figure's ``topic`` is the noun
phrase that names it (for a change, share or completion rate: the amount it
qualifies).  The phrase vocabulary lives in ``catalog/narrative.yaml``.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import yaml

from .catalog import CATALOG_DIR
from .text import compact

_SECTION = re.compile(r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])")
_NUM = r"(\d[\d,]*(?:\.\d+)?)"
_AMOUNT = re.compile(_NUM + r"\s*万元")
_PCT = re.compile(_NUM + r"\s*%")
_COUNT = re.compile(r"(\d+)\s*(人次|个|辆|批次|台[（(]套[)）]|人|家|项|次)")
_YEAR_LEAD = re.compile(r"^(?:20\d{2}年度?|本年度?|全年|其中[:：]?|主要是|主要用于|包括[:：]?|截至20\d{2}年\d+月\d+日)+")
_FURNITURE = re.compile(r"^(?:[-—–]?\d{1,3}[-—–]?|第\d+页(?:共\d+页)?|\d+/\d+)$")
_PART = re.compile(r"^第[一二三四五六七八九十]+部分.*(?:情况说明|编制说明|预算说明)")
_PROJECT_ITEM = re.compile(r"^\d+[.、．]\s*(.+?)(?:项目)?绩效自评情况")


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    with open(CATALOG_DIR / "narrative.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _dec(s: str) -> Decimal | None:
    try:
        return Decimal(s.replace(",", ""))
    except InvalidOperation:
        return None


def _sentences(pages) -> list[tuple[int, str, str]]:
    """(page, section heading, sentence) for the narrative text of every page."""
    out = []
    section = ""
    carry = ""
    carry_page = None
    for p in pages:
        lines = [ln.strip() for ln in p.text.replace("\r", "\n").split("\n")]
        for ln in lines:
            if not ln:
                continue
            c = compact(ln)
            if _FURNITURE.match(c):
                continue
            if _SECTION.match(c) and len(c) < 60 and not _AMOUNT.search(c):
                if carry:
                    out.append((carry_page, section, carry))
                    carry = ""
                section = c
                continue
            carry_page = carry_page if carry else p.number
            carry += c
            parts = re.split(r"(?<=[。；;])", carry)
            for s in parts[:-1]:
                if s:
                    out.append((carry_page, section, s))
            carry = parts[-1]
            if not carry:
                carry_page = None
        # a sentence may continue on the next page: keep the carry
    if carry:
        out.append((carry_page or 0, section, carry))
    return out


def _classify(prefix: str, vocab: dict) -> tuple[str, str | None]:
    """Kind of the figure from the words between the previous number and this one."""
    tail = re.split(r"\d(?:万元|%)?", prefix)[-1]
    for kind, spec in vocab["kinds"].items():
        for word in spec["words"]:
            if word in tail:
                return kind.removesuffix("_up").removesuffix("_down"), spec.get("direction")
    return "amount", None


def _topic(prefix: str, vocab: dict) -> str:
    t = re.split(r"[，,；;：:。、]", prefix)[-1] if prefix else ""
    # "上海市普陀区财政局2024年度收入支出总计": the department and year are not the topic
    t = re.sub(r"^.{0,40}?20\d{2}年度?", "", t)
    t = _YEAR_LEAD.sub("", t)
    for suffix in vocab["strip_suffixes"]:
        if t.endswith(suffix):
            t = t[: -len(suffix)]
    t = re.sub(r"[（(](?:类|款|项)[)）]?$", "", t)
    return t.strip("（）() ")


def extract_figures(pages, fiscal_year: int | None, skip_pages: set[int] | None = None) -> list[dict]:
    """Figures of the narrative pages (``skip_pages``: pages holding ruled tables)."""
    vocab = vocabulary()
    pages = [p for p in pages if not skip_pages or p.number not in skip_pages]
    figures: list[dict] = []
    project = None
    sentences = _sentences(pages)
    parts = [i for i, (_, section, _) in enumerate(sentences) if _PART.match(section)]
    if parts:
        first_section = sentences[parts[-1]][1]
        start = next(i for i, (_, sec, _) in enumerate(sentences) if sec == first_section)
        # the table of contents repeats the heading: the narrative is the last run of it
        runs = [i for i in range(len(sentences)) if sentences[i][1] == first_section
                and (i == 0 or sentences[i - 1][1] != first_section)]
        start = runs[-1] if runs else start
        sentences = sentences[start:]
    subject_path = None
    section_seen = None
    for page, section, sentence in sentences:
        m = _PROJECT_ITEM.match(sentence)
        if m:
            project = m.group(1)
        if "绩效" not in section:
            project = None
        if section != section_seen or re.match(r"^\d+[.、．]", sentence):
            subject_path = None
            section_seen = section
        last_topic = None
        segments = re.split(r"[（(](?:类|款|项)[)）]", sentence)
        if len(segments) > 1:
            names = [re.sub(r"^[\d.、．\s]+", "", re.split(r"[:：，,；;。]", seg)[-1]) for seg in segments[:-1]]
            subject_path = "/".join(compact(n) for n in names if n)
        events = []
        for rx, unit in ((_AMOUNT, "万元"), (_PCT, "%")):
            for mm in rx.finditer(sentence):
                events.append((mm.start(), mm.end(), mm.group(1), unit))
        for mm in _COUNT.finditer(sentence):
            u = mm.group(2)
            if sentence[mm.end(): mm.end() + 1] in ("年", "月", "日") or u == "项" and sentence[mm.start() - 1: mm.start()] == "第":
                continue
            events.append((mm.start(), mm.end(), mm.group(1), u))
        events.sort()
        taken_until = -1
        for start, end, num, unit in events:
            if start < taken_until:
                continue
            taken_until = end
            value = _dec(num)
            if value is None:
                continue
            prefix = sentence[max(0, start - 40): start]
            kind, direction = _classify(prefix, vocab)
            if unit not in ("万元", "%"):
                kind = "count"
            if unit == "%" and kind == "amount":
                kind = "pct"
            topic = _topic(prefix, vocab)
            if kind in ("change_amount", "change_pct", "share_pct", "completion_pct", "budget", "final") and last_topic:
                topic_out = last_topic
            else:
                topic_out = topic or last_topic
            if subject_path and kind in ("budget", "final", "completion_pct"):
                topic_out = subject_path
            elif project and kind in ("budget", "final", "completion_pct", "amount"):
                topic_out = project
            if kind in ("amount",) and topic:
                last_topic = topic
            elif kind in ("budget", "final") and not last_topic:
                last_topic = topic_out
            if kind == "count":
                topic_out = _topic(prefix, vocab) or topic_out
            figures.append({
                "section": section or None,
                "topic": topic_out or None,
                "subject_code": None,
                "figure_kind": kind,
                "direction": direction,
                "value": value,
                "unit": unit,
                "value_text": sentence[start:end],
                "reason": _reason(sentence),
                "sentence": sentence,
                "page": page,
                "x0": None,
                "top": None,
                "x1": None,
                "bottom": None,
            })
    return figures


def _reason(sentence: str) -> str | None:
    m = re.search(r"主要(?:原因|是)[:：是]?(.+?)(?:[。；;]|$)", sentence)
    return m.group(1)[:200] if m else None


def locate_figures(pdf_path, figures: list[dict]) -> None:
    """Fill each figure's bounding box (PDF points, origin top-left) from pdfium's character
    boxes: the n-th figure on a page is looked up after the previous one, in reading order."""
    import pypdfium2 as pdfium

    by_page: dict[int, list[dict]] = {}
    for f in figures:
        if f["page"]:
            by_page.setdefault(f["page"], []).append(f)
    if not by_page:
        return
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        for number, figs in by_page.items():
            page = pdf[number - 1]
            tp = page.get_textpage()
            try:
                text = tp.get_text_range()
                height = page.get_height()
                cursor = 0
                for f in figs:
                    num = re.match(r"[\d,.]+", f["value_text"] or "")
                    if not num:
                        continue
                    at = text.find(num.group(0), cursor)
                    if at < 0:
                        at = text.find(num.group(0))
                    if at < 0:
                        continue
                    cursor = at + len(num.group(0))
                    boxes = [tp.get_charbox(i) for i in range(at, min(at + len(num.group(0)), tp.count_chars()))]
                    if not boxes:
                        continue
                    left = min(b[0] for b in boxes)
                    bottom = min(b[1] for b in boxes)
                    right = max(b[2] for b in boxes)
                    top = max(b[3] for b in boxes)
                    f["x0"], f["x1"] = round(left, 2), round(right, 2)
                    f["top"], f["bottom"] = round(height - top, 2), round(height - bottom, 2)
            finally:
                tp.close()
                page.close()
    finally:
        pdf.close()
