"""Plan the corpus (documents, producers, variants, defects), write truth, render PDFs."""
from __future__ import annotations

import argparse
import json
import pathlib
import random
import sys

from corpus.synth.build import DEFECT_KINDS, DocSpec, build_document, choose_variants, finalize_variants
from corpus.synth.data import FIRST_YEAR, department_years, departments

DEFAULT_YEARS = [2022, 2023, 2024]


def plan(seed: int, n_departments: int, years: list[int]) -> list[DocSpec]:
    """Every document with its producer, variants and (for ~20%) one injected defect."""
    specs: list[DocSpec] = []
    for dept in departments(n_departments):
        for year in years:
            specs.append(DocSpec(f"{year}_{dept['key']}_hz", dept, "consolidated", year, ""))
            if dept.get("own"):
                specs.append(DocSpec(f"{year}_{dept['key']}_bj", dept, "own", year, ""))
    specs.sort(key=lambda s: s.stem)
    rng = random.Random(f"{seed}|plan")
    order = list(range(len(specs)))
    rng.shuffle(order)
    for rank, i in enumerate(order):
        specs[i].producer = "reportlab" if rank % 2 == 0 else "fpdf2"
    for s in specs:
        s.variants = choose_variants(random.Random(f"{seed}|variants|{s.stem}"), s)
    # variants that must appear in both producers at least once
    by_producer = {p: [s for s in specs if s.producer == p] for p in ("reportlab", "fpdf2")}
    for p in ("reportlab", "fpdf2"):
        docs = by_producer[p]
        if not docs:
            continue
        for key in ("kangxi_radicals", "bold_twice"):
            rng.choice(docs).variants[key] = True
        # 元, landscape and long tables with and without a repeated header in both producers
        rng.choice(docs).variants["unit"] = "元"
        longs = [s for s in docs if len(s.dept["lines"]) >= 5 and s.variants["unit"] == "万元"]
        for repeat in (False, True):
            if longs:
                rng.choice(longs).variants.update(long_tables=True, repeat_header=repeat, narrow_names=True)
        rng.choice(docs).variants["landscape"] = ["fiscal_appropriation_summary", "three_public"]
    for s in specs:
        finalize_variants(s.variants)
    # defects: each kind at least once per producer, plus a third copy for most kinds
    pool = {p: [s for s in by_producer[p]] for p in by_producer}
    for p in pool:
        rng.shuffle(pool[p])
    budget = max(1, len(specs) // 4)  # at most a quarter of the documents are defective

    def assign(producer: str, kind: str) -> None:
        nonlocal budget
        if pool[producer] and budget > 0:
            pool[producer].pop().defect = kind
            budget -= 1

    for k, kind in enumerate(DEFECT_KINDS):
        for p in ("reportlab", "fpdf2"):
            assign(p, kind)
    for k, kind in enumerate(DEFECT_KINDS):  # a third copy of most kinds
        if k % 3 != 2:
            assign("reportlab" if k % 2 else "fpdf2", kind)
    return specs


def generate(seed: int, out: pathlib.Path, n_departments: int = 32, years: list[int] | None = None,
             truth_only: bool = False, only: list[str] | None = None) -> list[dict]:
    years = years or DEFAULT_YEARS
    out.mkdir(parents=True, exist_ok=True)
    specs = plan(seed, n_departments, years)
    data = {}
    manifest = []
    for spec in specs:
        if spec.dept["key"] not in data:
            data[spec.dept["key"]] = department_years(seed, spec.dept, years)
        dy = data[spec.dept["key"]]
        series = dy[spec.scope]
        unit_names = dy["unit_names"] if spec.scope == "consolidated" else dy["unit_names"][:1]
        doc, truth = build_document(spec, series[spec.year], series[spec.year - 1], unit_names, seed)
        text = dumps_truth(truth)
        (out / f"{spec.stem}.truth.json").write_text(text, encoding="utf-8")
        if not truth_only and (only is None or spec.stem in only):
            render(doc, out / f"{spec.stem}.pdf", spec.producer)
        manifest.append({"file": f"{spec.stem}.pdf", "truth": f"{spec.stem}.truth.json",
                         "department_name": truth["document"]["department_name"], "scope": spec.scope,
                         "fiscal_year": spec.year, "producer_family": spec.producer,
                         "variants": truth["document"]["variants"],
                         "defects": [{"defect_id": d["defect_id"], "kind": d["kind"], "table_name": d["table_name"]}
                                     for d in truth["defects"]]})
    summary = {"generator": {"seed": seed, "version": 1}, "documents": manifest}
    (out / "manifest.json").write_text(json.dumps(summary, ensure_ascii=False, sort_keys=True, indent=1) + "\n",
                                       encoding="utf-8")
    return manifest


def render(doc, path: pathlib.Path, producer: str) -> None:
    if producer == "reportlab":
        from corpus.render_reportlab import render as rl
        rl(doc, path)
    else:
        from corpus.render_fpdf import render as fp
        fp(doc, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m corpus.synth", description=__doc__)
    ap.add_argument("--seed", type=int, default=20241)
    ap.add_argument("--out", type=pathlib.Path, default=pathlib.Path("corpus/sample/synthetic"))
    ap.add_argument("--departments", type=int, default=32)
    ap.add_argument("--years", type=int, nargs="+", default=DEFAULT_YEARS)
    ap.add_argument("--truth-only", action="store_true", help="write truth JSON and manifest, render nothing")
    ap.add_argument("--only", nargs="*", help="render only these stems (truth is always written for all)")
    args = ap.parse_args(argv)
    if not 1 <= args.departments <= len(departments(10**6)):
        ap.error(f"--departments must be between 1 and {len(departments(10**6))}")
    if min(args.years) <= FIRST_YEAR:
        ap.error(f"--years must be after {FIRST_YEAR} (the invented baseline year)")
    manifest = generate(args.seed, args.out, args.departments, sorted(args.years), args.truth_only, args.only)
    kinds: dict[str, int] = {}
    for m in manifest:
        for d in m["defects"]:
            kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    print(f"{len(manifest)} documents, {sum(kinds.values())} defects {kinds} -> {args.out}", file=sys.stderr)
    return 0


def dumps_truth(obj) -> str:
    """Sorted keys, indent 1, with each leaf record (a dict of scalars) kept on one line."""
    return _dump(obj, 0) + "\n"


def _depth(v) -> int:
    if isinstance(v, dict):
        return 1 + max((_depth(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((_depth(x) for x in v), default=0)
    return 0


def _is_leaf(v) -> bool:
    """A record: a dict whose values are scalars or flat lists/dicts of scalars."""
    return isinstance(v, dict) and _depth(v) <= 2


def _dump(v, level: int) -> str:
    pad, inner = " " * level, " " * (level + 1)
    if _is_leaf(v) or not isinstance(v, (dict, list)) or not v:
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    if isinstance(v, list):
        return "[\n" + ",\n".join(inner + _dump(x, level + 1) for x in v) + "\n" + pad + "]"
    items = sorted(v.items())
    return "{\n" + ",\n".join(f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(x, level + 1)}" for k, x in items) \
        + "\n" + pad + "}"
