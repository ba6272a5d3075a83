"""Extract one PDF for inspection.

    python -m extract FILE.pdf                 # JSON summary + every record on stdout
    python -m extract FILE.pdf --format csv --out DIR   # one CSV per record type
    python -m extract FILE.pdf --debug-page 7 --out DIR  # page 7 with the detected grid drawn
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from .api import extract_document
from .debug import render_page


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m extract", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdf", type=Path)
    ap.add_argument("--format", choices=["json", "csv"], default="json")
    ap.add_argument("--out", type=Path, help="folder for CSV files / the debug PNG (default: stdout / cwd)")
    ap.add_argument("--debug-page", type=int, help="render this page with the detected table grid")
    args = ap.parse_args(argv)
    if not args.pdf.exists():
        print(f"no such file: {args.pdf}", file=sys.stderr)
        return 2
    if args.debug_page:
        out = (args.out or Path(".")) / f"{args.pdf.stem}-p{args.debug_page}.png"
        print(render_page(args.pdf, args.debug_page, out))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        manifest = extract_document(args.pdf, Path(tmp))
        doc_dir = Path(tmp) / manifest["document_id"]
        tables = {f.stem: pq.read_table(f).to_pylist() for f in sorted(doc_dir.glob("*.parquet"))}
        if args.format == "csv":
            out = args.out or Path(".")
            out.mkdir(parents=True, exist_ok=True)
            for name, rows in tables.items():
                with open(out / f"{name}.csv", "w", newline="", encoding="utf-8-sig") as fh:
                    cols = pq.read_schema(doc_dir / f"{name}.parquet").names
                    w = csv.DictWriter(fh, fieldnames=cols)
                    w.writeheader()
                    w.writerows(rows)
            print(json.dumps(manifest, ensure_ascii=False, indent=1))
        else:
            json.dump({"manifest": manifest, "records": tables}, sys.stdout, ensure_ascii=False, indent=1, default=str)
            print()
    return 0 if manifest["status"] == "extracted" else 1


if __name__ == "__main__":
    sys.exit(main())
