from django.contrib import admin

from programs.students.models import Enrolment, SchoolClass, Student, StudentImport, Team


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
