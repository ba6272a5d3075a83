"""How the single-writer steps grow with the warehouse: load, rules and dbt at N documents,
without extracting N PDFs.

    python -m bench.warehouse_scale --source /tmp/bench-24/home/extracted --documents 1000,5000

The extracted store of an earlier run (``--source``: ``<sha256>/`` directories of extracted
documents) is cloned up to N documents: clone k of a document gets a new ``document_id``
(sha256 of the old one and k) in every Parquet file and the department name prefixed with
``克隆k`` (in the document row and the manifest), so every clone is a distinct department-year
and the loader supersedes nothing. The page texts, tables and figures are the source's, so the
rules find what they found there, N/len(source) times over. Then, into a fresh DuckDB file and
each timed: ``warehouse.load.load_extracted``, ``expectations.rules.run_all``, ``dbt build``.
Cloning is not timed. What it measures is the cost per document of the steps that stay on one
machine when extraction is spread out — the figures of the throughput model in
dagster_project/README.md.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def clone_store(source: Path, target: Path, documents: int) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    docs = sorted(d for d in source.iterdir() if (d / "manifest.json").exists()
                  and json.loads((d / "manifest.json").read_text()).get("status") == "extracted")
    if not docs:
        raise SystemExit(f"no extracted documents in {source}")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    made = 0
    k = 0
    while made < documents:
        for d in docs:
            if made >= documents:
                break
            manifest = json.loads((d / "manifest.json").read_text())
            old = manifest["document_id"]
            new = hashlib.sha256(f"{old}:{k}".encode()).hexdigest()
            prefix = f"克隆{k}" if k else ""
            out = target / new
            out.mkdir()
            for f in d.glob("*.parquet"):
                t = pq.read_table(f)
                t = t.set_column(t.column_names.index("document_id"), "document_id",
                                 pa.array([new] * t.num_rows, pa.string()))
                if f.name == "document.parquet" and prefix:
                    i = t.column_names.index("department_name")
                    t = t.set_column(i, "department_name",
                                     pa.array([prefix + (v or "") for v in t.column("department_name").to_pylist()],
                                              pa.string()))
                pq.write_table(t, out / f.name)
            manifest.update(document_id=new, department_name=prefix + (manifest.get("department_name") or ""))
            (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
            made += 1
        k += 1
    return made


def measure(source: Path, out: Path, documents: int, log=print, rules: bool = True) -> dict:
    home = out / f"home-{documents}"
    shutil.rmtree(home, ignore_errors=True)
    os.environ.update(FISCAL_HOME=str(home))
    for var in ("FISCAL_LANDING_DIR", "FISCAL_EXTRACTED_DIR", "FISCAL_DUCKDB_PATH", "FISCAL_PUBLISHED_PATH",
                "FISCAL_REPORTS_DIR"):
        os.environ.pop(var, None)
    from warehouse.settings import Settings

    s = Settings.from_env()
    s.ensure_dirs()
    log(f"[scale] cloning {source} to {documents} documents")
    clone_store(source, s.extracted_dir, documents)
    row: dict = {"documents": documents}
    t = time.perf_counter()
    from warehouse.load import load_extracted

    load_extracted(s)
    row["load_s"] = round(time.perf_counter() - t, 2)
    log(f"[scale] N={documents} load {row['load_s']} s")
    row["rules_s"] = None
    if rules:  # without them dbt reads the loader's empty dq tables
        t = time.perf_counter()
        from expectations.rules import run_all

        run_all(s.duckdb_path)
        row["rules_s"] = round(time.perf_counter() - t, 2)
        log(f"[scale] N={documents} rules {row['rules_s']} s")
    dbt = Path(sys.executable).with_name("dbt")
    t = time.perf_counter()
    with open(out / f"dbt-{documents}.log", "w") as fh:
        rc = subprocess.run([str(dbt if dbt.exists() else "dbt"), "build", "--project-dir", str(s.dbt_project_dir),
                             "--profiles-dir", str(s.dbt_project_dir), "--target-path", str(out / "dbt-target"),
                             "--log-path", str(out / "dbt-logs")],
                            cwd=s.dbt_project_dir, stdout=fh, stderr=subprocess.STDOUT,
                            env={**os.environ, "FISCAL_DUCKDB_PATH": str(s.duckdb_path)}).returncode
    row["dbt_s"] = round(time.perf_counter() - t, 2)
    row["dbt_returncode"] = rc
    log(f"[scale] N={documents} dbt build {row['dbt_s']} s (exit {rc})")
    import duckdb

    with duckdb.connect(str(s.duckdb_path), read_only=True) as con:
        row["table_cells"] = con.execute("select count(*) from raw.table_cell").fetchone()[0]
        row["findings"] = con.execute("select count(*) from raw.dq_finding").fetchone()[0]
    row["duckdb_mb"] = round(s.duckdb_path.stat().st_size / 2**20, 1)
    row["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.warehouse_scale", description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", required=True, help="an extracted store (FISCAL_EXTRACTED_DIR of an earlier run)")
    ap.add_argument("--documents", default="1000,5000")
    ap.add_argument("--out", default="/tmp/bench-warehouse-scale")
    ap.add_argument("--keep", action="store_true", help="keep each N's home (DuckDB, clones) afterwards")
    ap.add_argument("--skip-rules", action="store_true", help="time load and dbt only")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in (int(x) for x in args.documents.split(",")):
        rows.append(measure(Path(args.source), out, n, log=lambda m: print(m, file=sys.stderr, flush=True),
                            rules=not args.skip_rules))
        if not args.keep:
            shutil.rmtree(out / f"home-{n}", ignore_errors=True)
    print(f"{'N':>7}{'load s':>9}{'rules s':>9}{'dbt s':>9}{'cells':>11}{'findings':>10}{'DuckDB MB':>11}")
    for r in rows:
        print(f"{r['documents']:>7}{r['load_s']:>9}{r['rules_s'] or '-':>9}{r['dbt_s']:>9}{r['table_cells']:>11}"
              f"{r['findings']:>10}{r['duckdb_mb']:>11}")
    (out / "warehouse_scale.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
