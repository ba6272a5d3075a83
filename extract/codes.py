"""科目 codes printed inside a row's label, and whether a number is a code of a classification.

Some producers print the code in the name cell, before the name: ``[301]工资福利支出``,
``【2010101】行政运行``, ``（30101）基本工资``, or ``301 工资福利支出`` (code, space, name).  Such a
label carries a printed code, not an inference: :func:`split_label_code` returns it with the
clean name, but only when the number is a code of the table's classification by structure and
catalog:

* 功能分类: 3, 5 or 7 digits whose 类 (first three) is one of ``catalog/functional_classes.csv``;
* 经济分类: 3 or 5 digits whose 类 is one of ``catalog/economic_classes.csv`` (3xx or 5xx).

A bare number (``2019年预算``, ``1 基本工资``, an amount ``791``) is no code: the digits must be
bracketed or followed by a space and a name, and must be a code as above.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache

from .catalog import CATALOG_DIR, functional_class_codes
from .text import compact, normalize

CLASSIFICATIONS = ("functional", "economic")
_LENGTHS = {"functional": (3, 5, 7), "economic": (3, 5)}
# a bracketed code, or a code followed by whitespace, then the name
_LEADING_CODE = re.compile(r"^\s*(?:[\[【〔(]\s*(\d+)\s*[\]】〕)]|(\d+)\s+)\s*(\S.*)$", re.S)


@lru_cache(maxsize=1)
def class_codes() -> dict[str, frozenset[str]]:
    """classification → the 类 codes (3 digits) its catalog holds."""
    with open(CATALOG_DIR / "economic_classes.csv", encoding="utf-8") as fh:
        economic = frozenset(r["code"][:3] for r in csv.DictReader(fh))
    return {"functional": frozenset(functional_class_codes().values()), "economic": economic}


def code_classification(code: str | None, classification: str | None = None) -> str | None:
    """The classification ``code`` is a valid code of (``classification`` when given and one of
    :data:`CLASSIFICATIONS`, else either), or None when it is no code of it."""
    if not code or not code.isascii() or not code.isdigit():
        return None
    allowed = (classification,) if classification in CLASSIFICATIONS else CLASSIFICATIONS
    for cls in allowed:
        if len(code) in _LENGTHS[cls] and code[:3] in class_codes()[cls]:
            return cls
    return None


def split_label_code(label: str | None, classification: str | None = None) -> tuple[str, str] | None:
    """``(code, name)`` of a label that starts with a printed code of the classification
    (``[301]工资福利支出`` → ``('301', '工资福利支出')``), the name compacted; None otherwise."""
    m = _LEADING_CODE.match(normalize(label))
    if not m:
        return None
    code = m.group(1) or m.group(2)
    name = compact(m.group(3))
    if not name or name[0].isdigit() or code_classification(code, classification) is None:
        return None
    return code, name
