"""A small night: one new file dropped into a loaded landing folder, incremental vs full refresh.

    python -m bench.incremental --home /tmp/fiscal-loaded --out /tmp/bench-incr
    python -m bench.incremental --out /tmp/bench-incr              # first loads the sample (slow)

``--home`` is a pipeline home where ``fiscal run`` has completed (the bundled sample, say); it is
copied twice, read-only for the source. Into both copies the same new file is dropped: a sample
PDF with one byte appended (``--file``), i.e. new bytes of a known disclosure — a corrected
re-upload, which is extracted, supersedes the earlier file and changes one department. Then, in
the same process, one after the other:

* **incremental**: ``fiscal run`` (the night plan: rules, dbt models and tests, department
  workbooks over the affected documents only);
* **full**: ``fiscal run --full-refresh`` (every stage after extraction over every document: what
  a night cost before incremental nights).

It prints the wall time from the new file to the published warehouse for each, the per-step
seconds of both runs (from the Dagster instance) with each step's share, the ratio, and whether the
two published warehouses are equal (every table, tests/warehouse_snapshot.py, minus the plan
table). ``--baseline`` adds the naive single-process pdfplumber extraction of the new file's pages
(bench/run.py's reference), the yardstick of issue #17's target.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FISCAL_") and k != "DAGSTER_HOME"}
    return {**env, "FISCAL_HOME": str(home), "PYTHONPATH": str(REPO), "FISCAL_WORKERS": os.environ.get("FISCAL_WORKERS", "2")}


def fiscal_run(home: Path, *args: str, log: Path) -> float:
    t0 = time.monotonic()
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.run([sys.executable, "-m", "dagster_project.cli", "run", *args], env=_env(home),
                              stdout=fh, stderr=subprocess.STDOUT, timeout=7200)
    wall = time.monotonic() - t0
    if proc.returncode:
        raise SystemExit(f"fiscal run {' '.join(args)} failed in {home} (see {log})")
    return wall


def step_times(home: Path) -> dict[str, float]:
    """Per-step wall seconds of the last run in the home's Dagster instance."""
    from bench.run import dagster_step_times

    runs = dagster_step_times(home / ".dagster")
    return runs[-1] if runs else {}


def new_file(source: Path, landing: Path) -> Path:
    """The source PDF with one comment byte appended (new sha256, same content), next to it."""
    rel = source.relative_to(landing) if source.is_relative_to(landing) else Path(source.name)
    dst = landing / rel.with_name(rel.stem + "-更正" + rel.suffix)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(source.read_bytes() + b"\n%bench.incremental\n")
    return dst


def naive(files: list[Path]) -> dict:
    from bench.run import naive_baseline

    t0 = time.monotonic()
    out = naive_baseline([str(f) for f in files])
    return {**out, "seconds": round(time.monotonic() - t0, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, help="a pipeline home where `fiscal run` completed (default: load the sample)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench-incremental"))
    ap.add_argument("--file", help="landing-relative PDF to re-upload with new bytes (default: the first synthetic 决算)")
    ap.add_argument("--baseline", action="store_true", help="also time the naive pdfplumber extraction of the new file")
    ap.add_argument("--warm", action="store_true",
                    help="before the measured night, one night in the same home with another re-uploaded file (a "
                         "home that has had its nights: dbt's partial parse, the root-cause and picture stores are "
                         "its own; the copy of --home is at another path, which dbt's parse cache does not know)")
    args = ap.parse_args(argv)

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    source = args.home.resolve() if args.home else out / "loaded"
    if not args.home and not (source / "warehouse.duckdb").exists():
        print(f"loading the sample into {source} (once) …", file=sys.stderr)
        fiscal_run(source, "--sample", log=out / "load-sample.log")

    synthetic = sorted((source / "landing").rglob("synthetic/*.pdf"))
    pick = (source / "landing" / args.file) if args.file else synthetic[0]
    results = {}
    for mode, flags in (("incremental", ()), ("full", ("--full-refresh",))):
        home = out / mode
        if home.exists():
            shutil.rmtree(home)
        shutil.copytree(source, home, symlinks=True)
        if args.warm:  # another department's file, so the measured night's changes are its own
            warm = next(f for f in synthetic if f.name.split("_")[1] != pick.name.split("_")[1])
            new_file(home / "landing" / warm.relative_to(source / "landing"), home / "landing")
            results[f"{mode}_warm_up"] = {"wall": round(fiscal_run(home, log=out / f"{mode}-warm.log"), 2)}
        dropped = new_file(home / "landing" / pick.relative_to(source / "landing"), home / "landing")
        wall = fiscal_run(home, *flags, log=out / f"{mode}.log")
        results[mode] = {"wall": round(wall, 2), "steps": step_times(home), "file": str(dropped.relative_to(home))}

    sys.path.insert(0, str(REPO))
    from tests.warehouse_snapshot import snapshot
    from warehouse.incremental import AFFECTED_TABLE, STATE_TABLE

    def comparable(home: Path) -> dict:  # minus the night's bookkeeping (tests/test_incremental_night.py)
        return {k: v for k, v in snapshot(home / "warehouse.duckdb").items()
                if k not in (f"raw.{AFFECTED_TABLE}", f"raw.{STATE_TABLE}")}

    inc, full = comparable(out / "incremental"), comparable(out / "full")
    differ = sorted(t for t in inc.keys() | full.keys() if inc.get(t) != full.get(t))
    results["equal"] = not differ
    results["tables_compared"] = len(full)
    results["tables_differing"] = differ
    if args.baseline:
        results["naive_new_file"] = naive([out / "incremental" / results["incremental"]["file"]])

    (out / "incremental.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(report(results))
    return 0 if results["equal"] else 1


def _group(step: str) -> str:
    if step.startswith("document_extraction"):
        return "extraction"
    if step in ("raw_warehouse", "dq_rules", "quality_reports", "published_warehouse"):
        return {"raw_warehouse": "load", "dq_rules": "rules", "quality_reports": "reports",
                "published_warehouse": "publish"}[step]
    if "gx" in step:
        return "gx checks"
    return "dbt build" if "dbt" in step else "other checks"


def report(r: dict) -> str:
    inc, full = r["incremental"], r["full"]
    lines = [f"new file: {inc['file']}",
             f"{'':<14}{'incremental':>14}{'full refresh':>14}{'ratio':>8}",
             f"{'fiscal run':<14}{inc['wall']:>13.1f}s{full['wall']:>13.1f}s{inc['wall'] / full['wall']:>8.2f}"]
    groups: dict[str, list[float]] = {}
    for i, mode in enumerate(("incremental", "full")):
        for step, sec in r[mode]["steps"].items():
            groups.setdefault(_group(step), [0.0, 0.0])[i] += sec
    tot = [sum(v[i] for v in groups.values()) or 1 for i in (0, 1)]
    lines.append("steps (Dagster step seconds; share of the run's steps):")
    for name, (a, b) in sorted(groups.items(), key=lambda kv: -kv[1][1]):
        lines.append(f"  {name:<12}{a:>9.1f}s {a / tot[0]:>4.0%}{b:>9.1f}s {b / tot[1]:>4.0%}"
                     f"{(a / b if b else 0):>8.2f}")
    lines.append(f"  {'sum':<12}{tot[0]:>9.1f}s     {tot[1]:>9.1f}s     {tot[0] / tot[1]:>8.2f}")
    lines.append("published warehouses equal (incremental vs full refresh): "
                 + ("yes" if r["equal"] else f"NO — {r['tables_differing']}") + f" ({r['tables_compared']} tables)")
    if "naive_new_file" in r:
        n = r["naive_new_file"]
        lines.append(f"naive pdfplumber extraction of the new file: {n['seconds']} s ({n['pages']} pages); "
                     f"incremental run / naive = {inc['wall'] / max(n['seconds'], 1e-9):.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
