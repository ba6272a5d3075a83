"""The document model the checks read: :class:`Doc` (one document's records) and :class:`Row`.

No I/O here: :mod:`expectations.rules.loader` builds a :class:`Doc` from DuckDB, and tests
build one from plain rows with :meth:`Doc.from_rows`.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from extract.economic import EconRow, Inference, infer_codes, label_code, not_economic_code
from extract.text import compact

from .common import PERFORMANCE_TABLE, label, rounding_unit, table_catalog

ZERO = Decimal(0)
_TOC_LEADER = re.compile(r"[.…·\s]*\d*$")
# column-header words: a body row labelled so is the next table's header read as rows
_HEADER_WORD = re.compile(r"科目编码|科目名称|功能分类科目|项目|预算单位.*|单位名称|单位:?万元|单位:?元")
_UNRECOGNISED = ("unmapped", "generic", "unknown")


def _recognised(t: dict[str, Any]) -> bool:
    """A table the catalog recognised unambiguously.  ``table_name`` is ``unmapped`` (or
    ``unrecognised:<title>``) for the others; an ``ambiguous`` flag, where extraction records one,
    also counts as not recognised."""
    name = t.get("table_name")
    if not name or name in _UNRECOGNISED or name.startswith("unrecognised"):
        return False
    return not t.get("is_ambiguous") and not t.get("ambiguous")


class Doc:
    """One document's records (rows of raw.extracted_table, raw.table_cell, raw.narrative_figure,
    raw.page_text as dicts), indexed for the checks.  Built from DuckDB by
    :func:`expectations.rules.loader.load_doc`, or from plain rows in tests (:meth:`from_rows`)."""

    def __init__(
        self,
        meta: dict[str, Any],
        *,
        table_rows: list[dict[str, Any]],
        cells: list[dict[str, Any]],
        figures: list[dict[str, Any]],
        pages: list[dict[str, Any]],
        sibling_tables: Iterable[str] = (),
        listed: Iterable[dict[str, Any]] = (),
    ):
        self.meta = meta
        self.id: str = meta["document_id"]
        self.fiscal_year: int | None = meta.get("fiscal_year")
        self.doc_kind: str = (meta.get("doc_kind") or "").lower()
        self.part: str = (meta.get("part") or "full").lower()
        self.table_rows = table_rows
        self.figures = figures
        self.pages = pages
        # standard tables printed by the other current files of the same disclosure (a tables file's
        # narrative sibling may print some of them); only completeness reads this
        self.sibling_tables: set[str] = {t for t in sibling_tables if t}
        # the tables the document's own 目录 lists (raw.listed_table), in order
        self.listed: list[dict[str, Any]] = sorted(listed, key=lambda r: r.get("list_seq") or 0)
        self.peers = None  # set by run_all: the other documents, for cross-document checks
        # The first instance of each standard table is the one the rules read.
        self.tables: dict[str, dict[str, Any]] = {}
        for t in self.table_rows:
            name = t.get("table_name")
            if not _recognised(t):
                continue
            if name != PERFORMANCE_TABLE and name not in self.tables:
                self.tables[name] = t
        chosen = {(n, t["table_seq"]) for n, t in self.tables.items()}
        self.cells: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.performance: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for c in cells:
            name = c.get("table_name")
            if name == PERFORMANCE_TABLE:
                self.performance[c["table_seq"]].append(c)
            elif (name, c["table_seq"]) in chosen:
                self.cells[name].append(c)
        self._rows: dict[tuple[str, str | None], list[Row]] = {}
        self._econ: dict[str, Inference | None] = {}
        self._toc: list[str] | None = None
        self._figs: list | None = None  # narrative figures, prepared once (narrative.figs)
        self._index: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
        for name, cs in self.cells.items():
            for c in cs:
                self._index[(name, c.get("row_key"), c.get("measure"))].append(c)

    # -- what recognition established (fields of helper "recognize" when present) --------
    @property
    def unrecognised_tables(self) -> list[dict[str, Any]]:
        """Tables printed in the document that the catalog did not recognise (or only ambiguously)."""
        return [t for t in self.table_rows if not _recognised(t)]

    @property
    def listed_tables(self) -> set[str] | None:
        """The standard tables the document's own 目录 names (raw.listed_table), when extraction
        recorded a 目录; None when unknown."""
        if self.listed:
            return {r["table_name"] for r in self.listed if r.get("table_name")}
        for key in ("family_tables", "toc_tables", "listed_tables"):
            v = self.meta.get(key)
            if v:
                return set(v.split(",")) if isinstance(v, str) else set(v)
        return None

    @property
    def toc_titles(self) -> list[str]:
        """Table titles the document's own 目录 lists (raw.listed_table, else lines ending in 表 on
        a page headed 目录)."""
        if self.listed:
            return [r.get("printed_title") or "" for r in self.listed]
        if self._toc is None:
            self._toc = []
            for pg in self.pages[:4]:
                lines = [compact(ln) for ln in (pg.get("text") or "").splitlines()]
                if not any(ln.startswith("目录") for ln in lines[:6]):
                    continue
                for ln in lines:
                    ln = _TOC_LEADER.sub("", ln)
                    if ln.endswith("表") and 3 < len(ln) <= 40 and not ln.startswith("第"):
                        self._toc.append(ln)
        return self._toc

    def looks_merged(self, table: str) -> str | None:
        """Why the table seems to run into another one (a header row inside its body), else None."""
        seen_amount = False
        for c in self.cells.get(table, ()):
            if c.get("amount") not in (None, ZERO):
                seen_amount = True
            elif seen_amount and _HEADER_WORD.fullmatch(label(c.get("line_name")) or ""):
                return f"header row {c.get('line_name')!r} inside its body (page {c.get('page')})"
        return None

    @classmethod
    def from_rows(
        cls,
        meta: dict[str, Any],
        cells: Iterable[dict[str, Any]] = (),
        *,
        tables: Iterable[dict[str, Any]] | None = None,
        figures: Iterable[dict[str, Any]] = (),
        pages: Iterable[dict[str, Any]] = (),
        sibling_tables: Iterable[str] = (),
        listed: Iterable[dict[str, Any]] = (),
    ) -> Doc:
        """A document from plain rows, without DuckDB (tests).  ``meta`` needs ``document_id``
        (and usually ``doc_kind``, ``fiscal_year``); cells need ``table_name``, ``table_seq``,
        ``row_key``, ``measure`` and ``amount``.  ``tables`` defaults to one extracted table per
        (table_name, table_seq) of the cells."""
        meta = {"doc_kind": "final", **meta}
        cells = [dict(c) for c in cells]
        for c in cells:
            c.setdefault("table_seq", 0)
            if c.get("amount") is not None:
                c["amount"] = Decimal(str(c["amount"]))
        if tables is None:
            seen: dict[tuple[str, int], dict[str, Any]] = {}
            for c in cells:
                key = (c.get("table_name"), c["table_seq"])
                if key not in seen:
                    seen[key] = {"document_id": meta["document_id"], "table_name": key[0], "table_seq": key[1]}
            tables = list(seen.values())
        figures = [dict(f, figure_seq=f.get("figure_seq", i)) for i, f in enumerate(figures)]
        return cls(meta, table_rows=list(tables), cells=cells, figures=figures, pages=list(pages),
                   sibling_tables=sibling_tables, listed=listed)

    # -- tables ---------------------------------------------------------------
    def rounding(self, *tables: str) -> Decimal:
        """Half a printed unit in 万元: 0.005 for a 万元 table, 0.0000005 for a 元 table (unit_factor
        0.0001); the coarsest of the given tables."""
        factors = []
        for t in tables:
            f = (self.tables.get(t) or {}).get("unit_factor")
            factors.append(min(Decimal(1), Decimal(f)) if f else Decimal(1))
        return rounding_unit() * max(factors or [Decimal(1)])

    def has_table(self, name: str) -> bool:
        return name in self.tables

    def is_empty(self, name: str) -> bool:
        t = self.tables.get(name)
        if t is None or t.get("extraction_problem"):
            return False  # an unread table is not a table printed empty
        if t.get("is_empty"):
            return True
        return not any(c.get("amount") not in (None, ZERO) for c in self.cells.get(name, ()))

    def cell(self, table: str, row_key: str, measure: str | None, phase: str | None = None) -> dict[str, Any] | None:
        if measure is None:
            for c in self.cells.get(table, ()):
                if c.get("row_key") == row_key and (phase is None or c.get("phase") in (None, phase)):
                    return c
            return None
        for c in self._index.get((table, row_key, measure), ()):
            if phase is None or c.get("phase") in (None, phase):
                return c
        return None

    def cell_by_code(self, table: str, code: str, measure: str | None, phase: str | None = None) -> dict[str, Any] | None:
        """The cell of the row whose code is ``code`` when that code is not the row's key: read from
        its label ([30231]…) or inferred from its name (经济分类 tables, :meth:`code_inference`)."""
        if not re.fullmatch(r"\d{3}(\d{2}){0,2}", code or ""):
            return None
        for r in self.rows(table):
            if r.code == code and r.row_key != code:
                return r.get(measure, phase)
        return None

    def measures(self, table: str, side: str | None = None) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.cells.get(table, ()):
            if c.get("measure") and (side is None or c.get("side") == side):
                seen.setdefault(c["measure"], None)
        return list(seen)

    def rows(self, table: str, side: str | None = None) -> list[Row]:
        """Rows of a table in printed order (optionally one side of a two-sided table)."""
        key = (table, side)
        if key not in self._rows:
            self._rows[key] = self._build_rows(table, side)
        return self._rows[key]

    def code_inference(self, table: str) -> Inference | None:
        """The 经济分类 codes of the table's rows printed by name only (:mod:`extract.economic`);
        None for a table that is not a coded 经济分类 table.  A three-block table (决算 06) is
        left alone: its rows are not in reading order."""
        if table not in self._econ:
            self.rows(table)
        return self._econ.get(table)

    def _build_rows(self, table: str, side: str | None) -> list[Row]:
        out: dict[str, Row] = {}
        for c in self.cells.get(table, ()):
            if side is not None and c.get("side") != side:
                continue
            key = c.get("row_key")
            if key is None:
                continue
            r = out.get(key)
            if r is None:
                r = out[key] = Row(key, c.get("line_name"), c.get("row_number"), c.get("subject_code"), len(out))
            r.cells.setdefault((c.get("measure"), c.get("phase")), c)
        rows = list(out.values())
        spec = table_catalog().get(table) or {}
        if side is None and spec.get("classification") == "economic" and spec.get("layout") == "coded":
            for r in rows:  # [301]工资福利支出: the code is printed, in the label
                if r.subject_code and r.row_key.split("#")[0] != r.subject_code:
                    r.label_code = r.subject_code  # read from the label by extraction (extract.codes)
                else:  # (records of an extractor before 1.2 leave it in the line name)
                    r.label_code = None if r.printed_code else label_code(r.line_name)
            inf = infer_codes([EconRow(r.printed_code, r.label,
                                       any(c.get("amount") not in (None, ZERO) for c in r.cells.values()))
                               for r in rows])
            self._econ[table] = inf
            for r, code in zip(rows, inf.codes):
                r.inferred_code = code
                # a printed code that is no 经济分类 code (an amount read as one) is not the row's code
                r.code_rejected = not_economic_code(r.printed_code)
        return rows


@dataclass
class Row:
    row_key: str
    line_name: str | None
    row_number: int | None
    subject_code: str | None
    order: int
    cells: dict[tuple[str | None, str | None], dict[str, Any]] = field(default_factory=dict)
    # the 经济分类 code its name and place decide, when none is printed (extract.economic)
    inferred_code: str | None = None
    code_rejected: bool = False  # its printed code is none of the table's classification
    label_code: str | None = None  # a code printed in brackets before the name ([301]工资福利支出)

    @property
    def label(self) -> str:
        return label(self.line_name)

    @property
    def printed_code(self) -> str | None:
        code = self.subject_code or self.row_key
        return code if code and re.fullmatch(r"\d{3}(\d{2}){0,2}", code) else self.label_code

    @property
    def code(self) -> str | None:
        if self.code_rejected:
            return self.inferred_code
        return self.printed_code or self.inferred_code

    @property
    def code_inferred(self) -> bool:
        return self.inferred_code is not None and (self.printed_code is None or self.code_rejected)

    def get(self, measure: str | None, phase: str | None = None) -> dict[str, Any] | None:
        for (m, p), c in self.cells.items():
            if (measure is None or m == measure) and (phase is None or p in (None, phase)):
                return c
        return None


def amount(cell: dict[str, Any] | None) -> Decimal:
    """A cell's amount for arithmetic: a printed blank or dash is zero."""
    if cell is None or cell.get("amount") is None:
        return ZERO
    return Decimal(cell["amount"])


def printed_count(cells: Iterable[dict[str, Any] | None]) -> int:
    return sum(1 for c in cells if c is not None and c.get("amount") is not None)

