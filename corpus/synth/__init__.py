"""Deterministic synthetic prefecture (青川州) of 部门决算 disclosures with exact ground truth.

``python -m corpus.synth --seed 20241 --out corpus/sample/synthetic`` writes, per document,
``<stem>.pdf`` and ``<stem>.truth.json`` plus ``manifest.json``; ``--truth-only`` writes the
truth files without rendering.  Amounts are generated bottom-up in integer 0.01 万元
(:mod:`corpus.synth.data`), so every 勾稽关系 holds exactly except where a labelled defect
is injected (:mod:`corpus.synth.build`).
"""
