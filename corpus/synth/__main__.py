"""CLI: ``python -m corpus.synth --seed 20241 --out corpus/sample/synthetic [--truth-only]``."""
from corpus.synth.cli import main

raise SystemExit(main())
