"""The ``fiscal`` command: run the pipeline, inspect one PDF, read the registry."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import dagster as dg
import pytest

from dagster_project import cli

warnings.filterwarnings("ignore", category=dg.BetaWarning)



def disclosure_pdf(path: Path, department: str) -> Path:
    from tests import pdf_factory

    path.parent.mkdir(parents=True, exist_ok=True)
    return pdf_factory.text_pdf(path, pdf_factory.disclosure_lines(department, 2023))


def test_sample_pdfs_are_copied_into_the_landing_folder(tmp_path):
    sample = tmp_path / "sample"
    (sample / "seed").mkdir(parents=True)
    (sample / "seed" / "x.pdf").write_bytes(b"%PDF-1.4 x")
    (sample / "seed" / "x.truth.json").write_text("{}")
    landing = tmp_path / "landing"
    assert cli.copy_sample(landing, sample) == [landing / "seed" / "x.pdf"]
    assert cli.copy_sample(landing, sample) == []  # already there
    assert not (landing / "seed" / "x.truth.json").exists()


def test_extract_prints_one_pdfs_records_as_json(tmp_path, capsys):
    pdf = disclosure_pdf(tmp_path / "测试局.pdf", "青川州测试局")
    assert cli.main(["extract", str(pdf)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["manifest"]["status"] == "extracted"
    assert out["records"]["document"][0]["department_name"] == "青川州测试局"


def test_extract_writes_csv_per_record_type(tmp_path, capsys):
    pdf = disclosure_pdf(tmp_path / "a.pdf", "青川州测试局")
    assert cli.main(["extract", str(pdf), "--format", "csv", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "document.csv").read_text(encoding="utf-8-sig").startswith("document_id,")


def test_extract_of_a_broken_file_says_why(tmp_path, capsys):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"")
    assert cli.main(["extract", str(bad)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["manifest"]["status"] == "quarantined"
    assert "quarantined" in captured.err and "empty" in captured.err


def test_status_without_a_warehouse_says_so(home, capsys):
    assert cli.main(["status"]) == 1
    assert "no published warehouse" in capsys.readouterr().err


@pytest.mark.slow
def test_run_loads_the_landing_folder_and_summarises(home, tmp_path, capsys):
    landing = tmp_path / "drop"
    disclosure_pdf(landing / "a.pdf", "青川州测试局")
    (landing / "broken.pdf").write_bytes(b"")
    outside = disclosure_pdf(tmp_path / "elsewhere" / "secret.pdf", "青川州外部局")
    (landing / "link-out.pdf").symlink_to(outside)  # refused, and said so
    assert cli.main(["run", "--landing", str(landing)]) == 0
    out = capsys.readouterr().out
    assert "succeeded" in out
    assert "documents: loaded 1, quarantined 1" in out
    assert "broken.pdf: [empty_file]" in out
    assert "refused landing files (not read): 1" in out and "link-out.pdf: [symlink_outside]" in out
    assert str(home / "warehouse.duckdb") in out and "检查结果" in out
    assert (home / ".dagster").is_dir()  # runs are recorded in a persistent instance

    assert cli.main(["status"]) == 0
    status = capsys.readouterr().out
    assert "a.pdf" in status and "loaded" in status and "quarantined" in status
    # the level as the bureau says it, not the internal scope code
    assert "level" in status.splitlines()[0] and "汇总" in status and "consolidated" not in status
    # (d) the refused symlink is in `fiscal status`, with its reason, and can be filtered for
    assert cli.main(["status", "--status", "refused", "--brief"]) == 0
    refused = capsys.readouterr().out
    assert "link-out.pdf" in refused and "符号链接指向登记目录之外" in refused and "a.pdf" not in refused
    assert cli.main(["status", "--status", "loaded", "--year", "2023", "--brief"]) == 0
    loaded = capsys.readouterr().out
    assert "a.pdf" in loaded and "broken.pdf" not in loaded and "1 row(s) matching" in loaded
    assert cli.main(["status", "--department", "测试局", "--brief"]) == 0
    by_dept = capsys.readouterr().out
    assert "a.pdf" in by_dept and "broken.pdf" not in by_dept
    # the full partition key, to paste into the Dagster UI's partition search
    import hashlib
    assert hashlib.sha256((landing / "a.pdf").read_bytes()).hexdigest() in by_dept
    assert cli.main(["status", "--file", "broken", "--brief"]) == 0
    assert "broken.pdf" in capsys.readouterr().out

    # a second run with nothing new returns at once; after a report build that did not finish
    # (its pending departments left behind) it runs again and writes them
    assert cli.main(["run", "--landing", str(landing)]) == 0
    assert "nothing new since the last successful run" in capsys.readouterr().err
    from reports import PENDING
    reports_dir = home / "reports"
    assert reports_dir.is_dir() and not (reports_dir / PENDING).exists()
    (reports_dir / PENDING).write_text("null", encoding="utf-8")  # as a build that failed midway leaves it
    assert cli.main(["run", "--landing", str(landing)]) == 0
    captured = capsys.readouterr()
    assert "nothing new" not in captured.err and "succeeded" in captured.out
    assert not (reports_dir / PENDING).exists()


def test_debug_page_renders_a_png(tmp_path):
    pytest.importorskip("extract.debug", reason="extract.debug.render_page not written yet")
    pdf = disclosure_pdf(tmp_path / "a.pdf", "青川州测试局")
    out = tmp_path / "page.png"
    assert cli.main(["debug-page", str(pdf), "1", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
