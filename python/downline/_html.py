"""Compact HTML for Jupyter (``_repr_html_``): the one-line summary, then at most a few
rows of the object's main table."""

from __future__ import annotations

import html
from typing import Optional

import pandas as pd


def summary_html(text: str, table: Optional[pd.DataFrame] = None, max_rows: int = 10,
                 float_format: Optional[str] = None) -> str:
    out = f'<div class="downline"><p><code>{html.escape(text)}</code></p>'
    if table is not None:
        fmt = (lambda v: format(v, float_format)) if float_format else None
        out += table.to_html(max_rows=max_rows, max_cols=20, float_format=fmt, border=0)
    return out + "</div>"
