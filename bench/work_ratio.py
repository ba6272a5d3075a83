"""Work ratio of extraction to the naive baseline, independent of machine load.

    python -m bench.work_ratio FILE.pdf [FILE.pdf ...]

One process, the same files, interleaved file by file so that both sides see the same
load: CPU seconds of ``extract.api.extract_document`` (records written to a temporary
folder) against CPU seconds of the naive baseline of :mod:`bench.run` (pdfplumber
``page.extract_tables()`` on every page).  The wall ratio of ``bench.run`` depends on how
much of two CPUs its two extraction workers get; on an idle 2-core machine it is about
half of this ratio.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def measure(files: list[Path]) -> dict:
    import pandas  # noqa: F401  - what extract_many's parent imports before forking
    import pdfplumber
    import pdfplumber.table  # noqa: F401

    from extract import api
    from extract.catalog import load_catalog

    load_catalog()
    out = Path(tempfile.mkdtemp(prefix="work-ratio-"))
    api.extract_document(files[0], out / "warm-up")
    ours = base = 0.0
    pages = 0
    for f in files:
        t = time.process_time()
        api.extract_document(f, out / "x")
        ours += time.process_time() - t
        t = time.process_time()
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                try:
                    page.extract_tables()
                finally:
                    page.close()
                pages += 1
        base += time.process_time() - t
    return {"files": len(files), "pages": pages, "extraction_cpu_s": round(ours, 3), "baseline_cpu_s": round(base, 3),
            "ratio": round(ours / base, 3)}


def main(argv: list[str] | None = None) -> int:
    files = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    if not files:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    r = measure(files)
    print(f"{r['files']} files, {r['pages']} pages: extraction {r['extraction_cpu_s']:.2f} s CPU "
          f"({1000 * r['extraction_cpu_s'] / r['pages']:.1f} ms/page), baseline {r['baseline_cpu_s']:.2f} s CPU "
          f"({1000 * r['baseline_cpu_s'] / r['pages']:.1f} ms/page), work ratio {r['ratio']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
