from django.contrib import admin

from stipends.payouts.models import PayoutBatch, PayoutItem, RateCard, StipendProfile
from trainingweek.admin import AuditHistoryAdmin

#: What lists of payout items never load: the encrypted account and the frozen statement.
NOT_LISTED = ("account", "lines", "tax_detail")


@admin.register(RateCard)
class RateCardAdmin(AuditHistoryAdmin):
    list_display = ["programme", "training_day", "practice_day", "overtime_hour", "overtime_threshold_hours",
                    "support_day", "support_min_days", "tax_method", "updated_at"]
    list_select_related = ["programme"]

    def has_change_permission(self, request, obj=None):
        # Fixed once a batch of the programme was approved (money already rests on it).
        if obj is not None and PayoutBatch.objects.filter(programme=obj.programme_id, approved_at__isnull=False).exists():
            return False
        return super().has_change_permission(request, obj)


@admin.register(StipendProfile)
class StipendProfileAdmin(AuditHistoryAdmin):
    list_display = ["enrolment", "assessment_passed_on", "support_duty", "account_name", "updated_at"]
    list_filter = ["support_duty"]
    list_select_related = ["enrolment__student", "enrolment__programme"]
    raw_id_fields = ["enrolment", "updated_by"]


class PayoutItemInline(admin.TabularInline):
    model = PayoutItem
    fields = ["name", "school_class", "account_masked", "gross", "tax", "net", "status", "failure_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # The rows show the masked card: the account is not decrypted, nor the lines decoded.
        return super().get_queryset(request).defer(*NOT_LISTED)


@admin.register(PayoutBatch)
class PayoutBatchAdmin(AuditHistoryAdmin):
    """Read-only: batches move only through their pages (four eyes, logged downloads)."""

    list_display = ["pk", "programme", "school_class", "state", "created_by", "approved_by", "created_at"]
    list_filter = ["state"]
    list_select_related = ["programme", "school_class", "created_by", "approved_by"]
    inlines = [PayoutItemInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting cascades to the items: an approved or paid batch would lose
        # them. A draft is deleted from its page (which checks its job).
        return False


@admin.register(PayoutItem)
class PayoutItemAdmin(AuditHistoryAdmin):
    """Frozen money: readable, never edited here."""

    list_display = ["name", "batch", "school_class", "account_masked", "gross", "tax", "net", "status"]
    list_filter = ["status"]
    list_select_related = ["batch", "school_class"]
    exclude = ["account", "account_digest", "account_check"]
    search_fields = ["name"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "payouts_payoutitem_changelist":
            qs = qs.defer(*NOT_LISTED)  # the list shows the masked card only
        return qs

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
