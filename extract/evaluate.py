"""Measure extraction against ground truth: precision and recall of table cells.

    python -m extract.evaluate corpus/sample            # every *.truth.json under it
    python -m extract.evaluate corpus/sample --show-misses 20
    python -m extract.evaluate --real ../shared/corpus/real   # no truth: see extract.survey

A ground-truth cell is (table, row key, measure, phase) → exact decimal in 万元
(or null for a blank/dash cell).  Recall: truth cells extracted with the same
value.  Precision: extracted cells of the same tables that are right.  The
numbers are printed per table, per producer and per layout variant.

Values read by OCR (scanned pages) carry a ``review_reason`` when they are neither
confirmed by an identity nor confidently read.  For them the report adds: how many
truth cells came from OCR, how many of those were flagged for review, and the number
that matters most — wrong values that were *not* flagged (must be 0).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from .api import read_document

Key = tuple


def _dec(v) -> Decimal | None:
    return None if v is None or v == "" else Decimal(str(v))


def truth_cells(truth: dict) -> dict[Key, Decimal | None]:
    cells: dict[Key, Decimal | None] = {}
    for t in truth.get("tables", []):
        for c in t["cells"]:
            cells[(t["table_name"], c["row_key"], c["measure"], c.get("phase") or "")] = _dec(c["value"])
    for i, p in enumerate(truth.get("performance", []), 1):
        for c in p.get("funds", []):
            cells[("performance_self_assessment", f"{i}:{c['row_key']}", c["measure"], "")] = _dec(c["value"])
    return cells


def extracted_cells(result: dict) -> dict[Key, tuple[Decimal | None, dict]]:
    out: dict[Key, tuple[Decimal | None, dict]] = {}
    perf = 0
    for inst in result["instances"]:
        if inst.template is None:
            continue
        if inst.template.layout == "performance":
            perf += 1
        for c in inst.cells:
            if c["measure"] is None:
                continue
            row_key = f"{perf}:{c['row_key']}" if inst.template.layout == "performance" else c["row_key"]
            phase = c["phase"] or "" if inst.template.id == "three_public" else ""
            out.setdefault((inst.table_name, row_key, c["measure"], phase), (c["amount"], c))
    return out


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == b


def evaluate(truth_paths: list[Path]) -> dict:
    stats = defaultdict(lambda: [0, 0, 0, 0])  # truth, hit, extracted, correct
    ocr = defaultdict(lambda: [0, 0, 0, 0])  # OCR cells, flagged, wrong, wrong and not flagged
    misses: list[str] = []
    for tp in truth_paths:
        truth = json.loads(tp.read_text(encoding="utf-8"))
        pdf = tp.parent / truth["file"]
        doc = truth.get("document", {})
        truth_c = {k if k[0] == "three_public" else (k[0], k[1], k[2], ""): v for k, v in truth_cells(truth).items()}
        try:
            result = read_document(pdf)
        except Exception as exc:  # a crash counts as nothing extracted
            misses.append(f"{pdf.name}: extraction failed: {exc}")
            result = {"instances": []}
        got = extracted_cells(result)
        groups = ["all", f"producer:{doc.get('producer_family', '?')}"] + [f"variant:{v}" for v in doc.get("variants", [])]
        tables_in_truth = {k[0] for k in truth_c}
        for key, value in truth_c.items():
            hit = key in got and _same(got[key][0], value)
            for g in groups + [f"table:{key[0]}"]:
                stats[g][0] += 1
                stats[g][1] += hit
            cell = got[key][1] if key in got else None
            if cell is not None and cell.get("value_source") == "ocr":
                flagged = cell.get("review_reason") is not None
                for g in groups + [f"table:{key[0]}"]:
                    ocr[g][0] += 1
                    ocr[g][1] += flagged
                    ocr[g][2] += not hit
                    ocr[g][3] += (not hit) and not flagged
            if not hit and len(misses) < 100000:
                seen = got.get(key, (None, None))[0] if key in got else "MISSING"
                why = f" [ocr conf={cell.get('confidence')} review={cell.get('review_reason')}]" if (
                    cell is not None and cell.get("value_source") == "ocr") else ""
                misses.append(f"{pdf.name}: {key} truth={value} extracted={seen}{why}")
        for key, (value, _) in got.items():
            if key[0] not in tables_in_truth:
                continue
            ok = key in truth_c and _same(truth_c[key], value)
            for g in groups + [f"table:{key[0]}"]:
                stats[g][2] += 1
                stats[g][3] += ok
    return {"stats": dict(stats), "misses": misses, "ocr": dict(ocr)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", type=Path, nargs="+")
    ap.add_argument("--show-misses", type=int, default=10)
    ap.add_argument("--real", action="store_true",
                    help="no ground truth: survey every PDF under root (tables found, recognised, identities)")
    ap.add_argument("--only", help="--real: only files whose path contains this (e.g. 006_苏州)")
    ap.add_argument("--leave-out", help="--real: skip files whose path contains this")
    ap.add_argument("--unrecognised", type=int, default=20,
                    help="--real: list this many unrecognised normalised titles")
    ap.add_argument("--blind", help="--real: also survey this folder (e.g. 006_苏州) with the catalog's titles "
                    "that only it prints removed, and print both figures (generalisation check)")
    ap.add_argument("--headers-only", action="store_true",
                    help="--real: ignore every printed title (how far the header alone names tables)")
    ap.add_argument("--cache", type=Path,
                    help="--real: keep each file's page geometry here (delete it after changing page reading)")
    args = ap.parse_args(argv)
    if args.real:
        return _main_real(args)
    paths = sorted(p for r in args.root for p in ([r] if r.is_file() else r.rglob("*.truth.json")))
    if not paths:
        print("no *.truth.json found", file=sys.stderr)
        return 2
    res = evaluate(paths)
    print(f"{'group':48s} {'truth':>7s} {'recall':>8s} {'extracted':>9s} {'precision':>9s}")
    for g, (n, hit, m, ok) in sorted(res["stats"].items(), key=lambda kv: (kv[0] != "all", kv[0])):
        rec = hit / n if n else 1.0
        prec = ok / m if m else 1.0
        print(f"{g:48s} {n:7d} {rec:8.2%} {m:9d} {prec:9.2%}")
    if res["ocr"]:
        print(f"\n{'OCR cells (scanned pages)':48s} {'cells':>7s} {'flagged':>8s} {'wrong':>9s} {'unflagged wrong':>15s}")
        for g, (n, flagged, wrong, silent) in sorted(res["ocr"].items(), key=lambda kv: (kv[0] != "all", kv[0])):
            print(f"{g:48s} {n:7d} {flagged:8d} {wrong:9d} {silent:15d}")
    for line in res["misses"][: args.show_misses]:
        print("MISS", line)
    all_ = res["stats"].get("all", [0, 0, 0, 0])
    silent = res["ocr"].get("all", [0, 0, 0, 0])[3]
    return 0 if all_[0] == all_[1] and all_[2] == all_[3] and not silent else 1


def _main_real(args) -> int:
    from .survey import report, survey, unrecognised_titles

    if args.headers_only:
        from . import tables

        tables._find_title = lambda lines: None  # noqa: SLF001 - an evaluation switch, not a feature
    docs = [d for r in args.root for d in survey(r, cache=args.cache, only=args.only, exclude=args.leave_out)]
    print(report(docs))
    if args.blind:
        from .survey import blind_to, restore_catalog

        dropped = blind_to(docs, args.blind)
        blind = [d for r in args.root for d in survey(r, cache=args.cache, only=args.blind)]
        restore_catalog()
        print(f"-- {args.blind} with the catalog blind to it ({len(dropped)} title aliases only it prints "
              f"removed: {', '.join(dropped)})")
        print(report(blind, label=f"{args.blind} (blind)").split("\n-- per folder")[0])
    rows = unrecognised_titles(docs)
    if rows and args.unrecognised:
        print(f"-- unrecognised tables by normalised title ({len(rows)} titles)")
        for g in rows[: args.unrecognised]:
            print(f"{g['count']:5d} {g['documents']:4d} docs  {g['title'][:50]:50s} e.g. {g['example']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
