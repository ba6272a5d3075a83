"""Who published a document: the bureau's department alias seed and the disclosure a document
belongs to.

``dbt/seeds/department_aliases.csv`` maps every spelling of a department to its canonical name
(and the scope / 主管部门 it implies); :func:`disclosure_key` / :func:`disclosure_id_for` name
the disclosure (canonical department + fiscal_year + doc_kind + scope) a document is part of.
"""
from __future__ import annotations

import csv
import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping


def _norm(text: Any) -> str | None:
    if text is None:
        return None
    s = unicodedata.normalize("NFKC", str(text)).strip()
    s = "".join(s.split())
    return s or None


@dataclass(frozen=True)
class DepartmentAliases:
    """The bureau-edited alias seed: spelling → canonical department (and the scope it implies).

    Matching is on NFKC-normalised, space-free text (full-width and half-width brackets, stray
    spaces); the canonical name is kept as the bureau wrote it.
    """

    canonical: Mapping[str, str] = field(default_factory=dict)  # normalised alias -> canonical name
    scope: Mapping[str, str] = field(default_factory=dict)  # normalised alias -> implied scope
    parent: Mapping[str, str] = field(default_factory=dict)  # normalised alias -> 主管部门 (canonical)

    def resolve(self, department: Any, scope: Any) -> tuple[str | None, str | None]:
        """(canonical department, effective scope) of a document as identified."""
        name = str(department).strip() if department is not None else ""
        if not name:
            return None, scope
        key = _norm(name)
        canonical = self.canonical.get(key, name)
        if (scope is None or scope == "unknown") and key in self.scope:
            scope = self.scope[key]
        return canonical, scope

    def parent_of(self, department: Any, printed_parent: Any) -> str | None:
        """Canonical 主管部门: as printed (through the seed), else as the seed says."""
        if printed_parent:
            return self.canonical.get(_norm(printed_parent), str(printed_parent).strip())
        return self.parent.get(_norm(department)) if department else None


def read_department_aliases(path: Path) -> DepartmentAliases:
    """Read ``dbt/seeds/department_aliases.csv`` (a missing file means no aliases)."""
    canonical: dict[str, str] = {}
    scopes: dict[str, str] = {}
    parents: dict[str, str] = {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                alias, name = _norm(row.get("alias")), (row.get("department_name") or "").strip()
                if alias and name:
                    canonical[alias] = name
                    if (row.get("scope") or "").strip():
                        scopes[alias] = row["scope"].strip()
                    if (row.get("parent_department_name") or "").strip():
                        parents[alias] = parents[_norm(name)] = row["parent_department_name"].strip()
    except FileNotFoundError:
        pass
    return DepartmentAliases(canonical, scopes, parents)


def disclosure_key(department: str | None, year: Any, kind: str | None, scope: str | None) -> str | None:
    """The text hashed into ``disclosure_id``; None when the document is not identified."""
    if not department or year is None or not kind:
        return None
    return f"{_norm(department)}|{int(year)}|{kind}|{scope or 'unknown'}"


def disclosure_id_for(document_id: str, key: str | None) -> str:
    """md5 of department|year|kind|scope; an unidentified document is a disclosure of its own."""
    return hashlib.md5((key if key is not None else f"document|{document_id}").encode("utf-8")).hexdigest()

