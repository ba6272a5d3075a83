"""Where the results go: ``raw.dq_result`` / ``raw.dq_finding`` (:func:`run_all`) and the CLI
(``python -m expectations.rules [DUCKDB_PATH]``; ``--list`` prints the catalog)."""
from __future__ import annotations

import hashlib
import sys
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_UP
from pathlib import Path
from typing import Any

# the columns of raw.dq_result / raw.dq_finding are defined once, in the warehouse's DDL (the
# loader creates them empty before the rules ever ran)
from warehouse.db import insert_arrow, qtable, table_exists
from warehouse.schema import DQ_FINDING_COLUMNS, DQ_RESULT_COLUMNS, ensure_tables

from .engine import STATUSES, Finding, evaluate_document, load_rules, q6
from .loader import Peers, current_documents, load_doc


def _finding_id(document_id: str, rule_id: str, f: Finding, seq: int) -> str:
    key = "|".join(str(x) for x in (document_id, rule_id, f.table_name, f.row_key, f.measure, f.page, seq))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


OCR_NOTE = "（依据未经核实的 OCR 识别值，请核对扫描页 / rests on OCR values no identity confirmed: check the scanned page）"


def rests_on_unconfirmed_ocr(doc, f) -> bool:
    """A finding on a table page read by OCR where some value is unconfirmed: the misreading may
    be ours, not the department's, so it is a warning until a person has looked."""
    for c in doc.cells.get(f.table_name, ()) if f.table_name else ():
        if c.get("value_source") == "ocr" and not c.get("confirmed") and (f.page is None or c.get("page") == f.page):
            return True
    return False


def run_all(duckdb_path: str | Path, document_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """Evaluate every rule on every current document; replace raw.dq_result / raw.dq_finding.

    ``document_ids``: evaluate only the current documents among these (tonight's affected
    documents, warehouse/incremental.py) and replace only their rows; rows of documents that are
    no longer current leave too. A document's results depend on its own records and on its
    department's other documents (Peers), which the night plan includes with it, so the tables
    come out as a run over every document would write them.

    Returns ``{"documents": n, "results": {status: n}, "findings": {severity: n},
    "rules": {rule_id: {status: n}}}`` (counts over the documents evaluated).
    """
    import duckdb
    import pyarrow as pa

    con = duckdb.connect(str(duckdb_path))
    try:
        rules = load_rules()
        results: list[dict[str, Any]] = []
        findings: list[dict[str, Any]] = []
        docs = current_documents(con) if table_exists(con, "raw", "document") else []
        peers = Peers(con, docs)
        current = [d["document_id"] for d in docs]
        if document_ids is not None:
            wanted = set(document_ids)
            docs = [d for d in docs if d["document_id"] in wanted]
        for meta in docs:
            doc = load_doc(con, meta, meta.get("table_source_id"))
            doc.peers = peers  # cross-document checks read the department's other documents
            for out in evaluate_document(doc, rules):
                r = out.rule
                results.append({
                    "document_id": doc.id, "rule_id": r.id, "rule_title": r.title, "severity": r.severity,
                    "category": r.category, "status": out.status, "detail": out.detail,
                })
                for seq, f in enumerate(out.findings):
                    ocr = rests_on_unconfirmed_ocr(doc, f)
                    findings.append({
                        "finding_id": _finding_id(doc.id, r.id, f, seq), "document_id": doc.id, "rule_id": r.id,
                        "severity": "warning" if ocr else (f.severity or r.severity), "category": r.category,
                        "table_name": f.table_name,
                        "page": f.page, "row_key": f.row_key, "measure": f.measure,
                        "expected": q6(f.expected), "printed": q6(f.printed), "difference": q6(f.difference),
                        "tolerance": q6(f.tolerance, ROUND_UP), "message": f.message + (OCR_NOTE if ocr else ""),
                    })

        def arrow(rows, columns):
            fields = [(n, pa.decimal128(24, 6) if t.startswith("DECIMAL") else pa.int32() if t == "INTEGER" else pa.string())
                      for n, t in columns]
            return pa.Table.from_pylist(rows, schema=pa.schema(fields))

        res_tbl, fnd_tbl = arrow(results, DQ_RESULT_COLUMNS), arrow(findings, DQ_FINDING_COLUMNS)
        con.execute("BEGIN TRANSACTION")
        try:
            ensure_tables(con, ["dq_result", "dq_finding"])
            if document_ids is None:
                con.execute("DELETE FROM raw.dq_result")
                con.execute("DELETE FROM raw.dq_finding")
            else:  # the evaluated documents, and any document that is no longer current
                for table in ("dq_result", "dq_finding"):
                    con.execute(f"DELETE FROM {qtable(table)} WHERE document_id IN (SELECT unnest(?::VARCHAR[])) "
                                "OR document_id NOT IN (SELECT unnest(?::VARCHAR[]))",
                                [[d["document_id"] for d in docs], current])
            insert_arrow(con, "dq_result", res_tbl)
            insert_arrow(con, "dq_finding", fnd_tbl)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    by_status: dict[str, int] = {s: 0 for s in STATUSES}
    by_rule: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in results:
        by_status[r["status"]] += 1
        by_rule[r["rule_id"]][r["status"]] += 1
    by_severity: dict[str, int] = {"error": 0, "warning": 0}
    for f in findings:
        by_severity[f["severity"]] = by_severity.get(f["severity"], 0) + 1
    return {
        "documents": len(docs),
        "results": by_status,
        "findings": by_severity,
        "rules": {k: dict(v) for k, v in by_rule.items()},
    }


def main(argv: list[str] | None = None) -> int:
    import json

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--list"]:  # the catalog as a Markdown table
        print("| id | severity | category | rule |\n|---|---|---|---|")
        for r in load_rules():
            print(f"| `{r.id}` | {r.severity} | {r.category} | {r.title_zh} / {r.title_en} |")
        return 0
    if not argv:
        from warehouse.settings import Settings

        path = Settings.from_env().duckdb_path
    else:
        path = Path(argv[0])
    counts = run_all(path)
    print(json.dumps({k: v for k, v in counts.items() if k != "rules"}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

