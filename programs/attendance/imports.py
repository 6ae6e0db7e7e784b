"""The customer-service platform's online-hours export: read, matched, written.

:class:`OnlineHoursImport` reads the file with the one importer base
(CSV in UTF-8, UTF-8 with BOM or GB18030, or .xlsx, told apart by content;
title rows above the header skipped). The hours are the platform's
在线时长 (online time), never 接待时长 (time in conversations), which many
exports carry beside it: only the exact header names are aliases, so no
"时长" can take the wrong column. :func:`import_online_hours` matches the
accounts to enrolments and writes every row or none.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs.agreements.models import Programme
from programs.attendance import rules, services
from programs.attendance.models import Attendance, OnlineHoursUpload
from programs.attendance.rules import MAX_CUSTOMERS_SERVED, MAX_ONLINE_HOURS, MAX_RESPONSE_SECONDS
from programs.attendance.selectors import DayContext, last_days, programme_span, remembered_columns
from programs.rosters import rules as roster_rules
from programs.students.models import Enrolment
from trainingweek import bulk
from trainingweek.imports import (
    Chosen,
    Column,
    Importer,
    ImportResult,
    Preview,
    day,
    decimal,
    header_key,
    text,
)


class OnlineHoursImport(Importer):
    """One row per shop account and day: the account, the day and its online hours."""

    columns = (
        Column("account", gettext_lazy("Shop account"), ("旺旺子账号", "客服账号", "旺旺账号", "账号"),
               clean=text(max_length=100)),
        Column("day", gettext_lazy("Date"), ("日期",), clean=day()),
        Column("hours", gettext_lazy("Online hours"), ("在线时长", "旺旺在线时长"),
               clean=decimal(minimum=0, maximum=MAX_ONLINE_HOURS)),
        # Optional: many exports carry them; scoring's KPIs customers and response_time are fed from them.
        Column("customers", gettext_lazy("Customers served"), ("接待人数", "接待客户数", "咨询人数"),
               required=False, clean=decimal(places=0, minimum=0, maximum=MAX_CUSTOMERS_SERVED)),
        Column("response", gettext_lazy("Average response time (seconds)"), ("平均响应时间", "平均响应时长"),
               required=False, clean=decimal(minimum=0, maximum=MAX_RESPONSE_SECONDS)),
    )
    unique = (("account", "day"),)
    allow_empty = True


@transaction.atomic
def import_online_hours(programme: Programme, data: bytes, user, visible_team_ids: set[int] | None,
                        *, chosen: Chosen | None = None) -> ImportResult:
    """Import the customer-service platform's online-hours export.

    The file is read by :class:`OnlineHoursImport` (CSV or .xlsx). Each
    account is matched to an enrolment of the programme by
    ``Enrolment.shop_account_id``; with ``visible_team_ids`` (a mentor) only
    students of those teams may be matched. Every row is checked first; any
    bad or unmatched row means nothing is written and every problem is
    listed with its row and column; so is a day after the last day of a
    student who left (``rules.recordable_day``: nothing is recorded or paid
    after it). Otherwise the hours are set on the days' records, and a day
    without a record is recorded as present;
    ``result.counts["written"]`` says how many. A day outside the
    programme (``rules.within_programme``: before its first phase or after
    its last, such as an Excel date of 1900 or 9999) is an error of its row.
    ``chosen`` is the header row and columns a person confirmed on the
    preview (:func:`preview_online_hours`); without it they are found by
    their aliases.
    """
    result = OnlineHoursImport().read(data, chosen=chosen)
    parsed = [(row.number, row["account"], row["day"], roster_rules.q2(row["hours"]),
               _figures(row.get("customers"), row.get("response"))) for row in result.rows]
    if result.file_error:
        return result
    accounts = {p[1] for p in parsed}
    enrolments = {
        e.shop_account_id: e
        for e in Enrolment.objects.filter(programme=programme, shop_account_id__in=accounts).select_related("student")
    }
    left = last_days(e.pk for e in enrolments.values())
    span = programme_span(programme)
    for n, account, when, _hours, _extra in parsed:
        if not rules.within_programme(when, span=span):
            result.add_error(n, "day", _("%(day)s is outside the programme (%(first)s to %(last)s).") % {
                "day": when.isoformat(), "first": span[0].isoformat(), "last": span[1].isoformat()}
                if span else _("The programme has no phases yet, so it has no days to record."), when.isoformat())
        e = enrolments.get(account)
        if e is None:
            result.add_error(n, "account", _("No student of this programme has this shop account."), account)
        elif visible_team_ids is not None and e.team_id not in visible_team_ids:
            result.add_error(n, "account", _("This shop account belongs to a student outside your teams."), account)
        elif not rules.recordable_day(when, last_day=left.get(e.pk)):
            result.add_error(n, "day", _("%(name)s left on %(last)s: %(day)s is after the last day, "
                                         "so nothing is recorded or paid for it.") % {
                "name": e.student.name, "last": left[e.pk].isoformat(), "day": when.isoformat()}, when.isoformat())
    if not result.ok or not parsed:
        return result
    matched = list(enrolments.values())
    first, last = min(p[2] for p in parsed), max(p[2] for p in parsed)
    existing = {
        (r.enrolment_id, r.day): r
        for r in Attendance.objects.filter(enrolment__in=[e.pk for e in matched], day__gte=first, day__lte=last)
    }
    context = DayContext(programme, matched, first, last)
    updates, creates = [], []
    for _n, account, when, hours, figures in parsed:
        e = enrolments[account]
        record = existing.get((e.pk, when))
        if record is not None:
            # The version moves, so a grid loaded before the import sees the change.
            record.online_hours, record.recorded_by, record.version = hours, user, F("version") + 1
            updates.append(record)
        else:
            record = context.row(programme, e.pk, when, rules.PRESENT, hours, user)
            creates.append(record)
        # An empty cell (or a column not chosen) keeps what the day already holds.
        for name, value in figures.items():
            if value is not None:
                setattr(record, name, value)
    Attendance.objects.bulk_update(updates, ["online_hours", "customers_served", "response_seconds", "recorded_by",
                                             "version"], batch_size=1000)
    bulk.insert(Attendance, creates)  # COPY on PostgreSQL
    result.counts["written"] = len(updates) + len(creates)
    if any(v is not None for p in parsed for v in p[4].values()):
        services.after_platform_import(programme=programme, enrolment_ids={e.pk for e in matched},
                                       days={p[2] for p in parsed}, user=user)
    return result


def _figures(customers, response) -> dict:
    """The optional platform figures of a row as the Attendance fields they go to."""
    return {"customers_served": None if customers is None else int(customers),
            "response_seconds": None if response is None else roster_rules.q2(response)}


def preview_online_hours(programme: Programme, data: bytes) -> Preview:
    """The export's header and first rows, with the columns preselected: the
    header texts last confirmed for this programme, else the aliases."""
    return OnlineHoursImport().preview(data, known=remembered_columns(programme))


def confirm_online_hours(upload: OnlineHoursUpload, chosen: Chosen, user,
                         visible_team_ids: set[int] | None) -> ImportResult:
    """Import a waiting upload with the columns a person confirmed.

    All or nothing, as :func:`import_online_hours`. Once written, the
    chosen header texts are remembered for the programme (the next file of
    this layout is preselected) and the encrypted upload is deleted.
    """
    with transaction.atomic():
        result = import_online_hours(upload.programme, services.read_online_hours_upload(upload), user,
                                     visible_team_ids, chosen=chosen)
        if result.ok:
            services.remember_online_hours_columns(
                programme=upload.programme,
                columns={key: header_key(text) for key, text in result.header.texts.items()})
            services.discard_online_hours_upload(upload=upload)
    return result
