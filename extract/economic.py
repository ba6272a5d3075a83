"""经济分类 codes of rows printed by name only (``工资福利支出`` without ``301``).

A 基本支出 or 机关运行经费 table is sometimes printed without its 经济分类 codes.  The national
classification (``catalog/economic_classes.csv``: the 部门预算支出经济分类 3xx and the 政府预算支出
经济分类 5xx, every name a code has had) names each 类 and 款, so the code of such a row can be
read from its name, but only where the identity is certain:

* a name is matched after :func:`econ_key` (NFKC, no spaces, one kind of bracket, no ordinal
  or ``其中：``), never by similarity;
* a 款 is taken only inside its own 类 (the 类 row printed above it, nothing unresolved in
  between): ``办公设备购置`` is 30902 under 309 and 31002 under 310, ``住房公积金`` 30113 under 301
  (30311 under 303 in the pre-2018 scheme);
* a code is taken once: ``其他支出`` after the 类 399 is the 款 39999;
* a name that two codes still fit (``赠与`` under 399: the old 类 306 or the 款 39906) is
  ambiguous, and a name the catalog does not hold is unknown: both stay unresolved, with the
  reason, and close the 类 block they are in;
* the scheme is the printed codes' (3xx / 5xx) when the table prints some; otherwise the one
  scheme under which every named row resolves (``工资福利支出`` is the 类 301, or the 款 50501
  of 505, which is not printed above it).

:func:`infer_codes` is pure: rows in, codes with their reason out.  The rules read it through
:meth:`expectations.rules.model.Doc.rows` (``Row.code_inferred``).
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .catalog import CATALOG_DIR, strip_ordinal
from .codes import split_label_code
from .text import compact

SCHEMES = ("department", "government")
_SCHEME_OF_DIGIT = {"3": "department", "5": "government"}
_BRACKETS = str.maketrans({"（": "(", "）": ")", "〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")"})
_AMONG = re.compile(r"^其中[:：]?")
_LABEL_CODE = re.compile(r"^[\[【〔(（](\d{3}(?:\d{2})?)[\]】〕)）]")
# rows that are neither a 类 nor a 款: totals and the 人员经费 / 公用经费 groupings
GROUP_LABELS = frozenset({"合计", "总计", "小计", "人员经费", "公用经费", "人员经费合计", "公用经费合计",
                          "人员支出", "日常公用支出", "基本支出", "基本支出合计"})


def label_code(label: str | None) -> str | None:
    """A 类/款 code printed before the name (``[301]工资福利支出``, ``301 工资福利支出``): a printed
    code the row's label carries, not an inference (:func:`extract.codes.split_label_code`)."""
    found = split_label_code(label, "economic")
    return found[0] if found else None


def econ_key(name: str | None) -> str:
    """The form a 经济分类 name is matched in: compacted (NFKC, no whitespace), one kind of
    bracket, without an ordinal (``一、``) or a leading ``其中：``."""
    s = compact(name).translate(_BRACKETS)
    s = _LABEL_CODE.sub("", s)
    return strip_ordinal(_AMONG.sub("", s))


@lru_cache(maxsize=1)
def economic_classes() -> dict[str, dict[str, frozenset[str]]]:
    """scheme → normalised name → the codes that name has had (类 3 digits, 款 5)."""
    out: dict[str, dict[str, set[str]]] = {s: defaultdict(set) for s in SCHEMES}
    with open(CATALOG_DIR / "economic_classes.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["scheme"] not in out or not re.fullmatch(r"\d{3}(\d{2})?", r["code"]):
                raise ValueError(f"economic_classes.csv: bad row {r}")
            out[r["scheme"]][econ_key(r["name"])].add(r["code"])
    return {s: {k: frozenset(v) for k, v in names.items()} for s, names in out.items()}


@dataclass(frozen=True)
class EconRow:
    """What inference needs of a printed row: its printed code (None if none was read), its
    label and whether it prints a non-zero amount."""
    code: str | None
    label: str | None
    has_amount: bool


@dataclass
class Inference:
    scheme: str | None
    codes: list[str | None]  # per row: the inferred code (None: printed code, group row or unresolved)
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (label, reason) of rows with amounts

    @property
    def inferred(self) -> bool:
        return any(self.codes)

    def reason(self, limit: int = 3) -> str:
        shown = "; ".join(f"{lab}: {why}" for lab, why in self.unresolved[:limit])
        return shown + ("…" if len(self.unresolved) > limit else "")


def _resolve(rows: Sequence[EconRow], scheme: str) -> Inference:
    names = economic_classes()[scheme]
    codes: list[str | None] = [None] * len(rows)
    unresolved: list[tuple[str, str]] = []
    seen: set[str] = set()
    open_class: str | None = None
    for i, r in enumerate(rows):
        if r.code:
            seen.add(r.code)
            open_class = r.code[:3]
            continue
        key = econ_key(r.label)
        if not key or key in GROUP_LABELS or key.endswith("合计"):
            continue
        cands = names.get(key)
        if not cands:
            why = "name not in the 经济分类 catalog"
            fit: list[str] = []
        else:
            fit = sorted(c for c in cands if c not in seen and (len(c) == 3 or c[:3] == open_class))
            if not fit:
                why = (f"code {'/'.join(sorted(cands & seen))} already taken by a row above" if cands & seen
                       else f"a 款 ({'/'.join(sorted(cands))}) whose 类 is not printed above it")
            else:
                why = f"ambiguous ({' or '.join(fit)})"
        if len(fit) == 1:
            codes[i] = fit[0]
            seen.add(fit[0])
            open_class = fit[0][:3]
            continue
        open_class = None  # what follows an unknown row is not known to be in the 类 above it
        if r.has_amount:
            unresolved.append((r.label or key, why))
    return Inference(scheme, codes, unresolved)


@lru_cache(maxsize=1)
def class_codes() -> frozenset[str]:
    """Every 类 code of both schemes."""
    return frozenset(c for names in economic_classes().values() for cs in names.values() for c in cs if len(c) == 3)


def not_economic_code(code: str | None) -> bool:
    """A 类 or 款 code (3 or 5 digits) whose 类 is none of the classification's: ``791`` read from
    an amount column.  Other codes (none, 7 digits) are not judged here."""
    return bool(code) and re.fullmatch(r"\d{3}(\d{2})?", code) is not None and code[:3] not in class_codes()


def infer_codes(rows: Sequence[EconRow]) -> Inference:
    """The 经济分类 code of every uncoded row that its name and place decide (see the module).
    A printed code that is no 经济分类 code (an amount ``791`` taken for a code) counts as not
    printed: the row is coded by its name or stays unresolved."""
    rows = [EconRow(None, r.label, r.has_amount) if not_economic_code(r.code) else r for r in rows]
    printed = {_SCHEME_OF_DIGIT.get(r.code[0]) for r in rows if r.code}
    printed.discard(None)
    if not any(not r.code and econ_key(r.label) for r in rows):
        return Inference(next(iter(printed), None) if len(printed) == 1 else None, [None] * len(rows))
    if len(printed) > 1:
        return Inference(None, [None] * len(rows), [("—", "codes of both 经济分类 schemes printed")])
    if printed:
        return _resolve(rows, printed.pop())
    results = [_resolve(rows, s) for s in SCHEMES]
    clean = [x for x in results if not x.unresolved]
    if len(clean) == 1:
        return clean[0]
    if len(clean) > 1:
        return Inference(None, [None] * len(rows),
                         [("—", "every name fits both 经济分类 schemes (部门预算 3xx and 政府预算 5xx)")])
    # no scheme resolves every row: report the one that resolves most
    return min(results, key=lambda x: len(x.unresolved))
