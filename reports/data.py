"""What the reports show, read from the pipeline's DuckDB file: documents, results, defects.

A *defect* is what a department has to correct: :mod:`expectations.root_cause` turns the
findings (one per failed identity) into one defect per wrong printed cell, with the failed
identities as evidence.  Everything here is formatted for the officer: Chinese labels,
values as printed (thousands separators, the printed unit, ``%``), what to fix.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from expectations.rules import load_rules, measure_zh, table_catalog, table_no
from extract.errors import remedies
from warehouse.db import RAW, fetch_dicts, table_columns, table_exists

HERE = Path(__file__).resolve().parent
NO_DEPARTMENT = "（未识别部门）"
SEVERITY_ZH = {"error": "错误", "warning": "提示"}
STATUS_ZH = {"pass": "通过", "fail": "未通过", "not_applicable": "不适用", "insufficient_data": "数据不足"}
KIND_ZH = {"final": "决算", "budget": "预算"}
SCOPE_ZH = {"consolidated": "汇总", "own": "本级", "unit": "单位"}
CATEGORY_ZH = {"within_table": "表内", "cross_table": "表间", "narrative": "说明与报表", "completeness": "完整性",
               "residue": "模板残留", "extraction": "提取问题"}
# narrative figure kinds (extract/records.py) that are not table measures
FIGURE_KIND_ZH = {"share_pct": "占比", "completion_pct": "完成率", "change_pct": "增减率", "change_amount": "增减额",
                  "budget": "年初预算", "final": "决算数", "amount": "金额", "count": "数量", "year": "年份"}
DEFECT_ORDER = {"located": 0, "ambiguous": 1, "unresolved": 2, "finding": 3, "warning": 4}


@cache
def rule_titles() -> dict[str, tuple[str, str]]:
    return {r.id: (r.title_zh, r.title_en) for r in load_rules()}


def zh(message: str | None) -> str:
    """The Chinese half of a ``中文 / English`` message."""
    return (message or "").split(" / ", 1)[0].strip()


def en(message: str | None) -> str:
    parts = (message or "").split(" / ", 1)
    return parts[1].strip() if len(parts) > 1 else ""


def table_label(table_name: str | None) -> str:
    if not table_name:
        return ""
    spec = table_catalog().get(table_name)
    if spec is None:
        return table_name
    title = (spec.get("titles") or [table_name])[0]
    number = table_no(table_name)
    return f"{number} {title}" if number != table_name else title


def measure_label(measure: str | None) -> str:
    if not measure:
        return ""
    zh_name = measure_zh(measure)
    return zh_name if zh_name and zh_name != measure else FIGURE_KIND_ZH.get(measure, measure)


def doc_label(doc: dict[str, Any]) -> str:
    parts = [f"{doc['fiscal_year']}年" if doc.get("fiscal_year") else "", KIND_ZH.get(doc.get("doc_kind") or "", ""),
             f"（{SCOPE_ZH[doc['scope']]}）" if doc.get("scope") in SCOPE_ZH else ""]
    return "".join(parts) or (doc.get("file_name") or doc["document_id"][:12])


def as_printed(value: Decimal | None, like: str | None = None, pct: bool = False) -> str:
    """A number the way the document prints it: ``like`` is a printed sample (separators, decimals)."""
    if value is None:
        return ""
    decimals = 2
    comma = True
    if like:
        m = re.search(r"\.(\d+)", like)
        decimals = len(m.group(1)) if m else 0
        comma = "," in like or "，" in like or abs(value) < 1000
    q = Decimal(1).scaleb(-decimals)
    v = Decimal(value).quantize(q)
    text = f"{v:,.{decimals}f}" if comma else f"{v:.{decimals}f}"
    return text + ("%" if pct else "")


@dataclass
class CellView:
    """One printed number a defect points at, formatted for the officer."""

    document_id: str
    kind: str  # cell | figure | sum | finding
    where: str  # 公开05表 一般公共预算财政拨款支出决算表 / 情况说明
    row: str
    item: str
    page: int | None
    printed: str
    expected: str
    difference: str
    bbox: tuple | None = None


@dataclass
class Defect:
    document_id: str
    severity: str
    status: str
    rule_ids: list[str]
    options: list[list[CellView]]
    evidence: list[dict[str, Any]]  # the findings (failed identities) it explains
    category: str | None
    fix: str = ""  # what to fix, in Chinese

    @property
    def first(self) -> CellView | None:
        return self.options[0][0] if self.options and self.options[0] else None


@dataclass
class Data:
    documents: dict[str, dict[str, Any]]
    results: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    defects: list[Defect] = field(default_factory=list)
    held_back: list[dict[str, Any]] = field(default_factory=list)  # registry rows not checked, with what to do
    ocr_review: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # OCR values a person must check

    def by_department(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for doc_id, d in sorted(self.documents.items(), key=lambda kv: (kv[1]["department"], -(kv[1].get("fiscal_year") or 0),
                                                                        kv[1].get("doc_kind") or "", kv[1].get("file_name") or "")):
            out[d["department"]].append(doc_id)
        return dict(sorted(out.items()))

    def department_defects(self, ids: list[str]) -> list[Defect]:
        idset = set(ids)
        out = [d for d in self.defects if d.document_id in idset]
        year = {i: -(self.documents[i].get("fiscal_year") or 0) for i in ids}
        return sorted(out, key=lambda d: (d.severity != "error", DEFECT_ORDER.get(d.status, 9), year[d.document_id],
                                          d.first.page if d.first and d.first.page else 10**6))


def read_data(con, cache=None) -> Data:
    """Everything the report shows. ``cache``: an expectations.root_cause.IdentityCache (the
    documents tonight did not touch keep their identities from the night that evaluated them)."""
    if not table_exists(con, RAW, "dq_result") or not table_exists(con, RAW, "document"):
        return Data({}, [], [], [], _held_back(con))
    results = fetch_dicts(con, "SELECT * FROM raw.dq_result ORDER BY document_id, rule_id")
    ids = sorted({r["document_id"] for r in results})
    docs = {d["document_id"]: d for d in fetch_dicts(
        con, "SELECT * FROM raw.document WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [ids])}
    for doc_id in ids:
        d = docs.setdefault(doc_id, {"document_id": doc_id, "file_name": doc_id[:12]})
        d["department"] = d.get("department_name") or NO_DEPARTMENT
    findings = fetch_dicts(con, "SELECT * FROM raw.dq_finding ORDER BY document_id, rule_id, finding_id")
    data = Data(docs, results, findings, [], _held_back(con), read_ocr_review(con, ids))
    if findings:
        # the one call site of the root-cause analysis (a post-processing step of the dq stage's output)
        from expectations.root_cause import analyse

        data.defects = [_defect_view(con, d, {f["finding_id"]: f for f in findings}) for d in analyse(con, cache)]
        data.defects = [d for d in data.defects if d.document_id in docs]
    return data


OCR_REASON_ZH = {"low_confidence": "识别置信度低", "identity_failed": "勾稽关系不符", "ink_not_read": "有字迹未识别",
                 "not_a_number": "非数字"}


def read_ocr_review(con, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Scanned-page values neither confidently read nor confirmed by an identity, per document."""
    if not table_exists(con, RAW, "table_cell") or "review_reason" not in table_columns(con, RAW, "table_cell"):
        return {}
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in fetch_dicts(con, """
            SELECT document_id, table_name, row_key, line_name, measure, value_text, confidence, review_reason,
                   page, x0, top, x1, bottom
            FROM raw.table_cell
            WHERE review_reason IS NOT NULL AND document_id IN (SELECT unnest(?::VARCHAR[]))
            ORDER BY document_id, page, table_seq, row_index, col_index""", [ids]):
        r["bbox"] = _bbox(r)
        out[r["document_id"]].append(r)
    return dict(out)


def _held_back(con) -> list[dict[str, Any]]:
    """Landed files the checks did not read: quarantined, superseded, blank templates."""
    if not table_exists(con, RAW, "document_registry"):
        return []
    rows = fetch_dicts(con, "SELECT * FROM raw.document_registry WHERE status <> 'loaded' OR coalesce(is_template, false) "
                      "ORDER BY department_name NULLS LAST, fiscal_year, file_name")
    # (a held-back document keeps status 'loaded' in the registry; it is listed from raw.document_hold below)
    extra = {}
    if table_exists(con, RAW, "document"):
        extra = {r["document_id"]: r for r in fetch_dicts(con, "SELECT document_id, error_message, page_count FROM raw.document")}
    out = []
    for r in rows:
        key = r.get("error_code") or ("template" if r.get("is_template") else r.get("status"))
        rem = remedies().get(key) or remedies()[r.get("status") if r.get("status") in remedies() else "quarantined"]
        detail = (extra.get(r["document_id"]) or {}).get("error_message") or r.get("reason") or ""
        out.append({**r, "problem": rem["problem"], "action": rem["action"], "detail": _technical(detail, rem)})
    if table_exists(con, RAW, "document_hold"):  # loaded, but held back by a failing data test (warehouse/isolation.py)
        reg = {r["document_id"]: r for r in fetch_dicts(con, "SELECT * FROM raw.document_registry")}
        holds: dict[str, list[str]] = defaultdict(list)
        for h in fetch_dicts(con, "SELECT document_id, message FROM raw.document_hold ORDER BY document_id, test_name"):
            holds[h["document_id"]].append(h.get("message") or "")
        for doc_id, messages in holds.items():
            r = reg.get(doc_id, {"document_id": doc_id, "file_name": doc_id[:12]})
            out.append({**r, **remedies()["held_back"], "detail": "；".join(m for m in messages if m)})
    if table_exists(con, RAW, "refused_file"):  # never read: the landing scan refused the file
        for r in fetch_dicts(con, "SELECT * FROM raw.refused_file ORDER BY file_path"):
            rem = remedies().get(r.get("error_code") or "") or remedies()["quarantined"]
            out.append({"document_id": None, "file_name": r.get("file_name") or r.get("file_path"), "department_name": None,
                        "fiscal_year": None, "problem": rem["problem"], "action": rem["action"],
                        "detail": _technical(r.get("reason") or "", rem)})
    return out


def _technical(message: str, rem: dict[str, str]) -> str:
    """The technical part of an extraction message: the report already prints the problem and
    the action (``ExtractionError.message`` starts with both, then the detail in brackets)."""
    lead = f"{rem['problem']}：{rem['action']}"
    if message.startswith(lead):
        return message[len(lead):].strip().removeprefix("（").removesuffix("）")
    return message


# ---------------------------------------------------------------------------
# a defect as the officer reads it
# ---------------------------------------------------------------------------
def _cell_row(con, c: dict[str, Any]) -> dict[str, Any] | None:
    if not c.get("table_name") or not c.get("row_key"):
        return None
    sql = ("SELECT value_text, amount, amount_printed, line_name, page, x0, top, x1, bottom FROM raw.table_cell "
           "WHERE document_id = ? AND table_name = ? AND row_key = ?")
    params = [c["document_id"], c["table_name"], c["row_key"]]
    if c.get("measure"):
        sql += " AND measure = ?"
        params.append(c["measure"])
    if c.get("phase"):
        sql += " AND (phase = ? OR phase IS NULL)"
        params.append(c["phase"])
    rows = fetch_dicts(con, sql + " ORDER BY table_seq, row_index LIMIT 1", params)
    return rows[0] if rows else None


def _figure_row(con, c: dict[str, Any]) -> dict[str, Any] | None:
    if c.get("printed") is None or not table_exists(con, RAW, "narrative_figure"):
        return None
    sql = "SELECT value_text, topic, sentence, page, x0, top, x1, bottom FROM raw.narrative_figure WHERE document_id = ? AND value = ?"
    params: list[Any] = [c["document_id"], c["printed"]]
    if c.get("page") is not None:
        sql += " AND page = ?"
        params.append(c["page"])
    rows = fetch_dicts(con, sql + " ORDER BY figure_seq LIMIT 1", params)
    return rows[0] if rows else None


def _bbox(r: dict[str, Any] | None) -> tuple | None:
    if r and r.get("page") is not None and None not in (r.get("x0"), r.get("top"), r.get("x1"), r.get("bottom")):
        return (int(r["page"]), float(r["x0"]), float(r["top"]), float(r["x1"]), float(r["bottom"]))
    return None


def _cell_view(con, c: dict[str, Any]) -> CellView:
    pct = (c.get("measure") or "").endswith("_pct") or (c.get("row_key") or "").endswith("_pct")
    row = _cell_row(con, c) if c["kind"] == "cell" else None
    fig = _figure_row(con, c) if c["kind"] in ("figure", "finding", "sum") and not row else None
    printed, expected, diff = c.get("printed"), c.get("expected"), c.get("difference")
    like = None
    scale = Decimal(1)
    if row and row.get("value_text"):
        like = row["value_text"]
        if row.get("amount") and row.get("amount_printed"):  # a 元 table: print in 元
            scale = Decimal(row["amount_printed"]) / Decimal(row["amount"])
    elif fig and fig.get("value_text"):
        like = fig["value_text"]
    mul = (lambda v: None if v is None else Decimal(v) * scale)  # noqa: E731
    if c["kind"] == "cell" or (c.get("table_name") and c["kind"] != "figure"):
        where = table_label(c.get("table_name")) if c.get("table_name") else "情况说明"
    else:
        where = "情况说明" if c["kind"] == "figure" else (table_label(c.get("table_name")) or "情况说明")
    label = (row or {}).get("line_name") or c.get("label") or ""
    if not label and fig:
        label = fig.get("topic") or ""
    if not label and c["kind"] != "figure":
        label = c.get("row_key") or ""
    if c.get("measure") == "year" and printed is not None:  # a year is printed as a year
        return CellView(c["document_id"], c["kind"], where, "", "年份", c.get("page") or (fig or {}).get("page"),
                        str(int(printed)), str(int(expected)) if expected is not None else "", "", _bbox(fig) or c.get("bbox"))
    page = c.get("page") or (row or {}).get("page") or (fig or {}).get("page")
    return CellView(c["document_id"], c["kind"], where, str(label), measure_label(c.get("measure")), page,
                    (like if like and printed is not None and mul(printed) == _dec(like) else as_printed(mul(printed), like, pct)),
                    as_printed(mul(expected), like, pct), as_printed(mul(diff), like, pct),
                    _bbox(row) or _bbox(fig) or c.get("bbox"))


def _dec(text: str | None) -> Decimal | None:
    try:
        return Decimal(re.sub(r"[,，%\s]", "", text or ""))
    except Exception:
        return None


def _place(v: CellView) -> str:
    page = f"（第{v.page}页）" if v.page else ""
    item = f" {v.item}" if v.item and v.item not in v.row else ""
    return f"{v.where} {v.row}{item}{page}".strip()


def _fix(d: Defect) -> str:
    if d.status == "located":
        cells = d.options[0]
        parts = [f"{_place(v)} 由 {v.printed} 改为 {v.expected}" for v in cells]
        return ("请将" + parts[0] + "。") if len(parts) == 1 else "请同时更正以下各处：" + "；".join(parts) + "。"
    if d.status == "ambiguous":
        alts = ["或".join(f"将{_place(v)} 由 {v.printed} 改为 {v.expected}" for v in opt) if len(opt) == 1 else
                "同时" + "、".join(f"将{_place(v)} 改为 {v.expected}" for v in opt) for opt in d.options]
        return f"以下 {len(alts)} 种更正都能使勾稽关系成立，请核实哪一处有误：" + "；".join(
            f"{'①②③④⑤⑥⑦⑧'[i]} {a}" for i, a in enumerate(alts)) + "。"
    if d.status in ("unresolved", "warning"):
        names = "；".join(f"{_place(opt[0])} {opt[0].printed}" for opt in d.options if opt)
        head = "多处数字互相矛盾，无法确定哪一处有误，请逐一核实" if d.status == "unresolved" else "请核实（提示，非必然错误）"
        return f"{head}：{names}。"
    msg = zh(d.evidence[0].get("message")) if d.evidence else ""
    v = d.first
    if v is not None and v.printed and v.expected:
        return f"请核实{_place(v)}：填报 {v.printed}，按报表应为 {v.expected}。"
    return f"请核实：{msg}"


def _defect_view(con, d: dict[str, Any], findings: dict[str, dict[str, Any]]) -> Defect:
    options = [[_cell_view(con, c) for c in opt] for opt in d["options"]]
    evidence = [findings[f] for f in d["evidence"] if f in findings]
    out = Defect(d["document_id"], d["severity"], d["status"], d["rule_ids"], options, evidence, d.get("category"))
    out.fix = _fix(out)
    return out
