import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.backoffice import money_column
from common.money_input import MoneyField

from .models import Account, Entry, ExportJob, Hold, TermDeposit, Transaction
from .services.backoffice import OPERATIONS, backoffice_operation_post
from .services.ledger import LedgerError
from .services.products import account_save, term_deposit_save, term_deposits_delete


class BackofficeOperationForm(forms.Form):
    operation = forms.ChoiceField(
        label=_("Operación"),
        choices=[
            ("deposit", _("Depósito en efectivo (DEPÓSITO AHORROS)")),
            ("withdrawal", _("Retiro en efectivo (RETIRO DE AHORROS)")),
            ("interest", _("Capitalización de intereses")),
        ],
    )
    amount = MoneyField(label=_("Monto"), max_digits=18, min_value=Decimal("0.01"))
    reason = forms.CharField(
        label=_("Motivo"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext("El motivo es obligatorio."))
        return reason


class ReadOnlyAdmin(admin.ModelAdmin):
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


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "product",
        "owner",
        "internal_code",
        "status",
        "balance_shown",
        "available_shown",
    )
    list_filter = ("product", "status")
    search_fields = ("number", "owner__identification", "owner__last_names")
    # Money moves only through the ledger: the balances are shown, never edited.
    exclude = ("balance", "available")
    readonly_fields = ("balance_shown", "available_shown", "opened_at")
    balance_shown = money_column(Account, "balance")
    available_shown = money_column(Account, "available")
    autocomplete_fields = ("owner",)
    change_form_template = "admin/accounts/account/change_form.html"

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Money moves only through the ledger: an account never changes hands or number.
        fixed = ("number", "owner", "internal_code", "product") if obj else ()
        return (*self.readonly_fields, *fixed)

    def save_model(self, request, obj, form, change):
        account_save(account=obj, fields=form.changed_data if change else None)

    def get_urls(self):
        return [
            path(
                "<int:account_id>/operacion/",
                self.admin_site.admin_view(self.operation_view),
                name="accounts_account_operation",
            ),
            *super().get_urls(),
        ]

    def operation_view(self, request, account_id: int):
        if not request.user.has_perm("accounts.change_account"):
            raise PermissionDenied
        account = get_object_or_404(Account, pk=account_id, internal_code__isnull=True)
        if request.method == "POST":
            form = BackofficeOperationForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    txn = backoffice_operation_post(
                        operation=data["operation"],
                        account=account,
                        amount=data["amount"],
                        reason=data["reason"],
                        idempotency_key=f"admin:{data['idempotency_key']}",
                        staff_user=request.user,
                    )
                except LedgerError as exc:
                    form.add_error(None, exc.message)
                else:
                    description = OPERATIONS[data["operation"]][1]
                    messages.success(
                        request,
                        gettext("%(operation)s registrado. Comprobante N.º %(receipt)s.")
                        % {"operation": description, "receipt": txn.receipt_number},
                    )
                    return redirect(reverse("admin:accounts_account_change", args=[account.pk]))
        else:
            form = BackofficeOperationForm(initial={"idempotency_key": uuid.uuid4().hex})
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "account": account,
            "opts": self.model._meta,
            "title": gettext("Operación de ventanilla · %(number)s") % {"number": account.number},
        }
        return render(request, "admin/accounts/account/operation.html", context)


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    fields = ("account", "amount_shown", "balance_after_shown", "description", "role")
    readonly_fields = fields
    amount_shown = money_column(Entry, "amount")
    balance_after_shown = money_column(Entry, "balance_after")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "channel", "memo", "posted_at", "initiated_by")
    list_filter = ("kind", "channel")
    search_fields = ("idempotency_key", "memo", "id")
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = (
        "transaction",
        "account",
        "amount_shown",
        "balance_after_shown",
        "description",
        "posted_at",
    )
    search_fields = ("account__number",)
    list_select_related = ("transaction", "account")
    amount_shown = money_column(Entry, "amount")
    balance_after_shown = money_column(Entry, "balance_after")


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = (
        "account",
        "amount_shown",
        "status",
        "reason",
        "reference",
        "created_at",
        "expires_at",
    )
    list_filter = ("status",)
    amount_shown = money_column(Hold, "amount")


@admin.register(TermDeposit)
class TermDepositAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, *(("number", "owner", "payout_account") if obj else ()))

    def save_model(self, request, obj, form, change):
        term_deposit_save(deposit=obj, fields=form.changed_data if change else None)

    def delete_model(self, request, obj):
        term_deposits_delete(deposits=TermDeposit.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        term_deposits_delete(deposits=queryset)

    list_display = (
        "number",
        "owner",
        "capital_shown",
        "term_days",
        "annual_rate",
        "issued_on",
        "matures_on",
        "status",
    )
    exclude = ("capital", "interest_paid")
    readonly_fields = ("account", "capital_shown", "interest_paid_shown")
    capital_shown = money_column(TermDeposit, "capital")
    interest_paid_shown = money_column(TermDeposit, "interest_paid")


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ("kind", "user", "account", "status", "progress", "created_at")
