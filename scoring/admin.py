from django.contrib import admin

from scoring.models import (
    Award,
    EnrolmentScore,
    Incident,
    KpiDefinition,
    KpiValue,
    PrizeShare,
    ScoreSettings,
    ScoringPeriod,
    TeamKpiValue,
    TeamPrize,
)
from trainingweek.admin import AuditHistoryAdmin


@admin.register(KpiDefinition)
class KpiDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "programme", "unit", "direction", "level", "target", "weight", "order"]
    list_filter = ["unit", "direction", "level"]
    list_select_related = ["programme"]


@admin.register(ScoringPeriod)
class ScoringPeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "start", "end", "order"]
    list_select_related = ["programme"]


@admin.register(KpiValue)
class KpiValueAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "kpi", "period", "value", "updated_at"]
    list_select_related = ["enrolment__student", "enrolment__programme", "kpi", "period"]
    raw_id_fields = ["enrolment", "updated_by"]
    list_filter = ["period"]


@admin.register(TeamKpiValue)
class TeamKpiValueAdmin(admin.ModelAdmin):
    list_display = ["team", "kpi", "period", "value", "updated_at"]
    list_select_related = ["team", "kpi", "period"]
    raw_id_fields = ["updated_by"]


@admin.register(Incident)
class IncidentAdmin(AuditHistoryAdmin):
    list_display = ["occurred_on", "enrolment", "level", "cash_amount", "status", "reported_by", "decided_by"]
    list_filter = ["status", "level"]
    list_select_related = ["enrolment__student", "enrolment__programme", "reported_by", "decided_by"]
    raw_id_fields = ["enrolment", "reported_by", "decided_by"]


@admin.register(ScoreSettings)
class ScoreSettingsAdmin(admin.ModelAdmin):
    list_display = ["programme", "prize_amounts", "prize_split", "sheet_period"]
    list_select_related = ["programme", "sheet_period"]


@admin.register(EnrolmentScore)
class EnrolmentScoreAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "obedience", "learning", "teamwork", "exam", "mentor", "off_duty"]
    list_filter = ["off_duty"]
    list_select_related = ["enrolment__student", "enrolment__programme"]
    raw_id_fields = ["enrolment", "off_duty_incident"]


@admin.register(Award)
class AwardAdmin(AuditHistoryAdmin):
    list_display = ["label", "enrolment", "period", "amount", "created_by", "created_at"]
    list_select_related = ["enrolment__student", "enrolment__programme", "period", "created_by"]
    raw_id_fields = ["enrolment", "created_by"]


class PrizeShareInline(admin.TabularInline):
    model = PrizeShare
    extra = 0
    raw_id_fields = ["enrolment"]


@admin.register(TeamPrize)
class TeamPrizeAdmin(AuditHistoryAdmin):
    list_display = ["team", "period", "rank", "composite", "amount", "split", "awarded_at"]
    list_select_related = ["team", "period"]
    raw_id_fields = ["awarded_by"]
    inlines = [PrizeShareInline]
