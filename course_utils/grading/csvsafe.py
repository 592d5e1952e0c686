"""CSV files a spreadsheet opens safely: every CSV the grader writes goes through :func:`write_csv`."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: one that starts like a formula (``=``, ``+``, ``-``,
    ``@``, tab, CR) gets a leading ``'``, unless it is a plain number (``-1.5`` stays numeric)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) and not NUMBER.fullmatch(text) else text


def write_csv(path: Path, header: list[str], rows: Iterable[list]) -> None:
    """Every CSV the grader writes goes through here: each cell through :func:`csv_cell`."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([csv_cell(h) for h in header])
        w.writerows([csv_cell(c) for c in row] for row in rows)
