"""Completeness and template residue: every standard table printed, the empty-table sentences,
placeholders and unresolved template alternatives left in the text, years that are not the
document's."""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from decimal import Decimal
from typing import Any

from extract.text import compact

from .common import FINAL_TABLES, clip, table_catalog, table_en, table_no
from .engine import Finding, Outcome, check
from .model import Doc


# -- completeness -------------------------------------------------------------------
@check("tables_present")
def _tables_present(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """Every standard table of the disclosure is printed (params ``tables``: the list, default the
    nine 决算 tables).  A split disclosure is judged on its tables file, counting the tables its
    narrative file prints too (``Doc.sibling_tables``)."""
    if doc.part == "narrative":
        out.na("narrative-only file of a split disclosure")
        return
    expected = list(p.get("tables") or FINAL_TABLES)
    if p.get("variants"):
        # template variants (the 12 Jiangsu 公开表, a 7-table 预算 template …): the document is held
        # to the smallest variant that contains every standard table it prints, else the largest
        printed = set(doc.tables) | doc.sibling_tables
        variants = sorted((list(v) for v in p["variants"]), key=len)
        fitting = [v for v in variants if printed and printed <= set(v)]
        expected = fitting[0] if fitting else variants[-1]
        out.notes.append(f"template variant of {len(expected)} tables")
    listed = doc.listed_tables
    printed = set(doc.tables) | doc.sibling_tables
    unrecognised = doc.unrecognised_tables
    for t in expected:
        if doc.has_table(t) or t in doc.sibling_tables:
            out.ok()
            continue
        entry = next((r for r in doc.listed if r.get("table_name") == t), None)
        if entry is not None:
            if entry.get("printed_page") is not None or entry.get("is_found"):
                out.insufficient(f"{table_no(t)} {t} listed in the 目录 and printed (page {entry.get('printed_page')})"
                                 f" but not extracted")
                continue
            if not any(r.get("is_found") or r.get("printed_page") is not None for r in doc.listed):
                out.insufficient(f"{table_no(t)} {t}: the file prints none of the {len(doc.listed)} tables its 目录"
                                 f" lists (published as a separate file?)")
                continue
            # listed in the document's own 目录 and printed nowhere while the others are: certain
            title = entry.get("printed_title") or t
            out.add(Finding(t, entry.get("page"), None, None, None, None, None, None,
                            f"目录列有“{title}”，但文件中未印出该表（空表也须公开并说明）"
                            f" / the 目录 lists '{title}' but the document does not print it"))
            continue
        if listed is not None and t not in listed:
            if any(not r.get("table_name") for r in doc.listed):
                out.insufficient(f"{table_no(t)} {t} not named in the 目录, which lists tables the catalog does not name")
            else:
                out.na(f"{table_no(t)} {t} is not in the document's 目录 (another template family)")
            continue
        if not printed & set(expected):
            # none of the family's tables recognised: another template family, not 12 missing tables
            out.insufficient(f"template family not recognised: none of the {len(expected)} standard tables found"
                             f" ({len(unrecognised)} tables unrecognised)")
            continue
        toc = doc.toc_titles
        if len(toc) > len(doc.table_rows) + len(doc.sibling_tables):
            out.insufficient(f"{table_no(t)} {t} not extracted, and the 目录 lists {len(toc)} tables where"
                             f" {len(doc.table_rows)} were extracted (extraction incomplete)")
            continue
        if unrecognised:
            titles = "、".join(clip(u.get("printed_title") or "无标题", 20) for u in unrecognised[:3])
            out.insufficient(f"{table_no(t)} {t} not recognised; {len(unrecognised)} printed tables are unrecognised"
                             f" ({titles}…) and may include it")
            continue
        title = (table_catalog().get(t, {}).get("titles") or [t])[0]
        # 预算 templates vary by place and year: without the document's own 目录 naming its tables,
        # a table of the catalog's variant not found is not certainly missing
        unsure = bool(p.get("variants")) and not doc.listed
        out.add(Finding(
            t, None, None, None, None, None, None, None,
            f"缺少 {table_no(t)} {title}（空表也须公开并说明）"
            + ("；文件无可读目录，模板族未核实" if unsure else "") + f" / {table_en(t)} {t} is missing"
            + (" (no 目录 to confirm the template family)" if unsure else ""),
            severity="warning" if unsure else None,
        ))
    if out.missing and not out.findings:
        out.checked = 0  # complete only when every table is accounted for: otherwise insufficient_data


def _says_no_funds(got: str, want: str) -> bool:
    """本单位没有政府性基金预算财政拨款 or a variant (XX局无政府性基金预算财政拨款支出，故本表无数据),
    not the template's own instruction (…的，仍保留该表格式，并在本表下方作下述说明)."""
    subject = re.sub(r"^本单位没有", "", want).rstrip("。")
    return bool(re.search(r"没有|无", got)) and subject in got and not re.search(r"仍保留|下述说明|表格式", got)


@check("empty_table_sentence")
def _empty_table_sentence(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    for t in ("government_fund", "state_capital"):
        if not doc.has_table(t):
            continue
        if not doc.is_empty(t):
            out.na(f"{table_no(t)} has amounts")
            continue
        want = compact(table_catalog().get(t, {}).get("empty_sentence"))
        got = compact(doc.tables[t].get("empty_sentence"))
        if not got:
            text = "".join(compact(pg.get("text")) for pg in doc.pages)
            if want and want in text:
                got = want
        page = doc.tables[t].get("last_page")
        if not got:
            out.add(Finding(t, page, None, None, None, None, None, None,
                            f"{table_no(t)} 为空表，但未说明“{want}” / {table_en(t)} is empty without its '{want}' sentence"))
        elif want and not _says_no_funds(got, want):
            out.add(Finding(t, page, None, None, None, None, None, None,
                            f"{table_no(t)} 空表说明“{clip(got)}”未说明“{want}” / the empty-table sentence does not say '{want}'"))
        else:
            out.ok()
    if not out.checked and not out.not_applicable:
        out.insufficient("tables 07/08 not extracted")


# -- residue ------------------------------------------------------------------------
# …… (or its NFKC form ......) but not a table-of-contents dot leader (a longer run, or one
# followed by a page number); XX / ×× placeholders that are not part of a Latin word.
_RESIDUE = re.compile(r"(?<![.…])(?:…{1,2}|\.{3}|\.{6})(?![.…]|\s*\d)|(?<![A-Za-z])[XＸ×]{2,}(?![A-Za-z])|某某")
_ALTERNATIVE = re.compile(r"增加[（(]减少[)）]|减少[（(]增加[)）]|增长[（(](?:下降|减少|降低)[)）]|下降[（(]增长[)）]|大[（(]小[)）]于")
# 为万元 after a printed figure is a word-order slip, not a blank; 转化为万元 … speaks of the unit
_MISSING_FIGURE = re.compile(r"(?:(?<![\d.,])(?<!转化|换算|折算|转换|单位|计量)为|余|加|少|出|入|计|额|是)\s*万元|[（(]下降[)）]\s*%|增长\s*%|下降\s*%")
_YEAR = re.compile(r"(?<![\d.])(20\d{2})(?![\d.])\s*年")
_DOC_YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年度?\s*(?:部门)?(决算|预算)")
_PUB_DATE = re.compile(r"(?<!截至)(?<!截止)(?<![\d.])(20\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


# a form the document itself declares empty: its …… cells are the blank form, not residue
_DECLARED_EMPTY = re.compile(r"空表|不涉及|本表无数据|无数据|无此项(?:收入|支出|预算|经费)")
_ELLIPSIS = re.compile(r"^(?:…+|\.+)$")


def _page_texts(out: Outcome, doc: Doc) -> list[tuple[int | None, str]] | None:
    pages = [(pg.get("page"), unicodedata.normalize("NFKC", pg.get("text") or "")) for pg in doc.pages]
    if not any(t.strip() for _, t in pages):
        out.insufficient("no page text (scanned or not extracted)")
        return None
    return pages


def _text_findings(out: Outcome, doc: Doc, patterns: list[tuple[re.Pattern, str, str]],
                   *, declared_empty_ok: bool = False) -> None:
    """One finding per page and matched text (with how often it occurs there).  With
    ``declared_empty_ok`` an ellipsis on a page that declares its form empty is not reported."""
    pages = _page_texts(out, doc)
    if pages is None:
        return
    for page, text in pages:
        empty_form = declared_empty_ok and bool(_DECLARED_EMPTY.search(compact(text)))
        for pattern, what_zh, what_en in patterns:
            hits: dict[str, list[re.Match]] = defaultdict(list)
            for m in pattern.finditer(text):
                if empty_form and _ELLIPSIS.match(compact(m.group(0))):
                    out.notes.append(f"第{page}页 “{compact(m.group(0))}” in a form the page declares empty")
                    continue
                hits[compact(m.group(0))].append(m)
            for hit, ms in hits.items():
                m = ms[0]
                ctx = clip(text[max(0, m.start() - 20): m.end() + 20], 50)
                times = f"（共 {len(ms)} 处）" if len(ms) > 1 else ""
                out.add(Finding(None, page, hit, None, None, None, None, None,
                                f"第{page}页 {what_zh}“{hit}”{times}：…{ctx}… / page {page}: {what_en} '{hit}'"
                                + (f" ×{len(ms)}" if len(ms) > 1 else "")))
    if not out.findings:
        out.ok()


@check("template_residue")
def _template_residue(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    _text_findings(out, doc, [(_RESIDUE, "模板残留", "template placeholder")], declared_empty_ok=True)


@check("unresolved_alternative")
def _unresolved_alternative(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    _text_findings(out, doc, [(_ALTERNATIVE, "模板选项未删除", "template alternative left in"),
                              (_MISSING_FIGURE, "金额或比例空缺", "figure left blank")])


# Where a year is not the document's year by design: ranges (2024年-2026年), comparisons
# (比2025年预算增加), column headers (2025年预算数), quoted documents and names.
_YEAR_RANGE = re.compile(r"20\d{2}\s*年?度?\s*[-—–~至到]\s*20\d{2}\s*年?度?")
_QUOTED = re.compile(r"《[^》]{0,80}》|“[^”]{0,80}”|「[^」]{0,80}」")
_COMPARISON = re.compile(r"(?:比|较|与|同|对比|相比|同比|低于|高于|少于|多于|超过|上年|上一年)\s*$")
_HEADER_YEAR = re.compile(r"(20\d{2})\s*年\s*度?\s*(?:部\s*门\s*)?(?:预\s*算|决\s*算|执\s*行|预\s*计\s*执\s*行)\s*数")
# a year inside a name: after a CJK character (not at the start of a clause) and followed, without
# punctuation, by a word that ends a project or programme name
_NAME_END = re.compile(r"^[^，。；、,;:：！!？?\n（()）]{0,40}?(?:项目|工程|平台|系统|方案|规划|计划|行动|专项|改造|建设|"
                       r"中心|活动|大会|会议|运动会|全运会|课题|试点|工作要求|奖)")
_DOC_YEAR_KIND = re.compile(r"(?<!\d)(20\d{2})\s*年度?\s*(?:部门|单位)?(决算|预算)(?!数|执行|安排|批复|调整|草案|收入|支出|拨款)")
_TITLE_YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年度?\s*(?:部门|单位)?(决算|预算)")


def _blank(m: re.Match) -> str:
    return " " * len(m.group(0))


def _masked(text: str) -> str:
    """The page text with the years that are not the document's by design blanked out."""
    t = _QUOTED.sub(_blank, text)
    t = _YEAR_RANGE.sub(_blank, t)
    t = _HEADER_YEAR.sub(_blank, t)
    out = list(t)
    for m in _YEAR.finditer(t):
        before = t[max(0, m.start() - 4): m.start()]
        prev = t[m.start() - 1] if m.start() else ""
        in_name = bool(prev and "\u4e00" <= prev <= "\u9fff" and not _COMPARISON.search(before)
                       and _NAME_END.match(t[m.end():]))
        if _COMPARISON.search(before) or in_name:
            out[m.start(): m.end()] = " " * (m.end() - m.start())
    return "".join(out)


@check("wrong_year")
def _wrong_year(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """A 'YYYY年度部门决算' (预算 for a budget) naming another year than the document's is an error;
    any other year that is neither the fiscal year, the one before or after, nor the publication
    year is a warning (it may be a history, a name or a quotation the masks did not catch)."""
    fy = doc.fiscal_year
    if not fy:
        out.insufficient("fiscal year unknown")
        return
    pages = _page_texts(out, doc)
    if pages is None:
        return
    own_kind = {"final": "决算", "budget": "预算"}.get(doc.doc_kind)
    # precondition: the document's identity agrees with its own cover (else the year is not known)
    titles = [ln for ln in pages[0][1].splitlines() if 0 < len(ln.strip()) <= 40]  # title-like lines of the cover
    named = {int(m.group(1)) for ln in titles for m in _TITLE_YEAR.finditer(ln) if m.group(2) == own_kind}
    if named and fy not in named:
        out.insufficient(f"fiscal year {fy} but the cover names {sorted(named)}: the document's year is uncertain")
        return
    allowed = {fy - 1, fy, fy + 1}
    if len(pages) >= 3:  # the cover's date is the publication date
        allowed |= {int(y) for y in _PUB_DATE.findall(pages[0][1])}
    for page, text in pages:
        masked = _masked(text)
        at_doc_year: set[int] = set()
        for m in _DOC_YEAR_KIND.finditer(masked):
            y = int(m.group(1))
            at_doc_year.add(m.start(1))
            if y == fy:
                continue
            if m.group(2) == own_kind:
                out.add(_year_finding(page, text, m, y, fy, f"“{m.group(0)}”应为 {fy} 年度",
                                      f"'{m.group(0)}' names {y}, the document is {fy}"))
            elif y not in allowed:
                out.add(_year_finding(page, text, m, y, fy, f"“{m.group(0)}”年份 {y} 可疑",
                                      f"'{m.group(0)}' names {y}", severity="warning"))
        for m in _YEAR.finditer(masked):
            y = int(m.group(1))
            if y not in allowed and m.start(1) not in at_doc_year:
                out.add(_year_finding(page, text, m, y, fy, f"年份 {y} 既非本年度 {fy}、上年度 {fy - 1}，也非发布年度",
                                      f"year {y} is neither the fiscal year {fy}, the previous year nor the publication year",
                                      severity="warning"))
    if not out.findings:
        out.ok()


def _year_finding(page, text, m, y, fy, zh, en, severity: str | None = None) -> Finding:
    ctx = clip(text[max(0, m.start() - 20): m.end() + 20], 50)
    return Finding(None, page, str(y), "year", Decimal(fy), Decimal(y), Decimal(y - fy), None,
                   f"第{page}页 {zh}：…{ctx}… / page {page}: {en}", severity=severity)


_EMPTY_DEPT_LINE = re.compile(r"部门[:：][ \t\u3000]*(?=\r?\n|$)")


@check("empty_department_line")
def _empty_department_line(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    _text_findings(out, doc, [(_EMPTY_DEPT_LINE, "表头“部门：”未填写", "empty 部门: line")])




