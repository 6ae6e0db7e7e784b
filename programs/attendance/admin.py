from django.contrib import admin

from programs.attendance.models import Attendance, Departure, LeaveRequest


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
