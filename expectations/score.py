"""Score the rules against a labelled corpus: recall per defect kind, precision on clean documents.

    python -m expectations.score --truth-dir corpus/sample/synthetic [--duckdb PATH] [--no-run]
    python -m expectations.score --labels [--duckdb PATH] [--no-run]

Without ``--duckdb`` the truth files themselves are loaded as records
(:mod:`expectations.truth_records`, a perfect extraction) into a temporary DuckDB file and
the rules run on it: this scores the rules alone.  With ``--duckdb`` the rules run on that
file (the pipeline's real extraction of the same PDFs; ``--no-run`` reads the dq tables
already there): this scores extraction and rules together.

* recall    a defect (``defects`` in the truth) is found when a rule mapped to its kind
            (``defect_rules.yaml``) has a finding on the defect's document, on the defect's
            table or on no particular table (narrative/residue findings).
* precision a document without injected defects must have no ``error`` finding.

``--labels`` scores the error findings of a DuckDB file (default: the pipeline's) against the
hand labels of real documents (:mod:`expectations.labels`): precision per rule and overall,
the findings without a label, and any labelled FALSE finding that came back (exit status 1).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from expectations.rules import rule_by_id, run_all
from expectations.truth_records import (
    document_id_for,
    load_truth_into_duckdb,
    truth_files,
)

HERE = Path(__file__).resolve().parent


def defect_rules() -> dict[str, list[str]]:
    return yaml.safe_load((HERE / "defect_rules.yaml").read_text(encoding="utf-8"))


def _found(defect: dict[str, Any], findings: list[dict[str, Any]], mapping: dict[str, list[str]]) -> list[dict[str, Any]]:
    rules = set(mapping.get(defect["kind"], ()))
    table = defect.get("table_name")
    hits = []
    for f in findings:
        if f["rule_id"] not in rules:
            continue
        if table is None or f["table_name"] is None or f["table_name"] == table or table in rule_by_id(f["rule_id"]).tables:
            hits.append(f)
    return hits


def score(truth_dir: str | Path, duckdb_path: str | Path | None = None, *, run: bool = True) -> dict[str, Any]:
    from warehouse.db import connect_reader, fetch_dicts

    paths = truth_files(truth_dir)
    if not paths:
        raise SystemExit(f"no *.truth.json under {truth_dir}")
    tmp = None
    if duckdb_path is None:
        tmp = tempfile.TemporaryDirectory()
        duckdb_path = Path(tmp.name) / "truth.duckdb"
        load_truth_into_duckdb(paths, duckdb_path)
    if run:
        run_all(duckdb_path)
    con = connect_reader(duckdb_path)
    try:
        findings_by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in fetch_dicts(con, "SELECT * FROM raw.dq_finding"):
            findings_by_doc[f["document_id"]].append(f)
        evaluated = {r[0] for r in con.execute("SELECT DISTINCT document_id FROM raw.dq_result").fetchall()}
    finally:
        con.close()
        if tmp is not None:
            tmp.cleanup()
    mapping = defect_rules()
    kinds: dict[str, dict[str, Any]] = defaultdict(lambda: {"injected": 0, "found": 0, "missed": []})
    clean = {"documents": 0, "with_error_findings": 0, "false_positives": []}
    unexplained: list[dict[str, Any]] = []
    not_evaluated: list[str] = []
    # does each warning rule earn its place? documents it fires on, clean vs with a labelled defect
    warn_docs: dict[str, dict[str, int]] = defaultdict(lambda: {"clean": 0, "defective": 0, "explained": 0})
    for p in paths:
        truth = json.loads(p.read_text(encoding="utf-8"))
        doc_id = document_id_for(p, truth)
        if doc_id not in evaluated:
            not_evaluated.append(p.name)
        findings = findings_by_doc.get(doc_id, [])
        defects = truth.get("defects") or []
        errors = [f for f in findings if f["severity"] == "error"]
        warned = {f["rule_id"] for f in findings if f["severity"] == "warning"}
        for rid in warned:
            warn_docs[rid]["clean" if not defects else "defective"] += 1
        if defects:
            allowed_here = {r for d in defects for r in mapping.get(d["kind"], ())}
            for rid in warned & allowed_here:
                warn_docs[rid]["explained"] += 1
        if not defects:
            clean["documents"] += 1
            if errors:
                clean["with_error_findings"] += 1
                clean["false_positives"].extend(
                    {"file": p.name, "rule_id": f["rule_id"], "message": f["message"]} for f in errors)
            continue
        explained: set[str] = set()
        for d in defects:
            k = kinds[d["kind"]]
            k["injected"] += 1
            hits = _found(d, findings, mapping)
            if hits:
                k["found"] += 1
            else:
                k["missed"].append({"file": p.name, "table_name": d.get("table_name"), "row_key": d.get("row_key"),
                                    "description": d.get("description")})
            explained |= {f["rule_id"] for f in hits}
        # errors on a defective document from rules its defect kinds do not explain
        allowed = {r for d in defects for r in mapping.get(d["kind"], ())}
        unexplained.extend({"file": p.name, "rule_id": f["rule_id"], "message": f["message"]}
                           for f in errors if f["rule_id"] not in allowed)
    injected = sum(k["injected"] for k in kinds.values())
    found = sum(k["found"] for k in kinds.values())
    return {
        "documents": len(paths),
        "not_evaluated": not_evaluated,
        "recall": found / injected if injected else None,
        "defects_injected": injected,
        "defects_found": found,
        "by_kind": {k: {**v, "recall": v["found"] / v["injected"] if v["injected"] else None} for k, v in sorted(kinds.items())},
        "precision_clean_documents": (clean["documents"] - clean["with_error_findings"]) / clean["documents"] if clean["documents"] else None,
        "clean": clean,
        "errors_beyond_injected_defect": unexplained,
        "warnings_by_rule": dict(sorted(warn_docs.items())),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m expectations.score", description=__doc__.splitlines()[0])
    ap.add_argument("--truth-dir")
    ap.add_argument("--labels", action="store_true", help="precision of the error findings by the hand labels")
    ap.add_argument("--duckdb", help="score this pipeline DuckDB instead of the truth records")
    ap.add_argument("--no-run", action="store_true", help="with --duckdb: read the dq tables already there")
    ap.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = ap.parse_args(argv)
    if args.labels:
        from expectations.labels import error_findings, label_report, print_report

        path = args.duckdb
        if path is None:
            from warehouse.settings import Settings

            path = Settings.from_env().duckdb_path
        if not args.no_run:
            run_all(path)
        rep = label_report(error_findings(path))
        if args.json:
            print(json.dumps({k: v for k, v in rep.items() if k not in ("unlabelled", "false_came_back")}, indent=1))
        else:
            print_report(rep)
        return 1 if rep["false_came_back"] else 0
    if not args.truth_dir:
        ap.error("--truth-dir or --labels is required")
    res = score(args.truth_dir, args.duckdb, run=not args.no_run)
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1, default=str))
        return 0
    print(f"documents: {res['documents']}  (not evaluated: {len(res['not_evaluated'])})")
    rec = res["recall"]
    print(f"recall: {res['defects_found']}/{res['defects_injected']} = {rec:.1%}" if rec is not None else "recall: no defects")
    for kind, v in res["by_kind"].items():
        print(f"  {kind:24s} {v['found']}/{v['injected']}")
        for m in v["missed"][:5]:
            print(f"      missed: {m['file']} {m['table_name']} {m['row_key']} {m['description'] or ''}"[:200])
    c = res["clean"]
    prec = res["precision_clean_documents"]
    print(f"precision (clean documents without error findings): {c['documents'] - c['with_error_findings']}/{c['documents']}"
          + (f" = {prec:.1%}" if prec is not None else ""))
    for fp in c["false_positives"][:20]:
        print(f"      false positive: {fp['file']} {fp['rule_id']} {fp['message']}"[:240])
    extra = res["errors_beyond_injected_defect"]
    if extra:
        print(f"error findings on defective documents not explained by their defect: {len(extra)}")
        for e in extra[:10]:
            print(f"      {e['file']} {e['rule_id']} {e['message']}"[:240])
    warn = res["warnings_by_rule"]
    if warn:
        print("warning rules: documents they fire on (clean / with a defect / explained by the defect's kind)")
        for rid, v in sorted(warn.items(), key=lambda kv: -kv[1]["clean"]):
            print(f"  {rid:32s} {v['clean']:4d} / {v['defective']:3d} / {v['explained']:3d}")
    ok = (rec in (None, 1.0)) and (prec in (None, 1.0))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
