"""Django admin of the core: users and teams, the audit trail and the outbox (both read-only)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from itsm.models import AuditEvent, OutboxMessage, Team, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class ItsmUserAdmin(UserAdmin):
    """Django's user admin plus the manager and time zone."""

    fieldsets = (*UserAdmin.fieldsets, (_("Service desk"), {"fields": ("manager", "timezone")}))
    add_fieldsets = (*UserAdmin.add_fieldsets, (_("Service desk"), {"fields": ("manager", "timezone")}))
    list_display = ("username", "first_name", "last_name", "email", "manager", "is_active", "is_staff")
    list_select_related = ("manager",)
    autocomplete_fields = ("manager",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Teams with their members."""

    list_display = ("name", "manager", "escalation_team", "vendor", "email")
    list_select_related = ("manager", "escalation_team")
    search_fields = ("name", "vendor", "description")
    filter_horizontal = ("members",)
    autocomplete_fields = ("manager", "escalation_team")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail is append-only, in the admin too."""

    list_display = ("at", "actor_repr", "source", "action", "object_type", "object_repr")
    list_filter = ("source", "action", "object_type")
    search_fields = ("object_repr", "actor_repr", "object_id", "correlation_id")
    date_hierarchy = "at"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Queued and sent notifications, for troubleshooting delivery."""

    list_display = ("created_at", "channel", "to_address", "recipient", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("subject", "to_address", "event_key")
    list_select_related = ("recipient",)
