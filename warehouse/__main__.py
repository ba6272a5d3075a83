"""``python -m warehouse load|publish``: the loader and the publisher from a shell.

Paths come from the environment (warehouse/settings.py); the result is printed as JSON.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys

from warehouse.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_load = sub.add_parser("load", help="load changed extracted documents into raw (single writer)")
    p_load.add_argument("document_ids", nargs="*", help="only these documents (default: all)")
    p_load.add_argument("--force", action="store_true", help="reload even unchanged documents")
    sub.add_parser("publish", help="atomically publish the read-only copy for analysts")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    settings.ensure_dirs()
    if args.command == "load":
        from warehouse.load import load_extracted

        result = load_extracted(settings, args.document_ids or None, force=args.force)
    else:
        from warehouse.publish import publish

        result = {"published": str(publish(settings))}
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1, default=str)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
