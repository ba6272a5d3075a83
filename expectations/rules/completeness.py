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
    for t in expected:
        if doc.has_table(t) or t in doc.sibling_tables:
            out.ok()
            continue
        title = (table_catalog().get(t, {}).get("titles") or [t])[0]
        out.add(Finding(
            t, None, None, None, None, None, None, None,
            f"缺少 {table_no(t)} {title}（空表也须公开并说明） / {table_en(t)} {t} is missing",
        ))


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
_MISSING_FIGURE = re.compile(r"(?:为|余|加|少|出|入|计|额|是)\s*万元|[（(]下降[)）]\s*%|增长\s*%|下降\s*%")
_YEAR = re.compile(r"(?<![\d.])(20\d{2})(?![\d.])\s*年")
_DOC_YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年度?\s*(?:部门)?(决算|预算)")
_PUB_DATE = re.compile(r"(?<!截至)(?<!截止)(?<![\d.])(20\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


def _page_texts(out: Outcome, doc: Doc) -> list[tuple[int | None, str]] | None:
    pages = [(pg.get("page"), unicodedata.normalize("NFKC", pg.get("text") or "")) for pg in doc.pages]
    if not any(t.strip() for _, t in pages):
        out.insufficient("no page text (scanned or not extracted)")
        return None
    return pages


def _text_findings(out: Outcome, doc: Doc, patterns: list[tuple[re.Pattern, str, str]]) -> None:
    """One finding per page and matched text (with how often it occurs there)."""
    pages = _page_texts(out, doc)
    if pages is None:
        return
    for page, text in pages:
        for pattern, what_zh, what_en in patterns:
            hits: dict[str, list[re.Match]] = defaultdict(list)
            for m in pattern.finditer(text):
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
    _text_findings(out, doc, [(_RESIDUE, "模板残留", "template placeholder")])


@check("unresolved_alternative")
def _unresolved_alternative(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    _text_findings(out, doc, [(_ALTERNATIVE, "模板选项未删除", "template alternative left in"),
                              (_MISSING_FIGURE, "金额或比例空缺", "figure left blank")])


@check("wrong_year")
def _wrong_year(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    fy = doc.fiscal_year
    if not fy:
        out.insufficient("fiscal year unknown")
        return
    pages = _page_texts(out, doc)
    if pages is None:
        return
    allowed = {fy - 1, fy, fy + 1}
    if len(pages) >= 3:  # the cover's date is the publication date
        allowed |= {int(y) for y in _PUB_DATE.findall(pages[0][1])}
    for page, text in pages:
        masked = re.sub(r"《[^》]{0,80}》", lambda m: " " * len(m.group(0)), text)
        masked = re.sub(r"20\d{2}\s*[-—–~至]\s*20\d{2}", lambda m: " " * len(m.group(0)), masked)
        for m in _DOC_YEAR.finditer(masked):
            y = int(m.group(1))
            if y != fy:
                out.add(_year_finding(page, text, m, y, fy, f"“{m.group(0)}”应为 {fy} 年度", f"'{m.group(0)}' names {y}, the document is {fy}"))
        for m in _YEAR.finditer(masked):
            y = int(m.group(1))
            if y not in allowed:
                out.add(_year_finding(page, text, m, y, fy, f"年份 {y} 既非本年度 {fy}、上年度 {fy - 1}，也非发布年度",
                                      f"year {y} is neither the fiscal year {fy}, the previous year nor the publication year"))
    if not out.findings:
        out.ok()


def _year_finding(page, text, m, y, fy, zh, en) -> Finding:
    ctx = clip(text[max(0, m.start() - 20): m.end() + 20], 50)
    return Finding(None, page, str(y), "year", Decimal(fy), Decimal(y), Decimal(y - fy), None,
                   f"第{page}页 {zh}：…{ctx}… / page {page}: {en}")


_EMPTY_DEPT_LINE = re.compile(r"部门[:：][ \t\u3000]*(?=\r?\n|$)")


@check("empty_department_line")
def _empty_department_line(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    _text_findings(out, doc, [(_EMPTY_DEPT_LINE, "表头“部门：”未填写", "empty 部门: line")])




