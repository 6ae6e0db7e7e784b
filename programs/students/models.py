"""The record of each student import: who uploaded what, and what came of it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.agreements.models import Programme
from programs.students.rules import card_check
from trainingweek import crypto
from trainingweek.fields import EncryptedTextField
from trainingweek.history import audit_history
from trainingweek.masking import mask_bank_card, mask_id_number, mask_phone
from trainingweek.models import Job, Organisation


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


#: The masked copies kept beside the encrypted personal fields, by field.
MASKS = {"id_number": mask_id_number, "phone": mask_phone, "bank_card": mask_bank_card}
MASKED_COLUMNS = tuple(f"{name}_masked" for name in MASKS)
#: Every plain column kept from an encrypted value: the masked copies and the card's check.
KEPT_COLUMNS = (*MASKED_COLUMNS, "bank_card_check")


def masked_copies(**values: str | None) -> dict[str, str]:
    """The masked-copy columns for the personal values given by field name
    (what a bulk writer sets beside the encrypted value), and for a bank card
    its check too (:func:`programs.students.rules.card_check`).

    >>> masked_copies(phone="13812345678", bank_card="")
    {'phone_masked': '138****5678', 'bank_card_masked': '', 'bank_card_check': 'missing'}
    """
    copies = {f"{name}_masked": MASKS[name](value) for name, value in values.items()}
    if "bank_card" in values:
        copies["bank_card_check"] = card_check(values["bank_card"])
    return copies


def kept_columns(name: str) -> list[str]:
    """The columns written with the personal field ``name``: its digest, its
    masked copy and (a bank card) its check."""
    return [f"{name}_digest", f"{name}_masked", *(["bank_card_check"] if name == "bank_card" else [])]


class Student(models.Model):
    """A student of a school, with personal data encrypted at rest.

    The ``*_digest`` columns hold keyed hashes of the normalised values so
    duplicates are found by index, and the ``*_masked`` columns a masked copy
    (``4301**********123X``), as banks keep one, so that pages showing the
    values masked never decrypt them; ``bank_card_check`` is what the
    bank-card rule says of the card, so a payout freeze copies the card's
    token and its check without decrypting it. :meth:`refresh_digests` keeps both in
    step with the encrypted values (``save`` calls it; bulk writers call it
    themselves or set the columns from :func:`masked_copies`).
    """

    school = models.ForeignKey(
        Organisation, verbose_name=_("School"), on_delete=models.PROTECT, related_name="students"
    )
    student_number = models.CharField(_("Student no."), max_length=32)
    name = models.CharField(_("Name"), max_length=50)
    id_number = EncryptedTextField(_("ID number"))
    id_number_digest = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=30, editable=False, blank=True)
    phone = EncryptedTextField(_("Phone"), blank=True)
    phone_digest = models.CharField(max_length=64, editable=False, blank=True)
    phone_masked = models.CharField(_("Phone"), max_length=30, editable=False, blank=True)
    bank_card = EncryptedTextField(_("Bank card"), blank=True)
    bank_card_digest = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    bank_card_masked = models.CharField(_("Bank card"), max_length=30, editable=False, blank=True)
    # The bank-card rule's word on the card (rules.card_check), for the freeze to copy without decrypting.
    bank_card_check = models.CharField(_("Bank card check"), max_length=10, editable=False, blank=True)
    bank_name = models.CharField(_("Bank"), max_length=100, blank=True)
    bank_branch = models.CharField(_("Bank branch"), max_length=100, blank=True)
    # Blank: the account is in the student's own name.
    account_holder = models.CharField(_("Account holder"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Audit history: the personal fields are kept encrypted there too and shown masked.
    history = audit_history()
    AUDIT_MASKED = {"id_number": mask_id_number, "phone": mask_phone, "bank_card": mask_bank_card}
    AUDIT_HIDDEN = ("id_number_digest", "phone_digest", "bank_card_digest", *KEPT_COLUMNS, "created_at")

    class Meta:
        verbose_name = _("Student")
        verbose_name_plural = _("Students")
        ordering = ["student_number"]
        constraints = [
            models.UniqueConstraint(fields=["school", "student_number"], name="student_unique_number"),
            models.UniqueConstraint(fields=["school", "id_number_digest"], name="student_unique_id_number"),
        ]
        indexes = [
            # The lists of a programme sort by student number through a join on the student:
            # read from this narrow index (index-only), not from rows wide with ciphertext.
            models.Index(fields=["id", "student_number"], name="student_number_by_id"),
        ]

    def __str__(self):
        return f"{self.name}（{self.student_number}）"

    def save(self, *args, **kwargs):
        self.refresh_digests()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "id_number_digest", "phone_digest", "bank_card_digest",
                                       *KEPT_COLUMNS}
        super().save(*args, **kwargs)

    def refresh_digests(self) -> None:
        """Digests, masked copies and the card's check from the values now on the instance
        (a value that was deferred is loaded, decrypted, once)."""
        self.id_number_digest = crypto.digest(self.id_number) if self.id_number else ""
        self.phone_digest = crypto.digest(self.phone) if self.phone else ""
        self.bank_card_digest = crypto.digest(self.bank_card) if self.bank_card else ""
        for name, value in masked_copies(id_number=self.id_number, phone=self.phone, bank_card=self.bank_card).items():
            setattr(self, name, value)


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


class StudentImport(models.Model):
    """One upload of a student list into a programme.

    It holds the outcome the result page shows: the counts, or every bad row
    (values already masked, so the record itself holds no personal data). A
    rejected import wrote nothing; the user fixes the file and uploads again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Rejected")

    programme = models.ForeignKey(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="student_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Started by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Created"), default=timezone.now)
    finished_at = models.DateTimeField(_("Finished"), null=True, blank=True)
    file_name = models.CharField(_("File"), max_length=255)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    row_count = models.PositiveIntegerField(_("Rows"), default=0)
    created_count = models.PositiveIntegerField(_("New students"), default=0)
    enrolled_count = models.PositiveIntegerField(_("Existing students enrolled"), default=0)
    updated_count = models.PositiveIntegerField(_("Updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("Unchanged"), default=0)
    message = models.TextField(_("Message"), blank=True)
    errors = models.JSONField(_("Bad rows"), default=list, blank=True)
    warnings = models.JSONField(_("Warnings"), default=list, blank=True)
    job = models.ForeignKey(
        Job, verbose_name=_("Background job"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Student import")
        verbose_name_plural = _("Student imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} → {self.programme} ({self.get_status_display()})"

    @property
    def bad_row_count(self) -> int:
        return len({finding["row"] for finding in self.errors})
