from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from programs.agreements.models import Programme
from programs.attendance import rules
from programs.attendance.models import Attendance
from programs.attendance.rules import MAX_ONLINE_HOURS
from programs.attendance.selectors import DayContext, last_days
from programs.rosters import rules as roster_rules
from programs.students.models import Enrolment


# --------------------------------------------------------------------------- import
@dataclass
class ImportResult:
    rows: int = 0
    written: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


HEADER_ACCOUNT = ("账号", "account", "旺旺")


HEADER_DATE = ("日期", "date")


HEADER_HOURS = ("时长", "hours", "小时")


DATE_PATTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _find_column(header: list[str], names: tuple[str, ...]) -> int | None:
    for index, title in enumerate(header):
        if any(n in title.strip().lower() for n in names):
            return index
    return None


def parse_day(text: str) -> date | None:
    """2020-11-09, 2020/11/9 or 2020年11月9日; None when it is not a real date."""
    match = DATE_PATTERN.match(text.strip())
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


@transaction.atomic
def import_online_hours(programme: Programme, data: bytes, user, visible_team_ids: set[int] | None) -> ImportResult:
    """Import the customer-service platform's online-hours export (CSV).

    Columns are found by header (shop account, date, online hours), UTF-8
    with or without BOM (GB18030 is tried too, as older Excel saves it).
    Each account is matched to an enrolment of the programme by
    ``Enrolment.shop_account_id``; with ``visible_team_ids`` (a mentor) only
    students of those teams may be matched. Every row is checked first; any
    bad or unmatched row means nothing is written and every problem is
    listed with its row number; so is a day after the last day of a student
    who left (``rules.recordable_day``: nothing is recorded or paid after it).
    Otherwise the hours are set on the days'
    records, and a day without a record is recorded as present.
    """
    result = ImportResult()
    if len(data) > settings.IMPORT_MAX_BYTES:
        result.errors.append((0, _("The file is larger than %(mb)s MB.") % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}))
        return result
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        result.errors.append((0, _("This is not a CSV text file.")))
        return result
    reader = list(csv.reader(io.StringIO(text)))
    if not reader:
        result.errors.append((0, _("The file is empty.")))
        return result
    header = reader[0]
    columns = [_find_column(header, names) for names in (HEADER_ACCOUNT, HEADER_DATE, HEADER_HOURS)]
    if None in columns:
        result.errors.append((1, _("The first row must name the columns: shop account, date, online hours.")))
        return result
    body = [(n, row) for n, row in enumerate(reader[1:], start=2) if any(c.strip() for c in row)]
    if len(body) > settings.IMPORT_MAX_ROWS:
        result.errors.append((0, _("The file has more than %(n)s rows.") % {"n": settings.IMPORT_MAX_ROWS}))
        return result
    result.rows = len(body)
    a, d, h = columns
    parsed: list[tuple[int, str, date, Decimal]] = []
    seen: dict[tuple[str, date], int] = {}
    for n, row in body:
        cells = row + [""] * (max(columns) + 1 - len(row))
        account, day_text, hours_text = cells[a].strip(), cells[d].strip(), cells[h].strip()
        day = parse_day(day_text)
        try:
            hours = Decimal(hours_text)
        except InvalidOperation:
            hours = None
        if not account:
            result.errors.append((n, _("The shop account is empty.")))
        elif day is None:
            result.errors.append((n, _("“%(value)s” is not a date.") % {"value": day_text}))
        elif hours is None or not hours.is_finite():
            result.errors.append((n, _("“%(value)s” is not a number of hours.") % {"value": hours_text}))
        elif not Decimal(0) <= hours <= MAX_ONLINE_HOURS:
            result.errors.append((n, _("%(value)s hours is outside 0–24.") % {"value": hours_text}))
        elif (account, day) in seen:
            result.errors.append((n, _("%(account)s on %(day)s is already in row %(row)s.") % {
                "account": account, "day": day.isoformat(), "row": seen[(account, day)]}))
        else:
            seen[(account, day)] = n
            parsed.append((n, account, day, roster_rules.q2(hours)))
    accounts = {p[1] for p in parsed}
    enrolments = {
        e.shop_account_id: e
        for e in Enrolment.objects.filter(programme=programme, shop_account_id__in=accounts).select_related("student")
    }
    left = last_days(e.pk for e in enrolments.values())
    for n, account, day, _hours in parsed:
        e = enrolments.get(account)
        if e is None:
            result.errors.append((n, _("No student of this programme has the shop account %(account)s.") % {"account": account}))
        elif visible_team_ids is not None and e.team_id not in visible_team_ids:
            result.errors.append((n, _("The shop account %(account)s belongs to a student outside your teams.") % {"account": account}))
        elif not rules.recordable_day(day, last_day=left.get(e.pk)):
            result.errors.append((n, _("%(name)s left on %(last)s: %(day)s is after the last day, "
                                       "so nothing is recorded or paid for it.") % {
                "name": e.student.name, "last": left[e.pk].isoformat(), "day": day.isoformat()}))
    if result.errors:
        result.errors.sort()
        return result
    if not parsed:
        return result
    matched = list(enrolments.values())
    first, last = min(p[2] for p in parsed), max(p[2] for p in parsed)
    existing = {
        (r.enrolment_id, r.day): r
        for r in Attendance.objects.filter(enrolment__in=[e.pk for e in matched], day__gte=first, day__lte=last)
    }
    context = DayContext(programme, matched, first, last)
    updates, creates = [], []
    for _n, account, day, hours in parsed:
        e = enrolments[account]
        record = existing.get((e.pk, day))
        if record is not None:
            record.online_hours, record.recorded_by = hours, user
            updates.append(record)
        else:
            creates.append(context.row(programme, e.pk, day, rules.PRESENT, hours, user))
    Attendance.objects.bulk_update(updates, ["online_hours", "recorded_by"], batch_size=1000)
    Attendance.objects.bulk_create(creates, batch_size=2000)
    result.written = len(updates) + len(creates)
    return result
