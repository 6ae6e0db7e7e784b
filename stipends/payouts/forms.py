"""Forms of the stipends area: the rate card, a new batch, approval, the
bank's result file and the filter of a batch's items."""

import django_filters
from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from programs.students.models import SchoolClass
from programs.students.rules import check_bank_card
from programs.students.selectors import student_search
from stipends.payouts.models import PayoutItem, RateCard
from trainingweek.forms import (
    PAY_AFTER_LAST_DAY,
    DayField,
    MoneyField,
    NamedModelChoiceFilter,
    NameField,
    UploadField,
    set_date_window,
)


class NoFormTagHelper(FormHelper):
    form_tag = False
    disable_csrf = True


# The rate card's amounts of money (the rest are hours, days and the tax method).
RATE_CARD_MONEY = ("training_day", "practice_day", "overtime_hour", "support_day", "penalty_1_company",
                   "penalty_1_student", "penalty_2_company", "penalty_2_student", "penalty_3_company",
                   "penalty_3_student", "penalty_4_company", "penalty_4_student")


class RateCardForm(forms.ModelForm):
    class Meta:
        model = RateCard
        fields = ["training_day", "practice_day", "overtime_hour", "overtime_threshold_hours", "support_day",
                  "support_min_days", "penalty_1_company", "penalty_1_student", "penalty_2_company",
                  "penalty_2_student", "penalty_3_company", "penalty_3_student", "penalty_4_company",
                  "penalty_4_student", "tax_method", "bank_file_profile"]
        field_classes = dict.fromkeys(RATE_CARD_MONEY, MoneyField)

    def __init__(self, *args, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        for name, f in self.fields.items():
            if name not in ("tax_method", "bank_file_profile"):
                f.min_value = 0
                f.widget.attrs["min"] = "0"
            f.disabled = locked

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if name not in ("tax_method", "bank_file_profile") and value is not None and value < 0:
                self.add_error(name, _("Amounts cannot be negative."))
        return data


class BatchForm(forms.Form):
    school_class = forms.ModelChoiceField(label=_("Class"), queryset=None, required=False,
                                          empty_label=_("All classes"))
    up_to = DayField(label=_("Records up to"), required=False,
                     help_text=_("Attendance and incidents up to this day; empty: everything recorded"))
    pay_on = DayField(label=_("Payment date"), help_text=_("Decides the tax year and the tax table"))

    def __init__(self, *args, programme, span=None, **kwargs):
        """``span``: the programme's first and last day (records and payments fall
        from its first day to a year after its last)."""
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        self.fields["school_class"].queryset = programme.classes.all()
        if span:
            set_date_window(self, span[0], span[1] + PAY_AFTER_LAST_DAY)


class ApproveForm(forms.Form):
    confirmed = forms.BooleanField(label=_("I have reviewed the checks listed above"), required=False)


class ResultUploadForm(forms.Form):
    file = UploadField(label=_("The bank's result file (.xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()


class BankDetailsForm(forms.Form):
    """Corrected bank details of a failed transfer's student. The card is
    checked by the one bank-card rule (programs.students.rules): its errors
    refuse the form, its warning is kept on ``card_warnings`` for the page."""

    bank_card = forms.CharField(label=_("Bank card"), max_length=40,
                                help_text=_("15 to 19 digits; spaces are dropped"))
    account_holder = NameField(label=_("Account holder"), max_length=50,
                               help_text=_("The name the account is held in, as the bank has it"))
    bank_name = NameField(label=_("Bank"), max_length=100, required=False)
    bank_branch = NameField(label=_("Bank branch"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        self.fields["bank_card"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.card_warnings: list[str] = []

    def clean_bank_card(self):
        checked = check_bank_card(self.cleaned_data["bank_card"])
        if checked.errors:
            raise forms.ValidationError(checked.errors[0])
        self.card_warnings = checked.warnings
        return checked.value


class PayoutItemFilter(django_filters.FilterSet):
    """A batch's items by class (the batch's own classes), status and a
    search by name or student number; finance also finds a whole ID number,
    phone or card (the student's now, or the one frozen on the item) by digest."""

    school_class = NamedModelChoiceFilter(label=_("Class"), queryset=SchoolClass.objects.none())
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PayoutItem.Status.choices)
    q = django_filters.CharFilter(label=_("Name / student no."), method="search")

    class Meta:
        model = PayoutItem
        fields = ["school_class", "status"]

    def __init__(self, *args, classes, exact_personal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["school_class"].queryset = classes
        self.exact_personal = exact_personal
        if exact_personal:
            self.filters["q"].label = _("Name / student no. / ID no. / card")

    def search(self, queryset, name, value):
        return queryset.filter(student_search(value, student="enrolment__student", exact_personal=self.exact_personal,
                                              card_digest="account_digest"))
