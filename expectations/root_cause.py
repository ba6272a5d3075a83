"""Root cause of failing 勾稽关系: one defect per wrong printed cell, not one finding per identity.

A department that prints one wrong figure fails every identity the figure takes part in
(the table's own sums, the restatements in other tables, the narrative): 6–8 findings,
most of them pointing at a correct cell ("应为" the wrong value).  Here the identities
are read as a system of linear equations over printed cells:

    Σ coef·cell + constant = 0   within a tolerance      (holds or fails as printed)

and a defect is the smallest set of cells whose correction makes every failing identity
of a group hold while every identity the corrected cells take part in keeps holding.  A
cell in several failing identities and in no passing one is the typical single suspect.
When several sets of the same size explain the same failures equally well, all of them
are returned (``status='ambiguous'``): the report names both cells, never one silently.

Interface (no rule logic in here):

* :class:`Var`, :class:`Identity`: the equations (a cell or a narrative figure, with its
  coefficient; residual and tolerance; the finding id when it fails);
* :func:`explain(identities, findings)` → ``list[dict]``: one defect per group of failing
  identities, with ``options`` (each a list of suspect cells with printed and expected
  value), ``evidence`` (the finding ids it explains) and ``rule_ids``; findings that are
  not an identity (completeness, residue, percentages) are defects of their own;
* :func:`identities_from_rules(con, document_ids)`: the adapter to the rule engine: it
  evaluates the documents again with an ``Outcome`` that records every comparison made by
  ``compare_sum`` / ``compare_equal`` (passing ones too) as an :class:`Identity`;
* :func:`analyse(con, cache=None)`: both, over the findings in ``raw.dq_finding``;
* :class:`IdentityCache`: a document's identities from the night that last evaluated it, reused
  on an incremental night for the documents the night did not touch (the rules are not run
  again on them either): the analysis then evaluates only the affected documents.

``python -m expectations.root_cause --truth-dir corpus/sample/synthetic`` (:mod:`expectations.root_cause_score`) scores it on the
synthetic corpus (each defect there is labelled with the cell that was changed).
"""
from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import re
import sys
from collections import defaultdict, deque
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

ZERO = Decimal(0)
MAX_SIZE = 4  # at most this many corrected cells per defect
MAX_NODES = 20000  # search budget per group of failing identities
MAX_OPTIONS = 4
TOTAL_ROWS = ("合计", "总计")  # row keys of a coded table's total (the base of its shares)  # more equally good explanations than this: unresolved


@dataclass(frozen=True)
class Var:
    """A printed number: a table cell or a narrative figure."""

    key: tuple
    document_id: str
    kind: str  # cell | figure
    table_name: str | None
    row_key: str | None
    measure: str | None
    phase: str | None
    page: int | None
    printed: Decimal
    label: str | None = None
    bbox: tuple | None = None  # (page, x0, top, x1, bottom)


@dataclass
class Identity:
    rule_id: str
    document_id: str
    coefs: dict[tuple, Decimal]  # Var.key -> coefficient
    residual: Decimal  # Σ coef·printed + constant as printed (0 when exact)
    tolerance: Decimal
    finding_id: str | None = None  # set when the identity fails
    severity: str = "error"

    @property
    def holds(self) -> bool:
        return abs(self.residual) <= self.tolerance

    def residual_after(self, delta: dict[tuple, Decimal]) -> Decimal:
        return self.residual + sum((c * delta[k] for k, c in self.coefs.items() if k in delta), ZERO)


# ---------------------------------------------------------------------------
# the search
# ---------------------------------------------------------------------------
@dataclass
class _Problem:
    identities: list[Identity]
    by_var: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for i, e in enumerate(self.identities):
            for k in e.coefs:
                self.by_var[k].append(i)

    def broken(self, delta: dict[tuple, Decimal], failing: Iterable[int]) -> list[int]:
        """Identities that do not hold after the corrections: the group's failing ones and any the corrections touch."""
        failing = set(failing)
        idx = set(failing)
        for k in delta:
            idx.update(self.by_var[k])
        out = []
        for i in sorted(idx):
            e = self.identities[i]
            if e.severity != "error" and i not in failing:
                continue  # a warning is a soft relation: it may not veto a correction
            if abs(e.residual_after(delta)) > e.tolerance:
                out.append(i)
        return out

    def _candidates(self, k: tuple, delta: dict[tuple, Decimal], failing: list[int], first: Decimal) -> list[Decimal]:
        """Corrections of cell ``k`` worth trying: the one that makes each identity it is in exact, the most
        precise identity first (a 元 table's sum is exact to the fen, the narrative only to its printed digit)."""
        tried: list[tuple[Decimal, Decimal]] = []
        for j in self.by_var[k]:
            e = self.identities[j]
            if e.severity != "error" and j not in failing:
                continue
            tried.append((e.tolerance, -e.residual_after(delta) / e.coefs[k]))
        out: list[Decimal] = []
        for tol, d in sorted(tried, key=lambda t: t[0]) or [(ZERO, first)]:
            if d != 0 and all(abs(d - o) > tol for o in out):
                out.append(d)
        return out[:3]

    def solve(self, failing: list[int]) -> tuple[list[dict[tuple, Decimal]], int]:
        """All minimal correction sets (as {var: delta}) for the failing identities, by iterative deepening."""
        nodes = 0
        for size in range(1, MAX_SIZE + 1):
            found: dict[frozenset, dict[tuple, Decimal]] = {}

            def dfs(delta: dict[tuple, Decimal]) -> None:
                nonlocal nodes
                nodes += 1
                if nodes > MAX_NODES:
                    return
                broken = self.broken(delta, failing)
                if not broken:
                    found.setdefault(frozenset(delta), dict(delta))
                    return
                if len(delta) >= size:
                    return
                # branch on the broken identity with the fewest free cells
                i = min(broken, key=lambda j: (sum(1 for k in self.identities[j].coefs if k not in delta), j))
                e = self.identities[i]
                r = e.residual_after(delta)
                for k, c in e.coefs.items():
                    if k in delta or c == 0:
                        continue
                    for d in self._candidates(k, delta, failing, -r / c):
                        delta[k] = d
                        dfs(delta)
                        del delta[k]

            dfs({})
            if found:
                return list(found.values()), nodes
            if nodes > MAX_NODES:
                break
        return [], nodes


def _groups(identities: list[Identity]) -> list[list[int]]:
    """Failing identities linked by a shared cell."""
    failing = [i for i, e in enumerate(identities) if not e.holds]
    parent = {i: i for i in failing}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple, int] = {}
    for i in failing:
        for k in identities[i].coefs:
            if k in owner:
                parent[find(i)] = find(owner[k])
            else:
                owner[k] = i
    groups: dict[int, list[int]] = defaultdict(list)
    for i in failing:
        groups[find(i)].append(i)
    return sorted(groups.values())


def explain(identities: list[Identity], variables: dict[tuple, Var], findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One defect per group of failing identities (merged when one correction fixes several groups).

    ``findings`` are raw.dq_finding rows: those no failing identity accounts for become
    defects of their own (``status='finding'``) at the finding's own location.
    """
    problem = _Problem(identities)
    by_finding = {f["finding_id"]: f for f in findings}
    defects: list[dict[str, Any]] = []
    done: set[int] = set()
    pending: dict[str, list[int]] = defaultdict(list)  # a document's groups no small correction explains alone
    for group in _groups(identities):
        if set(group) <= done:
            continue
        group = [i for i in group if i not in done]
        hard = [i for i in group if identities[i].severity == "error"]
        # the errors are the equations; a failing warning only joins the defect its correction repairs
        options = _solve(problem, hard, variables) if hard else []
        if hard and not 1 <= len(options) <= MAX_OPTIONS:
            pending[identities[hard[0]].document_id].append(group)
            continue
        defects.append(_conclude(problem, group, hard, options, variables, by_finding, done))
    for groups in pending.values():
        # two wrong cells that compensate each other (a column total still holds) only explain their failures together
        joint = sorted({i for g in groups for i in g if i not in done})
        hard = [i for i in joint if identities[i].severity == "error"]
        options = _solve(problem, hard, variables) if len(groups) > 1 else []
        if 1 <= len(options) <= MAX_OPTIONS:
            defects.append(_conclude(problem, joint, hard, options, variables, by_finding, done))
            continue
        for g in groups:
            g = [i for i in g if i not in done]
            if g:
                h = [i for i in g if identities[i].severity == "error"]
                defects.append(_conclude(problem, g, h, _solve(problem, h, variables), variables, by_finding, done))
    for i, e in enumerate(identities):  # a failing warning that shares a cell with a defect but is not repaired by it
        if not e.holds and e.finding_id and i not in done:
            defects.append(_conclude(problem, [i], [], [], variables, by_finding, done))
    explained = {d for defect in defects for d in defect["evidence"]}
    located = [d for d in defects if d["status"] == "located"]
    for f in findings:
        if f["finding_id"] in explained:
            continue
        owner = _derived_from(f, located)
        if owner is not None:  # e.g. a share computed from the wrong total: a symptom of that defect
            owner["evidence"].append(f["finding_id"])
            owner["rule_ids"] = sorted(set(owner["rule_ids"]) | {f["rule_id"]})
        else:
            defects.append(_finding_defect(f))
    defects.sort(key=lambda d: (d["document_id"], d["severity"] != "error", d["page"] or 10**6))
    return defects


def _solve(problem: _Problem, hard: list[int], variables: dict[tuple, Var]) -> list[dict[tuple, Decimal]]:
    options, _ = problem.solve(hard)
    # a correction that turns a printed amount negative is implausible: such an explanation is not offered
    options = [o for o in options if not any(
        variables[k].kind == "cell" and variables[k].printed >= 0 > variables[k].printed + d for k, d in o.items())]
    if len(options) > 1:
        # one wrong figure moves every total computed from it by the same amount; an explanation whose
        # corrections go in opposite directions assumes several errors that cancel out
        fewest = min(len(set(o.values())) for o in options)
        options = [o for o in options if len(set(o.values())) == fewest]
    return options


def _conclude(problem: _Problem, group: list[int], hard: list[int], options: list[dict[tuple, Decimal]],
              variables: dict[tuple, Var], by_finding: dict[str, dict[str, Any]], done: set[int]) -> dict[str, Any]:
    identities = problem.identities
    if options:
        fixed = set(hard)
        for opt in options:  # identities the correction also repairs elsewhere belong to this defect
            fixed |= {i for k in opt for i in problem.by_var[k]
                      if not identities[i].holds and abs(identities[i].residual_after(opt)) <= identities[i].tolerance}
        evidence = sorted(fixed)
    else:
        evidence = hard or group
    done |= set(evidence)
    status = "located" if len(options) == 1 else "ambiguous" if 1 < len(options) <= MAX_OPTIONS else \
        "unresolved" if hard else "warning"
    if status == "located" and any(problem_var_kind(k) == "sum" for k in options[0]):
        # a value computed from cells the rules do not show us: we cannot tell which side is wrong, both are named
        status, options = "ambiguous", _fallback(problem, evidence)
    if status in ("unresolved", "warning"):
        options = _fallback(problem, evidence)
    return _defect(status, options, [identities[i] for i in evidence], variables, by_finding)


def problem_var_kind(key: tuple) -> str:
    return key[0]


def _fallback(problem: _Problem, evidence: list[int]) -> list[dict[tuple, Decimal]]:
    """No small correction set: name, for each failing identity, every cell that could fix it on its own."""
    opts: dict[tuple, Decimal] = {}
    for i in evidence:
        e = problem.identities[i]
        for k, c in e.coefs.items():
            if c and k not in opts:
                opts[k] = -e.residual / c
    return [{k: d} for k, d in itertools.islice(opts.items(), 8)]


def _defect(status: str, options: list[dict[tuple, Decimal]], evidence: list[Identity], variables: dict[tuple, Var],
            by_finding: dict[str, dict[str, Any]]) -> dict[str, Any]:
    opts = []
    for opt in sorted(options, key=lambda o: sorted(map(str, o))):
        cells = []
        for k, d in opt.items():
            v = variables[k]
            cells.append({"document_id": v.document_id, "kind": v.kind, "table_name": v.table_name, "row_key": v.row_key,
                          "measure": v.measure, "phase": v.phase, "page": v.page, "label": v.label, "bbox": v.bbox,
                          "printed": v.printed, "expected": v.printed + d, "difference": -d})
        cells.sort(key=lambda c: (c["document_id"], c["page"] or 0, str(c["table_name"]), str(c["row_key"])))
        opts.append(cells)
    fids = [e.finding_id for e in evidence if e.finding_id]
    rows = [by_finding[f] for f in fids if f in by_finding]
    doc_id = rows[0]["document_id"] if rows else evidence[0].document_id
    first = opts[0][0] if opts and opts[0] else {}
    severity = "error" if any(r["severity"] == "error" for r in rows) or not rows else "warning"
    return {"document_id": doc_id, "status": status, "severity": severity, "options": opts, "evidence": fids,
            "rule_ids": sorted({r["rule_id"] for r in rows}), "page": first.get("page"),
            "category": rows[0]["category"] if rows else None}


def _derived_from(f: dict[str, Any], located: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The located defect whose corrected number this (non-identity) finding is computed from: a cell of the
    same table and row, or the table's total row (the base of its shares); or a narrative figure the
    finding quotes (a change rate computed from the wrong amount)."""
    quoted = (f.get("message") or "").split(" / ", 1)[0]
    for d in located:
        for c in d["options"][0]:
            if c["document_id"] != f["document_id"]:
                continue
            if c["kind"] == "cell" and f.get("table_name") and c["table_name"] == f["table_name"] \
                    and (c["row_key"] == f.get("row_key") or c["row_key"] in TOTAL_ROWS):
                return d
            if c["kind"] == "figure" and f.get("category") == "narrative" and c["printed"] is not None \
                    and abs(c["printed"]) >= 10 and any(
                        re.search(r"(?<![\d.,])" + re.escape(text) + r"(?![\d])", quoted)
                        for text in (f"{c['printed']:.2f}", f"{c['printed']:,.2f}")):
                return d
    return None


def _finding_defect(f: dict[str, Any]) -> dict[str, Any]:
    cell = {"document_id": f["document_id"], "kind": "finding", "table_name": f.get("table_name"), "row_key": f.get("row_key"),
            "measure": f.get("measure"), "phase": None, "page": f.get("page"), "label": None, "bbox": None,
            "printed": f.get("printed"), "expected": f.get("expected"),
            "difference": f.get("difference")}
    return {"document_id": f["document_id"], "status": "finding", "severity": f["severity"], "options": [[cell]],
            "evidence": [f["finding_id"]], "rule_ids": [f["rule_id"]], "page": f.get("page"), "category": f.get("category")}


# ---------------------------------------------------------------------------
# adapter: the rule engine's comparisons as identities
# ---------------------------------------------------------------------------
def _cell_var(doc_id: str, c: dict[str, Any]) -> Var:
    key = ("cell", c.get("document_id") or doc_id, c.get("table_name"), c.get("table_seq"), c.get("row_index"), c.get("col_index"),
           c.get("row_key"), c.get("measure"), c.get("phase"))
    bbox = None
    if c.get("page") is not None and None not in (c.get("x0"), c.get("top"), c.get("x1"), c.get("bottom")):
        bbox = (int(c["page"]), float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"]))
    return Var(key, key[1], "cell", c.get("table_name"), c.get("row_key"), c.get("measure"), c.get("phase"),
               c.get("page"), Decimal(c["amount"]) if c.get("amount") is not None else ZERO, c.get("line_name"), bbox)


def _recorder(rules_mod, recent: deque):
    """An Outcome subclass that records every compare_sum / compare_equal as an Identity.

    ``recent`` holds the last cells the check passed to ``amount()``: a compare_equal's
    expected value is usually ``amount(other_cell)``, which tells which cell it restates.
    """
    amount = rules_mod.amount

    class Recording(rules_mod.Outcome):
        def __init__(self, rule, doc):
            super().__init__(rule, doc)
            self.recorded: list[tuple[dict[tuple, Decimal], Decimal, Decimal, Any]] = []
            self.variables: dict[tuple, Var] = {}

        def _var(self, c: dict[str, Any] | None) -> tuple | None:
            if c is None or c.get("amount") is None:
                return None  # a blank/dash/missing cell: a constant 0, nothing to correct
            v = _cell_var(self.doc.id, c)
            self.variables.setdefault(v.key, v)
            return v.key

        def _record(self, coefs: dict[tuple | None, Decimal], residual: Decimal, tol: Decimal, n_before: int) -> None:
            clean: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
            for k, c in coefs.items():
                if k is not None:
                    clean[k] += c
            finding = self.findings[-1] if len(self.findings) > n_before else None
            self.recorded.append(({k: c for k, c in clean.items() if c}, residual, tol, finding))

        def compare_sum(self, *, table, total, terms, row_key, measure, what_zh, what_en, terms_zh, phase=None):
            n = len(self.findings)
            ok = super().compare_sum(table=table, total=total, terms=terms, row_key=row_key, measure=measure,
                                     what_zh=what_zh, what_en=what_en, terms_zh=terms_zh, phase=phase)
            coefs: dict[tuple | None, Decimal] = defaultdict(lambda: ZERO)
            coefs[self._var(total)] += 1
            for t in terms:
                coefs[self._var(t)] -= 1
            residual = amount(total) - sum((amount(t) for t in terms), ZERO)
            tol = self.doc.rounding(table) * max(1, rules_mod.printed_count(terms))
            self._record(coefs, residual, tol, n)
            recent.clear()
            return ok

        def compare_equal(self, *, table, cell, expected, tolerance, row_key, measure, msg_zh, msg_en, page_cells=(),
                          printed=None):
            page_cells = list(page_cells)
            n = len(self.findings)
            ok = super().compare_equal(table=table, cell=cell, expected=expected, tolerance=tolerance, row_key=row_key,
                                       measure=measure, msg_zh=msg_zh, msg_en=msg_en, page_cells=page_cells, printed=printed)
            value = amount(cell) if printed is None else printed
            seq = len(self.recorded)
            is_figure = printed is not None and (cell is None or expected == amount(cell))
            if printed is None:
                lhs = self._var(cell)
            else:  # a narrative figure, or a sum of printed cells: a number of its own
                lhs = self._pseudo(seq, "lhs", value, table, row_key, measure, "figure" if is_figure else "sum")
            rhs_cells = [c for c in page_cells if c is not None and c is not cell and c.get("amount") is not None
                         and amount(c) == expected]
            read = [c for c in reversed(recent) if c is not cell and c.get("amount") is not None and amount(c) == expected]
            if printed is not None and cell is not None and expected == amount(cell):
                rhs = self._var(cell)
            elif rhs_cells or read:
                rhs = self._var((rhs_cells or read)[0])
            elif expected == 0:
                rhs = None
            else:
                rhs = self._pseudo(seq, "rhs", expected, table, row_key, measure, "sum")
            recent.clear()
            coefs: dict[tuple | None, Decimal] = defaultdict(lambda: ZERO)
            coefs[lhs] += 1
            coefs[rhs] -= 1
            self._record(coefs, value - expected, tolerance, n)
            return ok

        def _pseudo(self, seq, side, value, table, row_key, measure, kind) -> tuple | None:
            if value is None:
                return None
            key = (kind, self.doc.id, self.rule.id, seq, side)
            self.variables[key] = Var(key, self.doc.id, kind, table if kind != "figure" else None, row_key, measure, None,
                                      None, value)
            return key

    return Recording


class IdentityCache:
    """One file per document (``folder/<document_id>.pickle``): the identities and variables the
    rules gave it, stamped with ``keys[document_id]`` — what they depend on (the code that builds
    the warehouse and the document's registry row, see :func:`cache_keys`).

    ``reuse``: the documents whose file may be read (on an incremental night, those it did not
    touch; their department's documents did not change either, so their peers did not). A file
    is used only when its stamp equals the key: anything else is evaluated again and rewritten.
    The files are our own, written next to the pipeline's DuckDB file; a file that cannot be read
    is evaluated again.
    """

    def __init__(self, folder: Path, keys: dict[str, str], reuse: Iterable[str] = ()) -> None:
        self.folder, self.keys, self.reuse = Path(folder), keys, set(reuse)
        self.hits = self.misses = 0

    def _path(self, document_id: str) -> Path:
        return self.folder / f"{document_id}.pickle"

    def get(self, document_id: str) -> tuple[list[Identity], dict[tuple, Var]] | None:
        key = self.keys.get(document_id)
        if key is None or document_id not in self.reuse:
            return None
        try:
            stamp, identities, variables = pickle.loads(self._path(document_id).read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            return None
        if stamp != key:
            return None
        self.hits += 1
        return identities, variables

    def put(self, document_id: str, identities: list[Identity], variables: dict[tuple, Var]) -> None:
        key = self.keys.get(document_id)
        if key is None:
            return
        self.misses += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(document_id)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps((key, identities, variables), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)


def cache_keys(con, code: str) -> dict[str, str]:
    """document_id → what its identities depend on: the code and its registry row (its bytes,
    extraction, department and scope; warehouse.incremental.current_state). A warehouse without a
    registry (records loaded directly, as in the tests) keys by its raw.document row instead."""
    from warehouse.db import fetch_dicts, table_exists
    from warehouse.incremental import current_state, row_fingerprint

    digests = {d: digest for d, (digest, *_) in current_state(con).items()}
    if not digests and table_exists(con, "raw", "document"):
        for row in fetch_dicts(con, "SELECT * FROM raw.document ORDER BY document_id"):
            digests[row["document_id"]] = row_fingerprint(row, volatile={"extracted_at", "extract_seconds"})
    return {d: hashlib.sha256(f"{code}:{digest}".encode()).hexdigest() for d, digest in digests.items()}


def identities_from_rules(con, document_ids: Iterable[str] | None = None,
                          cache: IdentityCache | None = None) -> tuple[list[Identity], dict[tuple, Var]]:
    """Evaluate the documents' rules again, recording every comparison (passing and failing).
    With ``cache``, a document it holds is not evaluated again, and one evaluated is written to it."""
    from expectations import rules as rules_pkg

    evaluate = rules_pkg.evaluate_document
    mod = sys.modules[evaluate.__module__]  # where evaluate_document looks up Outcome
    metas = rules_pkg.current_documents(con)
    peers = rules_pkg.Peers(con, metas)
    wanted = None if document_ids is None else set(document_ids)
    rules = rules_pkg.load_rules()
    identities: list[Identity] = []
    variables: dict[tuple, Var] = {}
    original, original_amount = mod.Outcome, mod.amount
    recent: deque = deque(maxlen=8)
    # the check modules import amount() by name: patch it wherever the rules package holds it
    holders = [m for name, m in list(sys.modules.items())
               if (name == rules_pkg.__name__ or name.startswith(rules_pkg.__name__ + ".")) and m is not None
               and getattr(m, "amount", None) is original_amount]
    finding_id = getattr(rules_pkg, "_finding_id", None) or sys.modules[rules_pkg.run_all.__module__]._finding_id
    load_doc = getattr(rules_pkg, "load_doc", None) or rules_pkg.Doc

    def amount(cell):  # the rules' amount(), remembering which cells a check read
        if isinstance(cell, dict):
            recent.append(cell)
        return original_amount(cell)

    mod.Outcome = _recorder(mod, recent)
    for m in holders:
        m.amount = amount
    try:
        for meta in metas:
            if wanted is not None and meta["document_id"] not in wanted:
                continue
            held = cache.get(meta["document_id"]) if cache is not None else None
            if held is not None:
                identities += held[0]
                variables.update(held[1])
                continue
            doc_identities: list[Identity] = []
            doc_variables: dict[tuple, Var] = {}
            doc = load_doc(con, meta, meta.get("table_source_id"))
            doc.peers = peers
            for out in evaluate(doc, rules):
                recorded = getattr(out, "recorded", ())
                doc_variables.update(getattr(out, "variables", {}))
                seq_of = {id(f): s for s, f in enumerate(out.findings)}
                for coefs, residual, tol, finding in recorded:
                    fid = None
                    if finding is not None and id(finding) in seq_of:
                        fid = finding_id(doc.id, out.rule.id, finding, seq_of[id(finding)])
                        if finding.page is not None:
                            for k in coefs:  # a narrative figure's page is the finding's page
                                v = doc_variables.get(k)
                                if v is not None and v.kind == "figure" and v.page is None:
                                    doc_variables[k] = Var(**{**v.__dict__, "page": finding.page})
                    if fid is None and abs(residual) > tol:
                        # a comparison that failed but whose finding the engine did not keep (the rule
                        # ended insufficient_data or not applicable: a column it does not know, a table
                        # that does not balance): no evidence, so no equation — root cause explains
                        # the findings the rules report, it does not make errors of its own
                        continue
                    doc_identities.append(Identity(out.rule.id, doc.id, coefs, residual, tol, fid, out.rule.severity))
            identities += doc_identities
            variables.update(doc_variables)
            if cache is not None:
                cache.put(doc.id, doc_identities, doc_variables)
    finally:
        mod.Outcome = original
        for m in holders:
            m.amount = original_amount
    return identities, variables


def analyse(con, cache: IdentityCache | None = None) -> list[dict[str, Any]]:
    """Defects of every document that has findings (with the documents their identities reach).
    ``cache``: the documents' identities from an earlier night, where still current (IdentityCache)."""
    from warehouse.db import fetch_dicts

    findings = fetch_dicts(con, "SELECT * FROM raw.dq_finding")
    if not findings:
        return []
    docs = {f["document_id"] for f in findings}
    identities, variables = identities_from_rules(con, docs, cache)
    reached = {v.document_id for v in variables.values()} - docs
    if reached:  # a cross-document identity: the other document's own identities say whether its cell is right
        more, more_vars = identities_from_rules(con, reached, cache)
        identities += [e for e in more if not e.finding_id]
        variables.update(more_vars)
    return explain(identities, variables, findings)


if __name__ == "__main__":
    from expectations.root_cause_score import main

    raise SystemExit(main())
