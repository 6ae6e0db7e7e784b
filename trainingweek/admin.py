import dataclasses

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from trainingweek.history import ALWAYS_HIDDEN
from trainingweek.models import Job, Organisation, PersonalDataAccess, User
from trainingweek.protection import delete_refusal


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    list_select_related = ["organisation"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Role"), {"fields": ("display_name", "role", "organisation")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Role"), {"fields": ("display_name", "role", "organisation")}),)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "status", "progress", "created_by", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_at", "started_at", "finished_at", "attempts"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "subject", "fields", "record_count", "ip_address"]
    list_filter = ["action"]
    list_select_related = ["user"]

    # The access log is evidence: nobody edits or deletes it.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class MaskedHistoryHelper(HistoricalRecordContextHelper):
    """The admin's history list with personal fields masked and digests left out."""

    def context_for_delta_changes(self, delta):
        hidden = ALWAYS_HIDDEN | set(getattr(self.model, "AUDIT_HIDDEN", ()))
        return super().context_for_delta_changes(
            dataclasses.replace(delta, changes=[c for c in delta.changes if c.field not in hidden]))

    def prepare_delta_change_value(self, change, value):
        mask = getattr(self.model, "AUDIT_MASKED", {}).get(change.field)
        if mask is not None:
            return mask(str(value)) if value else value
        return super().prepare_delta_change_value(change, value)


class AuditHistoryAdmin(SimpleHistoryAdmin):
    """An admin with the record's audit history: who, when, from which
    address, what changed (personal fields masked). The history is read-only:
    only a superuser may revert, and a model with personal fields shows no
    old version as a form (it would hold them in clear). Deletes ask
    :func:`trainingweek.protection.delete_refusal` (approved money stays)."""

    history_list_display = ["ip_address"]

    def revert_disabled(self, request, obj=None):
        return not request.user.is_superuser or super().revert_disabled(request, obj)

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedHistoryHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if getattr(self.model, "AUDIT_MASKED", None):
            raise PermissionDenied
        if request.method == "POST" and not request.user.is_superuser:
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and delete_refusal(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk action deletes only what may go; the rest is named.
        refused = [obj for obj in queryset if delete_refusal(obj)]
        if refused:
            for obj in refused:
                self.message_user(request, f"{obj}: {delete_refusal(obj)}", messages.ERROR)
            queryset = queryset.exclude(pk__in=[o.pk for o in refused])
        super().delete_queryset(request, queryset)
