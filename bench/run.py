"""End-to-end benchmark of the pipeline on a synthetic prefecture.

    python -m bench.run --documents 100 [--pages 30] [--workers 2] [--out /tmp/bench-100]
                        [--baseline-sample K] [--seed 20241] [--skip-dbt] [--skip-nightly]
                        [--compare /tmp/bench-100/bench.json]

1. generates N seeded synthetic 决算 PDFs of about ``--pages`` pages (bench/synth.py, in
   parallel processes; timed, but excluded from the pipeline figures) into a fresh landing
   folder under ``--out``;
2. runs and times, with fresh FISCAL_* paths under ``--out``: extraction (extract_many with
   ``--workers``), load, rules (dq), dbt build, GX checks, reports, publish;
3. measures two references on (a sample of) the same files, single process: the naive
   baseline (pdfplumber ``page.extract_tables()`` on every page) and the floor (pypdfium2
   text of every page), scaled by pages when sampled;
4. times the nightly CLI path: Dagster start-up (``import dagster_project.definitions``),
   a first ``fiscal run`` (registers the files, nothing left to extract) and a second
   ``fiscal run`` with no new files (the no-change night);
5. prints a summary table and writes it to ``--out/bench.json``.

Peak RSS is sampled every 50 ms over the whole process tree (this process and every child,
including extraction workers and dbt/fiscal subprocesses) by a background thread.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from bench import report

REPO = Path(__file__).resolve().parent.parent
MB = 1024 * 1024



# --------------------------------------------------------------------------- measuring


class RssSampler:
    """Background thread: max total RSS of the process tree and max single-process RSS."""

    def __init__(self, interval: float = 0.05):
        import psutil

        self._psutil = psutil
        self.me = psutil.Process()
        self.interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.reset()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def reset(self) -> None:
        with self._lock:
            self.max_total = 0
            self.max_single = 0
            self.max_procs = 0
            self.max_children = 0
            self.samples = 0
        self.sample()

    def sample(self) -> None:
        ps = self._psutil
        total = single = children = 0
        procs = [self.me]
        try:
            procs += self.me.children(recursive=True)
        except ps.Error:
            pass
        n = 0
        for p in procs:
            try:
                rss = p.memory_info().rss
            except ps.Error:
                continue
            n += 1
            total += rss
            single = max(single, rss)
            if p is not self.me:
                children += rss
        with self._lock:
            self.max_total = max(self.max_total, total)
            self.max_single = max(self.max_single, single)
            self.max_procs = max(self.max_procs, n)
            self.max_children = max(self.max_children, children)
            self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def peaks(self) -> dict:
        self.sample()
        with self._lock:
            return {"peak_rss_total_mb": round(self.max_total / MB, 1),
                    "peak_rss_single_mb": round(self.max_single / MB, 1),
                    "peak_rss_children_mb": round(self.max_children / MB, 1),
                    "max_processes": self.max_procs, "rss_samples": self.samples}

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)


def _cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


class Stage:
    """``with Stage(bench, "load") as st: st.info.update(...)`` times one stage."""

    def __init__(self, bench: "Bench", name: str):
        self.bench, self.name, self.info = bench, name, {}

    def __enter__(self) -> "Stage":
        self.bench.log(f"[{self.name}] ...")
        self.bench.sampler.reset()
        self._cpu = _cpu()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        wall = time.perf_counter() - self._t0
        row = {"stage": self.name, "wall_s": round(wall, 3), "cpu_s": round(_cpu() - self._cpu, 3),
               **self.bench.sampler.peaks(), "status": "ok", **self.info}
        if exc is not None:
            row["status"] = "failed"
            row["error"] = f"{exc_type.__name__}: {exc}"
            (self.bench.out / "logs").mkdir(parents=True, exist_ok=True)
            (self.bench.out / "logs" / f"{self.name}.traceback.txt").write_text(
                "".join(traceback.format_exception(exc_type, exc, tb)), encoding="utf-8")
        self.bench.stages[self.name] = row
        self.bench.checkpoint()
        self.bench.log(f"[{self.name}] {row['status']} in {wall:.1f} s (cpu {row['cpu_s']:.1f} s, "
                       f"peak RSS {row['peak_rss_total_mb']:.0f} MB total / {row['peak_rss_single_mb']:.0f} MB single)"
                       + (f": {row['error']}" if exc is not None else ""))
        return exc is not None and not isinstance(exc, KeyboardInterrupt)  # keep going after a failed stage


def skipped(bench: "Bench", name: str, reason: str) -> None:
    bench.stages[name] = {"stage": name, "status": "skipped", "reason": reason, "wall_s": None}
    bench.log(f"[{name}] skipped: {reason}")


# --------------------------------------------------------------------------- references


def naive_baseline(files: list[str]) -> dict:
    """Single process: pdfplumber extract_tables() on every page of every file."""
    import pdfplumber

    pages = tables = 0
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                try:
                    tables += len(page.extract_tables())
                finally:
                    page.close()
                pages += 1
    return {"pages": pages, "tables": tables}


def pdfium_floor(files: list[str]) -> dict:
    """Single process: pypdfium2 text of every page."""
    import pypdfium2 as pdfium

    pages = chars = 0
    for f in files:
        pdf = pdfium.PdfDocument(f)
        try:
            for i in range(len(pdf)):
                page = pdf[i]
                tp = page.get_textpage()
                chars += len(tp.get_text_range())
                tp.close()
                page.close()
                pages += 1
        finally:
            pdf.close()
    return {"pages": pages, "chars": chars}


# --------------------------------------------------------------------------- the run


class Bench:
    def __init__(self, args):
        self.args = args
        self.out = Path(args.out).expanduser().resolve()
        self.stages: dict[str, dict] = {}
        self.result: dict = {}
        self.sampler = RssSampler()
        self.t_start = time.perf_counter()

    def checkpoint(self) -> None:
        """Partial results after every stage (bench.partial.json), for long runs polled from outside."""
        try:
            (self.out / "bench.partial.json").write_text(json.dumps(
                {"env": self.result.get("env"), "generation": self.result.get("generation"),
                 "stages": self.stages}, ensure_ascii=False, indent=1, default=str) + "\n")
        except OSError:
            pass

    def log(self, msg: str) -> None:
        print(f"{time.perf_counter() - self.t_start:8.1f}s  {msg}", file=sys.stderr, flush=True)

    # ------------------------------------------------------------- setup
    def environment(self) -> dict:
        home = self.out / "home"
        env = {
            "FISCAL_HOME": str(home),
            "FISCAL_LANDING_DIR": str(home / "landing"),
            "FISCAL_EXTRACTED_DIR": str(home / "extracted"),
            "FISCAL_DUCKDB_PATH": str(home / "build" / "warehouse.duckdb"),
            "FISCAL_PUBLISHED_PATH": str(home / "warehouse.duckdb"),
            "FISCAL_REPORTS_DIR": str(home / "reports"),
            "FISCAL_WORKERS": str(self.args.workers),
            "DAGSTER_HOME": str(home / ".dagster"),
        }
        for var in ("FISCAL_DBT_DIR", "FISCAL_DOC_TIMEOUT_S", "FISCAL_DOC_MEMORY_MB"):
            os.environ.pop(var, None)
        os.environ.update(env)
        return env

    def corpus(self) -> list[str]:
        """Generate (or reuse an identical earlier generation of) the corpus; excluded from figures."""
        from bench import synth

        a = self.args
        cdir = self.out / "corpus"
        key = {"seed": a.seed, "documents": a.documents, "pages": a.pages, "generator": 1}
        plan_file = cdir / "plan.json"
        if plan_file.exists() and not a.regenerate:
            saved = json.loads(plan_file.read_text())
            if saved.get("key") == key and all(Path(f).exists() for f in saved["files"]):
                self.log(f"[generate] reusing {len(saved['files'])} documents in {cdir}")
                self.result["generation"] = {**saved["generation"], "reused": True}
                self.page_counts = dict(zip(saved["files"], saved["pages"]))
                return saved["files"]
        shutil.rmtree(cdir, ignore_errors=True)
        self.log(f"[generate] {a.documents} documents of ~{a.pages} pages, seed {a.seed}, "
                 f"{a.gen_processes} processes ...")
        t0 = time.perf_counter()
        r = synth.generate(cdir / "pdf", a.documents, pages=a.pages, seed=a.seed, processes=a.gen_processes)
        gen = {"seconds": round(time.perf_counter() - t0, 2), "processes": r["processes"],
               "documents": len(r["files"]), "total_pages": r["total_pages"],
               "pages_min": min(r["pages"]), "pages_max": max(r["pages"]),
               "pages_mean": round(r["total_pages"] / len(r["files"]), 1),
               "extra_project_lines": r["extra_lines"], "extra_performance_tables": r["extra_projects"],
               "reused": False}
        plan_file.write_text(json.dumps({"key": key, "files": r["files"], "pages": r["pages"], "generation": gen},
                                        ensure_ascii=False, indent=1))
        self.result["generation"] = gen
        self.page_counts = dict(zip(r["files"], r["pages"]))
        self.log(f"[generate] {gen['documents']} documents, {gen['total_pages']} pages "
                 f"({gen['pages_min']}-{gen['pages_max']}, mean {gen['pages_mean']}) in {gen['seconds']:.1f} s")
        return r["files"]

    def fresh_home(self, files: list[str]) -> list[Path]:
        home = self.out / "home"
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(self.out / "dbt-target", ignore_errors=True)
        from warehouse.settings import Settings

        self.settings = Settings.from_env()
        self.settings.ensure_dirs()
        landed = []
        for f in files:
            dst = self.settings.landing_dir / Path(f).name
            try:
                os.link(f, dst)
            except OSError:
                shutil.copy2(f, dst)
            landed.append(dst)
        return sorted(landed)

    # ------------------------------------------------------------- pipeline
    def pipeline(self, landed: list[Path]) -> None:
        s, a = self.settings, self.args
        total_pages = sum(self.page_counts.values())

        with Stage(self, "extract") as st:
            from extract import api as extract_api
            from extract.api import extract_many

            self.result["env"]["extract_source_sha256"] = source_hash(REPO / "extract")
            self.result["env"]["extractor_version"] = getattr(extract_api, "EXTRACTOR_VERSION", None)
            self.result["env"]["page_engine"] = (extract_api.page_engine() if hasattr(extract_api, "page_engine")
                                                 else "pdfplumber")
            st.info["page_engine"] = self.result["env"]["page_engine"]

            done = [0]
            step = max(1, len(landed) // 10)

            def progress(_m):
                done[0] += 1
                if done[0] % step == 0:
                    self.log(f"[extract] {done[0]}/{len(landed)}")

            manifests = extract_many(landed, s.extracted_dir, workers=a.workers, timeout_s=s.doc_timeout_s,
                                     memory_mb=s.doc_memory_mb, landing_root=s.landing_dir, progress=progress)
            statuses: dict[str, int] = {}
            for m in manifests:
                statuses[m.get("status")] = statuses.get(m.get("status"), 0) + 1
            secs = [m.get("extract_seconds") or 0 for m in manifests]
            st.info.update(documents=len(manifests), pages=total_pages, workers=a.workers, statuses=statuses,
                           doc_seconds_mean=round(sum(secs) / max(1, len(secs)), 3),
                           doc_seconds_max=round(max(secs, default=0), 3))
        ex = self.stages["extract"]
        if ex["status"] == "ok":
            ex["pages_per_s"] = round(total_pages / ex["wall_s"], 2)
            ex["cpu_s_per_page"] = round(ex["cpu_s"] / total_pages, 4)
        if a.extract_only:
            for n in ("load", "rules", "dbt", "gx", "reports", "publish"):
                skipped(self, n, "--extract-only")
            return

        with Stage(self, "load") as st:
            from warehouse.load import load_extracted

            st.info["counts"] = _small(load_extracted(s))

        with Stage(self, "rules") as st:
            from expectations.rules import run_all

            r = run_all(s.duckdb_path)
            st.info["counts"] = _small({k: r.get(k) for k in ("documents", "results", "findings")})

        if a.skip_dbt:
            skipped(self, "dbt", "--skip-dbt")
        else:
            with Stage(self, "dbt") as st:
                target = self.out / "dbt-target"
                logs = self.out / "logs"
                logs.mkdir(parents=True, exist_ok=True)
                dbt = Path(sys.executable).with_name("dbt")
                cmd = [str(dbt if dbt.exists() else "dbt"), "build", "--project-dir", str(s.dbt_project_dir),
                       "--profiles-dir", str(s.dbt_project_dir), "--target-path", str(target),
                       "--log-path", str(self.out / "dbt-logs")]
                with open(logs / "dbt-build.log", "w") as fh:
                    rc = subprocess.run(cmd, cwd=s.dbt_project_dir, stdout=fh, stderr=subprocess.STDOUT).returncode
                st.info.update(returncode=rc, log=str(logs / "dbt-build.log"))
                st.info["summary"] = _dbt_summary(logs / "dbt-build.log")
                if rc not in (0, 1):  # 1 = some tests failed (data findings); anything else is an error
                    raise RuntimeError(f"dbt build exited {rc}; see {logs / 'dbt-build.log'}")

        with Stage(self, "gx") as st:
            from expectations.gx_suites import validate_all

            st.info["counts"] = _small(validate_all(s))

        with Stage(self, "reports") as st:
            from reports.build import build_reports

            st.info["counts"] = _small(build_reports(s))

        with Stage(self, "publish") as st:
            from warehouse.publish import publish

            p = publish(s)
            st.info["size_mb"] = round(Path(p).stat().st_size / MB, 1)

    # ------------------------------------------------------------- references
    def references(self, landed: list[Path]) -> None:
        a = self.args
        k = a.baseline_sample if a.baseline_sample else (len(landed) if len(landed) <= 100 else 100)
        k = max(1, min(k, len(landed)))
        sample = sorted(random.Random(f"{a.seed}|baseline").sample([str(p) for p in landed], k))
        by_name = {Path(f).name: n for f, n in self.page_counts.items()}
        sample_pages = sum(by_name[Path(f).name] for f in sample)
        total_pages = sum(self.page_counts.values())
        scale = total_pages / sample_pages
        self.result["reference_sample"] = {"files": k, "of": len(landed), "pages": sample_pages,
                                           "scale": round(scale, 4), "scaled": k < len(landed)}
        for name, fn in (("baseline", naive_baseline), ("floor", pdfium_floor)):
            with Stage(self, name) as st:
                st.info.update(fn(sample))
            row = self.stages[name]
            row["kind"] = "reference"
            if row["status"] == "ok":
                row["sample_wall_s"] = row["wall_s"]
                row["sample_cpu_s"] = row["cpu_s"]
                row["scaled_wall_s"] = round(row["wall_s"] * scale, 3)
                row["scaled_cpu_s"] = round(row["cpu_s"] * scale, 3)
                row["pages_per_s"] = round(sample_pages / row["wall_s"], 2)

    # ------------------------------------------------------------- nightly
    def nightly(self) -> None:
        logs = self.out / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        py = sys.executable
        with Stage(self, "startup") as st:
            rc = subprocess.run([py, "-c", "import dagster_project.definitions"], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            st.info.update(returncode=rc, command=f"{py} -c 'import dagster_project.definitions'")
            if rc:
                raise RuntimeError(f"import dagster_project.definitions exited {rc}")
        for name, what in (("nightly_first", "first `fiscal run` after the timed stages: registers the files as "
                                             "Dagster partitions, extraction reused, downstream rebuilt"),
                           ("nightly_nochange", "second `fiscal run`, no new files")):
            with Stage(self, name) as st:
                log = logs / f"{name}.log"
                with open(log, "w") as fh:
                    rc = subprocess.run([py, "-m", "dagster_project.cli", "run"], cwd=REPO, stdout=fh,
                                        stderr=subprocess.STDOUT).returncode
                st.info.update(returncode=rc, log=str(log), what=what)
                if rc:
                    raise RuntimeError(f"fiscal run exited {rc}; see {log}")
            self.stages[name]["kind"] = "nightly"
        self.stages["startup"]["kind"] = "nightly"
        try:
            steps = dagster_step_times(Path(os.environ["DAGSTER_HOME"]))
            for name, run in zip(("nightly_first", "nightly_nochange"), steps[-2:]):
                self.stages[name]["dagster_steps_s"] = run
        except Exception as exc:  # noqa: BLE001 - the breakdown is a nicety
            self.log(f"[nightly] no Dagster step breakdown: {exc}")
        nc, su = self.stages["nightly_nochange"], self.stages["startup"]
        if nc.get("status") == "ok" and su.get("status") == "ok":
            nc["beyond_startup_s"] = round(nc["wall_s"] - su["wall_s"], 3)

    def summarise(self) -> dict:
        return report.summarise(self)

    def report(self, summary: dict) -> str:
        return report.report(self, summary)


def source_hash(folder: Path) -> str:
    """sha256 over a package's *.py files (the extractor is edited often; figures name its version)."""
    import hashlib

    h = hashlib.sha256()
    for f in sorted(folder.rglob("*.py")):
        h.update(str(f.relative_to(folder)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def dagster_step_times(dagster_home: Path) -> list[dict]:
    """Per-step wall seconds of every run in the Dagster instance, oldest run first."""
    code = ("import json,os,dagster as dg;"
            "i=dg.DagsterInstance.get();"
            "runs=sorted(i.get_runs(),key=lambda r:i.get_run_stats(r.run_id).start_time or 0);"
            "print(json.dumps([{s.step_key:round((s.end_time or 0)-(s.start_time or 0),2) "
            "for s in i.get_run_step_stats(r.run_id)} for r in runs]))")
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _small(d, depth: int = 0):
    """Keep stage return values JSON-friendly and short."""
    if isinstance(d, dict):
        return {str(k): _small(v, depth + 1) for k, v in list(d.items())[:40]} if depth < 3 else "..."
    if isinstance(d, (list, tuple)):
        return [_small(v, depth + 1) for v in list(d)[:10]] + (["..."] if len(d) > 10 else [])
    if isinstance(d, (int, float, str, bool)) or d is None:
        return d
    return str(d)


def _dbt_summary(log: Path) -> str | None:
    try:
        for line in reversed(log.read_text(errors="replace").splitlines()):
            if "PASS=" in line:
                return line.split("Done. ")[-1].strip()
    except OSError:
        pass
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--documents", type=int, default=100, help="number of synthetic documents (N)")
    ap.add_argument("--pages", type=int, default=30, help="target pages per document (about)")
    ap.add_argument("--workers", type=int, default=2, help="extraction processes (extract_many workers)")
    ap.add_argument("--out", help="working folder (default /tmp/bench-N); its home/ is wiped each run")
    ap.add_argument("--baseline-sample", type=int, default=None,
                    help="measure the references on K seeded-random files and scale by pages "
                         "(default: all files when N <= 100, else 100)")
    ap.add_argument("--seed", type=int, default=20241)
    ap.add_argument("--gen-processes", type=int, default=os.cpu_count() or 1, help="generation processes")
    ap.add_argument("--regenerate", action="store_true", help="regenerate the corpus even if --out has it")
    ap.add_argument("--skip-dbt", action="store_true", help="skip dbt build (and the nightly fiscal runs, which run dbt)")
    ap.add_argument("--skip-nightly", action="store_true", help="skip the start-up and `fiscal run` timings")
    ap.add_argument("--extract-only", action="store_true",
                    help="time extraction and the references only (the ratio to the naive baseline)")
    ap.add_argument("--generate-only", action="store_true", help="generate the corpus into --out and stop")
    ap.add_argument("--compare", help="bench.json of another N, for the scaling ratio")
    ap.add_argument("--distributed", metavar="K,K", help="also extract the same files on the distributed engine "
                    "with K local Celery workers and the in-process pool with K processes (bench/distributed.py)")
    ap.add_argument("--distributed-batch", type=int, default=4, help="documents per batch step on the engine")
    args = ap.parse_args(argv)
    if args.documents < 1:
        ap.error("--documents must be >= 1")
    args.out = args.out or f"/tmp/bench-{args.documents}"

    bench = Bench(args)
    bench.out.mkdir(parents=True, exist_ok=True)
    bench.result["env"] = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                           "python": platform.python_version(), "cpus": os.cpu_count(),
                           "loadavg_start": [round(x, 2) for x in os.getloadavg()],
                           "command": "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])}
    env = bench.environment()
    files = bench.corpus()
    if args.generate_only:
        return 0
    landed = bench.fresh_home(files)
    bench.log(f"landing: {len(landed)} PDFs in {bench.settings.landing_dir}")
    bench.pipeline(landed)
    bench.references(landed)
    if args.skip_dbt or args.skip_nightly or args.extract_only:
        why = "--extract-only" if args.extract_only else "--skip-dbt" if args.skip_dbt else "--skip-nightly"
        for n in ("startup", "nightly_first", "nightly_nochange"):
            skipped(bench, n, why)
    else:
        bench.nightly()
    if args.distributed:  # after the pipeline's own figures, so it does not disturb them
        from bench import distributed

        bench.result["distributed"] = distributed.measure(
            landed, bench.out / "distributed", [int(k) for k in args.distributed.split(",")],
            args.distributed_batch, log=bench.log)
    bench.sampler.stop()
    bench.result["env"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    bench.result["env"]["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    summary = bench.summarise()
    text = bench.report(summary)
    if bench.result.get("distributed"):
        from bench import distributed

        text += "\n\n" + distributed.table(bench.result["distributed"])
    print(text)
    out = {"params": {k: getattr(args, k) for k in ("documents", "pages", "workers", "baseline_sample", "seed",
                                                    "skip_dbt", "skip_nightly", "extract_only")},
           "env": bench.result["env"], "fiscal_env": env, "generation": bench.result.get("generation"),
           "reference_sample": bench.result.get("reference_sample"), "stages": bench.stages,
           "summary": summary, "distributed": bench.result.get("distributed"), "table": text}
    (bench.out / "bench.json").write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str) + "\n")
    bench.log(f"wrote {bench.out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
