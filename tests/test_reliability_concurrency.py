"""Reliability, part 3: concurrency.

* An analyst process reads the published DuckDB file in a tight loop while the pipeline
  loads and publishes (twice, the second time rewriting every row): it never errors and only
  ever sees a complete state, the one before or the one after.
* Two loads started at once: the second waits for the first (DuckDB's file lock, waited
  for by ``warehouse.load.connect_writer``) and the result is exactly one load's.
* Two ``fiscal run`` at once: the second refuses at once, saying which pid holds the
  pipeline lock since when (``warehouse.load.pipeline_lock``).
* A writer that holds the file too long: ``connect_writer`` gives up with a clear message.
"""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time

import pytest

from tests.test_reliability_crash import LOAD_SCRIPT, PY, clone_documents, kill9, start
from tests.test_reliability_inputs import (
    REPO,
    assert_consistent,
    base_home,  # noqa: F401  (session fixture)
    fiscal_env,
    manifest_counts,
    registry,
    set_env,
)

READER = textwrap.dedent("""
    import json, os, sys, time
    import duckdb
    db, stop, expected = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
    print("ready", flush=True)
    while not os.path.exists(stop):
        try:
            with duckdb.connect(db, read_only=True) as con:
                docs = con.execute("select document_id from raw.document_registry").fetchall()
                cells = dict(con.execute(
                    "select document_id, count(*) from raw.table_cell group by 1").fetchall())
                bad = [d for (d,) in docs if cells.get(d, 0) != expected[d]]
                extra = [d for d in cells if d not in {x for (x,) in docs}]
                print(json.dumps({"docs": len(docs), "cells": sum(cells.values()), "bad": bad[:3],
                                  "extra": extra[:3]}), flush=True)
        except Exception as exc:
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        time.sleep(0.01)
""")


@pytest.fixture
def corpus(base_home, tmp_path, monkeypatch):  # noqa: F811
    home = tmp_path / "home"
    ids = clone_documents(base_home / "extracted", home / "extracted", copies=8)
    set_env(monkeypatch, fiscal_env(home))
    from warehouse.settings import Settings

    s = Settings.from_env()
    s.ensure_dirs()
    return s, ids


@pytest.mark.slow
def test_analyst_reading_during_load_and_publish_never_sees_partial_data(corpus, tmp_path):
    from warehouse.load import load_extracted
    from warehouse.publish import publish

    s, ids = corpus
    load_extracted(s, document_ids=ids[:6])
    publish(s)
    expected = {d: c["table_cell"] for d, c in manifest_counts(s.extracted_dir).items()}
    exp_file = tmp_path / "expected.json"
    exp_file.write_text(json.dumps(expected))
    stop = tmp_path / "stop"
    reader = subprocess.Popen([PY, "-c", READER, str(s.published_path), str(stop), str(exp_file)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "ready"
    try:
        time.sleep(0.5)
        load_extracted(s)  # the other 18 documents
        publish(s)
        time.sleep(0.3)
        load_extracted(s, force=True)  # every row deleted and inserted again
        publish(s)
        time.sleep(0.5)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    seen = [json.loads(line) for line in out.splitlines() if line.strip()]
    errors = [o["error"] for o in seen if "error" in o]
    assert not errors, errors[:5]
    before = (6, sum(expected[d] for d in ids[:6]))
    after = (len(ids), sum(expected[d] for d in ids))
    states = {(o["docs"], o["cells"]) for o in seen}
    assert states <= {before, after}, f"partial states seen: {states - {before, after}}"
    assert all(not o["bad"] and not o["extra"] for o in seen)
    assert after in states and len(seen) > 20, (len(seen), states)


def test_two_loads_started_at_once_do_not_corrupt(corpus):
    s, ids = corpus
    env = {k: v for k, v in os.environ.items() if k.startswith("FISCAL_")}
    a = start(LOAD_SCRIPT, env)
    b = start(LOAD_SCRIPT, env)
    assert a.wait(timeout=120) == 0, a.stderr.read()
    assert b.wait(timeout=120) == 0, b.stderr.read()  # the second waited for the lock, then found nothing new
    assert_consistent(s.duckdb_path, s.extracted_dir)
    reg = registry(s.duckdb_path)
    assert set(reg) == set(ids)
    from tests.test_reliability_inputs import query

    runs = sorted(r[0] for r in query(s.duckdb_path, "select documents_loaded from raw.load_run"))
    assert runs == [0, len(ids)], runs  # exactly one of them loaded the documents


HOLD_LOCK = textwrap.dedent("""
    import time
    from warehouse.settings import Settings
    from warehouse.load import pipeline_lock
    with pipeline_lock(Settings.from_env()):
        print("ready", flush=True)
        time.sleep(60)
""")


def test_second_fiscal_run_refuses_while_one_is_running(corpus, capsys):
    from dagster_project import cli

    s, _ = corpus
    env = {k: v for k, v in os.environ.items() if k.startswith("FISCAL_")}
    holder = start(HOLD_LOCK, env)
    try:
        t0 = time.monotonic()
        assert cli.main(["run"]) == 2
        assert time.monotonic() - t0 < 10
        err = capsys.readouterr().err
        assert f"another load is running (pid {holder.pid} since " in err, err
        assert "UTC" in err
    finally:
        kill9(holder)
    # a killed holder leaves no stale lock
    from warehouse.load import pipeline_lock

    with pipeline_lock(s) as path:
        assert path.read_text().startswith(f"pid {os.getpid()} since")


HOLD_WRITER = textwrap.dedent("""
    import sys, time
    import duckdb
    con = duckdb.connect(sys.argv[1])
    print("ready", flush=True)
    time.sleep(60)
""")


def test_writer_waiting_too_long_gets_a_clear_message(corpus):
    import duckdb

    from warehouse.load import connect_writer

    s, _ = corpus
    holder = subprocess.Popen([PY, "-c", HOLD_WRITER, str(s.duckdb_path)], cwd=REPO, stdout=subprocess.PIPE,
                              text=True, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.IOException) as exc:
            connect_writer(s.duckdb_path, timeout_s=1)
        msg = str(exc.value)
        assert "another process is writing the warehouse" in msg and f"PID {holder.pid}" in msg
    finally:
        kill9(holder)
