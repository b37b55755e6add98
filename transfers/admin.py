from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.background import enqueue
from common.backoffice import money_column
from common.money_input import MoneyField

from .models import (
    Beneficiary,
    ClosedDay,
    CooperativeLimit,
    IncomingCredit,
    Institution,
    MemberLimit,
    SettlementBatch,
    Transfer,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by services only: staff look, never edit."""

    def get_fields(self, request, obj=None):
        # Every field is shown as text: a money field through its ``<name>_shown`` column.
        fields = super().get_fields(request, obj)
        return [f"{n}_shown" if hasattr(self, f"{n}_shown") else n for n in fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    formfield_overrides = {models.DecimalField: {"form_class": MoneyField}}
    list_display = (
        "code",
        "name",
        "kind",
        "settlement",
        "immediate_max_amount",
        "active",
        "is_self",
    )
    list_display_links = ("code",)
    # The code is changed on the institution's own page (transfers keep a reference to it).
    list_editable = ("name", "kind", "settlement", "immediate_max_amount", "active")
    list_filter = ("kind", "settlement", "active")
    search_fields = ("code", "name")

    def has_delete_permission(self, request, obj=None):
        return False  # transfers refer to it: deactivate it instead


@admin.register(ClosedDay)
class ClosedDayAdmin(admin.ModelAdmin):
    list_display = ("date", "reason")
    list_editable = ("reason",)
    date_hierarchy = "date"


@admin.register(CooperativeLimit)
class CooperativeLimitAdmin(admin.ModelAdmin):
    # Staff type these amounts too: read as strictly as the members' forms.
    formfield_overrides = {models.DecimalField: {"form_class": MoneyField}}
    list_display = ("category", "daily", "weekly", "monthly")
    list_editable = ("daily", "weekly", "monthly")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MemberLimit)
class MemberLimitAdmin(ReadOnlyAdmin):
    list_display = (
        "member",
        "category",
        "daily_shown",
        "weekly_shown",
        "monthly_shown",
        "updated_at",
    )
    list_filter = ("category",)
    search_fields = ("member__identification", "member__last_names")
    list_select_related = ("member",)
    daily_shown = money_column(MemberLimit, "daily")
    weekly_shown = money_column(MemberLimit, "weekly")
    monthly_shown = money_column(MemberLimit, "monthly")


@admin.register(Beneficiary)
class BeneficiaryAdmin(ReadOnlyAdmin):
    list_display = (
        "owner",
        "kind",
        "alias",
        "holder_name",
        "institution",
        "account_number",
        "created_at",
        "deleted_at",
    )
    list_filter = ("kind",)
    search_fields = ("owner__identification", "holder_name", "account_number", "alias")
    list_select_related = ("owner", "institution")


def _cycle_request(modeladmin, request):
    if enqueue("transfers.tasks.settlement_cycle_now") is None:
        modeladmin.message_user(
            request,
            gettext(
                "No se pudo solicitar el ciclo: el servicio de tareas no responde. Intenta "
                "nuevamente en unos minutos."
            ),
            messages.ERROR,
        )
        return
    modeladmin.message_user(
        request,
        gettext(
            "Ciclo de compensación solicitado: se envían las transferencias pendientes de la "
            "fecha (solo en días hábiles) y se aplican las respuestas recibidas."
        ),
        messages.SUCCESS,
    )


class CycleActionMixin:
    """The action "Ejecutar ciclo ahora": the task beat runs, for staff who may change batches."""

    def has_cycle_permission(self, request):
        return request.user.has_perm("transfers.change_settlementbatch")

    @admin.action(description=_("Ejecutar ciclo de compensación ahora"), permissions=["cycle"])
    def cycle_now(self, request, queryset):
        _cycle_request(self, request)


@admin.register(Transfer)
class TransferAdmin(CycleActionMixin, ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "kind",
        "member",
        "amount_shown",
        "to_name",
        "institution",
        "settlement",
        "process_date",
        "status",
        "batch",
    )
    amount_shown = money_column(Transfer, "amount")
    fee_shown = money_column(Transfer, "fee")
    vat_shown = money_column(Transfer, "vat")
    list_filter = ("kind", "status", "settlement", "process_date", "institution")
    search_fields = (
        "=id",
        "member__identification",
        "member__last_names",
        "to_name",
        "to_account_number",
        "to_identification",
    )
    date_hierarchy = "created_at"
    list_select_related = ("member", "institution", "batch")
    actions = ["cycle_now"]


class BatchTransferInline(admin.TabularInline):
    model = Transfer
    extra = 0
    can_delete = False
    fields = (
        "id",
        "member",
        "institution",
        "to_account_number",
        "to_name",
        "amount_shown",
        "status",
        "return_reason",
        "settled_at",
    )
    readonly_fields = fields
    show_change_link = True
    amount_shown = money_column(Transfer, "amount")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SettlementBatch)
class SettlementBatchAdmin(CycleActionMixin, ReadOnlyAdmin):
    list_display = (
        "file_name",
        "status",
        "count",
        "total_shown",
        "created_at",
        "sent_at",
        "answered_at",
        "gateway_reference",
    )
    list_filter = ("status",)
    search_fields = ("file_name", "gateway_reference")
    date_hierarchy = "created_at"
    fields = (
        "file_name",
        "status",
        "count",
        "total_shown",
        "checksum",
        "gateway_reference",
        "created_at",
        "sent_at",
        "answered_at",
        "file_content",
    )
    readonly_fields = fields
    inlines = [BatchTransferInline]
    actions = ["cycle_now"]
    total_shown = money_column(SettlementBatch, "total")

    @admin.display(description=_("contenido del archivo"))
    def file_content(self, obj):
        return format_html(
            '<pre style="overflow-x:auto; font-size:12px; margin:0">{}</pre>', obj.content
        )


@admin.register(IncomingCredit)
class IncomingCreditAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "received_at",
        "institution",
        "account_number",
        "amount_shown",
        "sender_name",
        "status",
        "return_reason",
    )
    list_filter = ("status", "institution")
    search_fields = ("reference", "account_number", "sender_name")
    date_hierarchy = "received_at"
    list_select_related = ("institution",)
    amount_shown = money_column(IncomingCredit, "amount")
