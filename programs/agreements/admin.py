from django.contrib import admin

from programs.agreements.models import Agreement, Phase, Programme
from trainingweek.admin import AuditHistoryAdmin


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(AuditHistoryAdmin):
    list_display = ["course_title", "school", "company", "term_start", "term_end"]
    list_select_related = ["school", "company"]

    def get_readonly_fields(self, request, obj=None):
        # The parties are fixed once a programme exists (the database refuses too).
        if obj is not None and obj.programmes.exists():
            return ["school", "company"]
        return []


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "agreement", "headcount_target"]
    list_select_related = ["agreement__school", "agreement__company"]
    inlines = [PhaseInline]

    def get_readonly_fields(self, request, obj=None):
        # Moving a programme to another agreement would hand it to other parties.
        return ["agreement"] if obj is not None else []
