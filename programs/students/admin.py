from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from programs.students import rules, services
from programs.students.models import Enrolment, SchoolClass, Student, StudentImport, Team
from programs.students.selectors import PERSONAL_COLUMNS
from trainingweek.admin import AuditHistoryAdmin
from trainingweek.http import client_address


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["name", "programme"]
    list_select_related = ["programme"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "programme"]
    list_select_related = ["programme"]
    filter_horizontal = ["mentors"]


class StudentAdminForm(forms.ModelForm):
    """The admin's student form never holds the personal data in clear: the
    page shows it masked, and a new value is typed into an empty field
    (checked by the same rules as the import) to replace the one on record."""

    new_id_number = forms.CharField(label=_("New ID number"), required=False,
                                    help_text=_("Leave empty to keep the value on record."))
    new_phone = forms.CharField(label=_("New phone"), required=False,
                                help_text=_("Leave empty to keep the value on record."))
    new_bank_card = forms.CharField(label=_("New bank card"), required=False,
                                    help_text=_("Leave empty to keep the value on record."))

    CHECKS = {"new_id_number": rules.check_id_number, "new_phone": rules.check_phone,
              "new_bank_card": rules.check_bank_card}

    class Meta:
        model = Student
        fields = ["school", "student_number", "name", "bank_name"]

    def clean(self):
        cleaned = super().clean()
        for name, check in self.CHECKS.items():
            if cleaned.get(name):
                checked = check(cleaned[name])
                for error in checked.errors:
                    self.add_error(name, error)
                cleaned[name] = checked.value
        if not self.instance.pk and not cleaned.get("new_id_number"):
            self.add_error("new_id_number", _("A new student needs an ID number."))
        return cleaned

    def save(self, commit=True):
        for name in self.CHECKS:
            if self.cleaned_data.get(name):
                setattr(self.instance, name.removeprefix("new_"), self.cleaned_data[name])
        return super().save(commit)


@admin.register(Student)
class StudentAdmin(AuditHistoryAdmin):
    """Personal data stays masked in the admin (list, form, history); finance
    reveals it through the same logged reveal as the student's page."""

    list_display = ["student_number", "name", "school", "id_number_masked", "phone_masked", "bank_card_masked"]
    list_select_related = ["school"]
    search_fields = ["student_number", "name"]
    form = StudentAdminForm
    readonly_fields = ["masked_id_number", "masked_phone", "masked_bank_card", "reveal"]
    fieldsets = [
        (None, {"fields": ["school", "student_number", "name", "bank_name"]}),
        (_("Personal data (masked)"), {"fields": ["masked_id_number", "masked_phone", "masked_bank_card", "reveal",
                                                   "new_id_number", "new_phone", "new_bank_card"]}),
    ]

    def get_queryset(self, request):
        # The list shows the masked copies: it never loads (decrypts) the encrypted columns.
        qs = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "students_student_changelist":
            qs = qs.defer(*PERSONAL_COLUMNS)
        return qs

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return obj.id_number_masked if obj else "—"

    @admin.display(description=_("Phone"))
    def masked_phone(self, obj):
        return (obj.phone_masked if obj else "") or "—"

    @admin.display(description=_("Bank card"))
    def masked_bank_card(self, obj):
        return (obj.bank_card_masked if obj else "") or "—"

    @admin.display(description=_("Reveal"))
    def reveal(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:students_student_reveal", args=[obj.pk]),
                           _("Reveal personal data (finance only, logged)"))

    def get_urls(self):
        return [path("<int:object_id>/reveal/", self.admin_site.admin_view(self.reveal_view),
                     name="students_student_reveal"), *super().get_urls()]

    def reveal_view(self, request, object_id):
        """GET asks to confirm; POST (finance only) shows the unmasked data and writes the access log row."""
        student = get_object_or_404(Student, pk=object_id)
        if not (self.has_view_permission(request, student)
                and request.user.has_perm("students.reveal_personal_data", None)):
            raise PermissionDenied
        revealed = None
        if request.method == "POST":
            revealed = services.reveal_student_data(user=request.user, student=student,
                                                    ip_address=client_address(request))
        response = TemplateResponse(request, "admin/students/student/reveal.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": student,
            "title": _("Personal data of %(student)s") % {"student": student}, "revealed": revealed,
        })
        response["Cache-Control"] = "no-store, private"
        return response


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["student", "programme", "school_class", "team", "is_group_leader", "status"]
    list_filter = ["status", "programme"]
    list_select_related = ["student", "programme", "school_class", "team"]
    raw_id_fields = ["student", "group_leader"]


@admin.register(StudentImport)
class StudentImportAdmin(admin.ModelAdmin):
    # The record of an upload: read-only, its findings hold masked values only.
    list_display = ["created_at", "programme", "file_name", "status", "row_count", "created_by"]
    list_filter = ["status"]
    list_select_related = ["programme", "created_by"]
    readonly_fields = [f.name for f in StudentImport._meta.fields]

    def has_add_permission(self, request):
        return False
