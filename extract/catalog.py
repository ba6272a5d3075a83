"""The template catalog (``catalog/tables.yaml``), loaded once and queried."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .text import compact

CATALOG_DIR = Path(__file__).with_name("catalog")
_COLUMN_NUMBER = re.compile(r"^[\d*#\-—]+$")
# 一、 / 第一部分 / （一） / 1. ; "部分" as a word, so 二、部门… keeps its 部
_ORDINAL = re.compile(r"^(?:第?[一二三四五六七八九十]+(?:[、.．]|部分)+|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])")
_YEAR_PREFIX = re.compile(r"^.*\d{4}年度?(?:部门)?$")


@dataclass
class TableTemplate:
    id: str
    kind: str
    number: str
    titles: list[str]
    layout: str
    classification: str
    phase: str
    columns: dict[str, str] = field(default_factory=dict)
    sides: dict[str, Any] = field(default_factory=dict)
    column_groups: dict[str, str] = field(default_factory=dict)
    total_labels: dict[str, str] = field(default_factory=dict)
    funds_columns: dict[str, str] = field(default_factory=dict)
    empty_sentence: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def measure_for(self, path: list[str], aliases: dict[str, str] | None = None) -> str | None:
        """Longest alias (``a/b``) that is a suffix of the header path wins. 栏次 numbers and
        ``**`` printed under a header are not part of it, nor is a ``其中:`` prefix."""
        aliases = self.columns if aliases is None else aliases
        best, best_len = None, 0
        comps = [re.sub(r"^其中[:：]", "", compact(p)) for p in path if compact(p)]
        comps = [c for c in comps if c and not _COLUMN_NUMBER.match(c)]
        for alias, measure in aliases.items():
            parts = [compact(a) for a in alias.split("/")]
            n = len(parts)
            if n <= len(comps) and comps[-n:] == parts and n > best_len:
                best, best_len = measure, n
        return best


@dataclass
class Catalog:
    tables: list[TableTemplate]
    measures: dict[str, dict[str, str]]

    def by_id(self, table_id: str) -> TableTemplate:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)

    @property
    def _titles(self) -> list[tuple[str, TableTemplate]]:
        pairs = [(compact(title), t) for t in self.tables for title in t.titles]
        return sorted(pairs, key=lambda p: -len(p[0]))

    def match_title(self, line: str, department: str | None = None) -> TableTemplate | None:
        """The template whose title this printed line is, or None.

        The line may carry an ordinal (``一、``), a table number (``公开01表``) and a
        department/year prefix (``XX局2024年度``); anything else before the title
        means it is another table (``…项目支出决算表`` is not ``支出决算表``).
        """
        text = strip_ordinal(compact(line))
        text = re.sub(r"(?:公开)?\d{1,2}表$", "", text)
        text = re.sub(r"^(?:公开)?\d{1,2}表", "", text)
        # a qualifier after the title: (功能科目), (经济科目), (一般公共预算) …
        text = re.sub(r"[（(][^（）()]{1,12}[)）]$", "", text)
        for title, template in self._titles:
            if text == title:
                return template
            if text.endswith(title):
                prefix = text[: -len(title)]
                if _YEAR_PREFIX.match(prefix) or (department and prefix == compact(department)):
                    return template
        return None


@lru_cache(maxsize=1)
def title_rules() -> dict:
    """How printed titles are normalised and cut into terms (``title_rules`` of tables.yaml),
    compiled: numbering regexes, year regex, prefixes, endings, term aliases (longest first)
    and term weights."""
    with open(CATALOG_DIR / "tables.yaml", encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)["title_rules"]
    aliases: list[tuple[str, str]] = []
    weights: dict[str, float] = {}
    for canon, entry in spec["terms"].items():
        entry = entry or {}
        for alias in [canon, *entry.get("aliases", [])]:
            aliases.append((compact(alias), canon))
        weights[canon] = float(entry.get("weight", 1.0))
    aliases.sort(key=lambda a: -len(a[0]))
    return {
        "numbering": [re.compile(rx) for rx in spec["numbering"]],
        "year": re.compile(spec["year"]),
        "prefixes": sorted((compact(p) for p in spec["prefixes"]), key=len, reverse=True),
        "endings": sorted(((compact(k), compact(v)) for k, v in spec["endings"].items()), key=lambda kv: -len(kv[0])),
        "term_aliases": aliases,
        "weights": weights,
    }


def strip_ordinal(text: str) -> str:
    return _ORDINAL.sub("", text, count=1)


@lru_cache(maxsize=1)
def functional_class_codes() -> dict[str, str]:
    """Compacted 类 name → 3-digit 功能分类 code (every name a code has had)."""
    with open(CATALOG_DIR / "functional_classes.csv", encoding="utf-8") as fh:
        return {compact(r["name"]): r["code"] for r in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    with open(CATALOG_DIR / "tables.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    tables = []
    for spec in data["tables"]:
        tables.append(
            TableTemplate(
                id=spec["id"],
                kind=spec["kind"],
                number=str(spec.get("number", "")),
                titles=list(spec["titles"]),
                layout=spec["layout"],
                classification=spec.get("classification", "none"),
                phase=spec.get("phase", "final"),
                columns=dict(spec.get("columns") or {}),
                sides=dict(spec.get("sides") or {}),
                column_groups=dict(spec.get("column_groups") or {}),
                total_labels=dict(spec.get("total_labels") or {}),
                funds_columns=dict(spec.get("funds_columns") or {}),
                empty_sentence=spec.get("empty_sentence"),
                raw=spec,
            )
        )
    with open(CATALOG_DIR / "measures.csv", encoding="utf-8") as fh:
        measures = {row["measure"]: row for row in csv.DictReader(fh)}
    for t in tables:
        used = set(t.columns.values()) | set(t.total_labels.values()) | set(t.funds_columns.values())
        for side in t.sides.values():
            used |= set((side.get("measure_aliases") or {}).values())
        unknown = used - set(measures)
        if unknown:
            raise ValueError(f"catalog table {t.id} uses measures not in measures.csv: {sorted(unknown)}")
    return Catalog(tables, measures)


def resolve_subjects(figures: list[dict], instances) -> None:
    """Give narrative figures about a 类/款/项 the code the tables print for that name path."""
    by_path: dict[str, str] = {}
    names: dict[str, str] = {}
    for inst in instances:
        for c in inst.cells:
            if c["subject_code"] and c["line_name"] and c["classification"] == "functional":
                names.setdefault(c["subject_code"], strip_ordinal(compact(c["line_name"])))
    for code, name in names.items():
        chain = [names.get(code[:3]), names.get(code[:5]) if len(code) >= 5 else None, names.get(code) if len(code) == 7 else None]
        by_path["/".join(x for x in chain if x)] = code
        by_path.setdefault(name, code)
    for f in figures:
        topic = compact(f["topic"] or "")
        if topic in by_path:
            f["subject_code"] = by_path[topic]
        elif "/" in topic and topic.split("/")[-1] in by_path:
            f["subject_code"] = by_path[topic.split("/")[-1]]
        elif "/" in topic:
            # the narrative's wording of a 项 may differ slightly (…事务 vs …事务支出)
            parent, leaf = topic.rsplit("/", 1)
            for path_, code in by_path.items():
                if "/" in path_ and path_.rsplit("/", 1)[0] == parent and (
                        leaf.startswith(path_.rsplit("/", 1)[1]) or path_.rsplit("/", 1)[1].startswith(leaf)):
                    f["subject_code"] = code
                    break


def number_repeated_codes(instances) -> None:
    """Give each printing of a 科目 code after the first in one table (and side) its own row key,
    ``{code}#{n}`` (n = 2, 3, … in printed order): keyed alike, the rule engine and the marts would
    keep one row and lose (or add up) the other.  ``subject_code`` stays the printed code."""
    for inst in instances:
        rows: dict[tuple[str | None, str], list[int]] = {}
        for c in inst.cells:
            if c["subject_code"] and c["row_key"] == c["subject_code"]:
                seen = rows.setdefault((c["side"], c["row_key"]), [])
                if c["row_index"] not in seen:
                    seen.append(c["row_index"])
        for c in inst.cells:
            seen = rows.get((c["side"], c["row_key"])) if c["subject_code"] and c["row_key"] == c["subject_code"] else None
            if seen and seen.index(c["row_index"]) > 0:
                c["row_key"] = f"{c['row_key']}#{seen.index(c['row_index']) + 1}"
