"""The labelled precision set of the real corpus (expectations/labels/*.csv): well-formed, and no
finding labelled FALSE comes back (the real-corpus check is slow and skips without the corpus)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from expectations.labels import finding_key, label_report, load_labels
from tests.conftest import extract_load_check

REAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
if not REAL.is_dir():  # a worktree next to the main checkout
    REAL = Path("/work/shared/corpus/real")


def test_labels_are_well_formed_and_have_reasons():
    labels = load_labels()
    assert len(labels) > 100
    assert {v["label"] for v in labels.values()} == {"REAL", "FALSE"}
    assert all(len(k[0]) == 64 for k in labels)  # keyed by the file's sha256


def test_a_labelled_false_finding_coming_back_is_reported():
    labels = load_labels()
    (key, row) = next((k, v) for k, v in labels.items() if v["label"] == "FALSE")
    sha, rule, page, cell = key
    table, row_key, measure = (x or None for x in cell.split("|"))
    finding = {"document_id": sha, "rule_id": rule, "page": int(page) if page else None,
               "table_name": table, "row_key": row_key, "measure": measure, "message": "m"}
    assert finding_key(finding) == key
    rep = label_report([finding], labels)
    assert len(rep["false_came_back"]) == 1 and rep["precision"] == 0.0
    rep = label_report([dict(finding, rule_id="SOMETHING_ELSE")], labels)
    assert rep["false_came_back"] == [] and len(rep["unlabelled"]) == 1


@pytest.mark.slow
def test_no_labelled_false_error_comes_back_on_the_real_corpus(tmp_path_factory):
    if not REAL.is_dir():
        pytest.skip(f"{REAL} not available")
    labels = load_labels()
    wanted = {k[0] for k in labels}  # every labelled file (sha256)
    files = []
    for p in sorted(REAL.rglob("*.pdf")):
        if hashlib.sha256(p.read_bytes()).hexdigest() in wanted:
            files.append(p)
    assert files, "no labelled file found in the corpus"
    from expectations.labels import error_findings

    home = tmp_path_factory.mktemp("labels") / "home"
    s, _ = extract_load_check(home, files, landing_root=REAL, workers=2)
    rep = label_report(error_findings(s.duckdb_path), labels)
    back = [f"{f.get('file_name')} {f['rule_id']} p{f['page']} {f['row_key']}: {f['reason']}" for f in rep["false_came_back"]]
    assert not back, "\n".join(back)
