"""Reliability, part 1: the bad-input matrix through the pipeline entry.

Every case runs the code path of ``fiscal run`` without Dagster and dbt (``pipeline`` below:
landing scan → ``document_extraction``'s ``extract_documents`` → ``extract.api.extract_many``
→ ``warehouse.load.load_extracted`` with the landing files as ``seen_files``), with the
``FISCAL_*`` variables pointing into ``tmp_path``.  The warehouse already holds bundled
sample documents before each case; every case also lands one good sample document next to
the bad file.  Expected everywhere: the bad file is quarantined with a reason a person can
act on (or loaded correctly), the good document of the same run loads, and the rows already
in the warehouse are all still there (per-document counts before == after).

The helpers here are imported by the other ``test_reliability_*`` modules.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest
from reportlab.lib.pdfencrypt import StandardEncryption

from extract import records
from extract.pdf import sha256_file
from tests import pdf_factory as pf
from tests.conftest import FISCAL_VARS

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "corpus" / "sample"
#: already in the warehouse before every case (two synthetic departments and the real seed)
BASE_SAMPLES = ("synthetic/2022_arch_hz.pdf", "synthetic/2023_agency_hz.pdf", "seed/yanbian-2023-final.pdf")
#: the good document landed together with each bad file (the quickest sample to extract)
GOOD_SAMPLE = "synthetic/2022_aud_hz.pdf"
RECORD_TABLES = tuple(records.SCHEMAS)


# ----------------------------------------------------------------------------------- helpers


def fiscal_env(home: Path, **extra: str) -> dict[str, str]:
    """FISCAL_* variables for a pipeline rooted at ``home`` (landing = home/landing)."""
    env = {
        "FISCAL_HOME": str(home),
        "FISCAL_WORKERS": "2",
        "FISCAL_DOC_TIMEOUT_S": "60",
        "FISCAL_DOC_MEMORY_MB": "1024",
    }
    env.update(extra)
    return env


def set_env(monkeypatch, env: dict[str, str]) -> None:
    for var in FISCAL_VARS:
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)


def settings():
    from warehouse.settings import Settings

    s = Settings.from_env()
    s.ensure_dirs()
    return s


def pipeline() -> tuple[dict[str, dict], dict]:
    """What ``fiscal run`` does up to the load, in this process: scan the landing folder, extract
    every new document (one forked process each, with the settings' caps), load everything."""
    from dagster_project.defs import assets, landing
    from dagster_project.defs.resources import FiscalResource
    from warehouse.load import load_extracted

    s = settings()
    files, state = landing.scan(s)
    landing.save_state(s, state)
    keys = list(dict.fromkeys(f.document_id for f in files))
    manifests = assets.extract_documents(FiscalResource(), keys) if keys else {}
    counts = load_extracted(s, seen_files=assets.seen_files(files), refused_files=state["refused"])
    return manifests, counts


def by_file(manifests: dict[str, dict]) -> dict[str, dict]:
    return {m.get("file_path") or m.get("file_name"): m for m in manifests.values()}


def query(path: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def rows_per_document(db: Path) -> dict[tuple[str, str], int]:
    """{(table, document_id): rows} over every raw record table."""
    if not Path(db).exists():
        return {}
    out: dict[tuple[str, str], int] = {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        for t in RECORD_TABLES:
            for doc, n in con.execute(f'SELECT document_id, count(*) FROM raw."{t}" GROUP BY 1').fetchall():
                out[(t, doc)] = n
    finally:
        con.close()
    return out


def registry(db: Path) -> dict[str, dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute("SELECT * FROM raw.document_registry")
        names = [c[0] for c in cur.description]
        return {r[0]: dict(zip(names, r)) for r in cur.fetchall()}
    finally:
        con.close()


def manifest_counts(extracted_dir: Path) -> dict[str, dict[str, int]]:
    """{document_id: {table: rows}} from every complete extracted document's manifest."""
    out = {}
    for d in Path(extracted_dir).iterdir():
        m = d / "manifest.json"
        if d.name.startswith(".") or not m.exists():
            continue
        man = json.loads(m.read_text(encoding="utf-8"))
        counts = dict(man.get("counts") or {})
        if man.get("status") == "quarantined":
            counts = {"document": 1}
        out[man["document_id"]] = {t: counts.get(t, 0) for t in RECORD_TABLES}
    return out


def assert_consistent(db: Path, extracted_dir: Path) -> None:
    """Every registered document has exactly its manifest's rows in every raw table; no rows of
    unregistered documents; load_state and the registry agree (all-or-nothing per document)."""
    expected = manifest_counts(extracted_dir)
    reg = registry(db)
    have = rows_per_document(db)
    state = {r[0] for r in query(db, "SELECT document_id FROM raw.load_state")}
    assert state == set(reg), "load_state and document_registry disagree"
    for (table, doc), n in have.items():
        assert doc in reg, f"raw.{table} has {n} rows of unregistered document {doc[:12]}"
    for doc in reg:
        assert doc in expected, f"registered document {doc[:12]} has no extracted manifest"
        for table in RECORD_TABLES:
            assert have.get((table, doc), 0) == expected[doc][table], (
                f"raw.{table} of {doc[:12]}: {have.get((table, doc), 0)} rows, manifest says {expected[doc][table]}")


def assert_nothing_lost(before: dict, after: dict) -> None:
    lost = {k: (n, after.get(k, 0)) for k, n in before.items() if after.get(k, 0) != n}
    assert not lost, f"rows of documents already loaded changed: {lost}"


_SAMPLE_CACHE: dict[str, Path] = {}


def sample(rel: str) -> Path:
    """A private copy of a bundled sample PDF (taken once per session; waits up to 60 s for a
    file that is being regenerated, so a concurrent rebuild of corpus/sample does not break us)."""
    if rel not in _SAMPLE_CACHE:
        import tempfile

        src = SAMPLE / rel
        deadline = time.monotonic() + 60
        while True:
            try:
                size = src.stat().st_size
                time.sleep(0.2)
                if size > 0 and src.stat().st_size == size:
                    data = src.read_bytes()
                    if len(data) == size and data.startswith(b"%PDF") and b"%%EOF" in data[-1024:]:
                        break
            except FileNotFoundError:
                pass
            if time.monotonic() > deadline:
                raise FileNotFoundError(f"sample PDF {src} missing or incomplete")
            time.sleep(0.5)
        dst = Path(tempfile.mkdtemp(prefix="fiscal-sample-")) / Path(rel).name
        dst.write_bytes(data)
        _SAMPLE_CACHE[rel] = dst
    return _SAMPLE_CACHE[rel]


def copy_sample(rel: str, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sample(rel), dst)
    return dst


_BASE_HOME: list[Path] = []


@pytest.fixture(scope="session")
def base_home(tmp_path_factory) -> Path:
    """A pipeline home whose warehouse already holds BASE_SAMPLES (built once per session, also
    when other modules import this fixture; read-only for the tests: they copy it)."""
    if _BASE_HOME:
        return _BASE_HOME[0]
    home = tmp_path_factory.mktemp("base") / "home"
    for rel in BASE_SAMPLES:
        copy_sample(rel, home / "landing" / "base" / Path(rel).name)
    mp = pytest.MonkeyPatch()
    try:
        set_env(mp, fiscal_env(home))
        manifests, _ = pipeline()
    finally:
        mp.undo()
    assert all(m["status"] == "extracted" for m in manifests.values()), manifests
    _BASE_HOME.append(home)
    return home


@pytest.fixture
def home(base_home, tmp_path, monkeypatch) -> Path:
    """A private copy of the base home, with FISCAL_* pointing at it."""
    h = tmp_path / "home"
    shutil.copytree(base_home, h, symlinks=True)
    set_env(monkeypatch, fiscal_env(h))
    return h


# ----------------------------------------------------------------------------------- the matrix


def _encrypted(user: str):
    def make(p: Path) -> Path:
        enc = StandardEncryption(user, ownerPassword="owner", canPrint=0, canCopy=0, strength=128)
        return pf.text_pdf(p, pf.disclosure_lines("青川州加密测试局"), encrypt=enc)
    return make


def _truncated(p: Path) -> Path:
    good = copy_sample("synthetic/2023_aud_hz.pdf", p.with_suffix(".src"))
    pf.truncated_pdf(p, good)
    good.unlink()
    return p


# name, builder, expected status, accepted error codes, words the reason must contain
MATRIX = [
    ("zero_byte", lambda p: (p.write_bytes(b""), p)[1], "quarantined", {"empty_file"}, ["0 bytes", "upload"]),
    ("docx_renamed_pdf", pf.docx_file, "quarantined", {"not_a_pdf"}, ["Word", "PDF export"]),
    ("truncated", _truncated, "quarantined", {"truncated_pdf", "image_only"}, ["ask"]),
    ("encrypted_user_password", _encrypted("secret"), "quarantined", {"encrypted_pdf"}, ["password", "unprotected"]),
    ("encrypted_owner_password_only", _encrypted(""), "loaded", set(), []),
    ("image_only_scan", pf.image_only_pdf, "quarantined", {"image_only"}, ["OCR"]),
    ("garbled_text_layer", pf.garbled_pdf, "quarantined", {"garbled_text"}, ["re-export", "OCR"]),
    ("not_a_disclosure", lambda p: pf.text_pdf(p, ["Invoice number 4711", "Thank you for your order."] * 10,
                                                font="Helvetica"),
     "quarantined", {"not_a_disclosure"}, ["right file"]),
    ("thousand_pages", lambda p: pf.many_pages_pdf(p, 1000), "quarantined", {"too_large"}, ["1000 pages", "limit"]),
    # 1 GiB of content inflated from ~2 MB: the 1024 MB address-space cap kills the worker
    # (pdfium aborts on the failed allocation), or the time cap does
    ("decompression_bomb", pf.flate_bomb_pdf, "quarantined", {"worker_crashed", "resource_limit"},
     ["memory cap"]),
]


@pytest.mark.parametrize("case,build,status,codes,words", MATRIX, ids=[m[0] for m in MATRIX])
def test_bad_input_matrix(home, case, build, status, codes, words):
    s = settings()
    before = rows_per_document(s.duckdb_path)
    reg_before = registry(s.duckdb_path)
    (home / "landing" / "incoming").mkdir()
    bad = build(home / "landing" / "incoming" / f"{case}.pdf")
    copy_sample(GOOD_SAMPLE, home / "landing" / "incoming" / "good.pdf")

    t0 = time.monotonic()
    manifests, counts = pipeline()
    elapsed = time.monotonic() - t0
    files = by_file(manifests)
    got = files[f"incoming/{bad.name}"]
    reg = registry(s.duckdb_path)

    # the bad file: registered, with the expected status and an actionable reason
    row = reg[got["document_id"]]
    assert row["status"] == status, (row["status"], row["reason"])
    if status == "quarantined":
        assert row["error_code"] in codes, row
        for w in words:
            assert w in row["reason"], f"{w!r} not in reason {row['reason']!r}"
        assert bad.name in row["reason"]  # the operator can find the file
        assert row["file_path"] == f"incoming/{bad.name}"
    else:
        assert row["fiscal_year"] == 2023 and row["doc_kind"] == "final"
        assert row["is_current_tables"] or row["is_current_narrative"]
    # the good document of the same run loaded
    good = reg[files["incoming/good.pdf"]["document_id"]]
    assert good["status"] == "loaded" and good["department_name"] == "青川州审计局"
    # nothing already in the warehouse was lost, and the previous documents are still current
    assert_nothing_lost(before, rows_per_document(s.duckdb_path))
    for doc, r in reg_before.items():
        assert reg[doc]["status"] == r["status"] == "loaded"
    assert_consistent(s.duckdb_path, s.extracted_dir)
    assert counts["registry"].get("loaded", 0) >= len(BASE_SAMPLES) + 1
    if case == "thousand_pages":
        assert got["extract_seconds"] < 5  # refused on the page count, before any page is read
    assert elapsed < 60


def test_page_limit_is_configurable(home, monkeypatch):
    """FISCAL_MAX_PAGES (warehouse.settings) reaches the extractor: a 12-page file with a limit of 10."""
    monkeypatch.setenv("FISCAL_MAX_PAGES", "10")
    assert settings().max_pages == 10
    pf.text_pdf(home / "landing" / "long.pdf", pf.disclosure_lines("青川州长文件局"), pages=12)
    pf.text_pdf(home / "landing" / "short.pdf", pf.disclosure_lines("青川州短文件局"), pages=2)
    manifests, _ = pipeline()
    files = by_file(manifests)
    assert files["long.pdf"]["error_code"] == "too_large"
    assert "12 pages (limit 10" in files["long.pdf"]["error_message"]
    assert files["short.pdf"]["status"] == "extracted"


def test_time_and_memory_caps_through_the_pipeline(home, monkeypatch):
    """FISCAL_DOC_TIMEOUT_S and FISCAL_DOC_MEMORY_MB are applied per document by the pipeline
    (the extract step reads them from warehouse.settings), and the other document of the run loads."""
    s = settings()
    before = rows_per_document(s.duckdb_path)

    # time: a document that takes 30 s to read (the forked worker inherits the patch; a real
    # file's speed depends on the machine, so the hang is made explicit) against a 1 s cap
    import extract.api as extract_api

    real_read = extract_api.read_document

    def slow_read(path, *args, **kwargs):
        if Path(path).name == "seed.pdf":
            time.sleep(30)
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(extract_api, "read_document", slow_read)
    slow = home.parent / "slow"
    set_env(monkeypatch, fiscal_env(slow, FISCAL_DOC_TIMEOUT_S="1"))
    copy_sample("seed/yanbian-2023-final.pdf", slow / "landing" / "seed.pdf")
    pf.text_pdf(slow / "landing" / "small.pdf", pf.disclosure_lines("青川州小文件局"))
    t0 = time.monotonic()
    manifests, _ = pipeline()
    assert time.monotonic() - t0 < 30
    files = by_file(manifests)
    assert files["seed.pdf"]["error_code"] == "resource_limit"
    assert "longer than 1 s" in files["seed.pdf"]["error_message"]
    assert "FISCAL_DOC_TIMEOUT_S" in files["seed.pdf"]["error_message"]
    assert files["small.pdf"]["status"] == "extracted"
    reg = registry(settings().duckdb_path)
    assert {r["status"] for r in reg.values()} == {"quarantined", "loaded"}

    # memory: a 1 GiB bomb under a 512 MB cap, with a generous time cap
    mem = home.parent / "mem"
    set_env(monkeypatch, fiscal_env(mem, FISCAL_DOC_MEMORY_MB="512", FISCAL_DOC_TIMEOUT_S="60"))
    (mem / "landing").mkdir(parents=True)
    pf.flate_bomb_pdf(mem / "landing" / "bomb.pdf")
    pf.text_pdf(mem / "landing" / "small.pdf", pf.disclosure_lines("青川州小文件局"))
    t0 = time.monotonic()
    manifests, _ = pipeline()
    assert time.monotonic() - t0 < 45
    files = by_file(manifests)
    assert files["bomb.pdf"]["status"] == "quarantined"
    assert files["bomb.pdf"]["error_code"] in ("worker_crashed", "resource_limit")
    assert "512 MB" in files["bomb.pdf"]["error_message"]
    assert files["small.pdf"]["status"] == "extracted"

    # the original home was not touched by either run
    set_env(monkeypatch, fiscal_env(home))
    assert rows_per_document(settings().duckdb_path) == before


# ----------------------------------------------------------------------------------- names and paths


NAMES = {
    "with space.pdf": "青川州空格测试局",
    "中文 文件名（2023年度）.pdf": "青川州中文名测试局",
    "new\nline.pdf": "青川州换行测试局",
    "up..\\..\\evil.pdf": "青川州反斜杠测试局",  # backslashes are ordinary characters on POSIX
    "sub dir/深层/doc.pdf": "青川州子目录测试局",
}


def test_awkward_file_names_load_under_their_own_names(home):
    for name, dept in NAMES.items():
        p = home / "landing" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        pf.text_pdf(p, pf.disclosure_lines(dept))
    s = settings()
    before = rows_per_document(s.duckdb_path)
    manifests, _ = pipeline()
    reg = registry(s.duckdb_path)
    by_path = {r["file_path"]: r for r in reg.values()}
    for name, dept in NAMES.items():
        r = by_path[name]
        assert r["status"] == "loaded", r
        assert r["department_name"] == dept
        assert r["file_name"] == Path(name).name
        assert (s.landing_dir / r["file_path"]).resolve().is_relative_to(s.landing_dir.resolve())
    files = query(s.duckdb_path, "SELECT file_path FROM raw.document_file")
    assert {name for name in NAMES} <= {f[0] for f in files}
    assert all(".." not in Path(f[0]).parts for f in files)
    assert_nothing_lost(before, rows_per_document(s.duckdb_path))
    assert_consistent(s.duckdb_path, s.extracted_dir)


def test_symlinks_out_of_the_landing_folder_are_refused(home, tmp_path):
    """A symlinked file or folder pointing outside the landing folder is never read; a symlink
    to a file inside it is fine; a ``..`` path handed to extract_many is recorded inside."""
    from dagster_project.defs import landing
    from extract.api import extract_many

    outside = tmp_path / "outside"
    outside.mkdir()
    secret = pf.text_pdf(outside / "secret.pdf", pf.disclosure_lines("青川州外部秘密局"))
    pf.text_pdf(outside / "other.pdf", pf.disclosure_lines("青川州外部目录局"))
    lnd = home / "landing"
    os.symlink(secret, lnd / "link-to-secret.pdf")
    os.symlink(outside, lnd / "link-to-outside-dir")
    inside = pf.text_pdf(lnd / "inside.pdf", pf.disclosure_lines("青川州内部局"))
    os.symlink(inside, lnd / "link-to-inside.pdf")

    os.symlink(tmp_path / "nowhere.pdf", lnd / "dangling.pdf")
    s = settings()
    files, state = landing.scan(s)
    paths = {f.relative_path for f in files}
    assert "link-to-secret.pdf" not in paths
    assert not any(p.startswith("link-to-outside-dir") for p in paths)
    assert {"inside.pdf", "link-to-inside.pdf"} <= paths
    # every refusal is recorded with its reason (raw.refused_file, `fiscal status`)
    refused = {r["file_path"]: r["error_code"] for r in state["refused"]}
    assert refused == {"link-to-secret.pdf": "symlink_outside", "link-to-outside-dir": "symlink_outside",
                       "dangling.pdf": "broken_link"}
    for p in paths:
        assert ".." not in Path(p).parts
        assert (s.landing_dir / p).resolve().is_relative_to(s.landing_dir.resolve())

    manifests, _ = pipeline()
    reg = registry(s.duckdb_path)
    depts = {r["department_name"] for r in reg.values()}
    assert "青川州外部秘密局" not in depts and "青川州外部目录局" not in depts
    in_registry = dict(query(s.duckdb_path, "SELECT file_path, error_code FROM raw.refused_file"))
    assert in_registry == refused
    assert "青川州内部局" in depts

    # a path with a `..` component handed straight to extract_many is recorded relative to the
    # landing folder after normalisation, never as `../…`
    (lnd / "sub").mkdir()
    dotted = lnd / "sub" / ".." / "inside.pdf"
    out = extract_many([dotted], tmp_path / "x", workers=1, timeout_s=30, landing_root=lnd)
    assert out[0]["file_path"] == "inside.pdf"


# ----------------------------------------------------------------------------------- identity


def test_same_bytes_under_two_names_is_one_document_with_two_file_rows(home):
    a = copy_sample(GOOD_SAMPLE, home / "landing" / "a" / "审计局.pdf")
    (home / "landing" / "b").mkdir()
    shutil.copyfile(a, home / "landing" / "b" / "audit copy.pdf")
    s = settings()
    before = rows_per_document(s.duckdb_path)
    manifests, _ = pipeline()
    doc = sha256_file(a)
    assert doc in manifests  # extracted once
    reg = registry(s.duckdb_path)
    assert sum(1 for r in reg.values() if r["department_name"] == "青川州审计局") == 1
    assert reg[doc]["status"] == "loaded"
    assert sorted(reg[doc]["file_paths"]) == ["a/审计局.pdf", "b/audit copy.pdf"]
    rows = query(s.duckdb_path, "SELECT file_path FROM raw.document_file WHERE document_id = ? ORDER BY 1", [doc])
    assert [r[0] for r in rows] == ["a/审计局.pdf", "b/audit copy.pdf"]
    n_cells = query(s.duckdb_path, "SELECT count(*) FROM raw.table_cell WHERE document_id = ?", [doc])[0][0]
    assert n_cells == manifest_counts(s.extracted_dir)[doc]["table_cell"]  # counted once
    assert_nothing_lost(before, rows_per_document(s.duckdb_path))
    assert_consistent(s.duckdb_path, s.extracted_dir)


def test_corrected_version_supersedes_and_the_old_one_stays_queryable(home):
    s = settings()
    v1 = pf.text_pdf(home / "landing" / "测试局2023决算.pdf", pf.disclosure_lines("青川州更正测试局"))
    m1, _ = pipeline()
    v1_id = by_file(m1)["测试局2023决算.pdf"]["document_id"]
    before = rows_per_document(s.duckdb_path)
    # the department uploads a corrected PDF a day later, under a new name
    v2 = pf.corrected_disclosure_pdf(home / "landing" / "测试局2023决算(更正).pdf", "青川州更正测试局")
    later = v1.stat().st_mtime + 86400
    os.utime(v2, (later, later))
    m2, _ = pipeline()
    v2_id = by_file(m2)["测试局2023决算(更正).pdf"]["document_id"]
    reg = registry(s.duckdb_path)
    assert reg[v2_id]["status"] == "loaded" and reg[v2_id]["is_current_tables"]
    assert reg[v1_id]["status"] == "superseded"
    assert reg[v1_id]["superseded_by"] == v2_id
    assert v2_id in reg[v1_id]["reason"]
    assert reg[v1_id]["disclosure_id"] == reg[v2_id]["disclosure_id"]
    # the old document's rows are all still there
    assert_nothing_lost(before, rows_per_document(s.duckdb_path))
    text = query(s.duckdb_path, "SELECT string_agg(text, '') FROM raw.page_text WHERE document_id = ?", [v1_id])[0][0]
    assert "100.00" in text
    assert_consistent(s.duckdb_path, s.extracted_dir)


def test_split_disclosure_is_one_disclosure(home):
    """2022_agri_hz split into its narrative pages and its table pages, landed as two files."""
    src = sample("synthetic/2022_agri_hz.pdf")
    pf.page_subset_pdf(src, home / "landing" / "农业农村局-情况说明.pdf", [1, 2, 13, 14, 15, 16])
    pf.page_subset_pdf(src, home / "landing" / "农业农村局-决算表.pdf", list(range(3, 13)))
    s = settings()
    before = rows_per_document(s.duckdb_path)
    manifests, _ = pipeline()
    files = by_file(manifests)
    narr, tabs = files["农业农村局-情况说明.pdf"], files["农业农村局-决算表.pdf"]
    assert (narr["part"], tabs["part"]) == ("narrative", "tables")
    reg = registry(s.duckdb_path)
    rn, rt = reg[narr["document_id"]], reg[tabs["document_id"]]
    assert rn["disclosure_id"] == rt["disclosure_id"]
    assert rn["status"] == rt["status"] == "loaded"
    assert rn["is_current_narrative"] and not rn["is_current_tables"]
    assert rt["is_current_tables"] and not rt["is_current_narrative"]
    assert query(s.duckdb_path, "SELECT count(*) FROM raw.table_cell WHERE document_id = ?",
                 [tabs["document_id"]])[0][0] > 100
    assert_nothing_lost(before, rows_per_document(s.duckdb_path))
    assert_consistent(s.duckdb_path, s.extracted_dir)
