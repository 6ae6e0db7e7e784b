"""Optimistic concurrency for grids of cells (attendance week, KPI grid).

Two people (or one in two tabs) load the same grid and each changes some
cells. A whole-form save would write every cell with what its page showed
when it was loaded and so undo the other person's work. Instead:

- every stored cell (one row) carries a ``version`` that every write adds one to;
- the grid renders, per cell, a hidden field with the version it showed and
  the value it showed (``token``; version 0: no record then);
- a save writes only the cells whose posted value differs from the value
  shown (``outcome``), and only while the stored version is still the one
  shown — with a conditional ``UPDATE ... WHERE version = N`` (or an insert
  that fails when someone created the row meanwhile), so a race between the
  read and the write is caught as well.

A cell someone else changed since the page was loaded is a conflict: it is
not written, and the page shows both values. ``outcome`` is pure; the
writers are in each app's ``services.py``; ``upsert_bumping_version`` is the
bulk writer of imports, which write regardless but still move the version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models
from django.db.models import Case, F, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from trainingweek import bulk

WRITE, SKIP, CONFLICT = "write", "skip", "conflict"
SEPARATOR = "|"


@dataclass(frozen=True)
class Loaded:
    """What a grid cell showed when its page was loaded: the row's version
    (0: there was no row) and its value (``None`` or a tuple for an empty cell)."""

    version: int
    value: Any


def outcome(*, posted: Any, loaded: Loaded, current: Loaded) -> str:
    """What a save does with one posted cell: ``WRITE``, ``SKIP`` or ``CONFLICT``.

    ``current`` is the stored row now (version 0 and the empty value: no row).

    - posted as loaded: the user did not change it, so it is no write,
      whatever happened to the row since (a client that posts every cell
      changes nothing it did not touch);
    - changed, and the row is still as loaded (same version and value; the
      value guards against a row deleted and created again at version 1):
      write it;
    - changed, the row has moved on, but it already holds the posted value:
      someone made the same change, nothing to write;
    - otherwise a conflict: the user's value is kept for them, not written.

    >>> a = Loaded(2, "present")
    >>> outcome(posted="present", loaded=a, current=Loaded(3, "late"))
    'skip'
    >>> outcome(posted="absent", loaded=a, current=a)
    'write'
    >>> outcome(posted="absent", loaded=a, current=Loaded(3, "late"))
    'conflict'
    >>> outcome(posted="late", loaded=Loaded(0, None), current=Loaded(1, "late"))
    'skip'
    """
    if posted == loaded.value:
        return SKIP
    if current == loaded:
        return WRITE
    if posted == current.value:
        return SKIP
    return CONFLICT


def partition(cells: Sequence[Any], *, row_of: Callable[[Any], Any], loaded_of: Callable[[Any], Loaded]):
    """Sort posted cells (each with ``.value`` and ``.loaded``) by :func:`outcome`:
    the cells lost to someone else's change, and ``(cell, stored row)`` pairs
    to write; cells posted as loaded, or already as posted, are neither.
    ``row_of(cell)`` is the stored row now (or None), ``loaded_of(row)`` what
    that row holds as a :class:`Loaded`."""
    lost, writes = [], []
    for cell in cells:
        row = row_of(cell)
        decision = outcome(posted=cell.value, loaded=cell.loaded, current=loaded_of(row))
        if decision == CONFLICT:
            lost.append(cell)
        elif decision == WRITE:
            writes.append((cell, row))
    return lost, writes


def conflict_message(where: str, *, current: str, yours: str) -> str:
    """What a person reads about a cell that was not saved: ``where`` names the
    student and the day or KPI; both values are shown as people read them."""
    return _("%(where)s was changed by someone else after you opened this page: it is now “%(current)s”. "
             "Your entry “%(yours)s” was not saved and is kept in the grid; save again to replace the new value "
             "with it.") % {"where": where, "current": current, "yours": yours}


def token(version: int, *values: str) -> str:
    """The hidden field of a cell: its version and the texts it showed.

    >>> token(3, "present", "8.5")
    '3|present|8.5'
    """
    return SEPARATOR.join([str(version), *values])


def parse_token(text: str | None, parts: int) -> tuple[int, list[str]] | None:
    """``(version, texts)`` from a cell's hidden field, ``None`` when it is
    missing or unreadable (the caller then assumes an empty cell at version 0,
    so nothing already stored is overwritten blindly).

    >>> parse_token("3|present|8.5", 2)
    (3, ['present', '8.5'])
    >>> parse_token("x|1", 1) is None, parse_token(None, 1) is None
    (True, True)
    """
    if text is None:
        return None
    version, *values = text.split(SEPARATOR, parts)
    if not version.isdigit() or len(values) != parts:
        return None
    return int(version), values


def upsert_bumping_version(model: type[models.Model], objs: Sequence[models.Model], *, unique_fields: Sequence[str],
                           update_fields: Sequence[str]) -> None:
    """Insert ``objs`` or update the rows with the same ``unique_fields``,
    adding one to the version of each updated row
    (:func:`trainingweek.bulk.upsert`: ``INSERT ... ON CONFLICT DO UPDATE``,
    through COPY and a staging table on PostgreSQL for many rows).

    For writers that write regardless (imports, demo data): the version still
    moves, so a grid loaded before the import reports the cell as changed
    instead of overwriting the imported value. ``bulk_create(update_conflicts=True)``
    can only copy the new values, not add to the old one.
    """
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.name != "version"]
    bulk.upsert(model, [f.attname for f in fields], [[f.pre_save(obj, True) for f in fields] for obj in objs],
                unique_fields=unique_fields, update_fields=update_fields, version="version")


class Raced(Exception):
    """A row moved between the read and the conditional write: the caller
    rolls its savepoint back and writes cell by cell to learn which."""


def _expected(rows: Sequence[models.Model]) -> Case:
    return Case(*[When(pk=row.pk, then=Value(row.version)) for row in rows], output_field=models.IntegerField())


def update_unchanged(queryset: models.QuerySet, changes: Sequence[tuple[models.Model, dict]], *,
                     batch_size: int = 200) -> int:
    """Update each ``(row, values)`` only if its version is still ``row.version``,
    adding one to it: ``UPDATE ... SET f = CASE pk ... END, version = version + 1
    WHERE pk IN (...) AND version = CASE pk ... END``, one statement per batch.
    Returns the number of rows updated (fewer than asked: someone got there first)."""
    model = queryset.model
    updated = 0
    for start in range(0, len(changes), batch_size):
        batch = changes[start:start + batch_size]
        names = sorted({name for _row, values in batch for name in values})
        sets = {}
        for name in names:
            field = model._meta.get_field(name)
            case = Case(*[When(pk=row.pk, then=Value(values[name], output_field=field))
                          for row, values in batch], output_field=field)
            # As Django's bulk_update does: PostgreSQL types a CASE of parameters as text.
            if connections[queryset.db].features.requires_casted_case_in_updates:
                case = Cast(case, output_field=field)
            sets[field.attname] = case
        rows = [row for row, _values in batch]
        updated += queryset.filter(pk__in=[r.pk for r in rows], version=_expected(rows)).update(
            **sets, version=F("version") + 1)
    return updated


def delete_unchanged(queryset: models.QuerySet, rows: Sequence[models.Model], *, batch_size: int = 500) -> int:
    """Delete each row only if its version is still ``row.version``; returns how many were."""
    deleted = 0
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        deleted += queryset.filter(pk__in=[r.pk for r in batch], version=_expected(batch)).delete()[1].get(
            queryset.model._meta.label, 0)
    return deleted
