from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.agreements import rules
from trainingweek.history import audit_history
from trainingweek.models import Organisation

MONEY = {"max_digits": 12, "decimal_places": 2}


class Agreement(models.Model):
    """合作协议: the multi-year framework between a school and a company.

    The money clauses carry the defaults of the source agreements and are
    editable per agreement; programmes under it inherit them.
    """

    school = models.ForeignKey(
        Organisation, verbose_name=_("School"), on_delete=models.PROTECT,
        related_name="school_agreements", limit_choices_to={"kind": Organisation.Kind.SCHOOL},
    )
    company = models.ForeignKey(
        Organisation, verbose_name=_("Company"), on_delete=models.PROTECT,
        related_name="company_agreements", limit_choices_to={"kind": Organisation.Kind.COMPANY},
    )
    course_title = models.CharField(_("Course title"), max_length=200)
    signed_on = models.DateField(_("Signed on"))
    term_start = models.DateField(_("Term start"))
    term_end = models.DateField(_("Term end"))

    deposit_amount = models.DecimalField(_("Deposit (CNY)"), default=Decimal("10000.00"), **MONEY)
    deposit_due_working_days = models.PositiveSmallIntegerField(
        _("Deposit: working days before start"), default=10,
        help_text=_("Within how many working days before each programme starts the deposit is paid"),
    )
    lab_subsidy_per_computer_day = models.DecimalField(
        _("Lab subsidy (CNY per computer per day)"), default=Decimal("13.00"), **MONEY
    )
    room_rent_per_day = models.DecimalField(_("Room rent without equipment (CNY/day)"), default=Decimal("300.00"), **MONEY)
    settlement_due_working_days = models.PositiveSmallIntegerField(
        _("Settlement: working days after the end"), default=30, help_text=_("Within how many working days after the programme ends all fees are settled")
    )
    good_conduct_bonus = models.DecimalField(_("Good-conduct bonus (CNY)"), default=Decimal("1000.00"), **MONEY)
    insurance_days_before_practice = models.PositiveSmallIntegerField(
        _("Insurance: days before practice"), default=2, help_text=_("How many days before practice starts accident insurance must be bought")
    )
    stipend_pay_by_month = models.PositiveSmallIntegerField(_("Stipends due: month"), default=12)
    stipend_pay_by_day = models.PositiveSmallIntegerField(_("Stipends due: day"), default=30)
    notes = models.TextField(_("Notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # The money clauses (deposit, fees, bonus) are in the audit history.
    history = audit_history()

    class Meta:
        verbose_name = _("Agreement")
        verbose_name_plural = _("Agreements")
        ordering = ["-term_start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(term_end__gte=models.F("term_start")), name="agreement_term_order"),
        ]

    def __str__(self):
        return f"{self.course_title}（{self.school} × {self.company}）"


class Programme(models.Model):
    """实训项目: one year's run of training under an agreement."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("Agreement"), on_delete=models.PROTECT, related_name="programmes"
    )
    year = models.PositiveSmallIntegerField(_("Year"))
    name = models.CharField(_("Programme name"), max_length=200)
    brands = models.CharField(_("Brands"), max_length=300, blank=True, help_text=_("Separate several brands with commas"))
    headcount_target = models.PositiveIntegerField(_("Headcount target"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Programme")
        verbose_name_plural = _("Programmes")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "year", "name"], name="programme_unique_name"),
        ]

    def __str__(self):
        return f"{self.year} {self.name}"

    @property
    def school(self):
        return self.agreement.school

    @property
    def company(self):
        return self.agreement.company


class Phase(models.Model):
    """阶段: a date range of the programme with one kind of work."""

    class Kind(models.TextChoices):
        TRAINING = rules.PHASE_TRAINING, _("Training")
        INTENSIVE = rules.PHASE_INTENSIVE, _("Intensive training")
        PRACTICE = rules.PHASE_PRACTICE, _("Practice")
        PRE_SALE = rules.PHASE_PRE_SALE, _("Pre-sale")
        AFTER_SALE = rules.PHASE_AFTER_SALE, _("After-sale")

    programme = models.ForeignKey(Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("Phase"), max_length=20, choices=Kind.choices)
    start = models.DateField(_("Start"))
    end = models.DateField(_("End"))

    class Meta:
        verbose_name = _("Phase")
        verbose_name_plural = _("Phase")
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="phase_date_order"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start:%Y-%m-%d}—{self.end:%Y-%m-%d}"
