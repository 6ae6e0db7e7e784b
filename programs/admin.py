from django.contrib import admin

from .models import Agreement, Enrolment, Phase, Programme, SchoolClass, Student, Team


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
