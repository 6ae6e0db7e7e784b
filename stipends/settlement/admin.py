from django.contrib import admin
from django.forms import BaseInlineFormSet
from django.utils.translation import gettext as _

from stipends.settlement.models import (
    DeadlineReminder,
    HolidayCalendarDay,
    HolidayCalendarYear,
    Room,
    RoomUse,
    SettlementPayment,
    SettlementRecord,
)
from trainingweek.admin import AuditHistoryAdmin


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
class SettlementPaymentAdmin(AuditHistoryAdmin):
    list_display = ["programme", "paid_on", "kind", "amount", "note", "recorded_by"]
    list_select_related = ["programme", "recorded_by"]
    list_filter = ["kind"]


@admin.register(SettlementRecord)
class SettlementRecordAdmin(AuditHistoryAdmin):
    list_display = ["programme", "school_breached", "bonus_decision", "insurance_bought_on"]
    list_select_related = ["programme"]


@admin.register(DeadlineReminder)
class DeadlineReminderAdmin(admin.ModelAdmin):
    list_display = ["programme", "deadline", "due", "stage", "sent_at"]
    list_select_related = ["programme"]
    list_filter = ["deadline", "stage"]
    readonly_fields = ["programme", "deadline", "due", "stage", "recipients", "sent_at"]
