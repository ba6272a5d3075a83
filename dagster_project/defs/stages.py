"""The other folders' entry points (docs/architecture.md), imported when a step runs.

Importing lazily keeps ``Definitions`` loadable while a stage is being written or its
heavy dependencies (pdfplumber, Great Expectations) are slow to import, and gives one
clear message when a stage is missing.
"""
from __future__ import annotations

import importlib
from types import ModuleType


class StageMissing(RuntimeError):
    pass


def _module(name: str, needed: str) -> ModuleType:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == name or name.startswith(exc.name + ".")):
            raise StageMissing(f"{name} is not available yet (needed: {needed})") from exc
        raise
    if not hasattr(module, needed):
        raise StageMissing(f"{name} has no {needed}() (docs/architecture.md)")
    return module


def extract_api() -> ModuleType:
    return _module("extract.api", "extract_many")


def load() -> ModuleType:
    return _module("warehouse.load", "load_extracted")


def rules() -> ModuleType:
    return _module("expectations.rules", "run_all")


def gx_suites() -> ModuleType:
    return _module("expectations.gx_suites", "validate_all")


def reports() -> ModuleType:
    return _module("reports.build", "build_reports")


def publish() -> ModuleType:
    return _module("warehouse.publish", "publish")


def available(name: str) -> bool:
    try:
        {"extract": extract_api, "load": load, "rules": rules, "gx": gx_suites,
         "reports": reports, "publish": publish}[name]()
        return True
    except StageMissing:
        return False
