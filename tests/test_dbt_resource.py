"""The dbt resource's start-up savings: no `dbt --version` subprocess, the parse cache kept."""
from __future__ import annotations

import sys
from importlib.metadata import version as installed
from pathlib import Path
from types import SimpleNamespace

import pytest
from packaging import version

from dagster_project.defs import resources
from dagster_project.defs.resources import PARTIAL_PARSE, FiscalDbtCliResource, keep_partial_parse


def test_cli_version_is_read_from_the_installed_dbt_core(monkeypatch, tmp_path):
    (tmp_path / "dbt_project.yml").write_text("name: x\nversion: '1'\nprofile: x\n", encoding="utf-8")
    venv_dbt = str(Path(sys.executable).with_name("dbt"))
    resource = FiscalDbtCliResource(project_dir=str(tmp_path), dbt_executable=venv_dbt)

    def no_subprocess(*_a, **_k):
        raise AssertionError("dbt --version was run")

    monkeypatch.setattr("dagster_dbt.core.resource.check_output", no_subprocess)
    assert resource._cli_version == version.parse(installed("dbt-core"))
    assert resource._initialize_dbt_core_adapter(["build"]) is None

    elsewhere = tmp_path / "bin" / "dbt"
    elsewhere.parent.mkdir()
    elsewhere.write_text("#!/bin/sh\necho 'Core: 1.10.0'\n", encoding="utf-8")
    elsewhere.chmod(0o755)
    other = FiscalDbtCliResource(project_dir=str(tmp_path), dbt_executable=str(elsewhere))
    with pytest.raises(AssertionError, match="dbt --version"):  # another dbt: asked, as dagster-dbt does
        _ = other._cli_version


def test_partial_parse_goes_back_to_the_project(tmp_path):
    project = SimpleNamespace(project_dir=tmp_path / "dbt", target_path=Path("target"))
    invocation = tmp_path / "dbt" / "target" / "fiscal_dbt_models-1"
    invocation.mkdir(parents=True)
    assert keep_partial_parse(invocation, project) is False  # dbt stopped before parsing: nothing to keep
    (invocation / PARTIAL_PARSE).write_bytes(b"tonight")
    (tmp_path / "dbt" / "target" / PARTIAL_PARSE).write_bytes(b"when the project was prepared")
    assert keep_partial_parse(invocation, project) is True
    assert (tmp_path / "dbt" / "target" / PARTIAL_PARSE).read_bytes() == b"tonight"
    assert not list((tmp_path / "dbt" / "target").glob(".*.tmp"))


def test_the_pipeline_uses_it():
    assert resources.dbt_resource.__annotations__["return"] in ("DbtCliResource", resources.DbtCliResource)
    assert isinstance(resources.dbt_resource(), FiscalDbtCliResource)


def test_old_invocation_folders_are_pruned(tmp_path):
    import os
    import time

    from dagster_project.defs.resources import prune_invocation_targets

    target = tmp_path / "target"
    folders = []
    for i in range(6):
        f = target / f"fiscal_dbt_models-run{i:04d}-inv{i:04d}"
        (f / "compiled").mkdir(parents=True)
        (f / "manifest.json").write_text("{}", encoding="utf-8")
        stamp = time.time() - 3600 + i * 60
        os.utime(f, (stamp, stamp))
        folders.append(f)
    (target / "manifest.json").write_text("{}", encoding="utf-8")  # the project's own artefacts stay
    (target / "other_op-run0001-inv0001").mkdir()  # another op's folders are not ours to prune
    assert prune_invocation_targets(folders[-1], keep=3) == 3
    assert [f.exists() for f in folders] == [False, False, False, True, True, True]
    assert (target / "manifest.json").exists() and (target / "other_op-run0001-inv0001").exists()
    # the current invocation is never removed, even when older than the ones kept
    assert prune_invocation_targets(folders[3], keep=1) == 1 and folders[3].exists() and folders[5].exists()
