"""OCR throughput: scanned pages per second, and what the OCR path costs per page.

    python -m bench.ocr                                   # 2 sample budgets, 200 dpi, /tmp/bench-ocr
    python -m bench.ocr --files 3 --dpi 150 200 300 --threads 2

It scans ``--files`` sample PDFs (``corpus.scan``, cached in ``--out``), then OCRs every
page in one process (``extract.ocr.read_pages``: render, straighten, ruling lines, text)
and reports pages/s over wall-clock and CPU time, per dpi.  Full extraction of the scans
(tables, identities) is ``python -m extract.evaluate DIR`` on the same folder.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpus" / "sample" / "synthetic"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ocr", description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=2, help="sample budgets (7 pages each) to scan")
    ap.add_argument("--dpi", type=int, nargs="+", default=[200])
    ap.add_argument("--threads", type=int, default=1, help="FISCAL_OCR_THREADS for the engine")
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench-ocr"))
    args = ap.parse_args(argv)
    os.environ["FISCAL_OCR_THREADS"] = str(args.threads)

    from corpus.scan import scan_with_truth
    from extract import ocr

    sources = sorted(SAMPLE.glob("*_ys.pdf"))[: args.files]
    t = time.perf_counter()
    ocr.engine()  # model load, reported apart
    load_s = time.perf_counter() - t
    rows = []
    for dpi in args.dpi:
        scans = []
        for src in sources:
            dst = args.out / f"{src.stem}.scan{dpi}.pdf"
            scans.append(dst if dst.exists() else scan_with_truth(src, args.out, dpi))
        pages = chars = 0
        wall0, cpu0 = time.perf_counter(), _cpu()
        for scan in scans:
            import pypdfium2 as pdfium

            n = len(pdfium.PdfDocument(str(scan)))
            read, _ = ocr.read_pages(scan, list(range(1, n + 1)), budget_s=float("inf"))
            pages += len(read)
            chars += sum(len(p.chars) for p in read.values())
        wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
        rows.append({"dpi": dpi, "pages": pages, "chars": chars, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                     "pages_per_s_wall": round(pages / wall, 3), "pages_per_s_cpu": round(pages / cpu, 3)})
    print(f"engine {ocr.engine_name()}, {args.threads} thread(s), model load {load_s:.2f} s, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'dpi':>4s} {'pages':>6s} {'chars':>7s} {'wall s':>8s} {'cpu s':>8s} {'pages/s (wall)':>15s} {'pages/s (cpu)':>14s}")
    for r in rows:
        print(f"{r['dpi']:4d} {r['pages']:6d} {r['chars']:7d} {r['wall_s']:8.2f} {r['cpu_s']:8.2f} "
              f"{r['pages_per_s_wall']:15.3f} {r['pages_per_s_cpu']:14.3f}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench-ocr.json").write_text(json.dumps({"load_s": load_s, "threads": args.threads, "rows": rows},
                                                        indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
