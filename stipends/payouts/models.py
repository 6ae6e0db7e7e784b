"""Rate cards, stipend profiles, payout batches and their frozen items.

A :class:`PayoutBatch` freezes one statement per student into a
:class:`PayoutItem` (amounts, lines with their sources, the account to pay
to). Frozen items never change their money; later record changes become
adjustment items in a later batch. The database itself refuses to pay the
same statement twice: every item carries a ``payment_key``
(programme/enrolment/revision) that is unique among items that did not fail,
so a paid item's key can only come back as the retry of a failed one.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.agreements.models import Programme
from programs.students.models import Enrolment, SchoolClass
from scoring.models import Award
from stipends.payouts import rules
from trainingweek.fields import EncryptedTextField
from trainingweek.history import audit_history
from trainingweek.masking import mask_bank_card
from trainingweek.models import Job
from trainingweek.protection import refuse_deletes

MONEY = {"max_digits": 12, "decimal_places": 2}


_DEFAULT = rules.RateCard()


class TaxMethod(models.TextChoices):
    INTERN_CUMULATIVE = "intern_cumulative", _("Intern cumulative withholding")
    LABOUR_PER_PAYMENT = "labour_per_payment", _("Labour remuneration, per payment")


class RateCard(models.Model):
    """What a programme pays: the numbers of :class:`stipends.rules.RateCard`,
    the penalty table (what the company and the student bear per level) and
    the tax method. Created from the defaults of the source agreements;
    editable until the programme's first batch is approved."""

    programme = models.OneToOneField(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="rate_card"
    )
    training_day = models.DecimalField(_("Training day (CNY)"), default=_DEFAULT.training_day, **MONEY)
    practice_day = models.DecimalField(_("Practice day (CNY)"), default=_DEFAULT.practice_day, **MONEY)
    overtime_hour = models.DecimalField(_("Overtime hour (CNY)"), default=_DEFAULT.overtime_hour, **MONEY)
    overtime_threshold_hours = models.DecimalField(
        _("Overtime above (online hours a day)"), max_digits=4, decimal_places=2,
        default=_DEFAULT.overtime_threshold_hours,
    )
    support_day = models.DecimalField(_("Support-duty day (CNY)"), default=_DEFAULT.support_day, **MONEY)
    support_min_days = models.PositiveSmallIntegerField(
        _("Support duty: minimum days attended"), default=_DEFAULT.support_min_days,
        help_text=_("Below this many days attended, support duty pays nothing at all"),
    )
    penalty_1_company = models.DecimalField(_("Level 1: company bears"), default=Decimal("60.00"), **MONEY)
    penalty_1_student = models.DecimalField(_("Level 1: student bears"), default=Decimal("40.00"), **MONEY)
    penalty_2_company = models.DecimalField(_("Level 2: company bears"), default=Decimal("250.00"), **MONEY)
    penalty_2_student = models.DecimalField(_("Level 2: student bears"), default=Decimal("50.00"), **MONEY)
    penalty_3_company = models.DecimalField(_("Level 3: company bears"), default=Decimal("440.00"), **MONEY)
    penalty_3_student = models.DecimalField(_("Level 3: student bears"), default=Decimal("60.00"), **MONEY)
    penalty_4_company = models.DecimalField(_("Level 4: company bears"), default=Decimal("4500.00"), **MONEY)
    penalty_4_student = models.DecimalField(_("Level 4: student bears"), default=Decimal("500.00"), **MONEY)
    tax_method = models.CharField(
        _("Tax method"), max_length=30, choices=TaxMethod.choices, default=TaxMethod.INTERN_CUMULATIVE
    )
    # The paying bank's upload layout (stipends.payouts.rules.BANK_FILE_PROFILES).
    bank_file_profile = models.CharField(
        _("Bank file layout"), max_length=20, default=rules.DEFAULT_BANK_FILE_PROFILE,
        choices=[(p.key, p.label) for p in rules.BANK_FILE_PROFILES.values()],
        help_text=_("The paying bank's bulk-transfer upload layout"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = audit_history()

    class Meta:
        verbose_name = _("Rate card")
        verbose_name_plural = _("Rate cards")
        constraints = [
            models.CheckConstraint(
                condition=Q(training_day__gte=0, practice_day__gte=0, overtime_hour__gte=0, support_day__gte=0,
                            overtime_threshold_hours__gte=0, penalty_1_company__gte=0, penalty_1_student__gte=0,
                            penalty_2_company__gte=0, penalty_2_student__gte=0, penalty_3_company__gte=0,
                            penalty_3_student__gte=0, penalty_4_company__gte=0, penalty_4_student__gte=0),
                name="rate_card_not_negative",
            ),
        ]

    def __str__(self):
        return str(self.programme)

    LEVELS = ("1", "2", "3", "4")

    def penalty(self, level: str) -> rules.Penalty:
        company = getattr(self, f"penalty_{level}_company")
        student = getattr(self, f"penalty_{level}_student")
        return rules.Penalty(company + student, company, student)

    def to_rules(self) -> rules.RateCard:
        """The plain rate card the pure rules take."""
        return rules.RateCard(
            training_day=self.training_day, practice_day=self.practice_day, overtime_hour=self.overtime_hour,
            overtime_threshold_hours=self.overtime_threshold_hours, support_day=self.support_day,
            support_min_days=self.support_min_days, penalties={lv: self.penalty(lv) for lv in self.LEVELS},
        )


class StipendProfile(models.Model):
    """What stipends need to know about a student beyond attendance: the day
    the assessment was passed (training pays from then on), support duty
    (failed the assessment three times), and the bank account holder's name
    on file when finance recorded one."""

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("Student"), on_delete=models.CASCADE, related_name="stipend_profile"
    )
    assessment_passed_on = models.DateField(_("Assessment passed on"), null=True, blank=True)
    support_duty = models.BooleanField(_("Support duty"), default=False)
    account_name = models.CharField(
        _("Account holder on file"), max_length=50, blank=True,
        help_text=_("Only when the bank account is in another name than the student's"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = audit_history()

    class Meta:
        verbose_name = _("Stipend profile")
        verbose_name_plural = _("Stipend profiles")

    def __str__(self):
        return str(self.enrolment_id)


class PayoutBatch(models.Model):
    """A payout run: draft (computed and frozen) → approved by a second
    finance user → exported (finance marked its bank file as sent to the bank) → reconciled (the bank's
    result uploaded). A follow-up batch retries only failed items."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        EXPORTED = "exported", _("Exported")
        RECONCILED = "reconciled", _("Reconciled")

    programme = models.ForeignKey(
        Programme, verbose_name=_("Programme"), on_delete=models.PROTECT, related_name="payout_batches"
    )
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("Class"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    up_to = models.DateField(
        _("Records up to"), null=True, blank=True,
        help_text=_("Attendance and incidents up to this day; empty: everything recorded"),
    )
    pay_on = models.DateField(_("Payment date"), default=timezone.localdate)
    state = models.CharField(_("State"), max_length=12, choices=State.choices, default=State.DRAFT)
    tax_method = models.CharField(_("Tax method"), max_length=30, choices=TaxMethod.choices, blank=True)
    follow_up_of = models.ForeignKey(
        "self", verbose_name=_("Follow-up of"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="follow_ups",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Made by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Created"), default=timezone.now)
    computed_at = models.DateTimeField(_("Computed"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Approved by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("Approved"), null=True, blank=True)
    # What the approver signed off, recorded under the batch row's lock: an
    # approved batch's items never change, so these always match its items.
    approved_items = models.PositiveIntegerField(_("Items approved"), null=True, blank=True)
    approved_net = models.DecimalField(_("Net approved"), null=True, blank=True, **MONEY)
    exported_at = models.DateTimeField(_("Exported"), null=True, blank=True)
    reconciled_at = models.DateTimeField(_("Reconciled"), null=True, blank=True)
    job = models.ForeignKey(
        Job, verbose_name=_("Background job"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.JSONField(_("Summary"), default=dict, blank=True)
    # The pre-approval checks that come from the items alone (rules.item_findings),
    # kept by every writer of a draft's items so that the batch page reads one
    # row rather than every item; approval checks afresh. Derived, so not audited.
    item_checks = models.JSONField(_("Checks of the items"), default=list, blank=True)
    checked_at = models.DateTimeField(_("Checked"), null=True, blank=True)

    history = audit_history(excluded_fields=["item_checks", "checked_at"])
    AUDIT_HIDDEN = ("job",)

    class Meta:
        verbose_name = _("Payout batch")
        verbose_name_plural = _("Payout batches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Four eyes: the maker never approves their own batch.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="payout_batch_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="payout_batch_approved_has_approver",
            ),
        ]

    def __str__(self):
        return _("Payout batch #%(n)s") % {"n": self.pk}

    @property
    def is_follow_up(self) -> bool:
        return self.follow_up_of_id is not None


class SettlingLinesField(models.JSONField):
    """The recovery and owed lines of an item's ``lines`` (rules.settling_part),
    kept apart so the batch checks and the owed balances read a few lines
    instead of decoding every item's whole statement.

    Derived from ``lines`` whenever a row is written (``pre_save`` runs for
    ``save`` and ``bulk_create`` alike), so no writer can forget it; frozen
    lines never change afterwards. A writer that bypasses the ORM (COPY)
    must fill it with ``rules.settling_part(lines)``."""

    def pre_save(self, model_instance, add):
        lines = model_instance.__dict__.get("lines")
        if lines is None:  # ``lines`` deferred: what is stored stays
            return super().pre_save(model_instance, add)
        value = rules.settling_part(lines)
        setattr(model_instance, self.attname, value)
        return value


class PayoutItem(models.Model):
    """One student's frozen statement in a batch: what they are paid, why,
    and to which account. Money columns never change once written."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    batch = models.ForeignKey(PayoutBatch, verbose_name=_("Batch"), on_delete=models.CASCADE, related_name="items")
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("Student"), on_delete=models.PROTECT, related_name="payout_items"
    )
    school_class = models.ForeignKey(SchoolClass, verbose_name=_("Class"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("Name"), max_length=50)
    # The class's name and the student's number when frozen, as the name is: the order
    # a batch's pages and its bank file list the items in, read from the items' own
    # index (``payout_item_listed``) instead of sorting every item through three joins.
    class_name = models.CharField(_("Class"), max_length=100, blank=True, editable=False)
    student_number = models.CharField(_("Student no."), max_length=32, blank=True, editable=False)
    account_name = models.CharField(_("Account holder"), max_length=50)
    account = EncryptedTextField(_("Bank card"), blank=True)
    account_digest = models.CharField(max_length=64, blank=True, db_index=True)
    account_masked = models.CharField(_("Bank card"), max_length=30, blank=True)
    # What the bank-card rule said of the card when it was frozen (rules.account_check):
    # the checks before approval read it instead of decrypting every account.
    account_check = models.CharField(max_length=10, blank=True)
    # Where the card was opened (some banks' files need it for payees at other banks).
    bank_name = models.CharField(_("Bank"), max_length=100, blank=True)
    bank_branch = models.CharField(_("Bank branch"), max_length=100, blank=True)
    earned = models.DecimalField(_("Earned"), **MONEY)
    liability = models.DecimalField(_("Liability"), **MONEY)
    gross = models.DecimalField(_("Gross"), **MONEY)
    tax = models.DecimalField(_("Tax withheld"), **MONEY)
    net = models.DecimalField(_("Net"), **MONEY)
    at_cap = models.BooleanField(_("At the liability cap"), default=False)
    lines = models.JSONField(_("Lines"), default=list)
    settling = SettlingLinesField(default=list, blank=True, editable=False)
    tax_detail = models.JSONField(_("Tax detail"), default=dict)
    payment_key = models.CharField(max_length=60)
    retry_of = models.ForeignKey(
        "self", verbose_name=_("Retry of"), on_delete=models.PROTECT, null=True, blank=True, related_name="retries"
    )
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(_("Failure reason"), max_length=200, blank=True)
    settled_at = models.DateTimeField(_("Settled"), null=True, blank=True)

    # The account is kept encrypted in the history too and shown masked.
    history = audit_history()
    AUDIT_MASKED = {"account": mask_bank_card}
    # The lines and the tax are explained on the statement itself; the history keeps them, pages need not repeat the JSON.
    AUDIT_HIDDEN = ("account_digest", "account_masked", "account_check", "lines", "settling", "tax_detail",
                    "class_name", "student_number")

    class Meta:
        verbose_name = _("Payout item")
        verbose_name_plural = _("Payout items")
        ordering = ["class_name", "student_number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "enrolment"], name="payout_item_once_per_batch"),
            # The rule the whole design rests on: a statement (payment key) is
            # paid at most once; only a failed item may be tried again.
            models.UniqueConstraint(
                fields=["payment_key"], condition=~Q(status="failed"), name="payout_item_paid_once",
            ),
            models.CheckConstraint(
                condition=Q(gross__gte=0, tax__gte=0, net__gte=0, net=F("gross") - F("tax")),
                name="payout_item_money_adds_up",
            ),
        ]
        indexes = [
            models.Index(fields=["enrolment", "status"]),
            # The few items that recover or carry what a student owes (selectors._settling):
            # who owes is read from them, not from a scan of every item of the programme.
            models.Index(fields=["enrolment"], condition=~Q(settling=[]), name="payout_item_settling"),
            # What a batch page filters and adds up, in a narrow index: the page's count
            # and its totals are read from it (index-only scans), not from 10,000 rows
            # wide with lines and tax details.
            models.Index(fields=["batch", "school_class", "enrolment", "id", "status", "gross", "tax", "net"],
                         name="payout_item_page_order"),
            # A batch's items in the order listed: a page of them is the index's next 50 entries.
            models.Index(fields=["batch", "class_name", "student_number", "id"], name="payout_item_listed"),
        ]

    def __str__(self):
        return f"{self.name} {self.net}"


# --------------------------------------------------------------------------- deletes refused
# Approved money stays on record: a mistake is corrected by a new record (an
# adjustment item in a later batch, a new award), never by erasing the old one.
# trainingweek.protection turns these into a pre_delete check (instance,
# QuerySet and cascade deletes) and the admin's delete permission.

def _batch_delete_refusal(batch: PayoutBatch, origin) -> str | None:
    # The state as stored, not as this instance remembers it.
    if PayoutBatch.objects.filter(pk=batch.pk).exclude(state=PayoutBatch.State.DRAFT).exists():
        return _("Payout batch #%(n)s has left draft (its money was approved) and is never deleted. "
                 "Correct it with a new record: a later batch pays or recovers the difference.") % {"n": batch.pk}
    return None


def _item_delete_refusal(item: PayoutItem, origin) -> str | None:
    if isinstance(origin, PayoutBatch) and origin.pk == item.batch_id:
        return None  # deleted with its draft batch, which the batch's own check decides
    if isinstance(origin, models.QuerySet) and origin.model is PayoutBatch:
        return None
    return _("A payment (payout item) is never deleted on its own; a draft batch is deleted as a whole. "
             "Correct a payment with a new record: an adjustment in a later batch.")


def award_paid_in(award) -> int | None:
    """The batch (past draft) whose frozen statement includes ``award``, or ``None``."""
    source = f"award:{award.pk}"
    rows = PayoutItem.objects.filter(enrolment_id=award.enrolment_id).exclude(batch__state=PayoutBatch.State.DRAFT) \
        .values_list("batch_id", "lines")
    for batch_id, lines in rows:
        if any(line.get("code") == "award" and source in (line.get("sources") or []) for line in lines or []):
            return batch_id
    return None


def _award_delete_refusal(award, origin) -> str | None:
    batch_id = award_paid_in(award)
    if batch_id is None:
        return None
    return _("This award is confirmed: it was paid in payout batch #%(n)s and stays on record. "
             "Correct it with a new record instead of deleting it.") % {"n": batch_id}


refuse_deletes(PayoutBatch, _batch_delete_refusal)
refuse_deletes(PayoutItem, _item_delete_refusal)
refuse_deletes(Award, _award_delete_refusal)
