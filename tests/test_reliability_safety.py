"""Reliability, part 4: safe by construction.

* No SQL is built by interpolating values: every f-string / ``str.format`` / ``%`` / ``+`` that
  builds SQL in the project's Python interpolates only quoted identifiers (``qident``/``qtable``
  or a reviewed identifier list below); values go through ``?`` parameters or registered
  Arrow tables.
* Landing paths never escape the landing folder (symlinks, loops, dangling links, ``..``).
* The pipeline (extraction + load + rules + publish) makes no network access: in-process with
  ``socket`` patched to refuse (and record) any connection, and in a subprocess inside a new
  network namespace with no interfaces (``unshare -rn``), which also catches native code
  (DuckDB extension auto-install, pdfium).  dbt and Great Expectations are not part of these
  runs (dbt-duckdb and GX load only local files here, but they are third-party frameworks with
  their own telemetry switches; not verified by this test).
"""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sysdeps
from tests import pdf_factory as pf
from tests.test_reliability_inputs import REPO, assert_consistent, fiscal_env, registry, sample, set_env

PROJECT_DIRS = ("extract", "warehouse", "expectations", "reports", "dagster_project", "scripts", "bench")
SQL_WORDS = re.compile(
    r"\b(select|insert\s+into|update|delete\s+from|create\s+(or\s+replace\s+)?(table|view|schema)|alter\s+table|"
    r"drop\s+(table|view)|where|from|join|values|set)\b", re.I)
#: calls whose result is a quoted identifier
QUOTING_CALLS = ("qident", "qtable")
#: interpolations reviewed as identifier lists built from constants (file, expression source)
REVIEWED_IDENTIFIERS = {
    ("warehouse/load.py", "col_sql"),  # ", ".join(qident(c) for c in cols)
    ("warehouse/db.py", "cols"),  # ", ".join(qident(c) for c in data.column_names)
    ("dagster_project/cli.py", "', '.join(show)"),  # a fixed list of registry column names
    ("dagster_project/defs/assets.py", "', '.join(wanted)"),  # a fixed list of registry column names
    ("dagster_project/cli.py", "' union all '.join(parts)"),  # constant SQL texts (STATUS_SQL, REFUSED_SQL)
    ("dagster_project/cli.py", "' and '.join(where)"),  # constant conditions with ? parameters
    ("warehouse/isolation.py", "on"),  # m.qident(col) IS NOT DISTINCT FROM f.qident(col) pairs
    ("expectations/gx_suites.py", "query"),  # a suite's SQL text from expectations/suites/*.yaml (code)
}


def _sql_interpolations(path: Path) -> list[tuple[int, str, str, str]]:
    """(line, kind, constant text, expression) for every interpolation into SQL-looking text."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            parts = [(text, v.value) for v in node.values if isinstance(v, ast.FormattedValue)]
            kind = "f-string"
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
              and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)):
            text = node.func.value.value
            parts = [(text, e) for e in [*node.args, *(k.value for k in node.keywords)]]
            kind = ".format"
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add))
              and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
              and not (isinstance(node.right, ast.Constant))):
            text = node.left.value
            parts = [(text, node.right)]
            kind = "%" if isinstance(node.op, ast.Mod) else "+"
        else:
            continue
        if len(SQL_WORDS.findall(text)) < 2:
            continue
        for t, expr in parts:
            out.append((node.lineno, kind, t, ast.unparse(expr)))
    return out


def _is_identifier(rel: str, expr: str) -> bool:
    if any(expr.startswith(f"{c}(") for c in QUOTING_CALLS):
        return True
    return (rel, expr) in REVIEWED_IDENTIFIERS


def test_no_sql_is_built_from_values():
    offenders = []
    for d in PROJECT_DIRS:
        for path in sorted((REPO / d).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            for line, kind, text, expr in _sql_interpolations(path):
                # an interpolation inside a quoted SQL literal ('…{x}…') is a value, whatever x is
                in_literal = re.search(r"'[^']*\{\}[^']*'", text) is not None
                if in_literal or not _is_identifier(rel, expr):
                    offenders.append(f"{rel}:{line}: {kind} interpolates {expr!r} into SQL")
    assert not offenders, "pass values as ? parameters, quote identifiers with qident():\n" + "\n".join(offenders)


def test_the_sql_scan_catches_value_interpolation(tmp_path):
    """The scan itself: the patterns it must refuse, and what it allows."""
    bad = tmp_path / "bad.py"
    bad.write_text(textwrap.dedent('''
        def f(con, name, doc):
            con.execute(f"SELECT * FROM raw.document WHERE document_id = '{doc}'")
            con.execute("DELETE FROM raw.x WHERE file_name = '%s'" % name)
            con.execute("SELECT * FROM t WHERE a = {}".format(doc))
            con.execute("SELECT * FROM t WHERE a = " + doc)
            con.execute(f"SELECT * FROM {qtable('document')} WHERE document_id = ?", [doc])
    '''), encoding="utf-8")
    hits = _sql_interpolations(bad)
    flagged = [h for h in hits if re.search(r"'[^']*\{\}[^']*'", h[2]) or not _is_identifier("bad.py", h[3])]
    assert [h[0] for h in flagged] == [3, 4, 5, 6]


def test_landing_paths_never_escape_the_landing_folder(tmp_path, monkeypatch):
    from dagster_project.defs import landing
    from warehouse.settings import Settings

    set_env(monkeypatch, fiscal_env(tmp_path / "home"))
    s = Settings.from_env()
    s.ensure_dirs()
    root = s.landing_dir
    outside = tmp_path / "outside"
    outside.mkdir()
    pf.text_pdf(outside / "o.pdf", pf.disclosure_lines("青川州外部局"))
    (root / "a" / "b").mkdir(parents=True)
    pf.text_pdf(root / "a" / "b" / "ok.pdf", pf.disclosure_lines("青川州正常局"))
    os.symlink(outside / "o.pdf", root / "a" / "out.pdf")  # file outside
    os.symlink("../../../outside/o.pdf", root / "a" / "b" / "rel-out.pdf")  # relative, outside
    os.symlink(outside, root / "a" / "outdir")  # folder outside
    os.symlink(root, root / "a" / "loop")  # a loop back to the root
    os.symlink(root / "missing.pdf", root / "dangling.pdf")
    os.symlink("ok.pdf", root / "a" / "b" / "alias.pdf")  # inside: allowed
    (root / "x..y.pdf").write_bytes((root / "a" / "b" / "ok.pdf").read_bytes())

    files, _ = landing.scan(s)
    rels = sorted(f.relative_path for f in files)
    assert rels == ["a/b/alias.pdf", "a/b/ok.pdf", "x..y.pdf"], rels
    for r in rels:
        assert ".." not in Path(r).parts and not Path(r).is_absolute()
        assert (root / r).resolve().is_relative_to(root.resolve())
    resolved = landing.resolve(s, [f.document_id for f in files])
    assert all(p is not None and p.resolve().is_relative_to(root.resolve()) for p in resolved.values())


NETWORK_RUN = textwrap.dedent("""
    import sys
    from warehouse.settings import Settings
    from tests.test_reliability_inputs import pipeline
    from expectations.rules import run_all
    from warehouse.publish import publish
    manifests, counts = pipeline()
    s = Settings.from_env()
    run_all(s.duckdb_path)
    publish(s)
    print(sorted(m["status"] for m in manifests.values()))
""")


def _landing_for_network_test(home: Path) -> None:
    (home / "landing").mkdir(parents=True)
    shutil.copyfile(sample("synthetic/2023_aud_hz.pdf"), home / "landing" / "aud.pdf")
    (home / "landing" / "empty.pdf").write_bytes(b"")


def test_pipeline_makes_no_network_access_in_process(tmp_path, monkeypatch):
    import socket

    attempts = tmp_path / "network-attempts.txt"

    def refuse(*args, **kwargs):
        with open(attempts, "a") as fh:  # forked extraction workers inherit the patch
            fh.write(f"{os.getpid()} {args!r}\n")
        raise OSError("network access during the pipeline")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)

    home = tmp_path / "home"
    set_env(monkeypatch, fiscal_env(home))
    _landing_for_network_test(home)
    from expectations.rules import run_all
    from tests.test_reliability_inputs import pipeline, settings
    from warehouse.publish import publish

    manifests, _ = pipeline()
    s = settings()
    run_all(s.duckdb_path)
    publish(s)
    assert not attempts.exists(), attempts.read_text()
    assert sorted(m["status"] for m in manifests.values()) == ["extracted", "quarantined"]
    assert_consistent(s.duckdb_path, s.extracted_dir)
    assert {r["status"] for r in registry(s.published_path).values()} == {"loaded", "quarantined"}


def _netns_available() -> bool:
    try:
        unshare = sysdeps.which("unshare")
    except sysdeps.SystemPackageMissing:
        return False
    return subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _netns_available(), reason="unshare -rn (user + network namespace) not permitted here")
def test_pipeline_runs_without_any_network_interface(tmp_path):
    home = tmp_path / "home"
    _landing_for_network_test(home)
    env = {**os.environ, **fiscal_env(home), "PYTHONPATH": str(REPO)}
    proc = subprocess.run(["unshare", "-rn", sys.executable, "-c", NETWORK_RUN], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("['extracted', 'quarantined']"), proc.stdout
