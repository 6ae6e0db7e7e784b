from django.contrib import admin
from django.forms import BaseInlineFormSet
from django.utils.translation import gettext as _

from .models import (
    Agreement,
    DeadlineReminder,
    Enrolment,
    HolidayCalendarDay,
    HolidayCalendarYear,
    Phase,
    Programme,
    Room,
    RoomUse,
    SchoolClass,
    SettlementPayment,
    SettlementRecord,
    Student,
    StudentImport,
    Team,
)


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["course_title", "school", "company", "term_start", "term_end"]
    list_select_related = ["school", "company"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "agreement", "headcount_target"]
    list_select_related = ["agreement__school", "agreement__company"]
    inlines = [PhaseInline]


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["name", "programme"]
    list_select_related = ["programme"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "programme"]
    list_select_related = ["programme"]
    filter_horizontal = ["mentors"]


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    # Personal data stays masked in the admin list too.
    list_display = ["student_number", "name", "school", "id_number_masked", "phone_masked", "bank_card_masked"]
    list_select_related = ["school"]
    search_fields = ["student_number", "name"]


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


class HolidayCalendarDayFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        year = self.instance.year
        for form in self.forms:
            day = form.cleaned_data.get("day") if form.cleaned_data else None
            if day and year and day.year != year and not form.cleaned_data.get("DELETE"):
                form.add_error("day", _("This date is not in %(year)s.") % {"year": year})


class HolidayCalendarDayInline(admin.TabularInline):
    model = HolidayCalendarDay
    formset = HolidayCalendarDayFormSet
    extra = 10


@admin.register(HolidayCalendarYear)
class HolidayCalendarYearAdmin(admin.ModelAdmin):
    """Years past the chinesecalendar package: holidays and 调休 working days."""

    list_display = ["year", "source", "updated_by", "updated_at"]
    list_select_related = ["updated_by"]
    readonly_fields = ["updated_by", "updated_at"]
    inlines = [HolidayCalendarDayInline]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class RoomUseInline(admin.TabularInline):
    model = RoomUse
    extra = 1


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "programme"]
    list_select_related = ["programme"]
    list_filter = ["kind"]
    inlines = [RoomUseInline]


@admin.register(SettlementPayment)
class SettlementPaymentAdmin(admin.ModelAdmin):
    list_display = ["programme", "paid_on", "kind", "amount", "note", "recorded_by"]
    list_select_related = ["programme", "recorded_by"]
    list_filter = ["kind"]


@admin.register(SettlementRecord)
class SettlementRecordAdmin(admin.ModelAdmin):
    list_display = ["programme", "school_breached", "bonus_decision", "insurance_bought_on", "stipends_paid_on"]
    list_select_related = ["programme"]


@admin.register(DeadlineReminder)
class DeadlineReminderAdmin(admin.ModelAdmin):
    list_display = ["programme", "deadline", "due", "stage", "sent_at"]
    list_select_related = ["programme"]
    list_filter = ["deadline", "stage"]
    readonly_fields = ["programme", "deadline", "due", "stage", "recipients", "sent_at"]


# Shifts, rosters, attendance, leave and departures (issue 3).
from .models import (  # noqa: E402
    Attendance,
    Departure,
    LeaveRequest,
    RosterEntry,
    RosterPlan,
    ScheduleOverride,
    ShiftTemplate,
)


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "start", "end", "paid_hours", "is_peak"]
    list_select_related = ["programme"]


admin.site.register(RosterPlan)


@admin.register(RosterEntry, ScheduleOverride)
class CellAdmin(admin.ModelAdmin):
    list_display = ["__str__", "day", "kind", "shift"]
    list_filter = ["kind"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "day", "status", "online_hours", "day_kind", "is_truancy"]
    list_filter = ["status", "day_kind", "is_truancy"]
    raw_id_fields = ["enrolment"]
    list_select_related = ["enrolment__student", "enrolment__programme"]


@admin.register(LeaveRequest, Departure)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status"]
    list_filter = ["status"]
    raw_id_fields = ["enrolment"]
