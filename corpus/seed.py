"""The seed disclosure as a PDF with exact ground truth.

``../shared/seed/000_c5e1206c200e1ff5.txt`` is a text rendering (markdown-ish, tables
tab-separated) of a real 2023 部门决算: 延边朝鲜族自治州政务服务和数字化建设管理局（汇总）.
This module parses it into a :class:`corpus.model.Document`, renders it with
:mod:`corpus.render_reportlab` and writes the ground truth from the parsed data (never
from the rendered PDF)::

    python -m corpus.seed --seed-txt ../shared/seed/000_c5e1206c200e1ff5.txt --out corpus/sample/seed/

Every printed number and every inconsistency is kept exactly as printed; only the
markup of the text rendering (``<b>``, ``<p>``, ``#``, ``**``, markdown line breaks) is
dropped.  The known defects of the disclosure are recomputed with :class:`Decimal`
arithmetic (:func:`corpus.seed_defects.known_defects`) and listed in the truth file.

Why one module of ~900 lines: it is one grammar (the seed text's markup, section by section,
then each table's layout as the seed prints it); split by section it would scatter the
cross-references between the parsed parts. The defect recomputation lives in
:mod:`corpus.seed_defects`.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
from dataclasses import dataclass
from decimal import Decimal

from corpus.model import Cell, Document, Heading, PageBreak, Paragraph, RenderOptions, Table

PDF_NAME = "yanbian-2023-final.pdf"
TRUTH_NAME = "yanbian-2023-final.truth.json"
DEPARTMENT = "延边朝鲜族自治州政务服务和数字化建设管理局"
FISCAL_YEAR = 2023

# --------------------------------------------------------------------------- text helpers

_TAG = re.compile(r"</?(?:b|p|strong|br)\s*/?>", re.I)
_NUM = re.compile(r"^-?[\d,]*\d(?:\.\d+)?%?$")


def strip_markup(s: str) -> str:
    """Drop markdown/HTML artefacts of the text rendering, keep the text."""
    s = _TAG.sub("", s)
    s = s.replace("**", "")
    s = re.sub(r"^#+\s*", "", s)
    return s.strip()


def is_amount(s: str) -> bool:
    return bool(_NUM.match(s.strip()))


def amount_value(printed: str) -> str | None:
    """Exact decimal string of a printed amount (commas dropped), None for blank/-/—."""
    p = printed.strip()
    if p in ("", "-", "—", "－", "——"):
        return None
    v = p.replace(",", "")
    Decimal(v)  # validates
    return v


def rate_value(printed: str) -> str | None:
    """Execution rate as a fraction: ``68.40%`` -> ``0.684``; ``1.00`` stays ``1.00``."""
    p = printed.strip()
    if p in ("", "-", "—"):
        return None
    if p.endswith("%"):
        d = Decimal(p[:-1].replace(",", "")) / 100
        d = d.normalize()
        return format(d, "f")
    return p


def squeeze_header(s: str) -> str:
    """Remove the line-wrap spaces the text rendering put inside long header labels
    (``对附属单位补 助支出``); keep the printed letter-spacing of short ones (``项 目``)."""
    s = strip_markup(s)
    if len(s.replace(" ", "")) > 4:
        return s.replace(" ", "")
    return s


def H(text: str, colspan: int = 1, rowspan: int = 1, align: str = "center") -> Cell:
    return Cell(text=text, colspan=colspan, rowspan=rowspan, align=align)


def A(text: str) -> Cell:
    """An amount cell."""
    return Cell(text=text, align="right")


# --------------------------------------------------------------------------- parsed structures


@dataclass
class TableSection:
    number: str  # "01".."09"
    heading: str  # 一、收入支出决算总表
    title: str
    code: str | None
    unit: str | None
    dept: str | None
    tsv: list[list[str]]  # tab-separated rows, markup kept (for <b>)
    notes: list[str]
    after: str | None


@dataclass
class PerfTable:
    seq: int
    heading: str
    rows: list[list[str]]


@dataclass
class Seed:
    cover: list[str]
    toc: list[tuple[int, str]]  # (level, text)
    part1: list[tuple[str, str, int]]  # (kind, text, level)
    part2_heading: str
    tables: list[TableSection]
    perf_heading: str
    perf: list[PerfTable]
    part3: list[tuple[str, str, int]]
    part4: list[tuple[str, str, int]]


# --------------------------------------------------------------------------- parsing

_CN_NUM = "一二三四五六七八九十"
_TABLE_HEADINGS = {
    "一、收入支出决算总表": "01",
    "二、收入决算表": "02",
    "三、支出决算表": "03",
    "四、财政拨款收入支出决算总表": "04",
    "五、一般公共预算财政拨款支出决算表": "05",
    "六、一般公共预算财政拨款基本支出决算明细表": "06",
    "七、政府性基金预算财政拨款收入支出决算表": "07",
    "八、国有资本经营预算财政拨款支出决算表": "08",
    "九、财政拨款“三公”经费支出决算表": "09",
}
_SENTENCE_END = tuple("。：；！？!?:;")


def _heading_level(text: str) -> int:
    if re.match(r"^第[一二三四五六七八九十]+部分", text) or text.replace(" ", "") == "目录":
        return 1
    if re.match(r"^[一二三四五六七八九十]+、", text) or text.startswith("关于"):
        return 2
    return 3


def _prose(lines: list[str]) -> list[tuple[str, str, int]]:
    """Markdown prose -> [(kind, text, level)] with paragraphs re-joined across the
    page breaks of the original (a paragraph that does not end a sentence continues)."""
    blocks: list[tuple[str, str, int]] = []
    buf: list[str] = []

    def flush_para():
        if buf:
            text = "".join(x.strip() for x in buf)
            text = strip_markup(text)
            if text:
                blocks.append(("p", text, 0))
            buf.clear()

    for raw in lines:
        line = raw.rstrip("\n")
        if not line.strip():
            flush_para()
            continue
        if line.lstrip().startswith("#"):
            flush_para()
            text = strip_markup(line)
            blocks.append(("h", text, _heading_level(text)))
            continue
        # markdown hard line break ("  " at end) stays inside the paragraph
        buf.append(line.rstrip())
    flush_para()
    # join paragraphs split by a page break of the original
    out: list[tuple[str, str, int]] = []
    for kind, text, lvl in blocks:
        if (kind == "p" and out and out[-1][0] == "p"
                and (not out[-1][1].endswith(_SENTENCE_END) or out[-1][1].endswith("项目绩效自评情况："))
                and not re.match(r"^(\d+\.|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)", text)):
            out[-1] = ("p", out[-1][1] + text, 0)
        else:
            out.append((kind, text, lvl))
    return out


def parse_seed(path: pathlib.Path) -> Seed:
    lines = pathlib.Path(path).read_text(encoding="utf-8").split("\n")

    def find(pred, start=0):
        for i in range(start, len(lines)):
            if pred(lines[i]):
                return i
        raise ValueError("marker not found")

    i_toc = find(lambda l: strip_markup(l).replace(" ", "") == "目录")
    # the 目录 repeats the part headings: part 1 is the last "第一部分 部门概况" heading
    i_p1 = max(i for i, l in enumerate(lines) if l.startswith("#") and strip_markup(l) == "第一部分 部门概况")
    i_p2 = find(lambda l: l.startswith("#") and strip_markup(l).startswith("第二部分"), i_p1 + 1)
    i_p3 = find(lambda l: l.startswith("#") and strip_markup(l).startswith("第三部分"), i_p2 + 1)
    i_p4 = find(lambda l: l.startswith("#") and strip_markup(l).startswith("第四部分"), i_p3 + 1)
    i_perf = find(lambda l: l.startswith("#") and "项目支出绩效自评表" in l and l.strip("# ").startswith("十、"), i_p2)

    # cover: non-empty lines before the 目录, markdown line breaks joined with "\n"
    cover: list[str] = []
    block: list[str] = []
    for l in lines[:i_toc]:
        if not l.strip():
            if block:
                cover.append("\n".join(block))
                block = []
            continue
        block.append(strip_markup(l.rstrip()))
    if block:
        cover.append("\n".join(block))

    toc: list[tuple[int, str]] = []
    for l in lines[i_toc + 1:i_p1]:
        if not l.strip():
            continue
        indent = len(l) - len(l.lstrip(" "))
        s = l.strip()
        if s.startswith("#"):
            toc.append((1, strip_markup(s)))
        elif s.startswith("- "):
            t = strip_markup(s[2:])
            lvl = 1 if t.startswith("第") else 2
            toc.append((lvl, t))
        else:
            toc.append((2, strip_markup(s)))
        del indent

    part1 = _prose(lines[i_p1:i_p2])

    # nine tables
    tables: list[TableSection] = []
    idx = [i for i in range(i_p2, i_perf) if lines[i].startswith("#") and strip_markup(lines[i]) in _TABLE_HEADINGS]
    for k, start in enumerate(idx):
        end = idx[k + 1] if k + 1 < len(idx) else i_perf
        heading = strip_markup(lines[start])
        number = _TABLE_HEADINGS[heading]
        chunk = lines[start + 1:end]
        title = code = unit = dept = after = None
        tsv: list[list[str]] = []
        notes: list[str] = []
        for l in chunk:
            if not l.strip():
                continue
            if "\t" in l:
                tsv.append(l.split("\t"))
                continue
            s = strip_markup(l.rstrip())
            if title is None:
                title = s
            elif s.startswith("公开") and s.endswith("表"):
                code = s
            elif s.startswith("单位："):
                unit = s
            elif s.startswith("部门："):
                dept = s
            elif s.startswith("注：") or (notes and re.match(r"^\d+\.", s)):
                notes.append(s)
            elif s.startswith("本单位没有"):
                after = s
            else:
                raise ValueError(f"unexpected line in table {number}: {s!r}")
        tables.append(TableSection(number, heading, title or "", code, unit, dept, tsv, notes, after))

    # performance tables
    perf: list[PerfTable] = []
    cur: PerfTable | None = None
    for l in lines[i_perf + 1:i_p3]:
        if l.startswith("#") and strip_markup(l) == "项目支出绩效自评表":
            cur = PerfTable(len(perf) + 1, strip_markup(l), [])
            perf.append(cur)
            continue
        if "\t" in l and cur is not None:
            cur.rows.append(l.split("\t"))
        elif l.strip():
            raise ValueError(f"unexpected line in performance tables: {l!r}")

    part3 = _prose(lines[i_p3:i_p4])
    part4 = _prose(lines[i_p4:])
    return Seed(cover, toc, part1, strip_markup(lines[i_p2]), tables, strip_markup(lines[i_perf]), perf,
                part3, part4)


# --------------------------------------------------------------------------- tables -> model


def _bold(s: str) -> bool:
    return "<b>" in s or "**" in s


def _body_cell(s: str, align: str = "left") -> Cell:
    t = strip_markup(s)
    if is_amount(t):
        align = "right"
    return Cell(text=t, align=align, bold=_bold(s))


def _pad(row: list[str], n: int) -> list[str]:
    return (row + [""] * n)[:n]


def build_table(ts: TableSection) -> tuple[Table, dict]:
    """Model table + the structured body used for the truth."""
    n = ts.number
    rows = ts.tsv
    spec: dict = {"number": n}
    if n in ("01", "04"):
        ncols = 6 if n == "01" else 9
        inc_head = [squeeze_header(x) for x in rows[1][:3]]
        exp_head = [squeeze_header(x) for x in rows[1][3:ncols]]
        header = [
            [H("收入", colspan=3), H("支出", colspan=ncols - 3)],
            [H(x) for x in inc_head + exp_head],
            [H(squeeze_header(x)) for x in _pad(rows[2], ncols)],
        ]
        body_rows = [_pad(r, ncols) for r in rows[3:]]
        body = []
        for r in body_rows:
            body.append([_body_cell(r[0]), Cell(strip_markup(r[1]), align="center"), _body_cell(r[2], "right"),
                         _body_cell(r[3]), Cell(strip_markup(r[4]), align="center")]
                        + [_body_cell(x, "right") for x in r[5:]])
        widths = [3.4, 0.6, 1.2, 3.4, 0.6, 1.2] if n == "01" else [2.9, 0.5, 1.1, 2.9, 0.5, 1.1, 1.2, 1.2, 1.2]
        spec.update(layout="two_sided", body=body_rows, ncols=ncols, exp_head=exp_head)
        landscape = n == "04"
    elif n in ("02", "03"):
        ncols = len(rows[0])
        heads = [squeeze_header(x) for x in rows[0][2:]]
        header = [
            [H(squeeze_header(rows[0][0]), colspan=2)] + [H(x, rowspan=2) for x in heads],
            [H(squeeze_header(rows[1][0])), H(squeeze_header(rows[1][1]))],
            [H(squeeze_header(rows[2][0]), colspan=2)] + [H(x) for x in _pad(rows[2], ncols)[2:]],
        ]
        body_rows = [_pad(r, ncols) for r in rows[3:]]
        widths = [1.3, 3.6] + [1.15] * (ncols - 2)
        spec.update(layout="coded", body=body_rows, ncols=ncols, measures_from=heads)
        landscape = True
        body = _coded_body(body_rows)
    elif n == "05":
        ncols = 7
        header = [
            [H(squeeze_header(rows[0][0]), colspan=2), H(squeeze_header(rows[0][2]), colspan=5)],
            [H(squeeze_header(rows[1][0]), rowspan=2), H(squeeze_header(rows[1][1]), rowspan=2),
             H(squeeze_header(rows[1][2]), rowspan=2), H(squeeze_header(rows[1][3]), colspan=3),
             H(squeeze_header(rows[1][6]), rowspan=2)],
            [H(squeeze_header(x)) for x in rows[2][3:6]],
            [H(squeeze_header(rows[3][0]), colspan=2)] + [H(x) for x in _pad(rows[3], ncols)[2:]],
        ]
        body_rows = [_pad(r, ncols) for r in rows[4:]]
        widths = [1.3, 3.2, 1.05, 1.05, 1.05, 1.05, 1.05]
        spec.update(layout="coded", body=body_rows, ncols=ncols)
        landscape = False
        body = _coded_body(body_rows)
    elif n == "06":
        ncols = 9
        header = [[H(squeeze_header(x)) for x in rows[0]]]
        body_rows = [_pad(r, ncols) for r in rows[1:]]
        body = []
        for r in body_rows:
            if "人员经费合计" in r and "公用经费合计" in r:
                i_p = r.index("人员经费合计")
                i_g = r.index("公用经费合计")
                vals = [x for x in r[i_g + 1:] if x.strip()]
                body.append([H("人员经费合计", colspan=2), A(r[i_p + 1]), H("公用经费合计", colspan=5),
                             A(vals[-1] if vals else "")])
                spec["totals"] = {"人员经费合计": r[i_p + 1], "公用经费合计": vals[-1] if vals else ""}
            else:
                cells = []
                for b in range(3):
                    code, name, amt = r[3 * b:3 * b + 3]
                    cells += [Cell(code), Cell(name), A(amt)]
                body.append(cells)
        widths = [0.75, 2.5, 0.85] * 3
        spec.update(layout="three_block", body=body_rows, ncols=ncols)
        landscape = True
    elif n in ("07", "08"):
        ncols = len(rows[0])
        r0 = [squeeze_header(x) for x in rows[0]]
        r1 = [squeeze_header(x) for x in _pad(rows[1], ncols)]
        # row 0: 项 目 (2 cols), then either single headers (rowspan 2) or a group over the
        # columns whose row-1 label is filled
        top = [H(r0[0], colspan=2)]
        second = [H(r1[0]), H(r1[1])]
        c = 2
        while c < ncols:
            lab = r0[c]
            span = 1
            while c + span < ncols and not r0[c + span]:
                span += 1
            if span == 1 and not r1[c]:
                top.append(H(lab, rowspan=2))
            else:
                top.append(H(lab, colspan=span))
                second += [H(x) for x in r1[c:c + span]]
            c += span
        header = [top, second, [H(squeeze_header(rows[2][0]), colspan=2)] + [H(x) for x in _pad(rows[2], ncols)[2:]]]
        body_rows = [_pad(r, ncols) for r in rows[3:]]
        body = _coded_body(body_rows)
        widths = [1.1, 2.6] + [1.1] * (ncols - 2)
        spec.update(layout="coded", body=body_rows, ncols=ncols, header_paths=_paths_0708(r0, r1))
        landscape = False
    elif n == "09":
        ncols = 12
        r1 = [squeeze_header(x) for x in rows[1]]
        r2 = [squeeze_header(x) for x in _pad(rows[2], ncols)]
        grp = []
        for g in range(2):
            o = 6 * g
            grp += [H(r1[o], rowspan=2), H(r1[o + 1], rowspan=2), H(r1[o + 2], colspan=3), H(r1[o + 5], rowspan=2)]
        sub = [H(x) for x in r2[2:5]] + [H(x) for x in r2[8:11]]
        header = [[H(squeeze_header(rows[0][0]), colspan=6), H(squeeze_header(rows[0][6]), colspan=6)],
                  grp, sub, [H(x) for x in rows[3]]]
        body_rows = [_pad(r, ncols) for r in rows[4:]]
        body = [[A(x) for x in r] for r in body_rows]
        widths = [1.0] * 12
        spec.update(layout="single_row", body=body_rows, ncols=ncols)
        landscape = True
    else:  # pragma: no cover
        raise ValueError(n)
    table = Table(title=ts.title, header_rows=header, body_rows=body, col_widths=widths, code=ts.code,
                  unit_text=ts.unit, dept_line=ts.dept, notes=ts.notes, after_text=ts.after,
                  repeat_header=True, landscape=landscape, font_size=7.0 if n == "06" else 8.0,
                  start_new_page=False)
    return table, spec


def _paths_0708(r0: list[str], r1: list[str]) -> list[str]:
    paths = []
    group = ""
    for c in range(2, len(r0)):
        if r0[c]:
            group = r0[c]
        if r1[c]:
            paths.append(f"{group}/{r1[c]}")
        else:
            paths.append(r0[c])
    return paths


def _coded_body(body_rows: list[list[str]]) -> list[list[Cell]]:
    out = []
    for r in body_rows:
        if strip_markup(r[0]) in ("合计", "总计") and not r[1].strip():
            out.append([Cell(strip_markup(r[0]), colspan=2, align="center", bold=True)]
                       + [A(strip_markup(x)) for x in r[2:]])
        else:
            out.append([Cell(strip_markup(r[0])), Cell(strip_markup(r[1]))] + [A(strip_markup(x)) for x in r[2:]])
    return out


# --------------------------------------------------------------------------- performance tables

LEVEL1 = {"成本指标", "产出指标", "效益指标", "满意度指标"}
LEVEL2 = {"经济成本指标", "社会成本指标", "生态环境成本指标", "数量指标", "质量指标", "时效指标",
          "经济效益指标", "社会效益指标", "生态效益指标", "服务对象满意度指标", "服务对象满意度"}


@dataclass
class Perf:
    seq: int
    ncols: int
    project_name: str
    implementing_unit: str
    fund_header: list[str]
    fund_rows: list[list[str]]  # [label, initial, adjusted, executed, rate]
    fund_label: str  # 资金情况 (万元)
    goal_label: str  # 年度总体目标
    goal_heads: tuple[str, str]
    goal_split: int  # number of columns of 预期目标 (after the label column)
    goal_texts: tuple[str, str]
    ind_header: list[str]
    indicators: list[list[str]]  # [L1, L2, L3, target, actual, reason] as printed (not forward-filled)


def _goal_text(s: str) -> str:
    parts = [strip_markup(p) for p in re.split(r"</p>\s*<p>", s)]
    return "\n".join(p for p in parts if p)


def parse_perf(pt: PerfTable) -> Perf:
    rows = pt.rows
    ncols = max(len(r) for r in rows)
    it = iter(range(len(rows)))
    name = unit = None
    fund_header: list[str] = []
    fund_rows: list[list[str]] = []
    fund_label = goal_label = ""
    goal_heads = ("", "")
    goal_split = 0
    goal_texts = ("", "")
    ind_header: list[str] = []
    indicators: list[list[str]] = []
    state = "head"
    shifted = False
    for i in it:
        r = [x.strip() for x in _pad(rows[i], ncols)]
        if r[0] == "项目名称":
            name = r[1]
        elif r[0] == "实施单位":
            unit = r[1]
        elif r[0].startswith("资金情况"):
            fund_label = r[0]
            fund_header = [x for x in r[1:] if x]
            state = "funds"
        elif state == "funds" and not r[0] and r[1] and not r[1].startswith("预期"):
            vals = [x for x in r[1:] if x]
            fund_rows.append(vals)
        elif r[0].replace(" ", "").startswith("年度总体目标") or r[0].startswith("年度总体"):
            goal_label = r[0]
            cells = [(c, x) for c, x in enumerate(r) if x and c > 0]
            goal_heads = (cells[0][1], cells[1][1])
            goal_split = cells[1][0] - 1
            nxt = [x for x in _pad(rows[i + 1], ncols)]
            texts = [(c, x) for c, x in enumerate(nxt) if x.strip() and c > 0]
            goal_texts = (_goal_text(texts[0][1]) if texts else "", _goal_text(texts[1][1]) if len(texts) > 1 else "")
            next(it)
            state = "goal"
        elif r[0] == "绩效指标":
            ind_header = [x for x in r[1:] if x]
            state = "ind"
        elif state == "ind":
            if r[0] and r[0] != "绩效指标":
                shifted = True  # from here on the rows are one column to the left
            indicators.append(_indicator(rows[i], shifted))
        else:
            raise ValueError(f"performance table {pt.seq}: unexpected row {r}")
    return Perf(pt.seq, ncols, name or "", unit or "", fund_header, fund_rows, fund_label, goal_label,
                goal_heads, goal_split, goal_texts, ind_header, indicators)


def squeeze_cjk(s: str) -> str:
    """Drop the line-wrap spaces the text rendering left inside a wrapped CJK cell."""
    s = re.sub(r"(?<=[^\x00-\x7f]) +(?=[^\x00-\x7f])", "", s)
    return re.sub(r"(?<=[，。；、]) +(?=\d)", "", s)


def _indicator(raw: list[str], shifted: bool = False) -> list[str]:
    """Place one indicator row on (一级, 二级, 三级, 指标值, 完成值, 偏差原因).

    The text rendering loses the merged 绩效指标 / 一级 / 二级 cells and shifts some rows
    left or right; names of the fixed 一级/二级 vocabulary put them back in their column.
    Content cells keep their printed order (so a row printed one column off, such as
    ``质量指标 | 质量指标 | 监测排名 | 前5名 | 前2名``, stays as printed)."""
    f = [squeeze_cjk(x.strip()) for x in raw]
    if f and f[0] in ("", "绩效指标") and not shifted:
        slots = _pad(f[1:], 6)
        if len(f) > 7:  # wider grid: the reason cell spans the extra columns
            slots = f[1:6] + [" ".join(x for x in f[6:] if x)]
        l1, l2, l3, tgt, act, why = slots
        if l1 and l1 not in LEVEL1:
            if l1 in LEVEL2 and not l2:
                l1, l2 = "", l1
            elif l1 in LEVEL2:  # whole row shifted left by one column
                l1, l2, l3, tgt, act, why = "", l1, l2, l3, tgt, act
        if l3 in LEVEL2 and not l2 and not (tgt or act or why):
            l2, l3 = l3, ""
    else:
        slots = _pad(f, 6)
        head, a, b, c, d, e = slots
        if head in LEVEL1:
            l1, l2, l3, tgt, act, why = head, a, b, c, d, e
        elif not head:
            l1, l2, l3, tgt, act, why = "", a, b, c, d, e
        else:
            l1, l2 = "", head
            l3, tgt, act, why = (a, b, c, d) if a else (b, c, d, e)
    return [l1, l2, l3, tgt, act, why]


def build_perf_table(p: Perf) -> Table:
    n = p.ncols
    wide = n > 7
    rows: list[list[Cell]] = []
    rows.append([H("项目名称"), Cell(p.project_name, colspan=n - 1)])
    rows.append([H("实施单位"), Cell(p.implementing_unit, colspan=n - 1)])
    # funds: label column spans header + fund rows
    vspan = 2 if wide else 1
    head = [H(p.fund_label, rowspan=1 + len(p.fund_rows)), H(p.fund_header[0])]
    for k, x in enumerate(p.fund_header[1:]):
        last = k == len(p.fund_header) - 2
        span = (n - 2 - vspan * 3) if last else vspan
        head.append(H(x, colspan=span))
    rows.append(head)
    for fr in p.fund_rows:
        r = [Cell(fr[0], align="center")]
        for k, x in enumerate(fr[1:]):
            last = k == len(fr) - 2
            span = (n - 2 - vspan * 3) if last else vspan
            r.append(Cell(x, colspan=span, align="right"))
        rows.append(r)
    # goals
    left = p.goal_split
    right = n - 1 - left
    rows.append([H(squeeze_header(p.goal_label), rowspan=2), H(p.goal_heads[0], colspan=left),
                 H(p.goal_heads[1], colspan=right)])
    rows.append([Cell(p.goal_texts[0], colspan=left), Cell(p.goal_texts[1], colspan=right)])
    # indicators with merged 绩效指标 / 一级 / 二级 cells
    inds = p.indicators
    rows_ind: list[list[Cell]] = []
    # group spans: a 一级 cell spans until the next row with a 一级 name; 二级 likewise
    # within its 一级 group
    n_ind = len(inds)
    l1_span = [0] * n_ind
    l2_span = [0] * n_ind
    start1 = None
    for k, r in enumerate(inds):
        if r[0] or k == 0:
            start1 = k
            l1_span[k] = 1
        else:
            l1_span[start1] += 1
    start2 = None
    for k, r in enumerate(inds):
        if r[1] or k == 0 or r[0]:
            start2 = k
            l2_span[k] = 1
        else:
            l2_span[start2] += 1
    reason_span = n - 6
    rows_ind.append([H("绩效指标", rowspan=1 + n_ind)] + [H(x) for x in p.ind_header[:5]]
                    + [H(p.ind_header[5], colspan=reason_span)])
    for k, r in enumerate(inds):
        row: list[Cell] = []
        if l1_span[k]:
            row.append(Cell(r[0], rowspan=l1_span[k], align="center"))
        if l2_span[k]:
            row.append(Cell(r[1], rowspan=l2_span[k], align="center"))
        row += [Cell(r[2]), Cell(r[3], align="center"), Cell(r[4], align="center"),
                Cell(r[5], colspan=reason_span)]
        rows_ind.append(row)
    rows += rows_ind
    widths = [1.0, 1.1, 1.2, 1.5, 1.0, 1.0, 1.6] if not wide else [0.9, 1.0, 1.1, 1.3, 0.9, 0.9, 0.5, 0.5, 0.8]
    return Table(title="项目支出绩效自评表", header_rows=[], body_rows=rows, col_widths=widths, code=None,
                 unit_text=None, dept_line=None, repeat_header=False, landscape=False, font_size=8.0,
                 start_new_page=True)


# --------------------------------------------------------------------------- document


def build_document(seed: Seed) -> tuple[Document, list[tuple[TableSection, Table, dict]], list[Perf]]:
    blocks: list = []
    # 目录
    blocks.append(Heading("目 录", 1))
    for lvl, text in seed.toc:
        blocks.append(Paragraph(text, bold=lvl == 1, indent=lvl > 1))
    blocks.append(PageBreak(landscape=False))
    for kind, text, lvl in seed.part1:
        blocks.append(Heading(text, lvl) if kind == "h" else Paragraph(text))
    blocks.append(PageBreak(landscape=False))
    blocks.append(Heading(seed.part2_heading, 1))
    built = []
    first = True
    for ts in seed.tables:
        table, spec = build_table(ts)
        if not first:
            blocks.append(PageBreak(landscape=table.landscape))
        elif table.landscape:
            blocks.append(PageBreak(landscape=True))
        first = False
        blocks.append(Heading(ts.heading, 2))
        blocks.append(table)
        built.append((ts, table, spec))
    blocks.append(PageBreak(landscape=False))
    blocks.append(Heading(seed.perf_heading, 2))
    perfs = []
    for k, pt in enumerate(seed.perf):
        p = parse_perf(pt)
        t = build_perf_table(p)
        if k == 0:
            t.start_new_page = False
        blocks.append(t)
        perfs.append(p)
    blocks.append(PageBreak(landscape=False))
    for kind, text, lvl in seed.part3:
        blocks.append(Heading(text, lvl) if kind == "h" else Paragraph(text))
    blocks.append(PageBreak(landscape=False))
    for kind, text, lvl in seed.part4:
        blocks.append(Heading(text, lvl) if kind == "h" else Paragraph(text))
    title = "".join(seed.cover[1:3]).replace("\n", "")
    doc = Document(title_lines=seed.cover, blocks=blocks, options=RenderOptions(),
                   metadata_title=title, metadata_author=DEPARTMENT)
    return doc, built, perfs


# --------------------------------------------------------------------------- truth

TABLE_IDS = {
    "01": "income_expenditure_summary",
    "02": "income",
    "03": "expenditure",
    "04": "fiscal_appropriation_summary",
    "05": "general_budget_expenditure",
    "06": "general_budget_basic_expenditure",
    "07": "government_fund",
    "08": "state_capital",
    "09": "three_public",
}
MEASURES_02 = {"本年收入合计": "income_total", "财政拨款收入": "fiscal_appropriation_income",
               "上级补助收入": "superior_subsidy_income", "事业收入": "business_income",
               "经营收入": "operating_income", "附属单位上缴收入": "subordinate_remittance_income",
               "其他收入": "other_income"}
MEASURES_03 = {"本年支出合计": "expenditure_total", "基本支出": "basic_expenditure",
               "项目支出": "project_expenditure", "上缴上级支出": "remittance_to_superior",
               "经营支出": "operating_expenditure", "对附属单位补助支出": "subsidy_to_subordinate"}
MEASURES_04_EXP = {"合计": "expenditure_total", "一般公共预算财政拨款": "general_budget_appropriation",
                   "政府性基金预算财政拨款": "government_fund_appropriation",
                   "国有资本经营预算财政拨款": "state_capital_appropriation"}
MEASURES_05 = ["expenditure_total", "basic_expenditure", "personnel_expenditure", "public_expenditure",
               "project_expenditure"]
MEASURES_0708 = {"年初结转和结余": "carryover_begin", "本年收入": "income_current",
                 "本年支出/小计": "expenditure_total", "本年支出/合计": "expenditure_total",
                 "本年支出/基本支出": "basic_expenditure", "本年支出/项目支出": "project_expenditure",
                 "年末结转和结余": "carryover_end"}
MEASURES_09 = ["three_public_total", "outbound_travel", "vehicle_total", "vehicle_purchase",
               "vehicle_operation", "official_reception"]


def _cell(row_key, measure, printed, *, side=None, code=None, line=None, rn=None, phase="final"):
    p = strip_markup(printed)
    return {"row_key": row_key, "side": side, "subject_code": code, "line_name": line, "row_number": rn,
            "measure": measure, "phase": phase, "printed": p, "value": amount_value(p)}


def table_truth(ts: TableSection, table: Table, spec: dict) -> dict:
    n = ts.number
    cells: list[dict] = []
    body = spec["body"]
    if spec["layout"] == "two_sided":
        exp_measures = ["amount"] if n == "01" else [MEASURES_04_EXP[h.replace(" ", "")] for h in spec["exp_head"][2:]]
        for r in body:
            lab, rn, amt = strip_markup(r[0]), r[1].strip(), r[2]
            if rn:
                cells.append(_cell(f"income:{rn}", "amount", amt, side="income", line=lab, rn=int(rn)))
            lab2, rn2 = strip_markup(r[3]), r[4].strip()
            if rn2:
                for m, v in zip(exp_measures, r[5:]):
                    cells.append(_cell(f"expenditure:{rn2}", m, v, side="expenditure", line=lab2, rn=int(rn2)))
    elif spec["layout"] == "coded":
        if n in ("02", "03"):
            mm = MEASURES_02 if n == "02" else MEASURES_03
            measures = [mm[h] for h in spec["measures_from"]]
        elif n == "05":
            measures = MEASURES_05
        else:
            measures = [MEASURES_0708[p] for p in spec["header_paths"]]
        for r in body:
            c0 = strip_markup(r[0])
            if c0 in ("合计",) and not r[1].strip():
                key, code, line = "合计", None, "合计"
            else:
                key, code, line = c0, c0, strip_markup(r[1])
            for m, v in zip(measures, r[2:]):
                cells.append(_cell(key, m, v, code=code, line=line))
    elif spec["layout"] == "three_block":
        for r in body:
            if "人员经费合计" in r:
                continue
            for b in range(3):
                code, name, amt = (x.strip() for x in r[3 * b:3 * b + 3])
                if code:
                    cells.append(_cell(code, "amount", amt, code=code, line=name))
        for lab, v in spec["totals"].items():
            cells.append(_cell(lab, "amount", v, line=lab))
    elif spec["layout"] == "single_row":
        r = body[0]
        for g, phase in ((0, "budget"), (1, "final")):
            for k, m in enumerate(MEASURES_09):
                cells.append(_cell("三公经费", m, r[6 * g + k], line="三公经费", phase=phase))
    is_empty = all(c["value"] is None for c in cells)
    return {"table_name": TABLE_IDS[n], "printed_number": ts.code, "title": ts.title, "is_empty": is_empty,
            "empty_sentence": ts.after, "cells": cells}


def perf_truth(p: Perf) -> dict:
    measures = ["initial_budget", "adjusted_budget", "executed", "execution_rate"]
    funds = []
    for fr in p.fund_rows:
        for m, v in zip(measures, fr[1:]):
            funds.append({"row_key": fr[0], "measure": m, "printed": v,
                          "value": rate_value(v) if m == "execution_rate" else amount_value(v)})
    inds = []
    l1 = l2 = ""
    for r in p.indicators:
        if r[0]:
            l1, l2 = r[0], ""
        if r[1]:
            l2 = r[1]
        if not any(r[2:]):
            continue
        inds.append({"level1": l1, "level2": l2, "level3": r[2], "target_value": r[3], "actual_value": r[4],
                     "deviation_reason": r[5]})
    return {"table_seq": p.seq, "project_name": p.project_name, "implementing_unit": p.implementing_unit,
            "funds": funds, "indicators": inds}


# narrative figures ------------------------------------------------------------------

_FIG = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万元|%|个|人次|辆|分|万|台（套）)")


def narrative_figures(seed: Seed) -> list[dict]:
    out = []
    section = ""
    subsection = ""
    for kind, text, lvl in seed.part3:
        if kind == "h":
            if lvl <= 2:
                section, subsection = text, ""
            else:
                subsection = text
            continue
        pm = (re.match(r"^\d+\.\s*(.+?（项）)", text) or re.match(r"^\d+\.\s*(.+?)项目绩效自评情况", text)
              or re.match(r"^\d+\.\s*(.+?)预算为", text))
        para_subject = re.sub(r"\s+", "", pm.group(1)) if pm else ""
        for sentence in re.findall(r"[^。]+。?", text):
            subject = ""
            for clause_m in re.finditer(r"[^，；：。]+", sentence):
                clause = clause_m.group(0)
                last_end = 0
                for m in _FIG.finditer(clause):
                    before = clause[last_end:m.start()].lstrip("、 ")
                    last_end = m.end()
                    unit = m.group(2)
                    if unit == "万":
                        unit = "万元"
                    val = m.group(1).replace(",", "")
                    if re.search(r"\d{4}\s*$", before) or (unit == "个" and "年度" in clause[m.end():m.end() + 2]):
                        pass
                    kind_ = _figure_kind(before, unit, clause)
                    topic = re.sub(r"^(其中|主要用于以下方面|2023 年度|与 2022 年度相比)", "", before.strip()).strip()
                    topic = re.sub(r"\s+", " ", topic)
                    if kind_ in ("amount", "budget", "executed") and topic and not topic.startswith(("支出决算", "执行数")):
                        subject = re.sub(r"(为|均为|预算为|年初预算为|年初预算数)$", "", topic).strip()
                    elif kind_ in ("change", "change_pct", "share", "completion_rate") and subject:
                        topic = f"{subject}：{topic}"
                    if para_subject and not topic.replace(" ", "").startswith(para_subject):
                        topic = f"{para_subject}：{topic}"
                    out.append({"section": section + (" / " + subsection if subsection else ""), "topic": topic,
                                "figure_kind": kind_, "value": val, "unit": unit, "sentence": sentence.strip()})
    return out


def _figure_kind(before: str, unit: str, clause: str) -> str:
    if unit == "%":
        if "占" in before:
            return "share"
        if "完成" in before:
            return "completion_rate"
        if any(w in before for w in ("增长", "下降", "降低", "增加", "减少")):
            return "change_pct"
        return "percent"
    if unit == "万元":
        if any(w in before for w in ("增加", "减少")) and any(w in clause for w in ("比上年", "较", "相比")):
            return "change"
        if any(w in before for w in ("增加", "减少")):
            return "change"
        if re.search(r"(年初预算|预算为|预算数|全年预算)", before) and "决算" not in before:
            return "budget"
        if "执行数" in before:
            return "executed"
        return "amount"
    if unit == "分":
        return "score"
    return "count"


# known defects ------------------------------------------------------------------


def build_truth(seed: Seed, built, perfs: list[Perf]) -> dict:
    from corpus import seed_defects  # it imports this module's parsed structures

    tables = {}
    tlist = []
    for ts, table, spec in built:
        tt = table_truth(ts, table, spec)
        tables[ts.number] = tt
        tlist.append(tt)
    figs = narrative_figures(seed)
    truth = {
        "file": PDF_NAME,
        "document": {"department_name": DEPARTMENT, "scope": "consolidated", "fiscal_year": FISCAL_YEAR,
                     "doc_kind": "final", "unit": "万元", "producer_family": "reportlab"},
        "tables": tlist,
        "performance": [perf_truth(p) for p in perfs],
        "narrative_figures": figs,
        "known_defects": seed_defects.known_defects(seed, tables, perfs, figs),
    }
    return truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed-txt", required=True, type=pathlib.Path)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    args = ap.parse_args(argv)
    from corpus.render_reportlab import render

    seed = parse_seed(args.seed_txt)
    doc, built, perfs = build_document(seed)
    args.out.mkdir(parents=True, exist_ok=True)
    render(doc, args.out / PDF_NAME)
    truth = build_truth(seed, built, perfs)
    (args.out / TRUTH_NAME).write_text(json.dumps(truth, sort_keys=True, indent=1, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    print(f"wrote {args.out / PDF_NAME} and {args.out / TRUTH_NAME}: {len(truth['tables'])} tables, "
          f"{len(truth['performance'])} performance tables, {len(truth['narrative_figures'])} narrative figures, "
          f"{len(truth['known_defects'])} known defects")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
