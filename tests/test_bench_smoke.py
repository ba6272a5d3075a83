"""Smoke test of the benchmark (bench/run.py): a tiny prefecture end to end, no dbt.

The real benchmark is run on demand (bench/README.md); this only checks that every
stage runs and that bench.json carries the figures the README describes.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sysdeps

REPO = Path(__file__).resolve().parent.parent
PIPELINE = ("extract", "load", "rules", "dbt", "gx", "reports", "publish")


def test_bench_smoke(tmp_path):
    sysdeps.pytest_require("fonts-wqy-microhei")  # the benchmark renders its documents
    out = tmp_path / "bench"
    cmd = [sys.executable, "-m", "bench.run", "--documents", "3", "--pages", "12", "--skip-dbt",
           "--baseline-sample", "1", "--out", str(out)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads((out / "bench.json").read_text())

    stages = data["stages"]
    for name in PIPELINE + ("baseline", "floor", "startup", "nightly_first", "nightly_nochange"):
        assert name in stages, name
    assert stages["dbt"]["status"] == "skipped"
    for name in ("extract", "load", "rules", "gx", "reports", "publish", "baseline", "floor"):
        row = stages[name]
        assert row["status"] == "ok", (name, row.get("error"))
        assert row["wall_s"] >= 0 and row["peak_rss_total_mb"] > 0
        assert row["peak_rss_total_mb"] >= row["peak_rss_single_mb"] > 0
    ex = stages["extract"]
    assert ex["documents"] == 3 and ex["statuses"] == {"extracted": 3}
    assert ex["pages"] == data["generation"]["total_pages"] and ex["pages_per_s"] > 0

    ref = data["reference_sample"]
    assert ref["files"] == 1 and ref["of"] == 3 and ref["scaled"] is True
    assert stages["baseline"]["scaled_wall_s"] > stages["baseline"]["sample_wall_s"]

    ratios = data["summary"]["ratios"]
    for key in ("extract_vs_baseline", "extract_vs_floor", "extract_cpu_vs_baseline_cpu", "extract_cpu_vs_floor_cpu"):
        assert ratios[key] > 0, key
    assert data["summary"]["end_to_end_complete"] is False  # dbt skipped
    assert "extract_vs_baseline" in data["summary"]["targets"]
    assert "extraction/baseline" in proc.stdout
