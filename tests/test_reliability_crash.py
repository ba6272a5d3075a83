"""Reliability, part 2: crash safety.

A load process is really SIGKILLed (``kill -9``) at several points of a load, and an
extraction process group in the middle of writing documents; after each kill the warehouse is
consistent (every document's rows all-or-nothing: counts per document_id equal its manifest),
nothing loaded before is lost, and the next run completes the work.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from extract import records
from tests.test_reliability_inputs import (
    REPO,
    assert_consistent,
    assert_nothing_lost,
    base_home,  # noqa: F401  (session fixture)
    fiscal_env,
    manifest_counts,
    registry,
    rows_per_document,
    sample,
)

PY = str(Path(sys.executable))
LOAD_SCRIPT = textwrap.dedent("""
    import sys
    from warehouse.settings import Settings
    from warehouse.load import load_extracted
    s = Settings.from_env()
    print("ready", flush=True)
    load_extracted(s)
    print("done", flush=True)
""")


def clone_documents(src_extracted: Path, dst_extracted: Path, copies: int) -> list[str]:
    """``copies`` clones of every extracted document under new document ids (and department
    names, so that each is a disclosure of its own), as extraction would have written them."""
    ids = []
    for d in sorted(p for p in src_extracted.iterdir() if not p.name.startswith(".")):
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        for i in range(copies):
            new_id = hashlib.sha256(f"{d.name}-clone-{i}".encode()).hexdigest()
            out = dst_extracted / new_id
            out.mkdir(parents=True)
            for name in records.SCHEMAS:
                t = pq.read_table(d / f"{name}.parquet")
                t = t.set_column(t.schema.get_field_index("document_id"), t.schema.field("document_id"),
                                 pa.array([new_id] * t.num_rows, pa.string()))
                if name == "document":
                    idx = t.schema.get_field_index("department_name")
                    t = t.set_column(idx, t.schema.field(idx),
                                     pc.binary_join_element_wise(t["department_name"], pa.scalar(f"克隆{i}"), ""))
                pq.write_table(t, out / f"{name}.parquet")
            m = {**manifest, "document_id": new_id, "department_name": f"{manifest['department_name']}克隆{i}"}
            (out / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
            ids.append(new_id)
    return ids


def start(script: str, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen([PY, "-c", script], cwd=REPO, env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    line = proc.stdout.readline()
    assert line.strip() == "ready", (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


def kill9(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the process and its forked workers
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


@pytest.fixture
def many(base_home, tmp_path) -> tuple[Path, dict[str, str], list[str]]:  # noqa: F811
    """A home with 3 × 12 extracted documents (about 40k cells), the first 9 already loaded."""
    home = tmp_path / "home"
    ids = clone_documents(base_home / "extracted", home / "extracted", copies=12)
    env = fiscal_env(home)
    return home, env, ids


@pytest.mark.slow
def test_sigkill_during_load_leaves_every_document_all_or_nothing(many, monkeypatch):
    home, env, ids = many
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    from warehouse.load import load_extracted
    from warehouse.settings import Settings

    s = Settings.from_env()
    s.ensure_dirs()
    load_extracted(s, document_ids=ids[:9])
    before = rows_per_document(s.duckdb_path)

    # how long does the full load take here?
    probe = home.parent / "probe"
    shutil.copytree(home, probe)
    t0 = time.monotonic()
    p = start(LOAD_SCRIPT, fiscal_env(probe))
    assert p.wait(timeout=120) == 0, p.stderr.read()
    full = time.monotonic() - t0

    outcomes = []
    for frac in (0.05, 0.1, 0.2, 0.3, 0.5):
        p = start(LOAD_SCRIPT, env)
        time.sleep(full * frac)
        finished = p.poll() is not None
        kill9(p)
        # the next process to open the file recovers it (WAL replay); the state is either the
        # previous one or the complete new one, per document all-or-nothing
        assert_consistent(s.duckdb_path, s.extracted_dir)
        assert_nothing_lost(before, rows_per_document(s.duckdb_path))
        n = len(registry(s.duckdb_path))
        assert n in (9, len(ids)), f"{n} documents registered: a partial load is visible"
        outcomes.append(("finished" if finished else "killed", "committed" if n == len(ids) else "rolled back"))
    print(f"load kills: {outcomes}, full load {full:.1f} s")
    assert ("killed", "rolled back") in outcomes, f"no kill before the commit ({outcomes}, full load {full:.1f} s)"

    # the next run completes the work
    p = start(LOAD_SCRIPT, env)
    assert p.wait(timeout=120) == 0, p.stderr.read()
    assert_consistent(s.duckdb_path, s.extracted_dir)
    reg = registry(s.duckdb_path)
    assert set(reg) == set(ids) and all(r["status"] == "loaded" for r in reg.values())
    assert sum(manifest_counts(s.extracted_dir)[d]["table_cell"] for d in ids) == sum(
        n for (t, _), n in rows_per_document(s.duckdb_path).items() if t == "table_cell")


EXTRACT_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from extract.api import extract_many
    pdfs = sorted(Path(sys.argv[1]).rglob("*.pdf"))
    print("ready", flush=True)
    extract_many(pdfs, Path(sys.argv[2]), workers=2, timeout_s=60, memory_mb=1024, landing_root=Path(sys.argv[1]))
    print("done", flush=True)
""")


def complete_documents(extracted: Path) -> dict[str, dict]:
    """Every visible document directory must be complete: manifest + every record file, with the
    manifest's row counts."""
    docs = {}
    for d in extracted.iterdir():
        if d.name.startswith("."):
            continue  # a temp dir of an interrupted write: invisible to the loader
        m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        for name in records.SCHEMAS:
            n = pq.read_metadata(d / f"{name}.parquet").num_rows
            if m["status"] == "extracted":
                assert n == m["counts"][name], (d.name, name)
        docs[d.name] = m
    return docs


@pytest.mark.slow
def test_sigkill_during_extraction_leaves_no_partial_document(base_home, tmp_path):  # noqa: F811
    landing = tmp_path / "landing"
    names = ["2022_agri_hz", "2022_edu_bj", "2023_aud_hz", "2022_civ_hz", "2024_arch_hz", "2023_cult_hz"]
    for n in names:
        (landing).mkdir(exist_ok=True)
        shutil.copyfile(sample(f"synthetic/{n}.pdf"), landing / f"{n}.pdf")
    out = tmp_path / "extracted"
    for delay in (0.8, 2.0, 3.5):
        p = subprocess.Popen([PY, "-c", EXTRACT_SCRIPT, str(landing), str(out)], cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
        assert p.stdout.readline().strip() == "ready"
        time.sleep(delay)
        kill9(p)
        docs = complete_documents(out) if out.exists() else {}
        assert all(m["status"] == "extracted" for m in docs.values())

    # the warehouse loads what is complete, consistently; a full run finishes the rest
    env = fiscal_env(tmp_path / "home", FISCAL_EXTRACTED_DIR=str(out), FISCAL_LANDING_DIR=str(landing))
    p = start(LOAD_SCRIPT, env)
    assert p.wait(timeout=120) == 0, p.stderr.read()
    db = tmp_path / "home" / "build" / "warehouse.duckdb"
    assert_consistent(db, out)
    subprocess.run([PY, "-c", EXTRACT_SCRIPT, str(landing), str(out)], cwd=REPO, check=True, capture_output=True)
    docs = complete_documents(out)
    assert len(docs) == len(names)
    p = start(LOAD_SCRIPT, env)
    assert p.wait(timeout=120) == 0, p.stderr.read()
    assert_consistent(db, out)
    assert {r["status"] for r in registry(db).values()} == {"loaded"} and len(registry(db)) == len(names)


KILL_AT_WRITE = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import extract.api as api
    calls = {"n": 0}
    real_write, real_replace = api.pq.write_table, api.os.replace
    mode = sys.argv[3]
    def write_table(*a, **k):
        calls["n"] += 1
        if mode == "parquet" and calls["n"] == 3:
            os.kill(os.getpid(), signal.SIGKILL)  # half the record files written
        return real_write(*a, **k)
    def replace(src, dst):
        if mode == "rename" and ".tmp-" in str(src):
            os.kill(os.getpid(), signal.SIGKILL)  # old directory moved aside, new one not yet in place
        return real_replace(src, dst)
    api.pq.write_table = write_table
    api.os.replace = replace
    print("ready", flush=True)
    api.extract_document(Path(sys.argv[1]), Path(sys.argv[2]))
""")


@pytest.mark.parametrize("mode", ["parquet", "rename"])
def test_sigkill_inside_write_records(tmp_path, mode):
    """Deterministic kills inside extract.api.write_records: after half the Parquet files, and
    (re-extraction) between moving the old directory aside and renaming the new one in."""
    from extract.api import extract_document
    from extract.pdf import sha256_file

    pdf = shutil.copyfile(sample("synthetic/2023_aud_hz.pdf"), tmp_path / "aud.pdf")
    out = tmp_path / "extracted"
    doc = sha256_file(pdf)
    if mode == "rename":
        extract_document(pdf, out)  # a previous, complete extraction
        assert (out / doc / "manifest.json").exists()
    home = tmp_path / "home"
    env = fiscal_env(home, FISCAL_EXTRACTED_DIR=str(out))
    if mode == "rename":
        p = start(LOAD_SCRIPT, env)
        assert p.wait(timeout=60) == 0
    db = home / "build" / "warehouse.duckdb"
    before = rows_per_document(db)

    p = subprocess.Popen([PY, "-c", KILL_AT_WRITE, str(pdf), str(out), mode], cwd=REPO, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    assert p.wait(timeout=60) == -signal.SIGKILL
    visible = [d.name for d in out.iterdir() if not d.name.startswith(".")]
    hidden = [d.name for d in out.iterdir() if d.name.startswith(".")]
    assert hidden, "the interrupted write left its temp dir (hidden, ignored by the loader)"
    if mode == "parquet":
        assert visible == []  # no half-written document directory is visible
    else:
        # the old directory was moved aside and the new one not yet renamed in: the document is
        # absent from extracted/ until the next extraction, but its warehouse rows are intact
        assert visible == []
    complete_documents(out)
    p = start(LOAD_SCRIPT, env)
    assert p.wait(timeout=60) == 0, p.stderr.read()
    assert rows_per_document(db) == before  # nothing lost, nothing half-loaded
    # the next extraction repairs it
    extract_document(pdf, out)
    p = start(LOAD_SCRIPT, env)
    assert p.wait(timeout=60) == 0
    assert_consistent(db, out)
    assert registry(db)[doc]["status"] == "loaded"
