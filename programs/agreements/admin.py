from django.contrib import admin

from programs.agreements.models import Agreement, Phase, Programme


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
