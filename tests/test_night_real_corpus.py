"""(b) The whole real corpus in one landing folder: the night succeeds and publishes.

Every file of ``../shared/corpus/real/`` (all folders: crawled 2026 budgets of many cities,
Jiangsu 2017–2019 budgets, Shanghai 决算 and budgets; ~130 files, some not PDFs, some scans)
is copied into one landing folder and ``fiscal run`` runs on it as the nightly job would.
It must succeed and publish; what could not be read is quarantined, what a data test rejects
is held back, each with its reason; no two cells share a ``fiscal_line_id``. Minutes of work:
marked slow; ``FISCAL_WORKERS`` (default 2) sets the extraction processes.
``FISCAL_REAL_CORPUS`` points at another copy of the corpus.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.test_fiscal_line_id import duplicate_ids

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("FISCAL_REAL_CORPUS") or ROOT.parent / "shared" / "corpus" / "real")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} not present (set FISCAL_REAL_CORPUS)")]


def test_the_whole_real_corpus_publishes(tmp_path):
    home = tmp_path / "home"
    landing = home / "landing"
    landing.mkdir(parents=True)
    files = [p for p in REAL.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf"]
    assert len(files) > 100
    for src in files:
        dst = landing / src.relative_to(REAL)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FISCAL_", "DAGSTER_"))}
    env.update(FISCAL_HOME=str(home), FISCAL_WORKERS=os.environ.get("FISCAL_WORKERS") or "2",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-m", "dagster_project.cli", "run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=3600)
    summary = proc.stdout
    print(summary)
    assert proc.returncode == 0, summary[-4000:] + proc.stderr[-4000:]
    assert "succeeded" in summary

    published = home / "warehouse.duckdb"
    assert published.exists()
    con = duckdb.connect(str(published), read_only=True)
    try:
        by_status = dict(con.execute("SELECT status, count(*) FROM dim_document GROUP BY ALL").fetchall())
        print("dim_document by status:", by_status)
        assert by_status.get("loaded", 0) >= sum(by_status.values()) / 2
        # every document that is not loaded says why, in the registry the operator reads
        assert con.execute("SELECT count(*) FROM dim_document WHERE status <> 'loaded' AND reason IS NULL"
                           ).fetchall() == [(0,)]
        held = con.execute("SELECT file_path, held_back_tests FROM dim_document WHERE status = 'held_back'").fetchall()
        for path, tests in held:
            assert tests, path
            assert Path(path).name in summary  # named in the run summary
        # every current document with mapped cells is in the facts, unless it was held back
        missing = con.execute("""
            SELECT DISTINCT c.document_id FROM raw.table_cell AS c
              JOIN raw.document_registry AS r USING (document_id)
             WHERE r.status = 'loaded' AND r.is_current_tables AND c.measure IS NOT NULL
               AND c.value_kind IS DISTINCT FROM 'text' AND c.table_name <> 'performance_self_assessment'
            EXCEPT SELECT document_id FROM fct_fiscal_line
            EXCEPT SELECT document_id FROM dim_document WHERE status = 'held_back'""").fetchall()
        assert missing == []
        assert con.execute("SELECT count(DISTINCT document_id) FROM fct_fiscal_line").fetchall()[0][0] > 0
        # ids unique over every extracted cell, not only the published ones
        total, dup = duplicate_ids(con, "raw.table_cell")
        assert total > 100_000 and dup == 0
    finally:
        con.close()
