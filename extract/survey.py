"""Survey a folder of real disclosures that have no ground truth: how many tables were
found and named, how, and whether their within-table identities hold.

    python -m extract.evaluate --real ../shared/corpus/real
    python -m extract.evaluate --real ../shared/corpus/real --leave-out 006_苏州

Per folder (the first two levels under the root) and per producer family it prints:
documents read (and not read, with the reason code), tables found, recognised (named by
the catalog), of which by header only, unrecognised, ambiguous (two templates scored
alike, left unnamed), the share of within-table identities that hold (every 类/款
equals the sum of its 款/项 in the same column, within the rounding allowance), how many
tables the documents' 目录 list and how many of those were not found (!fnd).

:func:`unrecognised_titles` is the operator's list: unrecognised tables grouped by their
normalised title, with counts and an example (file, page), so that naming them is a
one-line catalog change.
"""
from __future__ import annotations

import hashlib
import pickle
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from . import errors

HALF_CENT = Decimal("0.005")


@dataclass
class TableStat:
    table_name: str
    recognised: bool
    by: str | None  # title | header | both | None
    ambiguous: bool
    title: str | None  # normalised title (or the printed one)
    page: int
    cells: int
    numeric_cells: int
    identities: int
    identities_held: int
    inferred_identities: int = 0  # identities gained by 经济分类 codes read from names
    inferred_held: int = 0


@dataclass
class DocStat:
    path: str
    folder: str
    producer: str
    status: str  # read | error code
    doc_kind: str | None = None
    tables: list[TableStat] = field(default_factory=list)
    listed: int = 0  # tables its 目录 lists
    listed_missing: list[str] = field(default_factory=list)  # listed, no such table extracted


def producer_family(producer: str | None) -> str:
    """``Microsoft® Word 2010`` → ``Microsoft Word``; version numbers and marks dropped."""
    p = (producer or "").replace("®", "").replace("™", "")
    p = re.split(r"[\d(;/]", p)[0].strip(" -_,")
    return p or "(none)"


def code_identities(cells: list[dict]) -> tuple[int, int]:
    """(checked, held): each 类/款 row equals the sum of its 款/项 rows, per column, with a
    rounding allowance of n × 0.005 in the printed unit. Works on any table whose rows
    carry 科目 codes, named or not."""
    by_col: dict[tuple, dict[str, Decimal]] = defaultdict(dict)
    for c in cells:
        code = c.get("subject_code")
        if not code or c.get("amount_printed") is None or c.get("value_kind") == "percent":
            continue
        by_col[(c.get("side"), c["col_index"])].setdefault(code, Decimal(c["amount_printed"]))
    checked = held = 0
    for codes in by_col.values():
        for parent, total in codes.items():
            if len(parent) >= 7:
                continue
            kids = [v for k, v in codes.items() if len(k) == len(parent) + 2 and k.startswith(parent)]
            if not kids:
                continue
            checked += 1
            held += abs(sum(kids) - total) <= HALF_CENT * (len(kids) + 1)
    return checked, held


def with_inferred_codes(inst) -> list[dict] | None:
    """The cells of a coded 经济分类 table with the codes the extraction did not take as codes: printed
    in the label (``[301]工资福利支出``) or decided by the name (:mod:`extract.economic`), and without
    a code that is none of the classification's (an amount read as ``791``); None when nothing changes."""
    from .economic import EconRow, infer_codes, label_code, not_economic_code

    t = inst.template
    if t is None or t.classification != "economic" or t.layout != "coded":
        return None
    rows: dict[str, list[dict]] = {}
    for c in inst.cells:
        if c.get("row_key") is not None:
            rows.setdefault(c["row_key"], []).append(c)
    keys = list(rows)

    def printed(code: str | None) -> str | None:
        return code if code and re.fullmatch(r"\d{3}(\d{2}){0,2}", code) and not not_economic_code(code) else None

    printed_codes = [printed(rows[k][0].get("subject_code")) or label_code(rows[k][0].get("line_name")) for k in keys]
    inf = infer_codes([EconRow(code, rows[k][0].get("line_name"), any(c.get("amount") not in (None, 0) for c in rows[k]))
                       for k, code in zip(keys, printed_codes)])
    final = [inferred or code for code, inferred in zip(printed_codes, inf.codes)]
    code_of = {k: f for k, f in zip(keys, final) if f != rows[k][0].get("subject_code")}
    if not code_of:
        return None
    return [dict(c, subject_code=code_of[c.get("row_key")]) if c.get("row_key") in code_of else c for c in inst.cells]


def table_stat(inst) -> TableStat:
    rec = getattr(inst, "recognition", None)
    numeric = [c for c in inst.cells if c.get("amount") is not None]
    n, ok = code_identities(inst.cells)
    inferred = with_inferred_codes(inst)
    n_inf = ok_inf = 0
    if inferred is not None:
        n2, ok2 = code_identities(inferred)
        n_inf, ok_inf = n2 - n, ok2 - ok
        n, ok = n2, ok2
    return TableStat(
        table_name=inst.table_name,
        recognised=inst.template is not None,
        by=getattr(rec, "by", None) if rec else ("title" if inst.template is not None else None),
        ambiguous=bool(getattr(rec, "ambiguous", False)) if rec else False,
        title=(getattr(rec, "normalised_title", None) if rec else None) or inst.printed_title,
        page=inst.first_page,
        cells=len(inst.cells),
        numeric_cells=len(numeric),
        identities=n,
        identities_held=ok,
        inferred_identities=n_inf,
        inferred_held=ok_inf,
    )


def _cache_file(cache: Path, pdf: Path) -> Path:
    h = hashlib.sha256(pdf.read_bytes()).hexdigest()[:24]
    return cache / f"{h}.pickle"


def survey_document(pdf: Path, root: Path, cache: Path | None = None) -> DocStat:
    from .api import read_document, read_pages

    rel = pdf.relative_to(root)
    folder = "/".join(rel.parts[:2]) if len(rel.parts) > 2 else rel.parts[0] if len(rel.parts) > 1 else "."
    read = None
    try:
        if cache is not None:
            cf = _cache_file(cache, pdf)
            if cf.exists():
                read = pickle.loads(cf.read_bytes())
            else:
                read = read_pages(pdf)
                cache.mkdir(parents=True, exist_ok=True)
                cf.write_bytes(pickle.dumps(read))
        result = read_document(pdf, read=read)
    except errors.ExtractionError as err:
        return DocStat(str(rel), folder, producer_family(read[0].producer if read else None), err.code)
    cp = result["cheap"]
    doc = DocStat(str(rel), folder, producer_family(cp.producer), "read", result["identity"].doc_kind)
    doc.tables = [table_stat(i) for i in result["instances"]]
    doc.listed = len(result.get("listed", []))
    doc.listed_missing = [row["printed_title"] for row in result.get("listed", []) if not row["is_found"]]
    return doc


def survey(root: Path, *, cache: Path | None = None, only: str | None = None,
           exclude: str | None = None) -> list[DocStat]:
    pdfs = sorted(p for p in Path(root).rglob("*") if p.suffix.lower() == ".pdf")
    if only:
        pdfs = [p for p in pdfs if only in str(p.relative_to(root))]
    if exclude:
        pdfs = [p for p in pdfs if exclude not in str(p.relative_to(root))]
    return [survey_document(p, Path(root), cache) for p in pdfs]


def _row(name: str, docs: list[DocStat]) -> str:
    read = [d for d in docs if d.status == "read"]
    tables = [t for d in read for t in d.tables]
    rec = sum(t.recognised for t in tables)
    header = sum(t.recognised and t.by == "header" for t in tables)
    amb = sum(t.ambiguous for t in tables)
    unrec = len(tables) - rec
    ident = sum(t.identities for t in tables)
    held = sum(t.identities_held for t in tables)
    share = f"{rec / len(tables):6.1%}" if tables else "     -"
    ishare = f"{held / ident:6.1%}" if ident else "     -"
    listed = sum(d.listed for d in read)
    missing = sum(len(d.listed_missing) for d in read)
    return (f"{name[:40]:40s} {len(read):4d} {len(docs) - len(read):4d} {len(tables):6d} {rec:6d} {share} "
            f"{header:6d} {unrec:6d} {amb:5d} {ident:6d} {ishare} {listed:6d} {missing:5d}")


def report(docs: list[DocStat], label: str = "ALL") -> str:
    head = (f"{'group':40s} {'docs':>4s} {'!rd':>4s} {'tables':>6s} {'recog':>6s} {'share':>6s} "
            f"{'header':>6s} {'unrec':>6s} {'ambig':>5s} {'ident':>6s} {'holds':>6s} {'listed':>6s} {'!fnd':>5s}")
    lines = [head, _row(label, docs)]
    for key, label in ((lambda d: d.folder, "folder"), (lambda d: d.producer, "producer")):
        groups: dict[str, list[DocStat]] = defaultdict(list)
        for d in docs:
            groups[key(d)].append(d)
        lines.append(f"-- per {label}")
        lines.extend(_row(g, ds) for g, ds in sorted(groups.items()))
    inf = [t for d in docs for t in d.tables if t.inferred_identities]
    if inf:
        lines.append(f"identities gained by 经济分类 codes read from labels or names (in ident/holds): "
                     f"{sum(t.inferred_identities for t in inf)}, {sum(t.inferred_held for t in inf)} hold, "
                     f"in {len(inf)} tables")
    not_read = Counter(d.status for d in docs if d.status != "read")
    if not_read:
        lines.append("documents not read (!rd): " + ", ".join(f"{k} {v}" for k, v in sorted(not_read.items())))
    return "\n".join(lines)


def unrecognised_titles(docs: list[DocStat]) -> list[dict]:
    """Unrecognised tables by normalised title: count, documents, one example (file, page).
    Most frequent first; ``(无标题)`` gathers tables printed without any title."""
    groups: dict[str, dict] = {}
    for d in docs:
        for t in d.tables:
            if t.recognised:
                continue
            key = t.title or "(无标题)"
            g = groups.setdefault(key, {"title": key, "count": 0, "documents": set(), "ambiguous": 0,
                                        "example": f"{d.path} p.{t.page}"})
            g["count"] += 1
            g["ambiguous"] += t.ambiguous
            g["documents"].add(d.path)
    out = sorted(groups.values(), key=lambda g: (-g["count"], g["title"]))
    for g in out:
        g["documents"] = len(g["documents"])
    return out


def blind_to(docs: list[DocStat], folder: str) -> list[str]:
    """Generalisation check: drop from the (cached) catalog every title alias that only
    ``folder`` prints (its normalised form is printed there and in no other folder), as
    if the catalog had been written without ever seeing that city. Returns the dropped
    aliases. Call :func:`restore_catalog` afterwards."""
    from .catalog import load_catalog
    from .recognize import _template_terms, normalise_title

    here = {t.title for d in docs if folder in d.path for t in d.tables if t.title}
    elsewhere = {t.title for d in docs if folder not in d.path for t in d.tables if t.title}
    only_here = here - elsewhere
    dropped = []
    for tpl in load_catalog().tables:
        keep = [a for a in tpl.titles if normalise_title(a) not in only_here]
        dropped += [a for a in tpl.titles if a not in keep]
        tpl.titles = keep
    _template_terms.cache_clear()
    return dropped


def restore_catalog() -> None:
    from .catalog import load_catalog
    from .recognize import _template_terms

    load_catalog.cache_clear()
    _template_terms.cache_clear()


UNRECOGNISED_SQL = """
select coalesce(t.normalised_title, '(无标题)')                         as normalised_title,
       count(*)                                                        as tables,
       count(distinct t.document_id)                                   as documents,
       count(*) filter (where t.is_ambiguous)                          as ambiguous,
       arg_min(r.file_path || ' 第' || t.first_page || '页', r.file_path) as example,
       any_value(t.recognition_candidates)                             as candidates
  from raw.extracted_table as t
  join raw.document_registry as r using (document_id)
 where not t.is_mapped
   and r.status = 'loaded'
 group by all
 order by tables desc, normalised_title
"""


def unrecognised_in_warehouse(con) -> list[dict]:
    """The operator's list from a loaded warehouse (DuckDB connection): unrecognised tables of
    loaded documents by normalised title, with counts, an example (file, page) and the
    candidates the recogniser weighed. Naming them is a one-line alias in
    ``extract/catalog/tables.yaml`` followed by a re-extraction (``fiscal run --force``)."""
    cur = con.execute(UNRECOGNISED_SQL)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]
