"""The shape of a programme: the agreement it runs under, its phases, classes,
teams, and the students enrolled in it."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trainingweek import crypto
from trainingweek.fields import EncryptedTextField
from trainingweek.masking import mask_bank_card, mask_id_number, mask_phone
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
        TRAINING = "training", _("Training")
        INTENSIVE = "intensive", _("Intensive training")
        PRACTICE = "practice", _("Practice")
        PRE_SALE = "pre_sale", _("Pre-sale")
        AFTER_SALE = "after_sale", _("After-sale")

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


class SchoolClass(models.Model):
    """班级: a cohort of the school taking part in the programme."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="classes"
    )
    name = models.CharField(_("Class name"), max_length=100)

    class Meta:
        verbose_name = _("Class")
        verbose_name_plural = _("Class")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="class_unique_name")]

    def __str__(self):
        return self.name


class Team(models.Model):
    """组/品牌: the students serving one brand's shop, guided by mentors."""

    programme = models.ForeignKey(Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("Team name"), max_length=100)
    brand = models.CharField(_("Brand / shop"), max_length=100, blank=True)
    mentors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("Mentors"), blank=True, related_name="mentored_teams",
    )

    class Meta:
        verbose_name = _("Team")
        verbose_name_plural = _("Team")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="team_unique_name")]

    def __str__(self):
        return self.name


class Student(models.Model):
    """A student of a school, with personal data encrypted at rest.

    The ``*_digest`` columns hold keyed hashes of the normalised values so
    duplicates are found by index; :meth:`refresh_digests` keeps them in step
    (``save`` calls it; bulk writers must call it themselves).
    """

    school = models.ForeignKey(
        Organisation, verbose_name=_("School"), on_delete=models.PROTECT, related_name="students"
    )
    student_number = models.CharField(_("Student no."), max_length=32)
    name = models.CharField(_("Name"), max_length=50)
    id_number = EncryptedTextField(_("ID number"))
    id_number_digest = models.CharField(max_length=64, editable=False)
    phone = EncryptedTextField(_("Phone"), blank=True)
    phone_digest = models.CharField(max_length=64, editable=False, blank=True)
    bank_card = EncryptedTextField(_("Bank card"), blank=True)
    bank_card_digest = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    bank_name = models.CharField(_("Bank"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Student")
        verbose_name_plural = _("Students")
        ordering = ["student_number"]
        constraints = [
            models.UniqueConstraint(fields=["school", "student_number"], name="student_unique_number"),
            models.UniqueConstraint(fields=["school", "id_number_digest"], name="student_unique_id_number"),
        ]

    def __str__(self):
        return f"{self.name}（{self.student_number}）"

    def save(self, *args, **kwargs):
        self.refresh_digests()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "id_number_digest", "phone_digest", "bank_card_digest"}
        super().save(*args, **kwargs)

    def refresh_digests(self) -> None:
        self.id_number_digest = crypto.digest(self.id_number) if self.id_number else ""
        self.phone_digest = crypto.digest(self.phone) if self.phone else ""
        self.bank_card_digest = crypto.digest(self.bank_card) if self.bank_card else ""

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def bank_card_masked(self) -> str:
        return mask_bank_card(self.bank_card)


class Enrolment(models.Model):
    """A student's place in a programme: class, team, group leader, status."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DISMISSED = "dismissed", _("Dismissed")

    programme = models.ForeignKey(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="enrolments"
    )
    student = models.ForeignKey(Student, verbose_name=_("Student"), on_delete=models.PROTECT, related_name="enrolments")
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("Class"), on_delete=models.PROTECT, related_name="enrolments"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("Team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments"
    )
    is_group_leader = models.BooleanField(_("Group leader"), default=False)
    group_leader = models.ForeignKey(
        "self", verbose_name=_("Group leader of"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="group_members", limit_choices_to={"is_group_leader": True},
    )
    shop_account_id = models.CharField(_("Shop account"), max_length=100, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Enrolment")
        verbose_name_plural = _("Enrolments")
        ordering = ["school_class__name", "student__student_number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "student"], name="enrolment_unique_student"),
            models.UniqueConstraint(
                fields=["programme", "shop_account_id"], condition=~Q(shop_account_id=""),
                name="enrolment_unique_shop_account",
            ),
        ]

    def __str__(self):
        return f"{self.student.name} @ {self.programme}"
