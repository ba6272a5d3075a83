"""Extraction on the distributed engine vs the in-process pool, on the same files in one run.

    python -m bench.distributed FILES_OR_FOLDER... [--engine-workers 1,2] [--batch 4] [--out DIR]
    python -m bench.run ... --distributed 1,2        (the same, on the benchmark's corpus)

For each k in ``--engine-workers``:

* **pool k**: ``extract.api.extract_many(files, workers=k)`` in this process (one forked
  process per document, k at a time) — what ``fiscal run`` does;
* **engine k**: a local Redis and k Celery workers (dagster_project/celery_local.py, each worker
  one process, ``FISCAL_WORKERS=1``), and the extraction part of ``fiscal_refresh_distributed``
  (plan → batch steps → collect) run through Dagster's Celery executor into a fresh home.
  Worker start-up is timed apart; the run's wall is from submission to the run's end.

Reported per row: wall, CPU seconds (this process and its children; for the engine also the
workers' process trees, their start-up left out), pages/s, pages per CPU-second, and the
overhead per document against the pool with the same number of processes, in wall and in CPU
((engine − pool) / documents): what orchestration through a broker costs (step start-up in the
worker, events to the instance, result round-trips). On a shared machine read the CPU columns.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from warehouse.settings import environment

REPO = Path(__file__).resolve().parent.parent


def _pages(files: list[Path]) -> int:
    import pypdfium2

    total = 0
    for f in files:
        pdf = pypdfium2.PdfDocument(str(f))
        try:
            total += len(pdf)
        finally:
            pdf.close()
    return total


def _own_cpu() -> float:
    """CPU seconds of this process and its waited-for children."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _tree_cpu(pids: list[int]) -> float:
    """CPU seconds of these processes, their living descendants and what those have waited for."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.NoSuchProcess:
                pass
    return total


def pool(files: list[Path], out: Path, workers: int) -> dict:
    from extract import api

    shutil.rmtree(out, ignore_errors=True)
    t0, c0 = time.perf_counter(), _own_cpu()
    manifests = api.extract_many(files, out, workers=workers)
    wall, cpu = time.perf_counter() - t0, _own_cpu() - c0
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "documents": len(manifests),
            "extracted": sum(m.get("status") == "extracted" for m in manifests)}


def engine(files: list[Path], home: Path, workers: int, batch: int) -> dict:
    """Extraction through fiscal_refresh_distributed on ``workers`` local Celery workers."""
    import dagster as dg

    from dagster_project.celery_local import local_cluster

    shutil.rmtree(home, ignore_errors=True)
    (home / "landing").mkdir(parents=True)
    for f in files:
        shutil.copy(f, home / "landing" / Path(f).name)
    env = {"FISCAL_HOME": str(home), "DAGSTER_HOME": str(home / ".dagster"), "FISCAL_WORKERS": "1"}
    # FISCAL_CELERY_BROKER is set below, once the broker is up; restored with the rest
    with environment({**env, "FISCAL_LANDING_DIR": None, "FISCAL_EXTRACTED_DIR": None,
                      "FISCAL_CELERY_BROKER": os.environ.get("FISCAL_CELERY_BROKER")}):
        from dagster_project import cli
        from dagster_project import distributed as location
        from dagster_project.defs.schedules import full_refresh_tags
        from warehouse.settings import Settings

        settings = Settings.from_env()
        settings.ensure_dirs()
        instance = cli._instance(settings)
        keys = location.register_documents(instance, settings)
        t0 = time.perf_counter()
        with local_cluster(workers, workdir=home / "cluster", env=env, start_timeout=120) as cluster:
            startup = time.perf_counter() - t0
            os.environ["FISCAL_CELERY_BROKER"] = cluster.broker
            # CPU from here on: this process (the run's orchestration) + the workers' trees,
            # their start-up (imports) left out
            c1 = _own_cpu() + _tree_cpu(cluster.worker_pids())
            t1 = time.perf_counter()
            result = dg.execute_job(
                location.reconstructable_job(), instance=instance, tags=full_refresh_tags(keys),
                run_config={"ops": {"document_extraction": {"ops": {"plan_extraction": {
                    "config": {"batch_documents": batch}}}}}},
                asset_selection=[dg.AssetKey("document_extraction")], raise_on_error=False,
            )
            wall = time.perf_counter() - t1
            cpu = _own_cpu() + _tree_cpu(cluster.worker_pids()) - c1
        steps = step_seconds(instance, result.run_id)
        manifests = [json.loads(p.read_text()) for p in settings.extracted_dir.glob("*/manifest.json")]
        return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "startup_s": round(startup, 2),
                "success": result.success,
                "documents": len(keys), "extracted": sum(m.get("status") == "extracted" for m in manifests),
                "batches": sum(1 for s in steps if s.startswith("document_extraction.extract_batch")),
                "batch_step_s": round(sum(v for s, v in steps.items() if ".extract_batch" in s), 2),
                "extract_seconds_in_manifests": round(sum(float(m.get("extract_seconds") or 0) for m in manifests), 2),
                "other_steps_s": {s: round(v, 2) for s, v in steps.items() if ".extract_batch" not in s}}


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Each step's wall (STEP_START → STEP_SUCCESS/FAILURE) from the run's event log."""
    starts, out = {}, {}
    for rec in instance.all_logs(run_id):
        ev = rec.dagster_event
        if ev is None or not ev.step_key:
            continue
        if ev.event_type_value == "STEP_START":
            starts[ev.step_key] = rec.timestamp
        elif ev.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and ev.step_key in starts:
            out[ev.step_key] = rec.timestamp - starts[ev.step_key]
    return out


def measure(files: list[Path], out: Path, engine_workers: list[int], batch: int = 4, log=print) -> dict:
    files = [Path(f) for f in files]
    pages = _pages(files)
    rows = []
    for k in engine_workers:
        log(f"[distributed] pool with {k} process(es): {len(files)} documents, {pages} pages")
        p = pool(files, out / f"pool-{k}", k)
        log(f"[distributed] engine with {k} Celery worker(s), batches of {batch}")
        e = engine(files, out / f"engine-{k}", k, batch)
        for name, r in ((f"pool {k}", p), (f"engine {k}", e)):
            r["pages_per_s"] = round(pages / r["wall_s"], 1) if r["wall_s"] else None
            rows.append({"name": name, "processes": k, **r})
        n = max(len(files), 1)
        rows[-1]["overhead_per_document_s"] = round((e["wall_s"] - p["wall_s"]) / n, 3)
        rows[-1]["overhead_cpu_per_document_s"] = round((e["cpu_s"] - p["cpu_s"]) / n, 3)
    return {"documents": len(files), "pages": pages, "batch_documents": batch,
            "loadavg": [round(x, 2) for x in os.getloadavg()], "rows": rows}


def table(result: dict) -> str:
    lines = [f"distributed extraction: {result['documents']} documents, {result['pages']} pages, "
             f"batches of {result['batch_documents']} (load average {result['loadavg']})",
             f"{'':12}{'wall s':>9}{'cpu s':>9}{'pages/s':>9}{'pages/cpu-s':>13}{'overhead/doc s':>16}"
             f"{'(cpu)':>8}{'start-up s':>12}{'batches':>9}"]
    for r in result["rows"]:
        per_cpu = round(result["pages"] / r["cpu_s"], 1) if r.get("cpu_s") else ""
        lines.append(f"{r['name']:12}{r['wall_s']:>9.2f}{r.get('cpu_s', ''):>9}{r['pages_per_s'] or 0:>9.1f}{per_cpu:>13}"
                     f"{r.get('overhead_per_document_s', ''):>16}{r.get('overhead_cpu_per_document_s', ''):>8}"
                     f"{r.get('startup_s', ''):>12}{r.get('batches', ''):>9}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.distributed", description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="PDF files or folders")
    ap.add_argument("--engine-workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--batch", type=int, default=4, help="documents per extract_batch step")
    ap.add_argument("--out", default="/tmp/bench-distributed")
    args = ap.parse_args(argv)
    files: list[Path] = []
    for f in map(Path, args.files):
        files.extend(sorted(f.rglob("*.pdf")) if f.is_dir() else [f])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result = measure(files, out, [int(k) for k in args.engine_workers.split(",")], args.batch,
                     log=lambda m: print(m, file=sys.stderr, flush=True))
    text = table(result)
    print(text)
    (out / "distributed.json").write_text(json.dumps({**result, "table": text}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
