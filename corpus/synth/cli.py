"""Plan the corpus (documents, producers, variants, defects), write truth, render PDFs."""
from __future__ import annotations

import argparse
import json
import pathlib
import random
import sys

from corpus.synth.budget import XDOC_KINDS, BudgetSpec, build_budget
from corpus.synth.build import DEFECT_KINDS, DocSpec, build_document, choose_variants, finalize_variants
from corpus.synth.data import FIRST_YEAR, department_years, departments
from corpus.synth.tables import Style

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
    for spec in specs:
        if spec.dept["key"] not in data:
            data[spec.dept["key"]] = department_years(seed, spec.dept, years)
    bspecs = plan_budgets(seed, specs, data)
    xdefects = {b.stem.replace("_ys", "_hz"): b for b in bspecs if b.xdefect}
    budget_docs = {}
    for b in bspecs:  # budgets first: a cross-document defect is labelled in the 决算's truth
        budget_docs[b.stem] = build_budget(b, data[b.dept["key"]]["consolidated"][b.year], seed)
    manifest = []
    for spec in specs:
        dy = data[spec.dept["key"]]
        series = dy[spec.scope]
        unit_names = dy["unit_names"] if spec.scope == "consolidated" else dy["unit_names"][:1]
        doc, truth = build_document(spec, series[spec.year], series[spec.year - 1], unit_names, seed)
        if spec.stem in xdefects:
            truth["defects"].append(xdefect_record(xdefects[spec.stem], spec, truth))
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
    for b in bspecs:
        doc, truth, _ = budget_docs[b.stem]
        (out / f"{b.stem}.truth.json").write_text(dumps_truth(truth), encoding="utf-8")
        if not truth_only and (only is None or b.stem in only):
            render(doc, out / f"{b.stem}.pdf", b.producer)
        manifest.append({"file": f"{b.stem}.pdf", "truth": f"{b.stem}.truth.json", "doc_kind": "budget",
                         "department_name": truth["document"]["department_name"], "scope": "consolidated",
                         "fiscal_year": b.year, "producer_family": b.producer,
                         "variants": truth["document"]["variants"], "defects": []})
    summary = {"generator": {"seed": seed, "version": 1}, "documents": manifest}
    (out / "manifest.json").write_text(json.dumps(summary, ensure_ascii=False, sort_keys=True, indent=1) + "\n",
                                       encoding="utf-8")
    return manifest


def plan_budgets(seed: int, specs: list[DocSpec], data: dict) -> list[BudgetSpec]:
    """One 部门预算 (``<year>_<dept>_ys``) per department and year, with the producers alternating,
    and two cross-document defects of each kind on 决算 documents that carry no other defect."""
    seen: dict[tuple[str, int], DocSpec] = {}
    for s in specs:
        if s.scope == "consolidated":
            seen[(s.dept["key"], s.year)] = s
    out = [BudgetSpec(f"{y}_{key}_ys", s.dept, y, "") for (key, y), s in seen.items()]
    out.sort(key=lambda b: b.stem)
    rng = random.Random(f"{seed}|budgetplan")
    order = list(range(len(out)))
    rng.shuffle(order)
    for rank, i in enumerate(order):
        out[i].producer = "reportlab" if rank % 2 == 0 else "fpdf2"
    clean = [b for b in out if seen[(b.dept["key"], b.year)].defect is None]
    rng.shuffle(clean)
    for kind in XDOC_KINDS:
        n = 0
        while n < 2:
            b = clean.pop()
            yd = data[b.dept["key"]]["consolidated"][b.year]
            k = yd.k
            if kind == XDOC_KINDS[0]:
                codes = sorted(c for c, l in yd.lines.items() if l.gb_total and l.initial_budget > 3000 * k)
                if not codes:
                    continue
                b.xdefect = {"kind": kind, "subject_code": rng.choice(codes),
                             "delta": rng.choice([1000, -1000, 2500, 500]) * k}
            else:
                items = sorted(m for m, v in yd.tp_budget.items() if v > 600 * k)
                if not items:
                    continue
                b.xdefect = {"kind": kind, "measure": rng.choice(items), "delta": rng.choice([200, -300, 500]) * k}
            n += 1
    return out


def xdefect_record(b: BudgetSpec, spec: DocSpec, truth: dict) -> dict:
    """The cross-document defect as labelled in the 决算's truth (expected: the budget document)."""
    xd = b.xdefect
    style = Style(unit="元" if b.dept.get("yuan") else "万元", thousands=True, base=10000 if b.dept.get("yuan") else 1)
    fmt = lambda c: style.amount(c)[0]  # noqa: E731
    budget_doc = f"{b.stem}.pdf"
    if xd["kind"] == "narrative_budget_vs_budget_doc":
        fig = next(f for f in truth["narrative_figures"] if f["topic"] == "item_initial_budget"
                   and f["subject_code"] == xd["subject_code"])
        return {"defect_id": f"{spec.stem}#x", "kind": xd["kind"], "table_name": None,
                "row_key": xd["subject_code"], "measure": "amount", "page_hint": f"第三部分 {fig['section']}",
                "expected": fmt(xd["budget_value"]), "printed": fig["value"],
                "description": f"情况说明所列{xd['subject_code']}项年初预算与同年部门预算（{budget_doc}）一般公共预算支出预算表不符"}
    return {"defect_id": f"{spec.stem}#x", "kind": xd["kind"], "table_name": "three_public", "row_key": "三公经费",
            "measure": xd["measure"], "page_hint": "第二部分 九、财政拨款“三公”经费支出决算表",
            "expected": fmt(xd["budget_value"]), "printed": fmt(xd["final_value"]),
            "description": f"“三公”经费支出决算表预算数与同年部门预算（{budget_doc}）“三公”经费支出预算表不符"}


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
