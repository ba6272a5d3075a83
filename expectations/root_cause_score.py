"""Score the root-cause analysis on the synthetic corpus: is the changed cell the single suspect?

    python -m expectations.root_cause --truth-dir corpus/sample/synthetic [--duckdb PATH]

The truth files are loaded as records (a perfect extraction), the rules run, and
:func:`expectations.root_cause.analyse` turns the findings into defects.  The cells a defect
changed are found by rebuilding the defective document without its defect (and, for a
cross-document defect, the budget document the generator perturbed).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from expectations.root_cause import analyse

TABLE_KINDS = {"wrong_total", "class_not_sum", "t04_vs_t05", "three_public_subtotal"}
FIGURE_KINDS = {"narrative_amount", "narrative_pct", "narrative_budget_vs_budget_doc"}
XDOC_TABLE_KINDS = {"three_public_budget_vs_budget_doc"}


def _dec(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text).replace(",", "").replace("%", "").strip())
    except Exception:
        return None


def changed_cells(truth_dir) -> dict[str, set[tuple]]:
    """stem -> the (table, row_key, measure, phase) cells a defect changed, by rebuilding the document without it.

    The label names one cell; a 04↔05 defect also changes the row's total and a compensating
    row (so the column sums still hold): all of them are "changed cells".
    """
    import json
    from pathlib import Path

    from corpus.synth.budget import build_budget
    from corpus.synth.build import build_document
    from corpus.synth.cli import plan, plan_budgets
    from corpus.synth.data import department_years

    paths = sorted(Path(truth_dir).glob("*.truth.json"))
    gen = json.loads(paths[0].read_text(encoding="utf-8")).get("generator") or {}
    seed = gen.get("seed", 20241)
    truths = {p.name[: -len(".truth.json")]: json.loads(p.read_text(encoding="utf-8")) for p in paths}
    years = sorted({t["document"]["fiscal_year"] for t in truths.values()})
    n_depts = len({s.split("_", 1)[1].rsplit("_", 1)[0] for s in truths})
    out: dict[str, set[tuple]] = {}
    all_specs = plan(seed, n_depts, years)
    data = {s.dept["key"]: department_years(seed, s.dept, years) for s in all_specs}
    for b in plan_budgets(seed, all_specs, data):  # a cross-document defect changes the budget document
        if b.xdefect and b.stem in truths:
            xd = b.xdefect
            b.xdefect = None
            _, clean, _ = build_budget(b, data[b.dept["key"]]["consolidated"][b.year], seed)
            b.xdefect = xd
            before = {(t["table_name"], c["row_key"], c["measure"], c.get("phase")): c["printed"]
                      for t in clean["tables"] for c in t["cells"]}
            out[b.stem] = {(t["table_name"], c["row_key"], c["measure"], c.get("phase"))
                           for t in truths[b.stem]["tables"] for c in t["cells"]
                           if before.get((t["table_name"], c["row_key"], c["measure"], c.get("phase"))) != c["printed"]}
    specs = [s for s in all_specs if s.defect and s.defect in TABLE_KINDS and s.stem in truths]
    for spec in specs:
        dy = department_years(seed, spec.dept, years)
        series = dy[spec.scope]
        names = dy["unit_names"] if spec.scope == "consolidated" else dy["unit_names"][:1]
        spec.defect = None
        _, clean = build_document(spec, series[spec.year], series[spec.year - 1], names, seed)
        before = {(t["table_name"], c["row_key"], c["measure"], c.get("phase")): c["printed"]
                  for t in clean["tables"] for c in t["cells"]}
        out[spec.stem] = {(t["table_name"], c["row_key"], c["measure"], c.get("phase"))
                          for t in truths[spec.stem]["tables"] for c in t["cells"]
                          if before.get((t["table_name"], c["row_key"], c["measure"], c.get("phase"))) != c["printed"]}
    return out


def score(truth_dir, duckdb_path=None) -> dict[str, Any]:
    """Per labelled defect: is the changed cell the single suspect?  Per located defect: are its cells changed ones?"""
    import json
    import tempfile
    from pathlib import Path

    from expectations.rules import run_all
    from expectations.truth_records import document_id_for, load_truth_into_duckdb, truth_files
    from warehouse.db import connect_reader, fetch_scalar

    paths = truth_files(truth_dir)
    changed = changed_cells(truth_dir)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(duckdb_path) if duckdb_path else Path(tmp) / "truth.duckdb"
        if not duckdb_path:
            load_truth_into_duckdb(paths, db)
            run_all(db)
        con = connect_reader(db)
        try:
            defects = analyse(con)
            n_findings = fetch_scalar(con, "SELECT count(*) FROM raw.dq_finding")
        finally:
            con.close()
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in defects:
        by_doc[d["document_id"]].append(d)
    rows, wrong = [], []
    for p in paths:
        truth = json.loads(p.read_text(encoding="utf-8"))
        stem, doc_id = p.name[: -len(".truth.json")], document_id_for(p, truth)
        labels = [d for d in truth.get("defects") or [] if d["kind"] in TABLE_KINDS | FIGURE_KINDS | XDOC_TABLE_KINDS]
        ok_cells = {(doc_id, *c) for c in changed.get(stem, ())}
        budget_stem = stem.rsplit("_", 1)[0] + "_ys"
        if any(lab["kind"] in XDOC_TABLE_KINDS for lab in labels) and budget_stem in changed:
            bpath = Path(truth_dir) / f"{budget_stem}.truth.json"
            bid = document_id_for(bpath, json.loads(bpath.read_text(encoding="utf-8")))
            ok_cells |= {(bid, *c) for c in changed[budget_stem]}
        ok_rows = set()  # a cross-document defect: the 决算's row is corrected with the totals that restate it
        figures = set()
        for lab in labels:
            if lab["kind"] in FIGURE_KINDS:
                figures.add(_dec(lab["printed"]))
            else:
                ok_cells.add((doc_id, lab["table_name"], lab["row_key"], lab["measure"],
                              "budget" if lab["kind"] in XDOC_TABLE_KINDS else "final"))
                if lab["kind"] in XDOC_TABLE_KINDS:
                    ok_rows.add((lab["table_name"], lab["row_key"], "budget"))

        def is_changed(c: dict[str, Any]) -> bool:
            if c["kind"] == "cell":
                return (c["document_id"], c["table_name"], c["row_key"], c["measure"], c["phase"] or "final") in ok_cells \
                    or (c["document_id"] == doc_id and (c["table_name"], c["row_key"], c["phase"]) in ok_rows)
            return c["kind"] in ("figure", "finding") and c["printed"] is not None and c["printed"] in figures

        for lab in labels:
            if lab["kind"] in FIGURE_KINDS:
                def target(c, lab=lab):
                    return c["kind"] in ("figure", "finding") and c["printed"] == _dec(lab["printed"])
            else:  # the labelled cell; for a cross-document defect also the cell the generator changed in the budget
                def target(c, lab=lab):
                    same = (c["table_name"], c["row_key"], c["measure"]) == (lab["table_name"], lab["row_key"], lab["measure"])
                    other = lab["kind"] in XDOC_TABLE_KINDS and c["document_id"] != doc_id and c["measure"] == lab["measure"] \
                        and is_changed(c)
                    return c["kind"] == "cell" and ((c["document_id"] == doc_id and same) or other)
            hit = [d for d in by_doc.get(doc_id, []) if any(target(c) for opt in d["options"] for c in opt)]
            single = any(len(d["options"]) == 1 and all(is_changed(c) for c in d["options"][0])
                         and any(target(c) for c in d["options"][0]) for d in hit)
            rows.append({"file": p.name, "kind": lab["kind"], "single_suspect": single,
                         "statuses": [d["status"] for d in hit], "named": bool(hit)})
        for d in by_doc.get(doc_id, []):
            if d["status"] in ("located", "finding") and d["options"] and not all(is_changed(c) for c in d["options"][0]) \
                    and all(c["expected"] is not None for c in d["options"][0]):
                if d["status"] == "finding" and d["category"] in ("completeness", "residue"):
                    continue  # completeness / residue / year: no cell to change
                wrong.append({"file": p.name, "rule_ids": d["rule_ids"], "status": d["status"],
                              "cells": [(c["table_name"], c["row_key"], c["measure"], str(c["printed"]), str(c["expected"]))
                                        for c in d["options"][0]]})
    n = len(rows)
    good = sum(r["single_suspect"] for r in rows)
    return {"labelled_cell_defects": n, "single_suspect_is_changed_cell": good, "rate": good / n if n else None,
            "misses": [r for r in rows if not r["single_suspect"]], "wrong_cell_without_alternative": wrong,
            "findings": n_findings, "defects": len(defects),
            "by_status": {s: sum(1 for d in defects if d["status"] == s) for s in ("located", "ambiguous", "unresolved", "warning", "finding")}}


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    ap = argparse.ArgumentParser(prog="python -m expectations.root_cause", description=__doc__.splitlines()[0])
    ap.add_argument("--truth-dir", required=True)
    ap.add_argument("--duckdb", help="a DuckDB file where the truth records are loaded and the rules have run")
    args = ap.parse_args(argv)
    res = score(args.truth_dir, args.duckdb)
    print(json.dumps(res, ensure_ascii=False, indent=1, default=str))
    ok = res["rate"] is not None and res["rate"] >= 0.95 and not res["wrong_cell_without_alternative"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
