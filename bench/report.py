"""Summary and printout of a benchmark run (:mod:`bench.run`): ratios, targets, the table."""
from __future__ import annotations

import json
import os
from pathlib import Path

PIPELINE = ["extract", "load", "rules", "dbt", "gx", "reports", "publish"]

TARGETS = {
    "extract_vs_baseline": 0.35,       # extraction wall <= 0.35 x naive baseline
    "extract_vs_baseline_next": 0.12,  # the next step (issue #17 item 4): <= 0.12 x, same files, same run
    "scaling_1000_vs_100": 11.0,       # N=1000 end-to-end <= 11 x N=100
    "peak_rss_mb_at_1000": 2048,       # peak RSS <= 2 GB at N=1000
    "nightly_beyond_startup_s": 10.0,  # no-change night <= 10 s beyond start-up
}


def summarise(bench) -> dict:
    """Totals, extraction ratios and the targets of a finished run."""
    st = bench.stages
    ran = [st[n] for n in PIPELINE if n in st and st[n].get("wall_s") is not None]
    e2e = round(sum(r["wall_s"] for r in ran), 3)
    ratios: dict = {}
    ex = st.get("extract", {})
    for ref in ("baseline", "floor"):
        r = st.get(ref, {})
        if ex.get("status") == "ok" and r.get("status") == "ok":
            ratios[f"extract_vs_{ref}"] = round(ex["wall_s"] / r["scaled_wall_s"], 3)
            ratios[f"extract_cpu_vs_{ref}_cpu"] = round(ex["cpu_s"] / r["scaled_cpu_s"], 3)
    summary = {
        "end_to_end_s": e2e,
        "end_to_end_cpu_s": round(sum(r.get("cpu_s") or 0 for r in ran), 3),
        "end_to_end_complete": all(st.get(n, {}).get("status") == "ok" for n in PIPELINE),
        "pipeline_peak_rss_total_mb": max((r.get("peak_rss_total_mb", 0) for r in ran), default=0),
        "pipeline_peak_rss_single_mb": max((r.get("peak_rss_single_mb", 0) for r in ran), default=0),
        "ratios": ratios,
    }
    targets = {"extract_vs_baseline": {"target": f"<= {TARGETS['extract_vs_baseline']}",
                                       "measured": ratios.get("extract_vs_baseline"),
                                       "met": _le(ratios.get("extract_vs_baseline"), TARGETS["extract_vs_baseline"])}}
    targets["extract_vs_baseline_next"] = {"target": f"<= {TARGETS['extract_vs_baseline_next']}",
                                           "measured": ratios.get("extract_vs_baseline"),
                                           "met": _le(ratios.get("extract_vs_baseline"),
                                                      TARGETS["extract_vs_baseline_next"])}
    nc = st.get("nightly_nochange", {})
    targets["nightly_beyond_startup_s"] = {"target": f"<= {TARGETS['nightly_beyond_startup_s']}",
                                           "measured": nc.get("beyond_startup_s"),
                                           "met": _le(nc.get("beyond_startup_s"), TARGETS["nightly_beyond_startup_s"])}
    targets["peak_rss_mb"] = {"target": f"<= {TARGETS['peak_rss_mb_at_1000']} (at N=1000)",
                              "measured": summary["pipeline_peak_rss_total_mb"],
                              "met": _le(summary["pipeline_peak_rss_total_mb"], TARGETS["peak_rss_mb_at_1000"]),
                              "applies": bench.args.documents >= 1000}
    if bench.args.compare:
        try:
            other = json.loads(Path(bench.args.compare).read_text())
            o_n, o_e2e = other["params"]["documents"], other["summary"]["end_to_end_s"]
            o_cpu = other["summary"].get("end_to_end_cpu_s")
            ratio = round(e2e / o_e2e, 3) if o_e2e else None
            cpu_ratio = round(summary["end_to_end_cpu_s"] / o_cpu, 3) if o_cpu else None
            targets["scaling"] = {"target": f"N={bench.args.documents} end-to-end <= "
                                            f"{TARGETS['scaling_1000_vs_100']} x N={o_n}"
                                  if (bench.args.documents, o_n) == (1000, 100) else
                                  f"N={bench.args.documents} vs N={o_n}: compare with the documents ratio "
                                  f"{bench.args.documents / o_n:.1f}",
                                  "other": str(bench.args.compare), "other_end_to_end_s": o_e2e,
                                  "measured": ratio, "measured_cpu": cpu_ratio,
                                  "other_end_to_end_cpu_s": o_cpu,
                                  "met": _le(ratio, TARGETS["scaling_1000_vs_100"])
                                  if (bench.args.documents, o_n) == (1000, 100) else None}
        except Exception as exc:  # noqa: BLE001
            targets["scaling"] = {"error": f"cannot compare with {bench.args.compare}: {exc}"}
    summary["targets"] = targets
    return summary

def report(bench, summary: dict) -> str:
    """The printed table (also stored in bench.json as ``table``)."""
    st, res = bench.stages, bench.result
    lines = []
    g = res.get("generation", {})
    lines.append(f"bench: N={bench.args.documents} documents, {g.get('total_pages')} pages "
                 f"(mean {g.get('pages_mean')}/doc), workers={bench.args.workers}, seed={bench.args.seed}, "
                 f"{os.cpu_count()} CPUs, load avg at start {bench.result['env']['loadavg_start']}")
    e = bench.result["env"]
    lines.append(f"extractor {e.get('extractor_version')} (extract/*.py sha256 {e.get('extract_source_sha256')}, "
                 f"page engine {e.get('page_engine')}); started {e.get('started_at')}")
    lines.append(f"generation (excluded): {g.get('seconds')} s on {g.get('processes')} processes"
                 + (" (reused from an earlier identical run)" if g.get("reused") else ""))
    hdr = f"{'stage':<18}{'wall s':>9}{'cpu s':>9}{'pages/s':>9}{'RSS tot MB':>11}{'RSS 1p MB':>10}  status"
    lines += ["", hdr, "-" * len(hdr)]
    order = PIPELINE + ["baseline", "floor", "startup", "nightly_first", "nightly_nochange"]
    for n in order:
        r = st.get(n)
        if r is None:
            continue
        if r["status"] == "skipped":
            lines.append(f"{n:<18}{'-':>9}{'-':>9}{'':>9}{'':>11}{'':>10}  skipped ({r['reason']})")
            continue
        if n in ("baseline", "startup"):
            lines.append("")
        label = n + (" (sample)" if n in ("baseline", "floor") and res["reference_sample"]["scaled"] else "")
        pps = r.get("pages_per_s")
        lines.append(f"{label:<18}{r['wall_s']:>9.2f}{r['cpu_s']:>9.2f}{(f'{pps:.1f}' if pps else ''):>9}"
                     f"{r.get('peak_rss_total_mb', 0):>11.0f}{r.get('peak_rss_single_mb', 0):>10.0f}  {r['status']}"
                     + (f": {r['error'][:80]}" if r.get("error") else ""))
        if n == "publish" or (n == PIPELINE[-1]):
            lines.append(f"{'end-to-end':<18}{summary['end_to_end_s']:>9.2f}{summary['end_to_end_cpu_s']:>9.2f}"
                         f"{'':>9}{summary['pipeline_peak_rss_total_mb']:>11.0f}"
                         f"{summary['pipeline_peak_rss_single_mb']:>10.0f}  "
                         + ("complete" if summary["end_to_end_complete"] else "INCOMPLETE (skipped/failed stages)"))
    rs = res.get("reference_sample", {})
    lines.append("")
    if rs:
        if rs["scaled"]:
            lines.append(f"references measured on a seeded sample of {rs['files']}/{rs['of']} files "
                         f"({rs['pages']} pages) and scaled by pages x{rs['scale']}:")
        else:
            lines.append(f"references measured on all {rs['of']} files ({rs['pages']} pages):")
        for n in ("baseline", "floor"):
            r = st.get(n, {})
            if r.get("status") == "ok":
                lines.append(f"  {n:<9} {r['scaled_wall_s']:>9.2f} s wall, {r['scaled_cpu_s']:>9.2f} s cpu"
                             f"  ({'pdfplumber extract_tables, 1 process' if n == 'baseline' else 'pypdfium2 text, 1 process'})")
    ra = summary["ratios"]
    if ra:
        lines.append(f"ratios: extraction/baseline = {ra.get('extract_vs_baseline')} (wall; cpu "
                     f"{ra.get('extract_cpu_vs_baseline_cpu')}), extraction/floor = {ra.get('extract_vs_floor')} "
                     f"(wall; cpu {ra.get('extract_cpu_vs_floor_cpu')})")
    nc, su = st.get("nightly_nochange", {}), st.get("startup", {})
    if nc.get("beyond_startup_s") is not None:
        lines.append(f"no-change night: {nc['wall_s']:.2f} s wall = start-up {su['wall_s']:.2f} s "
                     f"+ {nc['beyond_startup_s']:.2f} s")
    for n in ("nightly_first", "nightly_nochange"):
        if st.get(n, {}).get("peak_rss_children_mb") is not None:
            lines.append(f"{n}: peak RSS of the `fiscal run` process tree alone (without this bench process) "
                         f"{st[n]['peak_rss_children_mb']:.0f} MB")
    for n in ("nightly_first", "nightly_nochange"):
        steps = st.get(n, {}).get("dagster_steps_s")
        if steps:
            top = sorted(steps.items(), key=lambda kv: -kv[1])[:8]
            lines.append(f"{n} Dagster steps (s): " + ", ".join(f"{k} {v}" for k, v in top))
    lines.append("")
    lines.append("targets (measured, not adjusted):")
    for k, t in summary["targets"].items():
        if "error" in t:
            lines.append(f"  {k}: {t['error']}")
            continue
        met = {True: "MET", False: "NOT MET", None: "n/a"}[t["met"]]
        note = "" if t.get("applies", True) else "  (target is for N=1000; shown for information)"
        extra = f" (cpu-seconds ratio {t['measured_cpu']})" if t.get("measured_cpu") is not None else ""
        lines.append(f"  {k:<26} target {t['target']:<30} measured {t['measured']}{extra}  {met}{note}")
    return "\n".join(lines)


def _le(v, limit) -> bool | None:
    return None if v is None else v <= limit
