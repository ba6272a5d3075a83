"""Extraction problems, for the operator (category ``extraction``): what the extractor could
not read is a finding with its page, never a table "printed empty" or a blank cell."""
from __future__ import annotations

from typing import Any

from .common import clip, measure_zh, table_no
from .engine import Finding, Outcome, check
from .model import Doc


@check("table_unread")
def _table_unread(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """Tables whose cells print amounts but yielded none (extract.tables.read_table)."""
    for t in doc.table_rows:
        if t.get("extraction_problem"):
            out.add(Finding(t.get("table_name"), t.get("first_page"), None, None, None, None, None, None,
                            f"{t['extraction_problem']}（提取失败，请数据组查看该页 / extraction failure)"))
        elif t.get("is_mapped"):
            out.ok()


@check("cell_unparsed")
def _cell_unparsed(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """Amount cells whose text is not one amount (kept as text, never read as blank)."""
    cells = [c for cs in doc.cells.values() for c in cs] + [c for cs in doc.performance.values() for c in cs]
    for c in cells:
        if c.get("measure") is None:
            continue
        if c.get("value_kind") == "text":
            out.add(Finding(c.get("table_name"), c.get("page"), c.get("row_key"), c.get("measure"), None, None,
                            None, None, f"第{c.get('page')}页 {table_no(c.get('table_name'))} {c.get('row_key')} "
                            f"{measure_zh(c.get('measure'))}：单元格文字“{clip(c.get('value_text') or '')}”不是一个金额"
                            f" / the cell text is not one amount"))
        else:
            out.ok()


@check("no_table_recognised")
def _no_table_recognised(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """A document whose tables were all read generically: loaded (its numbers are in the facts
    under unrecognised:<title>), but no template rule can check it until the catalog names one."""
    tables = [t for t in doc.table_rows if t.get("table_name") != "performance_self_assessment"]
    if not tables:
        out.na("no tables")
        return
    if any(t.get("is_mapped") for t in tables):
        out.ok()
        return
    first = min(tables, key=lambda t: t.get("first_page") or 10**6)
    titles = "、".join(sorted({clip(t.get("normalised_title") or t.get("printed_title") or "(无标题)")
                                 for t in tables})[:5])
    out.add(Finding(None, first.get("first_page"), None, None, None, None, None, None,
                    f"文件中的 {len(tables)} 张表均未能识别为已知模板（{titles}），其数字已按表头载入但未做勾稽检查；"
                    f"请在 extract/catalog/tables.yaml 中为其标题添加别名 / none of the document's {len(tables)} "
                    f"tables matched a template: loaded generically, not checked"))
