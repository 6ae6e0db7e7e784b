"""Forms of the settlement pages: rooms with their periods, payments, the
settlement record, and a year of the holiday calendar."""

from crispy_forms.helper import FormHelper
from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from programs.agreements.models import Programme
from stipends.settlement.models import (
    HolidayCalendarYear,
    Room,
    RoomUse,
    SettlementPayment,
    SettlementRecord,
)
from stipends.settlement.rules import RoomPeriod, parse_day_lines, period_problems
from trainingweek.forms import DATE_WIDGET, DayField, MoneyField, NameField, NoFormTagHelper


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "kind", "notes"]
        field_classes = {"name": NameField}

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.programme = programme
        self.helper = NoFormTagHelper()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Room.objects.filter(programme=self.instance.programme, name=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("This programme already has a room of that name."))
        return name


class RoomUseForm(forms.ModelForm):
    def has_changed(self):
        # A new row without dates is an unused blank row, whatever its count.
        if self.instance.pk is None and not (self["start"].data or self["end"].data):
            return False
        return super().has_changed()


class BaseRoomUseFormSet(BaseInlineFormSet):
    """The periods of one room, checked together: no day twice, and a lab's
    periods each with their number of working computers. Set ``is_lab``
    before validating."""

    is_lab = True

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        periods = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            periods.append(RoomPeriod("", self.is_lab, data["start"], data["end"], data.get("computers") or 0))
        if not periods:
            raise forms.ValidationError(_("Enter at least one period the room is used."))
        problems = period_problems(periods)
        if problems:
            raise forms.ValidationError(problems)


RoomUseFormSet = inlineformset_factory(
    Room, RoomUse, form=RoomUseForm, formset=BaseRoomUseFormSet, fields=["start", "end", "computers"], extra=3, can_delete=True,
    field_classes={"start": DayField, "end": DayField},
    widgets={
        "start": forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"),
        "end": forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"),
        "computers": forms.NumberInput(attrs={"class": "form-control form-control-sm", "min": 0}),
    },
)


class PaymentForm(forms.ModelForm):
    class Meta:
        model = SettlementPayment
        fields = ["paid_on", "kind", "amount", "note"]
        widgets = {"paid_on": DATE_WIDGET}
        field_classes = {"paid_on": DayField, "amount": MoneyField}

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.programme = programme
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("Enter an amount above zero."))
        return amount


class SettlementRecordForm(forms.ModelForm):
    class Meta:
        model = SettlementRecord
        fields = ["school_breached", "breach_note", "bonus_decision", "bonus_reason",
                  "insurance_bought_on"]
        widgets = {"insurance_bought_on": DATE_WIDGET}
        field_classes = {"insurance_bought_on": DayField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        if data.get("school_breached") and not data.get("breach_note", "").strip():
            self.add_error("breach_note", _("Say what the breach was."))
        if data.get("bonus_decision") not in (None, SettlementRecord.Bonus.RULE) and not data.get("bonus_reason", "").strip():
            self.add_error("bonus_reason", _("Give the reason for deciding the bonus by hand."))
        return data


class CalendarYearForm(forms.Form):
    """A year's holidays and adjusted working days, typed as lists of dates."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    source = forms.CharField(label=_("Source"), max_length=200, required=False,
                             help_text=_("The notice the dates come from"))
    holidays = forms.CharField(
        label=_("Holidays (days off)"), required=False, widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("One date per line, optionally followed by its name, e.g. 2027-02-06 Spring Festival. List every day off, weekends inside the break included."),
    )
    working_days = forms.CharField(
        label=_("Adjusted working days"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Weekend days worked instead (调休), one per line, e.g. 2027-02-20"),
    )

    def __init__(self, *args, fixed_year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        if fixed_year is not None:
            self.fields["year"].disabled = True
            self.fields["year"].initial = fixed_year

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not self.fields["year"].disabled and HolidayCalendarYear.objects.filter(year=year).exists():
            raise forms.ValidationError(_("%(year)s is entered already: edit it from the list.") % {"year": year})
        return year

    def clean(self):
        data = super().clean()
        year = data.get("year")
        if year is None:
            return data
        parsed = {}
        for field in ("holidays", "working_days"):
            days, problems = parse_day_lines(data.get(field, ""), year)
            for problem in problems:
                self.add_error(field, problem)
            parsed[field] = days
        both = {d.day for d in parsed["holidays"]} & {d.day for d in parsed["working_days"]}
        for day in sorted(both):
            self.add_error("working_days", _("%(day)s is listed both as a holiday and as a working day.") % {"day": day})
        data["holiday_lines"] = parsed["holidays"]
        data["working_day_lines"] = parsed["working_days"]
        return data

    @staticmethod
    def initial_for(entry: HolidayCalendarYear) -> dict:
        def lines(kind):
            return "\n".join(f"{d.day:%Y-%m-%d} {d.name}".rstrip() for d in entry.days.all() if d.kind == kind)
        return {
            "year": entry.year, "source": entry.source,
            "holidays": lines("holiday"), "working_days": lines("working_day"),
        }
