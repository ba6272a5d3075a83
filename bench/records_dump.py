"""Every record the extractor makes of every PDF under some folders, as sorted JSON lines, to
compare two checkouts of the extractor (a speed-up must leave them equal).

    cd <checkout> && PYTHONPATH=$PWD .venv/bin/python -m bench.records_dump OUT.jsonl FOLDER...
    cmp OLD.jsonl NEW.jsonl

``extract.api.read_document`` → ``extract.assemble.records_for`` per file (no Parquet); a file
the extractor refuses gives one ``error`` line with its code and message.  Wall-clock fields
(``extract_seconds``, ``extracted_at``, ``ocr_seconds``) are left out.  Give both runs the same
absolute folder paths: the records carry the file's path.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

TIMING_FIELDS = ("extract_seconds", "extracted_at", "ocr_seconds")


def dump(out: Path, folders: list[Path]) -> int:
    from extract import api, errors
    from extract.assemble import records_for
    from extract.pdf import sha256_file

    files = sorted(p for d in folders for p in Path(d).rglob("*.pdf"))
    with open(out, "w", encoding="utf-8") as fh:
        for p in files:
            try:
                recs = records_for(sha256_file(p), p, str(p), api.read_document(p), 0.0)
            except errors.ExtractionError as e:
                recs = {"error": [{"code": e.code, "message": e.message}]}
            for name in sorted(recs):
                for r in recs[name]:
                    r = {k: v for k, v in r.items() if k not in TIMING_FIELDS}
                    fh.write(json.dumps([p.name, name, r], ensure_ascii=False, default=str, sort_keys=True) + "\n")
    return len(files)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    t = time.process_time()
    n = dump(Path(args[0]), [Path(a) for a in args[1:]])
    print(f"{n} files, {time.process_time() - t:.1f} s CPU -> {args[0]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
