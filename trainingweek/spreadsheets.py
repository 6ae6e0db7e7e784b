"""Cells for the spreadsheets the project writes (openpyxl, write-only).

One place decides what a safe cell is: user text is always a text cell, so a
name or note starting with = + - @ never runs as a formula in Excel or WPS,
and IDs and account numbers keep every digit (never 6.2e+18).
"""

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# What a spreadsheet would run as a formula if it started a cell.
FORMULA_START = ("=", "+", "-", "@")
AMOUNT_FORMAT = "#,##0.00"


def text_cell(ws, value, *, bold: bool = False, **style) -> WriteOnlyCell:
    """``value`` as a text cell, whatever it looks like; ``style`` sets
    further cell attributes (font, alignment, fill...)."""
    cell = WriteOnlyCell(ws, value="" if value is None else str(value))
    cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
    cell.number_format = "@"
    if bold:
        cell.font = Font(bold=True)
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def amount_cell(ws, value, *, bold: bool = False) -> WriteOnlyCell:
    """A money amount as a number with thousands separators and two places."""
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = AMOUNT_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell
