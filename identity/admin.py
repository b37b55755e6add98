from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEvent, Member, Notification, OtpChallenge, SignIn, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Portal", {"fields": ("customer", "hide_amounts")}))
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "customer",
        "is_active",
        "is_staff",
    )
    autocomplete_fields = ("customer",)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("identification", "first_names", "last_names", "kind", "email", "phone")
    search_fields = ("identification", "first_names", "last_names", "email")


@admin.register(SignIn)
class SignInAdmin(admin.ModelAdmin):
    list_display = ("user", "at", "ip", "device")
    readonly_fields = ("user", "at", "ip", "user_agent", "device")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "target_type", "target_id", "reason")
    list_filter = ("action",)
    readonly_fields = (
        "actor",
        "action",
        "target_type",
        "target_id",
        "before",
        "after",
        "reason",
        "ip",
        "at",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "recipient",
        "subject",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("channel", "status")
    search_fields = ("recipient", "subject")
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OtpChallenge)
class OtpChallengeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "purpose", "description", "channel", "status", "attempts")
    list_filter = ("status", "purpose")
    exclude = ("salt", "code_hash", "digest")
    readonly_fields = [
        f.name for f in OtpChallenge._meta.fields if f.name not in {"salt", "code_hash", "digest"}
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
