"""Text normalisation for everything read from a PDF.

NFKC folds full-width forms and the Kangxi radicals block (U+2F00–U+2FD5,
``⼀`` → ``一``) that WPS/Office exports sometimes emit.  It leaves the CJK
Radicals Supplement (U+2E80–U+2EFF) alone, so those come from a catalog
(``catalog/radicals.csv``).  Duplicated bold glyphs are removed at the
character level (:func:`extract.pdf.dedupe_chars`), before text is built.

Characters that XML (and so an Excel workbook) cannot hold are mapped out here, so that no
record carries them: Unicode noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF and the last two
code points of every plane; some text layers map a dash to U+FFFE), lone surrogates and the
C0 control characters other than tab, line feed and carriage return (those that are
whitespace become a space, the others are dropped).
"""
from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

CATALOG_DIR = Path(__file__).with_name("catalog")
_SPACES = re.compile(r"[\s\u3000\u00a0]+")


def _illegal_chars() -> dict[int, str | None]:
    """XML-illegal characters → a space (whitespace controls) or None (dropped)."""
    table: dict[int, str | None] = {}
    for code in [*range(0x00, 0x20), *range(0xD800, 0xE000), *range(0xFDD0, 0xFDF0)]:
        table[code] = " " if chr(code).isspace() else None
    for plane in range(17):
        table[plane * 0x10000 + 0xFFFE] = table[plane * 0x10000 + 0xFFFF] = None
    for kept in "\t\n\r":
        del table[ord(kept)]
    return table


@lru_cache(maxsize=1)
def _radical_table() -> dict[int, str | None]:
    """What :func:`normalize` maps after NFKC: radicals to ideographs, XML-illegal characters out."""
    table = _illegal_chars()
    with open(CATALOG_DIR / "radicals.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            table[ord(row["radical"])] = row["ideograph"]
    return table


def normalize(text: str | None) -> str:
    """NFKC + radical map, XML-illegal characters mapped out; keeps spaces (use
    :func:`compact` to drop them)."""
    if not text:
        return ""
    return _normalize(text) if len(text) <= _CACHED_LENGTH else _normalize.__wrapped__(text)


def compact(text: str | None) -> str:
    """Normalised text without any whitespace: the form catalog aliases are matched in."""
    if not text:
        return ""
    return _compact(text) if len(text) <= _CACHED_LENGTH else _SPACES.sub("", normalize(text))


# pure functions of the string, called for the same headers, labels and lines over and over
# (recognition alone asks for the same few hundred strings tens of thousands of times);
# a page's whole text is not kept
_CACHED_LENGTH = 200


@lru_cache(maxsize=1 << 16)
def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_radical_table())


@lru_cache(maxsize=1 << 16)
def _compact(text: str) -> str:
    return _SPACES.sub("", _normalize(text))


def has_garbled_text(text: str) -> bool:
    """True when the text layer is unusable: (cid:NN) glyph references or mostly private-use chars."""
    if not text:
        return False
    if text.count("(cid:") >= 5:
        return True
    counts = Counter(text)  # each distinct character classified once
    visible = sum(n for ch, n in counts.items() if not ch.isspace())
    if visible < 50:
        return False
    bad = sum(n for ch, n in counts.items()
              if not ch.isspace() and (unicodedata.category(ch) in ("Co", "Cn") or ch == "\ufffd"))
    return bad / visible > 0.3
