"""Root cause: one defect per wrong cell, ties named, on hand-built identities and a fixture document."""
from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from expectations.root_cause import Identity, Var, analyse, explain
from expectations.rules import run_all
from expectations.testing import build_db, clean_truth, set_cell

SAMPLE = Path(__file__).resolve().parents[1] / "corpus" / "sample" / "synthetic"


def _var(name: str, value: str) -> Var:
    return Var(("cell", name), "doc", "cell", "t", name, "m", "final", 1, D(value))


def _eq(rule, coefs, variables, tol="0.005", fid=None):
    residual = sum((c * variables[k[1]].printed for k, c in coefs.items()), D(0))
    return Identity(rule, "doc", coefs, residual, D(tol), fid if abs(residual) > D(tol) else None)


def _finding(fid, rule="R"):
    return {"finding_id": fid, "document_id": "doc", "rule_id": rule, "severity": "error", "category": "within_table",
            "table_name": "t", "row_key": None, "measure": None, "page": 1, "printed": None, "expected": None,
            "difference": None, "message": "x / y"}


def test_single_wrong_total_is_the_suspect_of_all_its_failures():
    # total printed 12 but a + b = 10; the total is restated elsewhere (r = 10) and in the narrative (n = 10)
    v = {k: _var(k, x) for k, x in {"total": "12", "a": "4", "b": "6", "r": "10", "n": "10", "a2": "4"}.items()}
    eqs = [_eq("SUM", {("cell", "total"): D(1), ("cell", "a"): D(-1), ("cell", "b"): D(-1)}, v, fid="f1"),
           _eq("CROSS", {("cell", "total"): D(1), ("cell", "r"): D(-1)}, v, fid="f2"),
           _eq("NARR", {("cell", "n"): D(1), ("cell", "total"): D(-1)}, v, fid="f3"),
           _eq("A", {("cell", "a"): D(1), ("cell", "a2"): D(-1)}, v)]  # a is restated and agrees: a is right
    vars_ = {k.key: k for k in v.values()}
    defects = explain(eqs, vars_, [_finding("f1"), _finding("f2"), _finding("f3")])
    assert len(defects) == 1
    d = defects[0]
    assert d["status"] == "located" and sorted(d["evidence"]) == ["f1", "f2", "f3"]
    [cell] = d["options"][0]
    assert cell["row_key"] == "total" and cell["expected"] == D("10")


def test_two_equally_good_explanations_are_both_named():
    v = {k: _var(k, x) for k, x in {"x": "5", "y": "7"}.items()}
    eqs = [_eq("CROSS", {("cell", "x"): D(1), ("cell", "y"): D(-1)}, v, fid="f1")]
    [d] = explain(eqs, {k.key: k for k in v.values()}, [_finding("f1")])
    assert d["status"] == "ambiguous"
    assert sorted(c["row_key"] for opt in d["options"] for c in opt) == ["x", "y"]


def test_findings_that_are_not_identities_stay_defects_of_their_own():
    [d] = explain([], {}, [_finding("f9", "C_TABLES_PRESENT")])
    assert d["status"] == "finding" and d["evidence"] == ["f9"]


def test_fixture_document_one_wrong_cell(tmp_path):
    bad = set_cell(clean_truth("bad.pdf"), "general_budget_expenditure", "合计", "basic_expenditure", "70.72")
    db = build_db(tmp_path / "db", [bad])
    run_all(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        n_errors = con.execute("SELECT count(*) FROM raw.dq_finding WHERE severity = 'error'").fetchone()[0]
        every = analyse(con)
        defects = [d for d in every if d["severity"] == "error"]
    finally:
        con.close()
    assert all(d["evidence"] for d in every)  # every defect rests on a reported finding
    assert n_errors >= 2 and len(defects) == 1
    d = defects[0]
    assert d["status"] == "located" and len(d["evidence"]) == n_errors
    [cell] = d["options"][0]
    assert (cell["table_name"], cell["row_key"], cell["measure"]) == ("general_budget_expenditure", "合计", "basic_expenditure")
    assert cell["expected"] == D("70") and cell["printed"] == D("70.72")


@pytest.mark.slow
def test_changed_cell_is_the_single_suspect_on_the_synthetic_sample():
    from expectations.root_cause_score import score

    res = score(SAMPLE)
    assert res["labelled_cell_defects"] >= 20
    assert res["rate"] >= 0.95, res["misses"]
    assert res["wrong_cell_without_alternative"] == []
