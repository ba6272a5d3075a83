"""The landing sensor and the nightly schedule, against a temporary landing folder.

No extraction runs here: these tests are about which documents a run is asked to
process. Each document is a partition keyed by the sha256 of its bytes.
"""
from __future__ import annotations

import hashlib
import os
import time
import warnings
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs import landing
from dagster_project.defs.assets import SCOPE_TAG
from dagster_project.defs.partitions import DOCUMENTS_PARTITION
from dagster_project.defs.partitions import RANGE_END_TAG as ASSET_PARTITION_RANGE_END_TAG
from dagster_project.defs.partitions import RANGE_START_TAG as ASSET_PARTITION_RANGE_START_TAG
from dagster_project.defs.resources import FiscalResource
from dagster_project.defs.schedules import nightly_refresh
from dagster_project.defs.sensors import landing_sensor
from tests.conftest import clear_fiscal_env

warnings.filterwarnings("ignore", category=dg.BetaWarning)



@pytest.fixture
def landing_dir(tmp_path, monkeypatch) -> Path:
    clear_fiscal_env(monkeypatch)
    monkeypatch.setenv("FISCAL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FISCAL_LANDING_SETTLE_S", "0")
    path = tmp_path / "home" / "landing"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def drop(landing_dir: Path, name: str, data: bytes) -> str:
    path = landing_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def tick(instance) -> dg.SensorResult:
    """One sensor evaluation, applying its partition requests as the daemon would."""
    result = landing_sensor(dg.build_sensor_context(instance=instance, resources={"fiscal": FiscalResource()}))
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def requested_keys(instance, result: dg.SensorResult) -> list[str]:
    """The partitions the run request covers (its range, resolved against the instance)."""
    [request] = result.run_requests
    keys = instance.get_dynamic_partitions(DOCUMENTS_PARTITION)
    start, end = request.tags[ASSET_PARTITION_RANGE_START_TAG], request.tags[ASSET_PARTITION_RANGE_END_TAG]
    return keys[keys.index(start) : keys.index(end) + 1]


PDF_A = b"%PDF-1.4\n% department A 2023\n%%EOF\n"
PDF_B = b"%PDF-1.4\n% department B 2023\n%%EOF\n"


def test_a_new_file_requests_only_its_partition(landing_dir, instance):
    a = drop(landing_dir, "a.pdf", PDF_A)
    first = tick(instance)
    assert requested_keys(instance, first) == [a]
    assert first.run_requests[0].job_name in (None, "fiscal_refresh")

    b = drop(landing_dir, "2024/b.pdf", PDF_B)
    second = tick(instance)
    assert requested_keys(instance, second) == [b]
    assert instance.get_dynamic_partitions(DOCUMENTS_PARTITION) == [a, b]

    third = tick(instance)
    assert not third.run_requests and "no new files" in str(third.skip_reason)


def test_unchanged_files_are_not_hashed_again(landing_dir, instance, monkeypatch):
    for i in range(3):
        drop(landing_dir, f"d{i}.pdf", PDF_A + bytes([i]))
    tick(instance)
    calls = []
    original = landing.sha256_file
    monkeypatch.setattr(landing, "sha256_file", lambda p, *a, **k: calls.append(p) or original(p, *a, **k))
    tick(instance)
    assert calls == []  # (path, size, mtime) unchanged → cached hash
    drop(landing_dir, "d1.pdf", PDF_B)
    tick(instance)
    assert [Path(p).name for p in calls] == ["d1.pdf"]


def test_a_corrected_version_is_a_new_partition(landing_dir, instance):
    old = drop(landing_dir, "a.pdf", PDF_A)
    tick(instance)
    corrected = PDF_A.replace(b"2023", b"2023 corrected")
    time.sleep(0.01)
    new = drop(landing_dir, "a.pdf", corrected)  # same name, new bytes
    result = tick(instance)
    assert requested_keys(instance, result) == [new]
    assert instance.get_dynamic_partitions(DOCUMENTS_PARTITION) == [old, new]  # the old one is kept
    # the old key no longer resolves to a file; the new one does
    resolved = landing.resolve(FiscalResource().settings(), [old, new])
    assert resolved[old] is None and resolved[new] == landing_dir / "a.pdf"


def test_the_same_bytes_under_two_names_are_one_document(landing_dir, instance):
    a = drop(landing_dir, "a.pdf", PDF_A)
    drop(landing_dir, "copy of a.pdf", PDF_A)
    result = tick(instance)
    assert requested_keys(instance, result) == [a]


def test_broken_files_become_partitions_to_be_quarantined(landing_dir, instance):
    """A zero-byte upload or a Word file is still a document: extraction quarantines it with a reason."""
    empty = drop(landing_dir, "empty.pdf", b"")
    docx = drop(landing_dir, "report.docx", b"PK\x03\x04 not a pdf")
    drop(landing_dir, ".hidden.pdf", PDF_A)  # hidden and partial uploads are ignored
    drop(landing_dir, "upload.pdf.part", PDF_B)
    result = tick(instance)
    assert sorted(requested_keys(instance, result)) == sorted([empty, docx])


def test_files_still_being_written_wait_for_the_next_tick(landing_dir, instance, monkeypatch):
    monkeypatch.setenv("FISCAL_LANDING_SETTLE_S", "3600")
    drop(landing_dir, "a.pdf", PDF_A)
    assert not tick(instance).run_requests
    old = time.time() - 7200
    os.utime(landing_dir / "a.pdf", (old, old))
    assert tick(instance).run_requests


def test_no_new_run_while_one_is_in_progress(landing_dir, instance):
    DagsterRun = dg.DagsterRun

    instance.add_run(DagsterRun(job_name="fiscal_refresh", run_id="busy", status=dg.DagsterRunStatus.STARTED))
    drop(landing_dir, "a.pdf", PDF_A)
    result = tick(instance)
    assert not result.run_requests and not result.dynamic_partitions_requests
    assert "in progress" in str(result.skip_reason)


def test_nightly_refresh_covers_every_document(landing_dir, instance):
    context = dg.build_schedule_context(instance=instance)
    assert isinstance(nightly_refresh(context), dg.SkipReason)
    a = drop(landing_dir, "a.pdf", PDF_A)
    b = drop(landing_dir, "b.pdf", PDF_B)
    tick(instance)
    request = nightly_refresh(dg.build_schedule_context(instance=instance))
    assert request.tags[ASSET_PARTITION_RANGE_START_TAG] == a
    assert request.tags[ASSET_PARTITION_RANGE_END_TAG] == b
    assert request.tags[SCOPE_TAG] == "all"
