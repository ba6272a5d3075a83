"""Our own page of the GX validation results, readable with no network.

GX's Data Docs load Bootstrap, jQuery and fonts from CDNs and fill the validation list with
JavaScript: on an intranet without internet they are blank.  ``write_offline_docs`` writes
``index.html`` of the Data Docs folder as one self-contained page (inline CSS, no script,
no external reference): the validation list (suite, table, rows, result, expectations met)
and per suite every expectation with its column, result and observed value.  GX's own index
is kept next to it as ``gx_index.html`` for machines with internet access.
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

CSS = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;background:#f6f7f9;color:#222}
main{max-width:1600px;margin:0 auto;padding:20px 28px} h1{font-size:22px} h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;background:#fff;width:100%} th,td{border:1px solid #d0d4da;padding:4px 8px;text-align:left;
vertical-align:top} th{background:#eef2f7} td.n{text-align:right} .ok{color:#2e7d32;font-weight:bold}
.bad{color:#c62828;font-weight:bold} .skip{color:#6b7280} code{font-size:12px;word-break:break-all}
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _mark(success: Any) -> str:
    if success is None:
        return "<span class='skip'>未运行</span>"
    return "<span class='ok'>通过</span>" if success else "<span class='bad'>未通过</span>"


def _anchor(name: str) -> str:
    return "s-" + re.sub(r"[^0-9A-Za-z_-]", "_", name)


def render(suites: dict[str, dict[str, Any]], descriptions: dict[str, str] | None = None, generated_at: str | None = None) -> str:
    descriptions = descriptions or {}
    generated_at = generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    ran = [s for s in suites.values() if s.get("success") is not None]
    ok = sum(1 for s in ran if s["success"])
    p = ["<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
         "<meta name='viewport' content='width=device-width, initial-scale=1'><title>数据质量校验结果（Great Expectations）</title>"
         f"<style>{CSS}</style></head><body><main><h1>数据质量校验结果 / Validation results (Great Expectations)</h1>",
         f"<p>生成时间 {generated_at} · 校验套件 {len(suites)} 个，运行 {len(ran)} 个，通过 {ok} 个。</p>",
         "<table id='validation-list'><thead><tr><th>套件 Suite</th><th>说明</th><th>行数</th><th>结果</th>"
         "<th>期望满足</th></tr></thead><tbody>"]
    for name, s in suites.items():
        met = f"{s.get('successful_expectations')}/{s.get('evaluated_expectations')}" if s.get("success") is not None else ""
        p.append(f"<tr class='validation'><td><a href='#{_anchor(name)}'>{_e(name)}</a></td>"
                 f"<td>{_e(descriptions.get(name) or s.get('skipped') or '')}</td><td class='n'>{_e(s.get('rows', ''))}</td>"
                 f"<td>{_mark(s.get('success'))}</td><td class='n'>{met}</td></tr>")
    p.append("</tbody></table>")
    for name, s in suites.items():
        p.append(f"<h2 id='{_anchor(name)}'>{_e(name)} {_mark(s.get('success'))}</h2>")
        if s.get("success") is None:
            p.append(f"<p class='skip'>{_e(s.get('skipped') or '')}</p>")
            continue
        p.append("<table><tr><th>期望 Expectation</th><th>列</th><th>结果</th><th>不符行数</th><th>观测值 / 不符示例</th></tr>")
        for e in s.get("expectations") or s.get("failed") or []:
            example = e.get("observed_value") if e.get("observed_value") is not None else e.get("partial_unexpected_list")
            p.append(f"<tr><td><code>{_e(e.get('expectation'))}</code></td><td>{_e(e.get('column'))}</td>"
                     f"<td>{_mark(e.get('success', False))}</td><td class='n'>{_e(e.get('unexpected_count') or '')}</td>"
                     f"<td><code>{_e(example if example not in (None, []) else '')}</code></td></tr>")
        p.append("</table>")
    p.append("</main></body></html>")
    return "\n".join(p)


def write_offline_docs(docs_dir: Path, suites: dict[str, dict[str, Any]], descriptions: dict[str, str] | None = None) -> Path:
    docs_dir = Path(docs_dir)
    docs_dir.mkdir(parents=True, exist_ok=True)
    index = docs_dir / "index.html"
    if index.exists() and "validation-list" not in index.read_text(encoding="utf-8", errors="replace")[:4000]:
        index.replace(docs_dir / "gx_index.html")  # GX's own index (needs internet for its assets)
    tmp = index.with_suffix(".html.tmp")
    tmp.write_text(render(suites, descriptions), encoding="utf-8")
    tmp.replace(index)
    return index
