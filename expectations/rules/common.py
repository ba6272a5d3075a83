"""What the rules read from the catalogs, and the row-label form they match in.

The template catalog is read only through :mod:`extract.catalog` (tables, measures,
functional classes) and text is normalised only by :mod:`extract.text`; this module adds
the rules' own vocabulary (``narrative_topics.yaml``) and the short names used in messages.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from extract.catalog import functional_class_codes as _class_codes_by_name
from extract.catalog import load_catalog, strip_ordinal
from extract.text import compact

HERE = Path(__file__).resolve().parent.parent  # expectations/: rules.yaml, narrative_topics.yaml

FINAL_TABLES = (
    "income_expenditure_summary",
    "income",
    "expenditure",
    "fiscal_appropriation_summary",
    "general_budget_expenditure",
    "general_budget_basic_expenditure",
    "government_fund",
    "state_capital",
    "three_public",
)
PERFORMANCE_TABLE = "performance_self_assessment"
_MARKUP = re.compile(r"</?b>")
# the levels a printed label's ordinal gives (一、 above 1. / （一）): a row hierarchy read from the
# table before anything is summed
TOP_ORDINAL = re.compile(r"^第?[一二三四五六七八九十]+[、.．]")
SUB_ORDINAL = re.compile(r"^(?:\d+[、.．]|[（(][\d一二三四五六七八九十]+[)）])")


def top_level_rows(rows: list, raw_label=lambda r: printed_label(r.line_name)) -> list:
    """The rows of a list that are not sub-rows: when some rows carry a top-level ordinal (一、),
    a row with a sub-level ordinal (1. / （一）) after one of them is that row's child."""
    if not any(TOP_ORDINAL.match(raw_label(r)) for r in rows):
        return list(rows)
    out, seen_top = [], False
    for r in rows:
        if TOP_ORDINAL.match(raw_label(r)):
            seen_top = True
        elif seen_top and SUB_ORDINAL.match(raw_label(r)):
            continue
        out.append(r)
    return out


def printed_label(text: str | None) -> str:
    """A printed row label with its ordinal (``一、``), without markup."""
    return compact(_MARKUP.sub("", text or ""))


@lru_cache(maxsize=1 << 16)  # pure; called ~10^4 times per document on few distinct labels
def label(text: str | None) -> str:
    """A printed row label without its ordinal (``一、``) and markup, for matching."""
    return strip_ordinal(_MARKUP.sub("", compact(text)))


@lru_cache(maxsize=1)
def table_catalog() -> dict[str, dict[str, Any]]:
    """Catalog table id → its ``tables.yaml`` entry (as parsed once by :func:`extract.catalog.load_catalog`)."""
    return {t.id: t.raw for t in load_catalog().tables}


@lru_cache(maxsize=1)
def measure_labels() -> dict[str, str]:
    return {m: row["label_zh"] for m, row in load_catalog().measures.items()}


def functional_class_codes() -> dict[str, str]:
    """Normalised 类 name → 3-digit code (every name a code has had)."""
    return _class_codes_by_name()


@lru_cache(maxsize=1)
def rounding_unit() -> Decimal:
    """Half the printed unit of an amount in 万元 (``rules.yaml`` defaults)."""
    data = yaml.safe_load((HERE / "rules.yaml").read_text(encoding="utf-8"))
    return Decimal(str((data.get("defaults") or {}).get("rounding_unit", "0.005")))


@lru_cache(maxsize=1)
def narrative_topics() -> dict[str, Any]:
    return yaml.safe_load((HERE / "narrative_topics.yaml").read_text(encoding="utf-8"))


def table_no(table_name: str | None) -> str:
    """``公开05表``: the table's number in the national template, for messages (a document may
    print another order or no number at all; the report shows the title beside it)."""
    spec = table_catalog().get(table_name or "")
    if spec and spec.get("number") and table_name != PERFORMANCE_TABLE:
        return f"公开{spec['number']}表"
    return table_name or "—"


def table_en(table_name: str | None) -> str:
    spec = table_catalog().get(table_name or "")
    if spec and spec.get("number") and table_name != PERFORMANCE_TABLE:
        return f"Table {spec['number']}"
    return f"Table {table_name}"


def measure_zh(measure: str | None) -> str:
    return measure_labels().get(measure or "", measure or "")


def clip(s: str | None, n: int = 60) -> str:
    """A quoted excerpt for a message: compacted, at most n characters."""
    s = compact(s)
    return s if len(s) <= n else s[: n - 1] + "…"
