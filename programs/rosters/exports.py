"""The roster as an Excel sheet (through the one exporter base)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill

from programs.agreements.models import Programme
from programs.rosters.selectors import roster_grid
from trainingweek.exports import DATE, NUMBER, ExportColumn, Sheet, Styled, workbook_bytes

CENTRE = Alignment(horizontal="center")
# A cell whose day breaks a roster rule.
SHADED = PatternFill("solid", fgColor="FFF2CC")


# --------------------------------------------------------------------------- export
def export_roster_xlsx(programme: Programme) -> bytes:
    """The roster as an Excel sheet in the shape of the seeds' 排班表.

    A title row, then 实训周次 / 日期 / 星期 / one column per class / 实训人数,
    one row per day, the week number on the first day of each week, and a
    last row with each class's working days (实训天数). Class names and
    cells are text (a class named like a formula stays a name); the header
    is frozen.
    """
    grid = roster_grid(programme)
    columns = [
        ExportColumn(_("Week"), 10), ExportColumn(_("Date"), 12, DATE, number_format='m"月"d"日"'),
        ExportColumn(_("Weekday"), 8),
        *(ExportColumn(c.name, 12, style={"alignment": CENTRE}) for c in grid.classes),
        ExportColumn(_("Headcount"), 10, NUMBER),
    ]
    rows = (
        [_("Week %(n)s") % {"n": d.week} if d.week_starts else None, d.day, d.weekday,
         *(Styled(gc.text, fill=SHADED) if gc.warnings else gc.text for gc in d.cells), d.headcount]
        for d in grid.days
    )
    title = _("%(programme)s roster") % {"programme": programme}
    return workbook_bytes([Sheet(
        _("Roster"), columns, rows=rows,
        title_rows=[[Styled(title, font=Font(bold=True, size=14))]],
        header_style={"alignment": CENTRE},
        footer=[[Styled(_("Working days"), bold=True), None, None,
                 *(Styled(grid.working_days[c.pk], kind=NUMBER) for c in grid.classes)]],
    )])
