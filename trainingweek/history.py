"""The audit history of money and personal data (django-simple-history).

Every model that holds money or personal data declares
``history = audit_history()``: each save and delete then writes a row to its
``Historical…`` table with who (the request's user, through
``HistoryRequestMiddleware``), when, the whole record as it stood, and the
client's address (:class:`trainingweek.models.AuditHistoryBase`, filled by
:func:`_fill_ip_address` from :func:`trainingweek.http.client_address`).
Encrypted fields keep their class in the history table, so an ID number or a
bank card is stored there encrypted exactly as in the record itself.

Writes that bypass ``save`` (``bulk_create``, ``bulk_update``,
``QuerySet.update``) record their rows with :func:`record_history` or
simple-history's ``bulk_update_with_history`` (given :func:`history_attrs`);
many new records are written with :func:`insert_with_history` (COPY on
PostgreSQL, records and history rows alike), or from plain values with
:func:`insert_values_with_history` (no model instance per record).

A model names its personal fields in ``AUDIT_MASKED`` (field → masking
function) and the columns not worth showing in ``AUDIT_HIDDEN``; pages show
the history through :func:`history_entries` (masked, a fixed number of
queries) and the admin through :class:`trainingweek.admin.AuditHistoryAdmin`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models, router, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record
from simple_history.utils import bulk_create_with_history

from trainingweek import bulk
from trainingweek.http import client_address
from trainingweek.models import AuditHistoryBase
from trainingweek.money import money

ALWAYS_HIDDEN = frozenset({"updated_at"})


def audit_history(**options) -> HistoricalRecords:
    """The history descriptor of an audited model: rows carry the client's address."""
    return HistoricalRecords(bases=[AuditHistoryBase], **options)


def current_request():
    """The request being served (set by ``HistoryRequestMiddleware``), if any."""
    return getattr(HistoricalRecords.context, "request", None)


def current_user():
    """The signed-in user of the request being served, or ``None`` (a job, a shell)."""
    user = getattr(current_request(), "user", None)
    return user if user is not None and user.is_authenticated else None


def _address() -> str | None:
    request = current_request()
    return client_address(request) if request is not None else None


def history_attrs() -> dict:
    """The extra columns of a history row written in bulk (simple-history's
    ``custom_historical_attrs``): the client's address."""
    return {"ip_address": _address()}


@receiver(pre_create_historical_record)
def _fill_ip_address(sender, history_instance, **kwargs):
    """Every history row written by a save or delete records where the request came from."""
    if isinstance(history_instance, AuditHistoryBase) and not history_instance.ip_address:
        history_instance.ip_address = _address()


def record_history(objs, *, model=None, user=None, created: bool = False) -> None:
    """Write one history row per object as it stands now, for writes that
    bypassed ``save`` (``QuerySet.update``, an upsert): who is ``user`` or the
    request's user, the address is the request's."""
    objs = list(objs)
    if not objs:
        return
    model = model or type(objs[0])
    model.history.bulk_history_create(objs, update=not created, default_user=user or current_user(),
                                      custom_historical_attrs=history_attrs())


def insert_with_history(objs, *, model=None, user=None) -> list:
    """Write new records in bulk (:func:`trainingweek.bulk.insert`: COPY on
    PostgreSQL) with their "created" history rows, in one transaction; returns
    the records with their ids.

    The history rows are what simple-history's ``bulk_create_with_history``
    writes: type ``+``, one ``history_date`` for all, ``history_user`` the
    record's ``_history_user``, else ``user``, else the request's user (the
    model's default), no change reason, and the client's address
    (:func:`history_attrs`). On PostgreSQL they are made on the server from
    the records just copied (one ``INSERT ... SELECT``; records naming
    different users: a COPY of the values just copied), so an encrypted card
    is the same token in both and nothing is encrypted or sent twice;
    elsewhere simple-history writes them.
    """
    objs = list(objs)
    if not objs:
        return objs
    model = model or type(objs[0])
    if not bulk.copies(connections[router.db_for_write(model)]):
        return bulk_create_with_history(objs, model, default_user=user or current_user(), default_date=timezone.now(),
                                        custom_historical_attrs=history_attrs())
    with transaction.atomic(using=router.db_for_write(model), savepoint=False):
        objs, fields, rows = bulk.insert_copied(model, objs)
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            user = user or current_user()
            who = {_history_user(model, obj, user) for obj in objs}
            if len(who) == 1:
                _history_from_records(model, [obj.pk for obj in objs], who.pop())
            else:
                _copy_history(model, objs, fields, rows, user)
    return objs


def insert_values_with_history(model, rows, *, user=None) -> list[int]:
    """:func:`insert_with_history` for records given as plain values
    (``{attname: value}``, see :func:`trainingweek.bulk.insert_values`):
    on PostgreSQL no model instance is made, the rows are copied and their
    "created" history rows made on the server from them (one ``INSERT ...
    SELECT``), all naming ``user`` or the request's user; elsewhere, or
    with no user at all (the model's default decides per record), the
    instances go through :func:`insert_with_history`. Returns the ids in
    the rows' order."""
    rows = list(rows)
    if not rows:
        return []
    user = user or current_user()
    if user is None or not bulk.copies(connections[router.db_for_write(model)]):
        return [obj.pk for obj in insert_with_history([model(**row) for row in rows], model=model, user=user)]
    with transaction.atomic(using=router.db_for_write(model), savepoint=False):
        ids = bulk.insert_values(model, rows)
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            _history_from_records(model, ids, user)
    return ids


def _history_user(model, obj, user):
    """Who a bulk history row names, as simple-history decides it."""
    who = getattr(obj, "_history_user", user)
    return model.history.model.get_default_history_user(obj) if who is None else who


def _history_from_records(model, ids, user) -> None:
    """The "created" history rows of the records ``ids`` just written, all by ``user``:
    one ``INSERT ... SELECT`` from the records themselves on the server (the
    values are not sent, nor the JSON parsed, a second time)."""
    history = model.history.model
    connection = connections[router.db_for_write(history)]
    quote = connection.ops.quote_name
    own = {f.attname: f for f in history._meta.concrete_fields}
    targets = [own[f.attname].column for f in history.tracked_fields]
    sources = [f.column for f in history.tracked_fields]
    extra = history_attrs()
    fixed = [own["history_date"], own["history_change_reason"], own["history_type"], *(own[n] for n in extra),
             history._meta.get_field("history_user")]
    values = [bulk.converter(f, connection)(value) for f, value in zip(
        fixed, [timezone.now(), None, "+", *extra.values(), getattr(user, "pk", None)], strict=True)]
    targets += [f.column for f in fixed]
    select = [f"{quote(model._meta.db_table)}.{quote(c)}" for c in sources] + ["%s"] * len(values)
    if hasattr(history, "history_relation"):
        targets.append(own["history_relation_id"].column)
        select.append(quote(model._meta.pk.column))
    pk = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(quote(c) for c in targets)}) "
            f"SELECT {', '.join(select)} FROM {quote(model._meta.db_table)} WHERE {pk} = ANY(%s) ORDER BY {pk}",
            [*values, list(ids)])


def _copy_history(model, objs, fields, rows, user) -> None:
    """The "created" history rows of records just copied (see :func:`insert_with_history`)."""
    history = model.history.model
    connection = connections[router.db_for_write(history)]
    copied = {f.attname: (i, f) for i, f in enumerate(fields)}
    own = {f.attname: f for f in history._meta.concrete_fields}
    names, reuse, fresh = [], [], []
    for f in history.tracked_fields:
        names.append(f.attname)
        at, original = copied.get(f.attname, (None, None))
        same = original is not None and type(own[f.attname]) is type(original)
        # The record's value as copied where the history column is the same kind of field.
        reuse.append(at if same else None)
        fresh.append(None if same else bulk.converter(own[f.attname], connection))
    extra = history_attrs()
    user_column = history._meta.get_field("history_user").attname
    relation = hasattr(history, "history_relation")
    fixed = ["history_date", "history_change_reason", "history_type", *extra]
    fixed_values = [bulk.converter(own[name], connection)(value) for name, value in zip(
        fixed, [timezone.now(), None, "+", *extra.values()], strict=True)]
    convert_user = bulk.converter(own[user_column], connection)
    out = []
    for obj, row in zip(objs, rows, strict=True):
        who = _history_user(model, obj, user)
        values = [row[at] if at is not None else convert(getattr(obj, name))
                  for name, at, convert in zip(names, reuse, fresh, strict=True)]
        values += fixed_values
        values.append(convert_user(getattr(who, "pk", None)))
        if relation:
            values.append(obj.pk)
        out.append(values)
    columns = [*names, *fixed, user_column, *(["history_relation_id"] if relation else [])]
    bulk.insert_rows(history, columns, out, prepared=True)


# --------------------------------------------------------------------------- reading


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    """One row of a record's history as a page shows it."""

    at: datetime
    kind: str
    user: str
    ip_address: str
    subject: str
    changes: list[Change] = field(default_factory=list)


def _shown_fields(model) -> list[models.Field]:
    hidden = ALWAYS_HIDDEN | set(getattr(model, "AUDIT_HIDDEN", ()))
    tracked = {f.name for f in model.history.model.tracked_fields}  # not the fields left out of the history
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in hidden and f.name in tracked]


def _show(f: models.Field, value, masked: dict, users: dict) -> str:
    if value is None or value == "":
        return "—"
    if f.name in masked:
        return masked[f.name](str(value))
    if f.is_relation:
        if f.related_model is get_user_model():
            return users.get(value, f"#{value}")
        return f"#{value}"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(f, models.DecimalField) and f.decimal_places == 2:
        return f"{money(value):,}"  # the one money format of the pages (|amount)
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= 80 else text[:77] + "…"
    return str(value)


def history_entries(model, *, limit: int = 50, **filters) -> list[Entry]:
    """The history of the records of ``model`` whose history rows match
    ``filters`` (``id__in=[…]``, or e.g. ``programme=…`` to include deleted
    records), newest first, at most ``limit`` entries: who, when, from where,
    and each changed field as old → new (personal fields masked, never in
    clear). At most two queries whatever the number of records or rows
    (history with its users, then the users named in user columns)."""
    pk_name = model._meta.pk.attname
    rows = list(model.history.model.objects.filter(**filters)
                .select_related("history_user").order_by(pk_name, "history_date", "history_id"))
    shown = _shown_fields(model)
    masked = getattr(model, "AUDIT_MASKED", {})
    user_model = get_user_model()
    user_ids = {getattr(r, f.attname) for r in rows for f in shown
                if f.is_relation and f.related_model is user_model} - {None}
    users = {u.pk: str(u) for u in user_model.objects.filter(pk__in=user_ids)} if user_ids else {}
    kinds = {"+": _("Record created"), "~": _("Record changed"), "-": _("Record deleted")}
    entries, previous = [], {}
    for row in rows:
        before = previous.get(getattr(row, pk_name))
        changes = []
        if row.history_type != "-":
            for f in shown:
                new = getattr(row, f.attname)
                old = getattr(before, f.attname) if before is not None else None
                if before is None and (new is None or new == ""):
                    continue
                if before is not None and old == new:
                    continue
                changes.append(Change(str(capfirst(f.verbose_name)), _show(f, old, masked, users),
                                      _show(f, new, masked, users)))
        if row.history_type != "~" or changes:
            entries.append((row.history_date, row.history_id, Entry(
                at=row.history_date, kind=kinds.get(row.history_type, row.history_type),
                user=str(row.history_user) if row.history_user else _("system"),
                ip_address=row.ip_address or "—", subject=f"{capfirst(model._meta.verbose_name)} #{getattr(row, pk_name)}",
                changes=changes)))
        previous[getattr(row, pk_name)] = row
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    return [e for _d, _i, e in entries[:limit]]


def merged(*histories: list[Entry], limit: int = 50) -> list[Entry]:
    """Several records' histories as one list, newest first."""
    return sorted((e for h in histories for e in h), key=lambda e: e.at, reverse=True)[:limit]
