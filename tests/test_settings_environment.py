"""``warehouse.settings.environment``: the one way code sets variables for a block."""
from __future__ import annotations

import os

import pytest

from warehouse.settings import environment


def test_sets_unsets_and_restores_exactly(monkeypatch):
    monkeypatch.setenv("FISCAL_T_KEEP", "before")
    monkeypatch.setenv("FISCAL_T_DROP", "there")
    monkeypatch.delenv("FISCAL_T_NEW", raising=False)
    with pytest.raises(RuntimeError):
        with environment({"FISCAL_T_KEEP": "during", "FISCAL_T_DROP": None, "FISCAL_T_NEW": "x"}):
            assert os.environ["FISCAL_T_KEEP"] == "during" and os.environ["FISCAL_T_NEW"] == "x"
            assert "FISCAL_T_DROP" not in os.environ
            os.environ["FISCAL_T_NEW"] = "changed inside"
            raise RuntimeError("the block fails")
    assert os.environ["FISCAL_T_KEEP"] == "before" and os.environ["FISCAL_T_DROP"] == "there"
    assert "FISCAL_T_NEW" not in os.environ
