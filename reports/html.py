"""The officer's HTML report: per department, what to correct first, each with its page picture.

One self-contained page (inline CSS and SVG, pictures as base64 PNG, no JavaScript, no
network): title by what is included, files that could not be checked and what to do,
the prefecture summary, then per department its defects (errors first), each with the
cell to correct, printed and expected value as printed, the failed identities as
evidence and the page picture; the full rules × documents grid is folded at the end.
English rule titles and messages are in hover titles (``title`` attributes).
"""
from __future__ import annotations

import html
from collections import Counter
from typing import Any

from reports.data import (
    CATEGORY_ZH,
    KIND_ZH,
    OCR_REASON_ZH,
    SEVERITY_ZH,
    STATUS_ZH,
    Data,
    Defect,
    doc_label,
    en,
    measure_label,
    rule_titles,
    table_label,
    zh,
)
from reports.pictures import PagePictures

STATUS_STYLE = {"pass": ("#2e7d32", "✓"), "fail": ("#c62828", "✗"), "not_applicable": ("#9e9e9e", "–"),
                "insufficient_data": ("#ef6c00", "?")}
DEFECT_STATUS_ZH = {"located": "已定位", "ambiguous": "两种可能", "unresolved": "无法定位", "finding": "", "warning": "提示"}

CSS = """
*{box-sizing:border-box}
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#222;
 font-size:14px;background:#f6f7f9}
main{max-width:1840px;margin:0 auto;padding:20px 28px}
h1{font-size:24px;margin:8px 0} h2{font-size:20px;border-bottom:3px solid #1565c0;padding-bottom:4px;margin-top:40px}
h3{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;margin:8px 0;background:#fff} th,td{border:1px solid #d0d4da;padding:4px 8px;vertical-align:top}
th{background:#eef2f7;text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.muted{color:#6b7280} .kpis{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.kpi{padding:10px 16px;background:#fff;border:1px solid #e0e3e8;border-radius:8px;min-width:120px}
.kpi b{font-size:24px;display:block} .kpi.err b{color:#c62828} .kpi.warn b{color:#b45309}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;margin-right:6px}
.sev-error{background:#c62828} .sev-warning{background:#d97706}
.tag{display:inline-block;padding:1px 6px;border-radius:4px;background:#e8eef7;color:#1e3a8a;font-size:12px;margin-right:4px}
.card{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,44%);gap:16px;background:#fff;border:1px solid #e0e3e8;
 border-left:5px solid #c62828;border-radius:6px;padding:12px 16px;margin:10px 0}
.card.warning{border-left-color:#d97706} .card .head{grid-column:1/-1;font-weight:bold}
.card table{width:100%;table-layout:fixed} .card th{width:7em}
.fix{background:#fff8e1;border:1px solid #f2d98c;border-radius:4px;padding:6px 10px;margin:8px 0;font-weight:bold}
.pic img{max-width:100%;height:auto;border:1px solid #9ca3af;display:block;margin-bottom:6px}
.docs span{margin-right:14px;white-space:nowrap} details{margin:6px 0} summary{cursor:pointer;color:#1e40af}
.matrix td{text-align:center;padding:1px 4px;font-weight:bold} .matrix td.r{text-align:left;font-weight:normal}
.wide{overflow-x:auto;max-width:100%} .summary td:first-child{white-space:nowrap}
@media (max-width:1500px){.card{grid-template-columns:minmax(0,1fr) minmax(0,48%)}}
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def report_title(data: Data) -> str:
    years = sorted({d.get("fiscal_year") for d in data.documents.values() if d.get("fiscal_year")})
    kinds = [KIND_ZH[k] for k in ("final", "budget") if any(d.get("doc_kind") == k for d in data.documents.values())]
    span = f"{years[0]}—{years[-1]}年度" if len(years) > 1 else f"{years[0]}年度" if years else ""
    what = "和".join(f"部门{k}" for k in kinds) or "部门决算/预算"
    return f"{span}{what}公开 质量检查报告"


def bar_chart_svg(items: list[tuple[str, int, str]], title: str, width: int = 760) -> str:
    """Horizontal bars: (label, value, colour)."""
    if not items:
        return f"<p class='muted'>{_e(title)}：无</p>"
    bar_h, gap = 18, 6
    em = max(sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in lab[:40]) for lab, _, _ in items)
    left = int(12 + 12 * em)
    width = max(width, left + 400)
    vmax = max(v for _, v, _ in items) or 1
    height = len(items) * (bar_h + gap) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{_e(title)}"'
           f' style="max-width:100%;height:auto" viewBox="0 0 {width} {height}">',
           f'<text x="0" y="14" font-size="13" font-weight="bold">{_e(title)}</text>']
    for i, (lab, v, colour) in enumerate(items):
        y = 24 + i * (bar_h + gap)
        w = int((width - left - 60) * v / vmax)
        out.append(f'<text x="{left - 6}" y="{y + 13}" font-size="12" text-anchor="end">{_e(lab[:40])}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="{colour}"><title>{_e(lab)}: {v}</title></rect>')
        out.append(f'<text x="{left + w + 4}" y="{y + 13}" font-size="12">{v}</text>')
    out.append("</svg>")
    return "".join(out)


def _defect_card(d: Defect, doc: dict[str, Any], pictures: PagePictures | None) -> str:
    titles = rule_titles()
    rid = d.rule_ids[0] if d.rule_ids else ""
    zh_title, en_title = titles.get(rid, (rid, rid))
    v = d.first
    head = (f"<div class='head'><span class='sev sev-{d.severity}'>{SEVERITY_ZH.get(d.severity, d.severity)}</span>"
            f"<span title='{_e(en_title)}'>{_e(zh_title)}</span> "
            + (f"<span class='tag'>{DEFECT_STATUS_ZH[d.status]}</span>" if DEFECT_STATUS_ZH.get(d.status) else "")
            + f"<span class='muted'> · {_e(doc_label(doc))} · {_e(doc.get('file_name'))}</span></div>")
    rows = []
    if v is not None:
        rows = [("表", v.where), ("页", v.page or ""), ("行", v.row), ("项目", v.item), ("填报", v.printed),
                ("应为", v.expected if d.status in ("located", "finding") else "见下"),
                ("差额", v.difference if d.status in ("located", "finding") else "")]
    table = "<table>" + "".join(f"<tr><th>{k}</th><td>{_e(val)}</td></tr>" for k, val in rows if val not in (None, "")) + "</table>"
    ev = "".join(f"<li title='{_e(en(f.get('message')))}'>{_e(titles.get(f['rule_id'], (f['rule_id'],))[0])}："
                 f"{_e(zh(f.get('message')))}</li>" for f in d.evidence)
    evidence = (f"<details><summary>依据：{len(d.evidence)} 条勾稽关系未通过</summary><ul>{ev}</ul></details>"
                if d.evidence else "")
    # the tables the finding rests on, and whether their own totals were verified: the rule engine
    # downgrades a comparison that rests on a table whose own identities fail, and says so (本项未核实)
    rests = sorted({f.get("table_name") for f in d.evidence if f.get("table_name")})
    if rests and d.category in ("cross_table", "narrative"):
        unverified = any("未核实" in (f.get("message") or "") for f in d.evidence)
        evidence += (f"<p class='muted'>所依据的表：{_e('、'.join(table_label(t) for t in rests))}"
                     + ("（其中有表自身勾稽不成立，本项未核实）" if unverified else "（各表自身合计已核实）") + "</p>")
    pics = []
    if pictures is not None:
        seen = set()
        for opt in d.options[:3]:
            for c in opt[:2]:
                if c.bbox and (c.document_id, c.bbox) not in seen:
                    seen.add((c.document_id, c.bbox))
                    uri = pictures.crop(doc if c.document_id == doc["document_id"] else {**doc, **_other(c)}, c.bbox,
                                        d.severity)
                    if uri:
                        pics.append(f"<img alt='第{c.bbox[0]}页 {_e(c.row)}' src='{uri}'>"
                                    f"<div class='muted'>第 {c.bbox[0]} 页 · {_e(c.where)} {_e(c.row)}</div>")
    pic = "".join(pics) or ("<p class='muted'>（无页面图：未记录该数字在页面上的位置）</p>" if d.severity == "error" else "")
    return (f"<div class='card {d.severity}'>{head}<div>{table}<div class='fix'>{_e(d.fix)}</div>{evidence}</div>"
            f"<div class='pic'>{pic}</div></div>")


_OTHER_DOCS: dict[str, dict[str, Any]] = {}


def _other(c) -> dict[str, Any]:
    return _OTHER_DOCS.get(c.document_id, {"document_id": c.document_id})


def render_html(data: Data, pictures: PagePictures | None, generated_at: str) -> str:
    _OTHER_DOCS.clear()
    _OTHER_DOCS.update(data.documents)
    titles = rule_titles()
    depts = data.by_department()
    anchors = {dept: f"dept-{i + 1}" for i, dept in enumerate(depts)}  # unique by construction
    errors = [d for d in data.defects if d.severity == "error"]
    warnings = [d for d in data.defects if d.severity != "error"]
    title = report_title(data)
    p = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
         f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{_e(title)}</title>"
         f"<style>{CSS}</style></head><body><main>",
         f"<h1>{_e(title)}</h1>",
         f"<p class='muted'>生成时间 {generated_at} · 每个问题只列一次：同一个填错的数字引起的多条勾稽关系不符合并为一条，"
         f"并指出应更正的单元格；两处都可能有误时两处都列出。</p>"]
    kpis = [("部门", len(depts), ""), ("已检查文件", len(data.documents), ""), ("需更正的错误", len(errors), "err"),
            ("提示", len(warnings), "warn"), ("未纳入检查的文件", len(data.held_back), "warn" if data.held_back else "")]
    p.append("<div class='kpis'>" + "".join(f"<div class='kpi {c}'><b>{v}</b>{_e(k)}</div>" for k, v, c in kpis) + "</div>")
    if data.held_back:
        p.append("<h2 id='held-back'>未纳入检查的文件</h2><table><tr><th>文件</th><th>部门</th><th>年度</th><th>问题</th>"
                 "<th>怎么办</th><th>详情</th></tr>")
        for r in data.held_back:
            p.append(f"<tr><td>{_e(r.get('file_name'))}</td><td>{_e(r.get('department_name') or '')}</td>"
                     f"<td>{_e(r.get('fiscal_year') or '')}</td><td>{_e(r['problem'])}</td><td>{_e(r['action'])}</td>"
                     f"<td class='muted'>{_e(r['detail'])}</td></tr>")
        p.append("</table>")
    # prefecture summary
    p.append("<h2>全州汇总</h2><div class='wide'><table class='summary'><tr><th>部门</th><th>文件</th><th>错误</th><th>提示</th>"
             "<th>主要问题</th></tr>")
    order = sorted(depts, key=lambda dep: (-sum(1 for d in data.department_defects(depts[dep]) if d.severity == "error"), dep))
    for dept in order:
        ds = data.department_defects(depts[dept])
        ne = sum(1 for d in ds if d.severity == "error")
        top = Counter(titles.get(d.rule_ids[0], ("",))[0] for d in ds if d.severity == "error" and d.rule_ids).most_common(2)
        p.append(f"<tr><td><a href='#{anchors[dept]}'>{_e(dept)}</a></td><td class='n'>{len(depts[dept])}</td>"
                 f"<td class='n'>{ne or ''}</td><td class='n'>{(len(ds) - ne) or ''}</td>"
                 f"<td>{_e('；'.join(t for t, _ in top))}</td></tr>")
    p.append("</table></div>")
    for sev, colour, what in (("error", "#c62828", "需更正的错误最多的检查规则（错误数）"),
                              ("warning", "#d97706", "提示最多的检查规则（提示数，非必然错误）")):
        by_rule = Counter(d.rule_ids[0] for d in data.defects if d.rule_ids and (d.severity == "error") == (sev == "error"))
        p.append(bar_chart_svg([(titles.get(rid, (rid,))[0], n, colour) for rid, n in by_rule.most_common(15)], what))
    sev_cat = Counter((d.severity, d.category) for d in data.defects)
    p.append("<h3>问题按级别与类别</h3><table><tr><th></th>" + "".join(f"<th>{_e(c)}</th>" for c in CATEGORY_ZH.values())
             + "<th>合计</th></tr>")
    for sev in ("error", "warning"):
        row = [sev_cat.get((sev, c), 0) for c in CATEGORY_ZH]
        p.append(f"<tr><th>{SEVERITY_ZH[sev]}</th>" + "".join(f"<td class='n'>{v}</td>" for v in row)
                 + f"<td class='n'>{sum(row)}</td></tr>")
    p.append("</table>")
    # per department
    results_by = {(r["document_id"], r["rule_id"]): r for r in data.results}
    rules_seen = sorted({r["rule_id"] for r in data.results})
    for dept in depts:
        ids = depts[dept]
        ds = data.department_defects(ids)
        ne = sum(1 for d in ds if d.severity == "error")
        p.append(f"<h2 id='{anchors[dept]}'>{_e(dept)} <span class='muted' style='font-size:14px'>"
                 f"错误 {ne} · 提示 {len(ds) - ne}</span></h2>")
        per_doc = Counter(d.document_id for d in ds if d.severity == "error")
        p.append("<div class='docs'>" + "".join(
            f"<span title='{_e(data.documents[i].get('file_name'))}'>{_e(doc_label(data.documents[i]))}："
            + (f"<b style='color:#c62828'>{per_doc[i]} 个错误</b>" if per_doc[i] else "<span style='color:#2e7d32'>无错误</span>")
            + "</span>" for i in ids) + "</div>")
        if not ne:
            p.append("<p>没有需要更正的错误。</p>")
        for d in ds:
            if d.severity == "error":
                p.append(_defect_card(d, data.documents[d.document_id], pictures))
        if len(ds) > ne:  # warnings are folded: they ask to check, not to correct
            p.append(f"<details><summary>提示 {len(ds) - ne} 条（非必然错误，请核实）</summary>")
            for d in ds:
                if d.severity != "error":
                    p.append(_defect_card(d, data.documents[d.document_id], pictures))
            p.append("</details>")
        for i in ids:  # scanned pages: OCR values a person must check against the page
            review = data.ocr_review.get(i, [])
            if review:
                doc = data.documents[i]
                p.append(f"<details open><summary>{_e(doc_label(doc))} 扫描页 OCR 待核对数值 {len(review)} 个</summary>"
                         "<table><tr><th>页</th><th>表</th><th>行</th><th>项目</th><th>识别值</th><th>置信度</th><th>原因</th></tr>")
                for c in review:
                    img = pictures.crop(doc, c["bbox"], "warning") if pictures is not None and c.get("bbox") else None
                    pic = f"<div class='pic'><img alt='第{c['page']}页' src='{img}'></div>" if img else ""
                    p.append(f"<tr><td class='n'>{_e(c['page'])}</td><td>{_e(table_label(c['table_name']))}</td>"
                             f"<td>{_e(c.get('line_name') or c.get('row_key'))}</td><td>{_e(measure_label(c.get('measure')))}</td>"
                             f"<td class='n'>{_e(c.get('value_text'))}</td><td class='n'>{_e(c.get('confidence'))}</td>"
                             f"<td>{_e(OCR_REASON_ZH.get(c['review_reason'], c['review_reason']))}{pic}</td></tr>")
                p.append("</table></details>")
        # the full grid, folded
        p.append("<details><summary>全部规则检查结果（✓ 通过 ✗ 未通过 – 不适用 ? 数据不足）</summary><div class='wide'>"
                 "<table class='matrix'><tr><th>规则</th>" + "".join(
                     f"<th title='{_e(data.documents[i].get('file_name'))}'>{_e(doc_label(data.documents[i]))}</th>" for i in ids)
                 + "</tr>")
        for rid in rules_seen:
            cells = []
            shown = False
            for i in ids:
                res = results_by.get((i, rid))
                st = res["status"] if res else "not_applicable"
                shown |= st != "not_applicable"
                colour, mark = STATUS_STYLE[st]
                cells.append(f"<td style='color:{colour}' title='{_e(STATUS_ZH[st])} · {_e(res['detail'] if res else '')}'>{mark}</td>")
            if shown:
                p.append(f"<tr><td class='r' title='{_e(titles.get(rid, ('', rid))[1])}'>{_e(titles.get(rid, (rid,))[0])}</td>"
                         f"{''.join(cells)}</tr>")
        p.append("</table></div></details>")
    p.append("</main></body></html>")
    return "\n".join(p)
