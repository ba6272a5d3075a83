"""Row labels read by OCR, matched to the labels the catalog knows (never silently).

The row key of a labelled or two-sided table is its printed label (``income:二、财政专户
管理资金``), so a label misread by one glyph files a right amount under a wrong row: the small
``、`` of an ordinal is lost, the ordinal's numeral is dropped, a character is confused.  The
labels of the standard tables are few and known (``catalog/row_labels.csv``, the 功能分类 类
names of ``catalog/functional_classes.csv``), and ordinals count up row by row.  So an OCR
label is split into ordinal and body; the body is matched to the known labels of its table
and side by edit distance, and a lost or misread ordinal is rebuilt from the ordinals above
and below it.

A repaired label is a guess, however good: the row's cells keep the label as read in
``ocr_label`` and their confidence is capped at :data:`REPAIRED` (below ``ocr.CONFIDENT``), so
they are flagged for review unless a table identity confirms them, which it can now that the
row key is the one the identities name.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache

from .catalog import CATALOG_DIR, functional_class_codes
from .text import compact

REPAIRED = 0.9  # confidence cap of the cells of a row whose label was rebuilt
MIN_SIMILARITY = 0.75  # 1 − distance / length: one wrong glyph in four
_CN = "一二三四五六七八九十"
_ORDINAL = re.compile(r"^(?P<num>[一二三四五六七八九十]*)(?P<sep>、?)(?P<body>.*)$")
_DIGIT_ORDINAL = re.compile(r"^\d+[.．、]")


@lru_cache(maxsize=1)
def known_labels() -> dict[tuple[str, str], frozenset[str]]:
    """(table id, side) → label bodies (ordinal left off); ``*`` for any table or side."""
    out: dict[tuple[str, str], set[str]] = {}
    with open(CATALOG_DIR / "row_labels.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault((row["table"], row["side"] or "*"), set()).add(compact(row["label"]))
    return {k: frozenset(v) for k, v in out.items()}


def vocabulary(table: str | None, side: str | None) -> frozenset[str]:
    known = known_labels()
    words: set[str] = set()
    for key in ((table, side), (table, "*"), ("*", side), ("*", "*")):
        words |= known.get(key, frozenset())  # type: ignore[arg-type]
    if side == "expenditure":
        words |= set(functional_class_codes())
    return frozenset(words)


def cn_number(text: str) -> int | None:
    """一 … 九十九 → 1 … 99; None for anything else (十十, 二二)."""
    if not text or any(ch not in _CN for ch in text):
        return None
    digits = {ch: i + 1 for i, ch in enumerate(_CN[:9])}
    if text == "十":
        return 10
    if len(text) == 1:
        return digits[text]
    if len(text) == 2 and text[0] == "十":
        return 10 + digits.get(text[1], 100) if text[1] != "十" else None
    if len(text) == 2 and text[1] == "十":
        return 10 * digits.get(text[0], 100) if text[0] != "十" else None
    if len(text) == 3 and text[1] == "十" and text[0] != "十" and text[2] != "十":
        return 10 * digits[text[0]] + digits[text[2]]
    return None


def cn_numeral(n: int) -> str:
    ones = _CN[:9]
    if n < 10:
        return ones[n - 1]
    tens, unit = divmod(n, 10)
    return ("" if tens == 1 else ones[tens - 1]) + "十" + ("" if unit == 0 else ones[unit - 1])


def distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def match_body(body: str, words: frozenset[str]) -> tuple[str, float] | None:
    """The known label ``body`` was read from, and how alike they are (1 = exactly); None when no
    known label is close, or two are equally close."""
    if body in words:
        return body, 1.0
    scored = sorted(((1 - distance(body, w) / max(len(body), len(w)), w) for w in words), reverse=True)
    if not scored or scored[0][0] < MIN_SIMILARITY or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1], scored[0][0]


def read_label(label: str, words: frozenset[str]) -> tuple[str, str, str, float] | None:
    """A label as read → (ordinal numeral, separator, known body, similarity), or None when its
    body is no known label.  A leading numeral may belong to the body (一般公共预算): every
    split is tried and the best-matching body wins."""
    if _DIGIT_ORDINAL.match(label):
        prefix = _DIGIT_ORDINAL.match(label).group(0)
        hit = match_body(label[len(prefix):], words)
        return (prefix, "", hit[0], hit[1]) if hit else None
    run = len(label) - len(label.lstrip(_CN))
    best = None
    for k in range(run + 1):
        num, rest = label[:k], label[k:]
        sep = "、" if rest.startswith("、") else ""
        hit = match_body(rest[len(sep):], words)
        if hit and (best is None or hit[1] > best[3] or (hit[1] == best[3] and cn_number(num) is not None)):
            best = (num, sep, hit[0], hit[1])
    return best


def renumber(values: list[int | None]) -> list[int | None]:
    """Ordinals of consecutive numbered rows count up by one: a lost or misread one is rebuilt
    from the one above it (or below it, for the first), when the other side agrees or is
    absent.  Values that cannot be told stay as they are."""
    out = list(values)
    for i, v in enumerate(out):
        prev = out[i - 1] if i > 0 else None
        nxt = values[i + 1] if i + 1 < len(values) else None
        if prev is not None:
            guess = prev + 1
            if v != guess and (nxt is None or nxt == guess + 1):
                out[i] = guess
        elif v is None and nxt is not None and nxt > 1:
            out[i] = nxt - 1
    return out


def repair_labels(labels: list[str], words: frozenset[str]) -> list[tuple[str, float] | None]:
    """One side's (or column's) labels in row order → for each, the repaired label and how sure
    the repair is (None: left as read).  A label is repaired when its body is a known label
    (within :data:`MIN_SIMILARITY`) and its ordinal, if it has one, is read or rebuilt."""
    parsed = [read_label(lb, words) if lb else None for lb in labels]
    # the numbered rows: a numeral or a 、 before a known body (digit ordinals are a level below)
    numbered = [i for i, p in enumerate(parsed) if p and not p[0][:1].isdigit() and (p[0] or p[1])]
    values = renumber([cn_number(parsed[i][0]) for i in numbered])
    ordinal = {i: v for i, v in zip(numbered, values)}
    out: list[tuple[str, float] | None] = []
    for i, (label, p) in enumerate(zip(labels, parsed)):
        if p is None:
            out.append(None)
            continue
        num, sep, body, sim = p
        if i in ordinal:
            if ordinal[i] is None:
                out.append(None)
                continue
            new = f"{cn_numeral(ordinal[i])}、{body}"
        else:
            new = f"{num}{body}"
        out.append(None if new == label else (new, sim))
    return out


def _relabel(cells: list[dict], new: str, old: str, sure: float, *, side: str | None, component: int | None) -> None:
    codes = functional_class_codes()
    for c in cells:
        c.setdefault("ocr_label", c.get("line_name"))
        if component is None:
            c["row_key"] = f"{side}:{new}" if side else new
            c["line_name"] = new
            if side == "expenditure":
                from .catalog import strip_ordinal

                code = codes.get(strip_ordinal(new))
                c["subject_code"], c["classification"] = code, "functional" if code else None
                c["subject_level"] = 1 if code else None
        else:
            parts = c["row_key"].split("/")
            parts[component] = new
            c["row_key"] = "/".join(parts)
            if component == len(parts) - 1:
                c["line_name"] = new
        if c.get("confidence") is not None:
            c["confidence"] = round(min(c["confidence"], REPAIRED, sure), 4)


def repair_instance(inst, is_ocr) -> int:
    """Repair the OCR row labels of one table instance in place; returns the rows relabelled.
    ``is_ocr(cell)`` tells the cells read by OCR (only their labels are touched)."""
    t = inst.template
    if t is None or t.layout not in ("two_sided", "labelled"):
        return 0
    rows: dict[tuple, list[dict]] = {}
    for c in inst.cells:
        if not is_ocr(c):
            continue
        side = c.get("side")
        if t.layout == "two_sided" and (not side or c.get("row_key") != f"{side}:{c.get('line_name') or ''}"):
            continue  # keyed by its 行次, not by its label
        rows.setdefault((side, c["row_index"]), []).append(c)
    fixed = 0
    if t.layout == "two_sided":
        for side in sorted({s for s, _ in rows}):
            keys = sorted(k for k in rows if k[0] == side)
            labels = [rows[k][0].get("line_name") or "" for k in keys]
            for k, rep in zip(keys, repair_labels(labels, vocabulary(t.id, side))):
                if rep:
                    _relabel(rows[k], rep[0], labels[keys.index(k)], rep[1], side=side, component=None)
                    fixed += 1
        return fixed
    keys = sorted(rows, key=lambda k: k[1])
    depth = max((len(rows[k][0]["row_key"].split("/")) for k in keys), default=0)
    words = vocabulary(t.id, None)
    for comp in range(depth):
        # a label carried down over several rows counts once in the numbering
        col: list[tuple[str, list[tuple]]] = []
        for k in keys:
            parts = rows[k][0]["row_key"].split("/")
            part = parts[comp] if comp < len(parts) else None
            if part is None:
                continue
            if col and col[-1][0] == part:
                col[-1][1].append(k)
            else:
                col.append((part, [k]))
        for (label, ks), rep in zip(col, repair_labels([lb for lb, _ in col], words)):
            if rep:
                for k in ks:
                    _relabel(rows[k], rep[0], label, rep[1], side=None, component=comp)
                fixed += 1
    return fixed
