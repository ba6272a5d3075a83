"""System packages: one declared list, found only through it, hidden when undeclared."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import sysdeps

REPO = Path(__file__).resolve().parent.parent
PROJECT_DIRS = ("extract", "warehouse", "expectations", "reports", "dagster_project", "corpus", "bench",
                "scripts", "tests")
# A font or program looked up by a guessed path or a bare PATH search bypasses the declaration.
FORBIDDEN = re.compile(r"/usr/(?:local/)?share/fonts|shutil\.which\(|['\"]/usr/bin/")


def test_every_declared_package_says_why():
    pkgs = sysdeps.declared()
    assert "fonts-wqy-microhei" in pkgs
    for name, pkg in pkgs.items():
        assert pkg.why.strip(), f"{name} has no 'why' in {sysdeps.CATALOG}"
        assert re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", name), name


def test_no_code_finds_fonts_or_tools_behind_the_declarations_back():
    offenders = []
    for d in PROJECT_DIRS:
        for path in (REPO / d).rglob("*.py"):
            if path == Path(__file__).resolve():
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if FORBIDDEN.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert not offenders, "use sysdeps.font_file/which instead:\n" + "\n".join(offenders)


def test_an_undeclared_package_cannot_be_used():
    with pytest.raises(KeyError, match="not declared"):
        sysdeps.require("fonts-noto-cjk-made-up")
    with pytest.raises(KeyError, match="no declared package provides"):
        sysdeps.which("made-up-tool")


def test_a_missing_package_skips_naming_it(monkeypatch):
    monkeypatch.setattr(sysdeps, "is_installed", lambda name: False)
    with pytest.raises(pytest.skip.Exception, match="fonts-wqy-microhei"):
        sysdeps.pytest_require("fonts-wqy-microhei")
    with pytest.raises(sysdeps.SystemPackageMissing, match="apt-get install"):
        sysdeps.font_file("fonts-wqy-microhei", "wqy-microhei.ttc")


def test_installed_font_is_found_through_its_package():
    sysdeps.pytest_require("fonts-wqy-microhei")
    path = sysdeps.font_file("fonts-wqy-microhei", "wqy-microhei.ttc")
    assert path.is_file() and path.name == "wqy-microhei.ttc"


def _can_hide() -> bool:
    return (os.geteuid() == 0 and shutil.which("dpkg-query") is not None
            and subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                               capture_output=True).returncode == 0)


@pytest.mark.skipif(not _can_hide(), reason="needs root, dpkg and mount namespaces")
def test_hermetic_run_hides_a_font_installed_by_hand(tmp_path):
    sysdeps.pytest_require("fonts-wqy-microhei")
    declared_font = sysdeps.font_file("fonts-wqy-microhei", "wqy-microhei.ttc")
    probe_dir = Path("/usr/local/share/fonts")
    created_dir = not probe_dir.exists()
    probe_dir.mkdir(parents=True, exist_ok=True)
    probe = probe_dir / "fiscal-hermetic-probe.ttf"
    shutil.copyfile(declared_font, probe)  # a font nobody declared
    try:
        script = f'test ! -e "{probe}" && test -s "{declared_font}" && echo hidden-and-kept'
        proc = subprocess.run(["bash", str(REPO / "scripts" / "hermetic.sh"), "bash", "-c", script],
                              cwd=REPO, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "hidden-and-kept"
        assert probe.exists()  # only hidden inside the namespace
    finally:
        probe.unlink(missing_ok=True)
        if created_dir:
            shutil.rmtree(probe_dir, ignore_errors=True)
