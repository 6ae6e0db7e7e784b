"""Lookups the ORM lacks.

- ``field__any=values``: on PostgreSQL ``field = ANY(%s)`` with the values
  as one array parameter, elsewhere the ``IN (...)`` of ``field__in``. An
  ``IN`` list of 500 ids (a freezing chunk's students) is one placeholder per
  value for Django and psycopg to build and split, and a literal per value
  for PostgreSQL to parse and plan; the array is one. Same rows either way
  (``tests/trainingweek/test_lookups.py``). Registered on every field (and
  foreign key) by :class:`trainingweek.apps.TrainingweekConfig`.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def _as_array(lookup, compiler, connection):
    if not lookup.rhs_is_direct_value():  # a subquery: IN (SELECT ...)
        return lookup.as_sql(compiler, connection)
    lhs, lhs_params = lookup.process_lhs(compiler, connection)
    # The values as In keeps them (None left out, each once; none at all: no rows),
    # prepared by the field once each, without a placeholder per value.
    values = [v for v in dict.fromkeys(lookup.rhs) if v is not None]
    if not values:
        raise EmptyResultSet
    prepare = lookup.lhs.output_field.get_db_prep_value
    return f"{lhs} = ANY(%s)", (*lhs_params, [prepare(v, connection, prepared=True) for v in values])


class AnyOf(In):
    """``field__any=values``: ``= ANY(array)`` on PostgreSQL, ``IN`` elsewhere."""

    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        return _as_array(self, compiler, connection)


class RelatedAnyOf(RelatedIn):
    """``foreign_key__any=values`` (ids or instances), as :class:`AnyOf`."""

    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        if isinstance(self.lhs, tuple) or len(self.lhs.output_field.get_path_info()[-1].target_fields) != 1:
            return self.as_sql(compiler, connection)  # a key of several columns: IN
        return _as_array(self, compiler, connection)
