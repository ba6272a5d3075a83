"""Hand labels of the error findings on real documents: REAL or FALSE, with a one-line reason.

``labels/*.csv`` (columns ``sha256, file, rule_id, page, cell, label, reason``) are keyed by
the file's sha256 (= ``document_id``), the rule, the page and the cell
(``table_name|row_key|measure``, empty parts for None).  :func:`label_report` matches the
current error findings of a DuckDB file against them: precision per rule and overall (REAL
over labelled), the findings without a label yet, and the labelled FALSE findings that came
back (a regression).  ``python -m expectations.score --labels [--duckdb PATH]`` prints it.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any

LABELS_DIR = Path(__file__).resolve().parent / "labels"
VERDICTS = ("REAL", "FALSE")


def finding_key(f: dict[str, Any]) -> tuple[str, str, str, str]:
    cell = "|".join("" if f.get(k) is None else str(f[k]) for k in ("table_name", "row_key", "measure"))
    page = "" if f.get("page") is None else str(f["page"])
    return (f["document_id"], f["rule_id"], page, cell)


def load_labels(labels_dir: str | Path = LABELS_DIR) -> dict[tuple[str, str, str, str], dict[str, str]]:
    out: dict[tuple[str, str, str, str], dict[str, str]] = {}
    for path in sorted(Path(labels_dir).glob("*.csv")):
        with open(path, encoding="utf-8") as fh:
            for i, row in enumerate(csv.DictReader(fh), start=2):
                if row["label"] not in VERDICTS:
                    raise ValueError(f"{path.name}:{i}: label must be REAL or FALSE, not {row['label']!r}")
                if not (row.get("reason") or "").strip():
                    raise ValueError(f"{path.name}:{i}: a label needs its one-line reason")
                key = (row["sha256"], row["rule_id"], row["page"], row["cell"])
                if key in out and out[key]["label"] != row["label"]:
                    raise ValueError(f"{path.name}:{i}: contradicting labels for {key}")
                out[key] = row
    return out


def error_findings(duckdb_path: str | Path) -> list[dict[str, Any]]:
    from warehouse.db import connect_reader, fetch_dicts

    con = connect_reader(duckdb_path)
    try:
        return fetch_dicts(
            con, "SELECT f.*, d.file_name FROM raw.dq_finding f LEFT JOIN raw.document d USING (document_id)"
            " WHERE f.severity = 'error' ORDER BY d.file_name, f.rule_id, f.page")
    finally:
        con.close()


def label_report(findings: list[dict[str, Any]], labels: dict | None = None) -> dict[str, Any]:
    """Precision of the given error findings by the stored labels."""
    labels = load_labels() if labels is None else labels
    per_rule: dict[str, dict[str, int]] = defaultdict(lambda: {"errors": 0, "REAL": 0, "FALSE": 0, "unlabelled": 0})
    unlabelled, false_back = [], []
    for f in findings:
        r = per_rule[f["rule_id"]]
        r["errors"] += 1
        lab = labels.get(finding_key(f))
        if lab is None:
            r["unlabelled"] += 1
            unlabelled.append(f)
        else:
            r[lab["label"]] += 1
            if lab["label"] == "FALSE":
                false_back.append({**f, "reason": lab["reason"]})
    real = sum(r["REAL"] for r in per_rule.values())
    false = sum(r["FALSE"] for r in per_rule.values())
    return {
        "errors": len(findings),
        "real": real,
        "false": false,
        "precision": real / (real + false) if real + false else None,
        "per_rule": {k: {**v, "precision": v["REAL"] / (v["REAL"] + v["FALSE"]) if v["REAL"] + v["FALSE"] else None}
                     for k, v in sorted(per_rule.items())},
        "unlabelled": unlabelled,
        "false_came_back": false_back,
    }


def print_report(rep: dict[str, Any]) -> None:
    def pct(x):
        return "—" if x is None else f"{x:.1%}"

    print(f"error findings: {rep['errors']}  labelled REAL {rep['real']}, FALSE {rep['false']},"
          f" unlabelled {len(rep['unlabelled'])}  precision {pct(rep['precision'])}")
    print(f"  {'rule':34s} {'errors':>6s} {'REAL':>5s} {'FALSE':>5s} {'unlab.':>6s} precision")
    for rule, v in rep["per_rule"].items():
        print(f"  {rule:34s} {v['errors']:6d} {v['REAL']:5d} {v['FALSE']:5d} {v['unlabelled']:6d} {pct(v['precision'])}")
    if rep["false_came_back"]:
        print(f"labelled FALSE findings that came back: {len(rep['false_came_back'])}")
        for f in rep["false_came_back"][:30]:
            print(f"      {f.get('file_name')} {f['rule_id']} p{f['page']} {f['row_key']}: {f['reason']}"[:240])
    if rep["unlabelled"]:
        print("findings without a label (review against the page, add to expectations/labels/*.csv):")
        for f in rep["unlabelled"]:
            k = finding_key(f)
            print(f"      {k[0]},{f.get('file_name')},{k[1]},{k[2]},{k[3]},?,  {f['message'][:160]}")
