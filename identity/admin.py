from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import (
    AuditEvent,
    Consent,
    Enrolment,
    Member,
    Notification,
    OtpChallenge,
    SignIn,
    TermsDocument,
    TrustedDevice,
    User,
)
from .services.credentials import temporary_credentials_send
from .services.enrolment import EnrolmentError, enrolment_approve, enrolment_reject
from .services.lockout import user_unlock


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Portal"),
            {
                "fields": (
                    "customer",
                    "hide_amounts",
                    "otp_factor",
                    "needs_setup",
                    "must_change_password",
                    "temporary_expires_at",
                )
            },
        ),
    )
    readonly_fields = ("needs_setup", "must_change_password", "temporary_expires_at")
    actions = ["unlock", "send_temporary_credentials"]

    @admin.action(description=_("Desbloquear usuarios seleccionados"))
    def unlock(self, request, queryset):
        unlocked = sum(user_unlock(user=user, actor=request.user) for user in queryset)
        self.message_user(
            request, gettext("Usuarios desbloqueados: %(n)s.") % {"n": unlocked}, messages.SUCCESS
        )

    @admin.action(description=_("Enviar credenciales temporales (primer ingreso)"))
    def send_temporary_credentials(self, request, queryset):
        sent = 0
        for user in queryset.select_related("customer"):
            if user.is_staff or user.customer_id is None:
                continue
            temporary_credentials_send(user=user, actor=request.user, request=request)
            sent += 1
        self.message_user(
            request, gettext("Credenciales temporales enviadas: %(n)s.") % {"n": sent}
        )

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
    list_filter = ("channel", "status", "sensitive")
    search_fields = ("recipient", "subject")
    exclude = ("body",)
    readonly_fields = [f.name for f in Notification._meta.fields if f.name != "body"] + ["message"]

    @admin.display(description=_("mensaje"))
    def message(self, obj):
        # A code or temporary password in reach of staff would let them act as the member.
        if obj.sensitive:
            return gettext("(Oculto: contiene un código o credenciales.)")
        return obj.body

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OtpChallenge)
class OtpChallengeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "purpose", "description", "channel", "status", "attempts")
    list_filter = ("status", "purpose")
    exclude = ("salt", "code_hash", "digest", "repeat_digest")
    readonly_fields = [
        f.name
        for f in OtpChallenge._meta.fields
        if f.name not in {"salt", "code_hash", "digest", "repeat_digest"}
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("requested_at", "member", "status", "ip", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("member__identification", "member__last_names")
    readonly_fields = [f.name for f in Enrolment._meta.fields]
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Aprobar y enviar credenciales temporales"))
    def approve(self, request, queryset):
        done = 0
        for enrolment in queryset.filter(status=Enrolment.Status.PENDING):
            try:
                enrolment_approve(enrolment=enrolment, actor=request.user, request=request)
                done += 1
            except EnrolmentError as exc:
                self.message_user(request, f"{enrolment.member}: {exc.message}", messages.ERROR)
        self.message_user(request, gettext("Afiliaciones aprobadas: %(n)s.") % {"n": done})

    @admin.action(description=_("Rechazar"))
    def reject(self, request, queryset):
        done = 0
        for enrolment in queryset.filter(status=Enrolment.Status.PENDING):
            enrolment_reject(
                enrolment=enrolment, actor=request.user, reason=gettext("Rechazada en back office")
            )
            done += 1
        self.message_user(request, gettext("Afiliaciones rechazadas: %(n)s.") % {"n": done})


@admin.register(TermsDocument)
class TermsDocumentAdmin(admin.ModelAdmin):
    list_display = ("kind", "version", "title", "published_at")
    list_filter = ("kind",)

    def get_readonly_fields(self, request, obj=None):
        # A published version is what people accepted: publish a new version instead.
        return ("kind", "version", "title", "body") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("accepted_at", "member", "user", "document", "ip")
    list_filter = ("document",)
    search_fields = ("member__identification",)
    readonly_fields = [f.name for f in Consent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrustedDevice)
class TrustedDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "alias", "browser", "os_name", "last_active_at", "ip", "removed_at")
    list_filter = ("removed_at",)
    search_fields = ("user__username", "alias")
    exclude = ("token_hash",)
    readonly_fields = [f.name for f in TrustedDevice._meta.fields if f.name != "token_hash"]

    def has_add_permission(self, request):
        return False
