"""Measure identification against identities labelled by a person.

    python -m extract.identity_eval ../shared/corpus/real                  # identify every file now
    python -m extract.identity_eval ../shared/corpus/real --manifests DIR  # judge an extraction's manifests

Labels: ``tests/data/real_identities.csv`` (sha256 prefix, path, is_disclosure, department
and the other spellings printed in the document, fiscal_year, doc_kind, scope, 主管部门).
Each file is one of:

* ``right``          every field as labelled (``right_flagged``: right, but sent to the operator);
                     a file that is no disclosure (HTML, notice, scan, template) held back;
* ``flagged``        some field differs from the label, or a disclosure was held back, but the
                     operator is told (a review item, or quarantine with a reason);
* ``wrong``          some field differs and nothing tells the operator — the case to avoid.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

from .text import compact

LABELS = Path(__file__).resolve().parents[1] / "tests" / "data" / "real_identities.csv"


def read_labels(path: Path = LABELS) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _names(label: dict, column: str, aliases: str | None = None) -> set[str]:
    names = {label[column]} | set((label.get(aliases) or "").split("|") if aliases else [])
    return {compact(n) for n in names if n}


def judge(label: dict, got: dict | None) -> tuple[str, list[str]]:
    """(verdict, differing fields) of one file; ``got`` None = quarantined by extraction.

    ``got``: department_name, fiscal_year, doc_kind, scope, parent_department, is_template,
    identity_review (a list; absent or empty = not flagged).
    """
    held_back = got is None or bool(got.get("is_template"))
    flagged = held_back or bool(got.get("identity_review"))
    if label["is_disclosure"] != "yes":
        return ("right", []) if held_back else ("flagged" if flagged else "wrong", ["is_disclosure"])
    if held_back:
        return "flagged", ["held_back"]
    diff = []
    if compact(got.get("department_name") or "") not in _names(label, "department", "department_aliases"):
        diff.append("department_name")
    if str(got.get("fiscal_year") or "") != label["fiscal_year"]:
        diff.append("fiscal_year")
    if (got.get("doc_kind") or "") != label["doc_kind"]:
        diff.append("doc_kind")
    if (got.get("scope") or "") != label["scope"]:
        diff.append("scope")
    if label["scope"] in ("own", "unit"):
        want = _names(label, "parent_department") or {""}
        if compact(got.get("parent_department") or "") not in want:
            diff.append("parent_department")
    if not diff:
        return ("right_flagged" if flagged else "right"), []
    return ("flagged" if flagged else "wrong"), diff


def _from_manifests(directory: Path) -> dict[str, dict | None]:
    """sha256 → identity as an extraction wrote it (None when quarantined)."""
    out: dict[str, dict | None] = {}
    for m in Path(directory).glob("*/manifest.json"):
        man = json.loads(m.read_text(encoding="utf-8"))
        if man.get("status") != "extracted":
            out[man["document_id"]] = None
            continue
        review = man.get("identity_review")
        man["identity_review"] = json.loads(review) if isinstance(review, str) else (review or [])
        out[man["document_id"]] = man
    return out


def _identify_now(path: Path) -> dict | None:
    from . import errors
    from .api import identify_document

    try:
        ident = identify_document(path)
    except errors.ExtractionError:
        return None
    return {"department_name": ident.department_name, "fiscal_year": ident.fiscal_year, "doc_kind": ident.doc_kind,
            "scope": ident.scope, "parent_department": ident.parent_department, "is_template": ident.is_template,
            "identity_review": ident.review}


def evaluate(root: Path, labels: list[dict], manifests: Path | None = None) -> list[dict]:
    """One row per labelled file: folder, path, verdict, differing fields, what was read."""
    by_sha = _from_manifests(manifests) if manifests else None
    rows = []
    for label in labels:
        path = Path(root) / label["path"]
        if not path.exists():
            continue
        if by_sha is not None:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            got = by_sha.get(sha, None)
        else:
            got = _identify_now(path)
        verdict, diff = judge(label, got)
        rows.append({"folder": label["path"].split("/")[0], "path": label["path"], "verdict": verdict,
                     "diff": diff, "got": got})
    return rows


def summary(rows: list[dict]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"right": 0, "right_flagged": 0, "flagged": 0, "wrong": 0})
    for r in rows:
        out[r["folder"]][r["verdict"]] += 1
        out["(all)"][r["verdict"]] += 1
    return dict(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m extract.identity_eval", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", type=Path, help="the folder the labels' paths are relative to")
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--manifests", type=Path, help="judge the manifests of this extracted/ folder instead")
    args = ap.parse_args(argv)
    rows = evaluate(args.root, read_labels(args.labels), args.manifests)
    print(f"{'folder':28} {'right':>6} {'right*':>7} {'flagged':>8} {'wrong':>6}   (right* = right, sent to the operator)")
    for folder, c in sorted(summary(rows).items()):
        print(f"{folder:28} {c['right']:6d} {c['right_flagged']:7d} {c['flagged']:8d} {c['wrong']:6d}")
    for r in rows:
        if r["verdict"] in ("wrong", "flagged"):
            g = r["got"] or {}
            print(f"  {r['verdict']:7} {r['path']}: {','.join(r['diff'])} → {g.get('department_name')} "
                  f"{g.get('fiscal_year')} {g.get('doc_kind')} {g.get('scope')} {g.get('parent_department')}")
    return 1 if any(r["verdict"] == "wrong" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
