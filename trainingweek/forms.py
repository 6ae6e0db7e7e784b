"""Form pieces shared by every area: the one money field, the one date
field with its window, the one name field, uploads."""

import html
from datetime import date, timedelta

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trainingweek.money import MAX_DIGITS, parse_amount
from trainingweek.text import clean_name

# What the browser's file picker offers (a hint only: the importer decides
# by content, see trainingweek.imports).
ACCEPT_XLSX = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPT_TABLE = ACCEPT_XLSX + ",.csv,text/csv"


class UploadField(forms.FileField):
    """A file upload within ``settings.IMPORT_MAX_BYTES`` (the limit the
    upload pages state); what the file holds is checked by its reader
    (:class:`trainingweek.imports.Importer`). ``accept`` (e.g.
    :data:`ACCEPT_TABLE`) filters the browser's file picker."""

    def __init__(self, *args, accept: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if accept:
            self.widget.attrs.setdefault("accept", accept)

    def validate(self, value):
        super().validate(value)
        limit = settings.IMPORT_MAX_BYTES
        if value and value.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}, code="too_large"
            )


def upload_limits() -> dict:
    """The limits an upload page states (``max_mb``, ``max_rows``, and
    ``background_rows``: above it an import runs as a background job)."""
    return {
        "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
        "max_rows": settings.IMPORT_MAX_ROWS,
        "background_rows": settings.IMPORT_BACKGROUND_ROWS,
    }


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# The stated window of any date typed in this system, when nothing narrower
# applies (a programme's dates narrow it): year 0001 or 9999 is a typo, and
# date arithmetic on it overflows.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
# Payments may follow the programme: a batch is paid up to a year after its last day.
PAY_AFTER_LAST_DAY = timedelta(days=366)
# The longest note or description typed into a text area.
NOTE_MAX_LENGTH = 2000


def date_window_problem(day: date | None, first: date | None = None, last: date | None = None) -> str | None:
    """Why ``day`` is refused, or None: outside ``first``–``last`` (each
    defaults to the stated window, :data:`FIRST_DAY`–:data:`LAST_DAY`). The
    one date check of every form and hand-parsed page; the message states
    the window."""
    first, last = first or FIRST_DAY, last or LAST_DAY
    if day is None or first <= day <= last:
        return None
    return gettext("Enter a date from %(first)s to %(last)s.") % {
        "first": f"{first:%Y-%m-%d}", "last": f"{last:%Y-%m-%d}"}


class DayField(forms.DateField):
    """A date inside a window: the stated one by default, narrowed by the
    form with :meth:`set_window` (e.g. to the programme's days). The browser's
    date picker gets the same bounds (``min``/``max``)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, *args, first: date | None = None, last: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_window(first, last)

    def set_window(self, first: date | None, last: date | None) -> None:
        """Accept only days from ``first`` to ``last`` (None: the stated window's end)."""
        self.first, self.last = first or FIRST_DAY, last or LAST_DAY
        self.widget.attrs.update({"min": f"{self.first:%Y-%m-%d}", "max": f"{self.last:%Y-%m-%d}"})

    def validate(self, value):
        super().validate(value)
        problem = date_window_problem(value, self.first, self.last)
        if problem:
            raise forms.ValidationError(problem, code="outside_window")


def set_date_window(form: forms.BaseForm, first: date | None, last: date | None, *names: str) -> None:
    """Narrow the named date fields of ``form`` (every :class:`DayField` of it
    when no name is given) to ``first``–``last``."""
    for name, field in form.fields.items():
        if isinstance(field, DayField) and (not names or name in names):
            field.set_window(first, last)


class MoneyField(forms.DecimalField):
    """The one form field for an amount of money (CNY): a non-negative
    Decimal with two places, by :func:`trainingweek.money.parse_amount`
    (NaN, Infinity, 1e400, a third decimal place, a minus sign and more
    digits than the column holds are refused with the reason, never rounded).
    ``min_value`` may raise the floor (e.g. above zero)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parse_amount(value, max_digits=self.max_digits or MAX_DIGITS)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None

    def validate(self, value):
        # parse_amount checked the digits and places; the base would repeat it in English.
        forms.Field.validate(self, value)

    def run_validators(self, value):
        if value in self.empty_values:
            return
        minimum = getattr(self, "min_value", None)
        if minimum is not None and value < minimum:
            raise forms.ValidationError(
                gettext("Enter an amount of at least %(min)s.") % {"min": minimum}, code="min_value")
        maximum = getattr(self, "max_value", None)
        if maximum is not None and value > maximum:
            raise forms.ValidationError(
                gettext("Enter an amount of at most %(max)s.") % {"max": maximum}, code="max_value")


class NameField(forms.CharField):
    """A name or number (class, team, account holder, company): the rule of
    :func:`trainingweek.text.clean_name` (NFKC, no invisible or control
    characters), the same the importers apply; over-long text is refused by
    the ``max_length`` the field states (``maxlength`` in the HTML)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return clean_name(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invisible") from None


def note_field(label, *, required: bool = False, rows: int = 2, max_length: int = NOTE_MAX_LENGTH) -> forms.CharField:
    """A free-text note with its stated limit (``maxlength`` in the HTML, the
    limit in the message), refused above it, never cut."""
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}))


class NoFormTagHelper(FormHelper):
    form_tag = False
    disable_csrf = True


class ProgrammeItemForm(forms.ModelForm):
    """A form for something that belongs to one programme and is known there
    by a unique name (a class, a team, a shift): the programme is fixed by the
    page, and a clash of names is an error on the form, not a database error."""

    duplicate_name_message = _("This programme already has one of that name.")

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.programme = programme
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))

    def clean_name(self):
        try:
            name = clean_name(self.cleaned_data["name"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        model = type(self.instance)
        clash = model.objects.filter(programme=self.instance.programme, name=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(self.duplicate_name_message)
        return name


class ManyOptionsSelect(forms.Select):
    """A ``<select>`` written in Python: the HTML Django's ``Select`` renders
    (tests/trainingweek/test_many_options_select.py compares the two), without
    rendering a template, or building a context dict, per option. For choices
    that grow with a programme (its thousand teams, its classes): Django's
    option templates cost some 70 µs an option, its option dicts 25 µs more."""

    def render(self, name, value, attrs=None, renderer=None):
        # The select's own context as Django builds it (name, attributes, the
        # chosen values as text), without ChoiceWidget's per-option dicts.
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        if self.allow_multiple_selected:
            widget["attrs"]["multiple"] = True
        chosen, multiple, has_selected = set(widget["value"]), self.allow_multiple_selected, False
        parts = []

        def option(option_value, label) -> str:
            # As ChoiceWidget.optgroups: one option selected unless multiple.
            nonlocal has_selected
            selected = (not has_selected or multiple) and str(option_value) in chosen
            has_selected |= selected
            # A plain str (a name read from the database) is escaped as Django's
            # ``escape`` does it, without ``conditional_escape``'s look for ``__html__``.
            text = html.escape(label) if type(label) is str else conditional_escape(label)
            return f'<option value="{html.escape(str(option_value))}"{" selected" if selected else ""}>{text}</option>'

        for option_value, label in self.choices:
            if option_value is None:
                option_value = ""
            if isinstance(label, (list, tuple)):
                group = mark_safe("".join(option(v, sub) for v, sub in label))  # noqa: S308 (escaped)
                # Django's template writes the optgroup tag only for a group with a name.
                parts.append(format_html('<optgroup label="{}">{}</optgroup>', option_value, group) if option_value
                             else group)
            else:
                parts.append(option(option_value, label))
        return format_html("<select name=\"{}\"{}>{}</select>", widget["name"], flatatt(widget["attrs"]),
                           mark_safe("".join(parts)))  # noqa: S308 (every value and label escaped above)


class NamedOptionsIterator(ModelChoiceIterator):
    """A model choice field's options as (id, name) pairs read in one query,
    not a model instance per option: a programme's thousand teams cost a
    thousand instances otherwise. For models whose label is their ``name``
    (``str()`` returns it); the empty and the "none" (django-filter's
    ``null_label``) options first, as Django and django-filter write them.
    Validation is the field's own (the posted id is looked up in its queryset)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:
            yield (self.field.null_value, self.field.null_label)
        yield from self.queryset.values_list("pk", "name")

    def __len__(self):
        extra = (self.field.empty_label is not None) + (getattr(self.field, "null_label", None) is not None)
        return self.queryset.count() + extra


class NamedModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = NamedOptionsIterator


class NamedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter by a class or team of the programme: its options by name
    (:class:`NamedOptionsIterator`) in a :class:`ManyOptionsSelect`."""

    field_class = NamedModelChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", ManyOptionsSelect)
        super().__init__(*args, **kwargs)


class SearchableSelect(ManyOptionsSelect):
    """A select the user can type into (tom-select, vendored; static/js/pickers.js):
    for long lists such as a programme's students. Without JavaScript it is a
    plain select, so it submits and validates exactly as one."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-picker": "search", "data-no-results": _("No match"), **(attrs or {})}, choices)
