"""The system packages the project uses, declared once (``sysdeps/packages.toml``).

Code that needs a font or a program asks here, never by a hard-coded path or a bare
``shutil.which``: a dependency that is not declared cannot be used, so a package installed
by hand on one machine cannot make tests pass there and fail on a fresh one.

Standard library only: ``scripts/setup.sh`` runs ``python3 -m sysdeps`` before the
virtual environment exists.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = [
    "Package", "SystemPackageMissing", "declared", "is_installed", "require", "which",
    "font_file", "pytest_require", "missing",
]

CATALOG = Path(__file__).with_name("packages.toml")
# Where Debian packages and fontconfig put fonts; used only when dpkg cannot be asked.
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")


class SystemPackageMissing(RuntimeError):
    """A declared system package is not installed on this machine."""

    def __init__(self, package: str, detail: str = ""):
        self.package = package
        super().__init__(
            f"需要系统软件包 {package}，本机未安装 / system package {package} is not installed"
            + (f" ({detail})" if detail else "")
            + f". Install it with: apt-get install -y --no-install-recommends {package}"
            " (or run scripts/setup.sh as root)."
        )


@dataclass(frozen=True)
class Package:
    name: str
    why: str
    fonts: tuple[str, ...] = field(default_factory=tuple)
    binaries: tuple[str, ...] = field(default_factory=tuple)


@lru_cache(maxsize=None)
def _catalog() -> tuple[dict[str, Package], tuple[str, ...]]:
    data = tomllib.loads(CATALOG.read_text(encoding="utf-8"))
    pkgs = {
        name: Package(name, spec.get("why", ""), tuple(spec.get("fonts", ())), tuple(spec.get("binaries", ())))
        for name, spec in data.get("packages", {}).items()
    }
    base = tuple(data.get("base", {}).get("packages", ()))
    return pkgs, base


def declared() -> dict[str, Package]:
    """Every declared package by name."""
    return dict(_catalog()[0])


def base_packages() -> tuple[str, ...]:
    """Packages every machine of this kind has; the project does not install them."""
    return _catalog()[1]


def _package(name: str) -> Package:
    pkgs = declared()
    if name not in pkgs:
        raise KeyError(f"{name} is not declared in {CATALOG}: declare it there before using it")
    return pkgs[name]


def _dpkg_available() -> bool:
    return shutil.which("dpkg-query") is not None


def _dpkg_files(name: str) -> list[str]:
    proc = subprocess.run(["dpkg-query", "-L", name], capture_output=True, text=True)
    return proc.stdout.splitlines() if proc.returncode == 0 else []


def is_installed(name: str) -> bool:
    """True when the package is installed and what it provides is really there.

    dpkg's word alone is not enough: a font folder hidden or emptied by hand (as
    ``scripts/fresh-machine.sh`` does) makes the package count as absent.
    """
    pkg = _package(name) if name not in base_packages() else Package(name, "")
    if _dpkg_available():
        proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True)
        if proc.returncode != 0 or "install ok installed" not in proc.stdout:
            return False
        files = _dpkg_files(name)
        fonts_ok = all(any(f.endswith("/" + font) and Path(f).is_file() for f in files) for font in pkg.fonts)
        return fonts_ok and all(shutil.which(b) for b in pkg.binaries)
    try:
        for f in pkg.fonts:
            _find_font_without_dpkg(f)
        return all(shutil.which(b) for b in pkg.binaries) and bool(pkg.fonts or pkg.binaries)
    except FileNotFoundError:
        return False


def require(name: str) -> Package:
    """The declared package, or :class:`SystemPackageMissing` naming it."""
    pkg = _package(name)
    if not is_installed(name):
        raise SystemPackageMissing(name, pkg.why)
    return pkg


def _find_font_without_dpkg(file_name: str) -> Path:
    for root in _FONT_DIRS:
        for dirpath, _dirs, files in os.walk(root):
            if file_name in files:
                return Path(dirpath) / file_name
    raise FileNotFoundError(file_name)


def font_file(package: str, file_name: str) -> Path:
    """Path of a font file that a declared package provides."""
    pkg = require(package)
    if file_name not in pkg.fonts:
        raise KeyError(f"{package} does not declare the font {file_name} in {CATALOG}")
    if _dpkg_available():
        for f in _dpkg_files(package):
            if f.endswith("/" + file_name) and Path(f).is_file():
                return Path(f)
        raise SystemPackageMissing(package, f"{file_name} not found among its files")
    try:
        return _find_font_without_dpkg(file_name)
    except FileNotFoundError:
        raise SystemPackageMissing(package, f"{file_name} not found") from None


def which(binary: str) -> str:
    """Path of a program that a declared package provides."""
    owners = [p for p in declared().values() if binary in p.binaries]
    if not owners:
        raise KeyError(f"no declared package provides {binary!r}: declare it in {CATALOG}")
    pkg = owners[0]
    require(pkg.name)
    path = shutil.which(binary)
    if path is None:
        raise SystemPackageMissing(pkg.name, f"{binary} not on PATH")
    return path


def missing() -> list[str]:
    """Declared packages that are not installed here."""
    return [name for name in declared() if not is_installed(name)]


def pytest_require(name: str) -> Package:
    """In a test: the package, or skip naming it (so a fresh machine skips, CI runs it)."""
    import pytest

    try:
        return require(name)
    except SystemPackageMissing as exc:
        pytest.skip(str(exc))
