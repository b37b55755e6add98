"""The back office of service payments: the catalogue staff keep (categories and billers, with
each biller's reference fields written as JSON and checked before saving), the payments (read
only, with «Consultar estado ahora» for the ones in process) and each day's reconciliation."""

import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.backoffice import money_column
from common.money_input import MoneyField

from .models import Biller, Category, Payment, Reconciliation
from .services.catalogue import fields_validate
from .services.gateway import GATEWAYS

FIELDS_HELP = _(
    "Lista JSON, un objeto por dato que identifica la factura (el primero es la referencia). "
    'Ejemplo: [{"name": "celular", "label": "NUMERO CELULAR", "kind": "digits", '
    '"min_length": 10, "max_length": 10, "message": "NUMERO CELULAR debe tener 10 caracteres '
    'números", "placeholder": "Ej: 0991234567"}]. «kind»: digits (solo números) o text; '
    "«message»: lo que ve la persona si el dato no cumple (si falta, se arma con las longitudes)."
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by services only: staff look, never edit."""

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [f"{n}_shown" if hasattr(self, f"{n}_shown") else n for n in fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "position", "active", "billers_count")
    list_editable = ("position", "active")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}

    @admin.display(description=_("empresas"))
    def billers_count(self, obj):
        return obj.billers.count()

    def has_delete_permission(self, request, obj=None):
        return False  # billers and payments refer to it: deactivate it instead


class PrettyJSONField(forms.JSONField):
    """JSON shown indented, one field a line, so staff can read and edit it."""

    def prepare_value(self, value):
        if isinstance(value, str):
            return value  # what was typed, kept when it did not parse
        return json.dumps(value, ensure_ascii=False, indent=2)


class BillerForm(forms.ModelForm):
    fields = PrettyJSONField(
        label=_("campos de referencia"),
        help_text=FIELDS_HELP,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 90, "style": "font-family: monospace"}),
    )
    allowed_amounts = forms.CharField(
        label=_("montos permitidos"),
        required=False,
        help_text=_("Separados por comas, p. ej. 3.00, 5.00, 10.00 (solo para la regla LISTA)."),
    )
    gateway = forms.ChoiceField(label=_("pasarela"), choices=[(k, k) for k in GATEWAYS])

    class Meta:
        model = Biller
        fields = "__all__"  # noqa: DJ007 - every column of the catalogue is the back office's

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["allowed_amounts"] = ", ".join(self.instance.allowed_amounts or [])

    def clean_fields(self):
        value = self.cleaned_data["fields"]
        problems = fields_validate(value)
        if problems:
            raise forms.ValidationError(problems)
        return value

    def clean_allowed_amounts(self):
        text = self.cleaned_data.get("allowed_amounts") or ""
        amounts = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            try:
                amount = Decimal(part.replace("$", "").strip())
            except InvalidOperation:
                amount = None
            if amount is None or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
                raise forms.ValidationError(
                    gettext("«%(value)s» no es un monto válido.") % {"value": part}
                )
            amounts.append(f"{amount:.2f}")
        return sorted(set(amounts), key=Decimal)

    def clean(self):
        data = super().clean()
        if data.get("amount_rule") == Biller.AmountRule.LISTED and not data.get("allowed_amounts"):
            self.add_error("allowed_amounts", gettext("La regla LISTA necesita montos."))
        if data.get("amount_rule") == Biller.AmountRule.EXACT and (
            data.get("inquiry") == Biller.Inquiry.NONE
        ):
            self.add_error(
                "amount_rule", gettext("Sin consulta no hay factura: usa LIBRE o LISTA.")
            )
        low, high = data.get("min_amount"), data.get("max_amount")
        if low is not None and high is not None and low > high:
            self.add_error("max_amount", gettext("El máximo debe ser mayor o igual al mínimo."))
        return data


@admin.register(Biller)
class BillerAdmin(admin.ModelAdmin):
    form = BillerForm
    formfield_overrides = {models.DecimalField: {"form_class": MoneyField}}
    list_display = (
        "name",
        "code",
        "category",
        "inquiry",
        "amount_rule",
        "fee_shown",
        "gateway",
        "active",
    )
    list_filter = ("category", "inquiry", "amount_rule", "active", "gateway")
    search_fields = ("name", "code")
    list_select_related = ("category",)
    fee_shown = money_column(Biller, "fee")
    fieldsets = (
        (None, {"fields": ("code", "name", "category", "active", "gateway")}),
        (_("Datos de referencia"), {"fields": ("fields", "reference_preview")}),
        (
            _("Factura y monto"),
            {
                "fields": (
                    "inquiry",
                    "amount_rule",
                    "allowed_amounts",
                    "min_amount",
                    "max_amount",
                    "fee",
                )
            },
        ),
    )
    readonly_fields = ("reference_preview",)

    @admin.display(description=_("lo que ve la persona"))
    def reference_preview(self, obj):
        rows = [
            format_html(
                "<li><strong>{}</strong> — {} · {}–{} {}<br><em>{}</em></li>",
                spec.get("label", ""),
                gettext("números") if spec.get("kind") == "digits" else gettext("texto"),
                spec.get("min_length", 1),
                spec.get("max_length", 40),
                gettext("caracteres"),
                spec.get("message", ""),
            )
            for spec in (obj.fields if obj and isinstance(obj.fields, list) else [])
            if isinstance(spec, dict)
        ]
        return format_html("<ul>{}</ul>", mark_safe("".join(rows))) if rows else "—"  # noqa: S308 - each row escaped by format_html

    def has_delete_permission(self, request, obj=None):
        return False  # payments refer to it: deactivate it instead


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "payer",
        "biller",
        "reference",
        "bill_number",
        "amount_shown",
        "fee_shown",
        "vat_shown",
        "status",
        "authorization",
        "channel",
        "checks",
        "next_check",
    )
    list_filter = ("status", "channel", "biller__category", "biller", "created_at")
    search_fields = (
        "=id",
        "reference",
        "bill_number",
        "authorization",
        "idempotency_key",
        "member__identification",
        "member__last_names",
    )
    date_hierarchy = "created_at"
    list_select_related = ("member", "biller")
    amount_shown = money_column(Payment, "amount")
    fee_shown = money_column(Payment, "fee")
    vat_shown = money_column(Payment, "vat")
    actions = ["status_now"]

    @admin.display(description=_("socio"), ordering="member__last_names")
    def payer(self, obj):
        return obj.member

    @admin.display(description=_("consultas de estado"), ordering="status_checks")
    def checks(self, obj):
        return obj.status_checks

    @admin.display(description=_("próxima consulta"), ordering="next_check_at")
    def next_check(self, obj):
        return obj.next_check_at if obj.status == Payment.Status.PENDING else None

    def has_status_permission(self, request):
        return request.user.has_perm("payments.change_payment")

    @admin.action(description=_("Consultar estado ahora"), permissions=["status"])
    def status_now(self, request, queryset):
        """Asks the biller about each selected payment in process (the same service the
        status task runs); the others are left as they are."""
        from .services.bills import payment_status_check

        outcomes = {"PAGADO": 0, "FALLIDO": 0, "PENDIENTE": 0}
        pending = list(queryset.filter(status=Payment.Status.PENDING).values_list("pk", flat=True))
        skipped = queryset.count() - len(pending)
        for pk in pending:
            status = payment_status_check(payment_id=pk).status
            outcomes[status] = outcomes.get(status, 0) + 1
        self.message_user(
            request,
            gettext(
                "Consulta hecha: %(paid)s pagados, %(failed)s fallidos (dinero devuelto), "
                "%(pending)s siguen en proceso; %(skipped)s no estaban en proceso."
            )
            % {
                "paid": outcomes["PAGADO"],
                "failed": outcomes["FALLIDO"],
                "pending": outcomes["PENDIENTE"],
                "skipped": skipped,
            },
            messages.SUCCESS,
        )


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdmin):
    list_display = (
        "day",
        "biller",
        "listed",
        "matched",
        "confirmed",
        "refunded",
        "unexpected_count",
        "ran_at",
    )
    list_filter = ("day", "biller")
    date_hierarchy = "day"
    list_select_related = ("biller",)

    @admin.display(description=_("no reconocidos"))
    def unexpected_count(self, obj):
        return len(obj.unexpected or [])
