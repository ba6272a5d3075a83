"""Figures stated in the narrative (情况说明), each with its sentence. Filled in below."""
from __future__ import annotations


def extract_figures(pages, fiscal_year):
    return []
