from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from programs.agreements.models import Programme
from programs.rosters.selectors import roster_grid
from trainingweek.spreadsheets import text_cell


# --------------------------------------------------------------------------- export
def export_roster_xlsx(programme: Programme) -> bytes:
    """The roster as an Excel sheet in the shape of the seeds' 排班表.

    A title row, then 实训周次 / 日期 / 星期 / one column per class / 实训人数,
    one row per day, the week number on the first day of each week, and a
    last row with each class's working days (实训天数). Written with openpyxl
    in write-only mode (flat memory).
    """
    grid = roster_grid(programme)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Roster"))
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 12
    bold = Font(bold=True)
    centre = Alignment(horizontal="center")
    title = _("%(programme)s roster") % {"programme": programme}
    ws.append([text_cell(ws, title, font=Font(bold=True, size=14))])
    header = [_("Week"), _("Date"), _("Weekday"), *[c.name for c in grid.classes], _("Headcount")]
    ws.append([text_cell(ws, h, font=bold, alignment=centre) for h in header])
    shaded = PatternFill("solid", fgColor="FFF2CC")
    for d in grid.days:
        date_cell = WriteOnlyCell(ws, value=d.day)
        date_cell.number_format = 'm"月"d"日"'
        row = [text_cell(ws, _("Week %(n)s") % {"n": d.week}) if d.week_starts else None, date_cell, text_cell(ws, d.weekday)]
        for gc in d.cells:
            style = {"alignment": centre}
            if gc.warnings:
                style["fill"] = shaded
            row.append(text_cell(ws, gc.text, **style))
        row.append(WriteOnlyCell(ws, value=d.headcount))
        ws.append(row)
    ws.append([text_cell(ws, _("Working days"), font=bold), None, None,
               *[WriteOnlyCell(ws, value=grid.working_days[c.pk]) for c in grid.classes]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
