from django.contrib import admin

from programs.rosters.models import RosterEntry, RosterPlan, ScheduleOverride, ShiftTemplate


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "start", "end", "paid_hours", "is_peak"]
    list_select_related = ["programme"]


admin.site.register(RosterPlan)


@admin.register(RosterEntry, ScheduleOverride)
class CellAdmin(admin.ModelAdmin):
    list_display = ["__str__", "day", "kind", "shift"]
    list_filter = ["kind"]
