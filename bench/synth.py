"""A larger synthetic prefecture for the benchmark, built on :mod:`corpus.synth`.

``corpus.synth`` renders about 109 documents of 16-24 pages (32 departments x 3 years).
The benchmark needs N documents (up to 1000+) of about ``pages`` pages each, so this
module wraps the generator without editing it:

* departments are cloned per county (``东岭县教育局`` ...) so every document is a distinct
  department-year (nothing is superseded in the loader);
* every department gets extra 项 project lines (more coded rows in tables 02/03/05) and
  every document extra 绩效自评表 (more projects), sized from the page target;
* the plan, variants and defects come from ``corpus.synth.cli.plan`` unchanged.

Everything is seeded: the same (seed, documents, pages) gives the same documents (plan,
layout variants, defects, amounts, page counts); the PDF bytes may still differ where a
renderer embeds a creation date or file ID, so document_ids (sha256) can change between
generations.  ``bench.run`` reuses a generated corpus when seed, N and pages match.
"""
from __future__ import annotations

import math
import os
import random
import time
from multiprocessing import get_context
from pathlib import Path

YEARS = [2022, 2023, 2024]
COUNTIES = ["东岭县", "西河县", "南山县", "北川县", "云溪县", "石门县", "清水县", "白沙县", "龙泉县", "青石县",
            "金川县", "银湖县", "柳江县", "桃源县", "松阳县", "梅岭县", "竹溪县", "兰亭县", "杏林县", "枫桥县"]
EXTRA_TOPICS = ["数据治理", "档案数字化", "安全生产检查", "应急演练", "人才培训", "规划编制", "课题研究", "设备更新",
                "平台建设", "政策宣传", "执法装备购置", "专项审计", "绩效评价", "基层调研", "标准化建设", "信用体系建设"]
BASE_PAGES = 18  # mean page count of the bundled corpus.synth documents


def extras_for(pages: int) -> tuple[int, int]:
    """(extra 项 lines per department, extra 绩效自评表 per document) to reach about ``pages``."""
    gap = max(0, pages - BASE_PAGES)
    return min(12, round(gap * 0.5)), round(gap * 0.9)


def _extra_codes(dept: dict, n: int, seed: int) -> list[tuple[str, str]]:
    from corpus.synth.codes import PERSONNEL_LINES, XIANG

    taken = {c for c, _ in dept["lines"]} | {c for c, _ in PERSONNEL_LINES}
    own_class = dept["lines"][0][0][:3]
    pool = sorted(c for c, name in XIANG.items()
                  if c not in taken and not c.endswith("01") and name not in ("行政运行", "事业运行", "机构运行")
                  and not c.startswith("2296"))
    rng = random.Random(f"{seed}|bench-lines|{dept['key']}")
    same = [c for c in pool if c.startswith(own_class)]
    other = [c for c in pool if not c.startswith(own_class)]
    rng.shuffle(same)
    rng.shuffle(other)
    return [(c, "project") for c in (same + other)[:n]]


def departments(n_copies: int, extra_lines: int, seed: int) -> list[dict]:
    from corpus.synth.codes import DEPARTMENTS

    out = []
    for copy in range(n_copies):
        for d in DEPARTMENTS:
            d2 = {**d, "lines": list(d["lines"])}
            if copy:
                county = COUNTIES[(copy - 1) % len(COUNTIES)] + ("" if copy <= len(COUNTIES) else str(copy))
                d2["key"] = f"{d['key']}{copy}"
                d2["name"] = county + d["name"]
            d2["lines"] += _extra_codes(d2, extra_lines, seed)
            out.append(d2)
    return out


def plan(seed: int, n_documents: int, pages: int):
    """The first ``n_documents`` DocSpecs of a prefecture with enough cloned departments."""
    import corpus.synth.cli as cli

    extra_lines, _ = extras_for(pages)
    from corpus.synth.codes import DEPARTMENTS

    per_copy = sum(len(YEARS) * (2 if d.get("own") else 1) for d in DEPARTMENTS)
    copies = max(1, math.ceil(n_documents / per_copy))
    depts = departments(copies, extra_lines, seed)
    saved = cli.departments
    cli.departments = lambda n: depts[:n]
    try:
        specs = cli.plan(seed, len(depts), YEARS)
    finally:
        cli.departments = saved
    # a seeded sample keeps producers, variants and defects mixed at any N
    rng = random.Random(f"{seed}|bench-sample")
    chosen = sorted(rng.sample(range(len(specs)), min(n_documents, len(specs))))
    return [specs[i] for i in chosen]


# ------------------------------------------------------------------ rendering (worker side)

_STATE: dict = {}


def _patch(seed: int, extra_projects: int) -> None:
    """Wrap corpus.synth.build.make_projects to add ``extra_projects`` 绩效自评表 per document."""
    import corpus.synth.build as build

    if _STATE.get("patched") == (seed, extra_projects):
        return
    original = _STATE.setdefault("original", build.make_projects)

    def make_projects(rng, spec, yd, unit_names):
        projects = original(rng, spec, yd, unit_names)
        used = {p["name"] for p in projects}
        short = spec.dept["name"].removesuffix("局").removesuffix("委员会")
        xrng = random.Random(f"{seed}|bench-perf|{spec.stem}")
        for j in range(extra_projects):
            extra = original(random.Random(f"{seed}|bench-perf|{spec.stem}|{j}"), spec, yd, unit_names)[0]
            topic = EXTRA_TOPICS[(j + xrng.randrange(len(EXTRA_TOPICS))) % len(EXTRA_TOPICS)]
            name = f"{short}{topic}项目经费"
            k = 2
            while name in used:
                name = f"{short}{topic}{k}期项目经费"
                k += 1
            used.add(name)
            projects.append({**extra, "name": name,
                             "goal": f"保障{name.removesuffix('经费')}顺利实施，按期完成年度工作任务"})
        return projects

    build.make_projects = make_projects
    _STATE["patched"] = (seed, extra_projects)


def _render_one(args) -> tuple[str, float, int]:
    spec, seed, extra_projects, out_dir, truth_dir = args
    t0 = time.perf_counter()
    from corpus.synth.build import build_document
    from corpus.synth.cli import dumps_truth, render
    from corpus.synth.data import department_years

    _patch(seed, extra_projects)
    cache = _STATE.setdefault("years", {})
    key = spec.dept["key"]
    if key not in cache:
        cache.clear()  # specs arrive grouped by department; keep memory flat
        cache[key] = department_years(seed, spec.dept, YEARS)
    dy = cache[key]
    series = dy[spec.scope]
    unit_names = dy["unit_names"] if spec.scope == "consolidated" else dy["unit_names"][:1]
    doc, truth = build_document(spec, series[spec.year], series[spec.year - 1], unit_names, seed)
    pdf = Path(out_dir) / f"{spec.stem}.pdf"
    render(doc, pdf, spec.producer)
    if truth_dir:
        (Path(truth_dir) / f"{spec.stem}.truth.json").write_text(dumps_truth(truth), encoding="utf-8")
    import pypdfium2 as pdfium

    n_pages = len(pdfium.PdfDocument(str(pdf)))
    return str(pdf), time.perf_counter() - t0, n_pages


def generate(out_dir: Path, n_documents: int, *, pages: int = 30, seed: int = 20241, processes: int | None = None,
             truth_dir: Path | None = None) -> dict:
    """Render N documents into ``out_dir`` in parallel processes; returns paths and timings."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if truth_dir:
        Path(truth_dir).mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    specs = plan(seed, n_documents, pages)
    _, extra_projects = extras_for(pages)
    specs.sort(key=lambda s: (s.dept["key"], s.stem))  # department caches stay warm in a worker
    jobs = [(s, seed, extra_projects, str(out_dir), str(truth_dir) if truth_dir else None) for s in specs]
    processes = processes or os.cpu_count() or 1
    if processes > 1 and len(jobs) > 1:
        with get_context("fork").Pool(processes) as pool:
            results = pool.map(_render_one, jobs, chunksize=max(1, len(jobs) // (processes * 8)))
    else:
        results = [_render_one(j) for j in jobs]
    results.sort()
    pages_list = [r[2] for r in results]
    return {
        "files": [r[0] for r in results],
        "pages": pages_list,
        "total_pages": sum(pages_list),
        "seconds": time.perf_counter() - t0,
        "processes": processes,
        "extra_projects": extra_projects,
        "extra_lines": extras_for(pages)[0],
    }
