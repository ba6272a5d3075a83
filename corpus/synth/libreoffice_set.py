"""The LibreOffice part of the sample: a few 2025 disclosures of the synthetic prefecture
printed by the third producer (:mod:`corpus.render_odt`) in the layouts the other two never
print: unruled tables, numbers wrapped inside narrow cells, letter-spaced labels, 科目编码
split over 类 | 款 | 项, landscape pages, long tables broken over pages with and without their
header repeated.

    python -m corpus.synth.libreoffice_set --out corpus/sample/libreoffice

The data are the synthetic prefecture's (same seed, same departments, fiscal year 2025, a
year the rest of the sample does not print, so no disclosure is printed twice); the truth
comes from the model that built each document, never from reading the PDF.  The PDFs are
committed, so nothing here runs unless the sample is regenerated (it needs
``libreoffice-writer-nogui``).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import random
import sys

from corpus.render_odt import Layout, render
from corpus.synth.budget import BudgetSpec, build_budget
from corpus.synth.build import DocSpec, build_document, choose_variants, finalize_variants
from corpus.synth.cli import dumps_truth
from corpus.synth.data import DEPARTMENTS, department_years

YEAR = 2025
SEED = 20241
PRODUCER = "libreoffice"

# (department, 决算 or 预算, layout, forced variants): each layout at least twice, in both kinds
PLAN: list[tuple[str, str, Layout, dict]] = [
    ("aud", "final", Layout(narrow_amounts=True, letter_spaced=True, split_codes=True),
     {"landscape": ["fiscal_appropriation_summary", "three_public"]}),
    ("cult", "final", Layout(ruled=False, letter_spaced=True, split_codes=True), {}),
    ("hlth", "final", Layout(ruled=False, narrow_amounts=True), {}),
    ("edu", "final", Layout(narrow_amounts=True), {}),
    ("fin", "final", Layout(narrow_amounts=True), {"long_tables": True, "narrow_names": True, "repeat_header": True}),
    ("civ", "budget", Layout(letter_spaced=True), {}),
    ("tran", "budget", Layout(narrow_amounts=True, split_codes=True), {}),
]


def _dept(key: str) -> dict:
    return next(d for d in DEPARTMENTS if d["key"] == key)


def build(key: str, kind: str, layout: Layout, forced: dict):
    """(document model, truth) of one planned document."""
    dept = _dept(key)
    years = department_years(SEED, dept, [YEAR - 1, YEAR])
    series = years["consolidated"]
    if kind == "final":
        spec = DocSpec(f"{YEAR}_{key}_hz", dept, "consolidated", YEAR, PRODUCER)
        spec.variants = choose_variants(random.Random(f"{SEED}|variants|{spec.stem}"), spec)
        spec.variants.update(forced)
        finalize_variants(spec.variants)
        doc, truth = build_document(spec, series[YEAR], series[YEAR - 1], years["unit_names"], SEED)
    else:
        spec = BudgetSpec(f"{YEAR}_{key}_ys", dept, YEAR, PRODUCER)
        doc, truth, _ = build_budget(spec, series[YEAR], SEED)
    truth["file"] = f"{spec.stem}.pdf"
    truth["document"]["variants"] = sorted(set(truth["document"]["variants"]) | set(layout.labels()))
    return spec.stem, doc, truth


def generate(out: pathlib.Path, only: list[str] | None = None) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for key, kind, layout, forced in PLAN:
        stem, doc, truth = build(key, kind, layout, forced)
        (out / f"{stem}.truth.json").write_text(dumps_truth(truth), encoding="utf-8")
        if only is None or stem in only:
            render(doc, out / f"{stem}.pdf", layout)
        manifest.append({"file": f"{stem}.pdf", "truth": f"{stem}.truth.json", "doc_kind": kind,
                         "department_name": truth["document"]["department_name"], "fiscal_year": YEAR,
                         "producer_family": PRODUCER, "variants": truth["document"]["variants"]})
    (out / "manifest.json").write_text(json.dumps({"generator": {"seed": SEED, "producer": PRODUCER},
                                                   "documents": manifest}, ensure_ascii=False, sort_keys=True,
                                                  indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m corpus.synth.libreoffice_set", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=pathlib.Path, default=pathlib.Path("corpus/sample/libreoffice"))
    ap.add_argument("--only", nargs="*", help="render only these stems (truth is always written for all)")
    args = ap.parse_args(argv)
    manifest = generate(args.out, args.only)
    print(f"{len(manifest)} documents -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
