"""Forms of the bulk-payment screens: upload a sheet, rename a batch, pay its rows."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from enterprise.selectors.access import accounts_of

from .services.batches import PayrollError, batch_payment_preview

ALL_ROWS = "todos"
XLSX_TYPES = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def max_megabytes() -> str:
    return f"{settings.PAYROLL_MAX_BYTES / (1024 * 1024):g} MB"


def max_rows() -> str:
    return f"{settings.PAYROLL_MAX_ROWS:,}"


def batch_name_field(label):
    return forms.CharField(
        label=label,
        max_length=80,
        error_messages={
            "required": _("Ingresa un nombre o alias para la nómina."),
            "max_length": _("El nombre admite como máximo 80 caracteres."),
        },
        widget=forms.TextInput(attrs={"placeholder": _("Ej: Proveedor"), "autocomplete": "off"}),
    )


class UploadForm(forms.Form):
    """Cargar nómina: the name and the .xlsx; the sheet itself is read by the import task."""

    name = batch_name_field(_("Nombre o alias"))
    file = forms.FileField(
        label=_("Archivo de la nómina (.xlsx)"),
        error_messages={
            "required": _("Elige el archivo de la nómina."),
            "empty": _("El archivo está vacío."),
            "invalid": _("No se recibió un archivo. Vuelve a elegirlo."),
            "missing": _("Elige el archivo de la nómina."),
        },
        widget=forms.FileInput(attrs={"accept": XLSX_TYPES}),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(gettext("Ingresa un nombre o alias para la nómina."))
        return name

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError(
                gettext("Solo se admiten archivos .xlsx (Excel). El archivo «%(name)s» no lo es.")
                % {"name": upload.name}
            )
        if upload.size > settings.PAYROLL_MAX_BYTES:
            raise forms.ValidationError(
                gettext("El archivo supera el tamaño máximo de %(max)s.") % {"max": max_megabytes()}
            )
        return upload


class RenameForm(forms.Form):
    name = batch_name_field(_("Nombre detalle de pago"))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(gettext("Ingresa un nombre o alias para la nómina."))
        return name


class DebitAccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, account):
        product = account.get_product_display().upper()
        return f"{product} - N.º {account.number} - $ {account.available:,.2f}"


def rows_param(values: list[str], everything: bool) -> str:
    """The selection the detail page sends, as the pay form carries it: "todos" or ids."""
    if everything:
        return ALL_ROWS
    ids = sorted({int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 12})
    return ",".join(str(pk) for pk in ids)


class PayForm(forms.Form):
    """Pagar: the selected rows, the account to debit and the reason. ``preview`` (count,
    total, fees) is what the code will be bound to."""

    rows = forms.CharField(
        widget=forms.HiddenInput,
        max_length=600_000,
        error_messages={"required": _("Selecciona al menos una fila por pagar.")},
    )
    debit_account = DebitAccountChoice(
        label=_("Cuenta a debitar"),
        queryset=Account.objects.none(),
        empty_label=_("Elige una cuenta"),
        error_messages={
            "required": _("Elige la cuenta a debitar."),
            "invalid_choice": _("No tienes acceso a esa cuenta."),
        },
    )
    memo = forms.CharField(
        label=_("Motivo"),
        max_length=100,
        error_messages={
            "required": _("Ingresa el motivo del pago."),
            "max_length": _("El motivo admite como máximo 100 caracteres."),
        },
        widget=forms.TextInput(attrs={"placeholder": _("Ej: Pago mes"), "autocomplete": "off"}),
    )
    key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("La operación expiró. Vuelve a ingresar los datos."),
            "invalid": _("La operación expiró. Vuelve a ingresar los datos."),
        },
    )

    def __init__(self, *args, profile, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch
        self.preview = None
        self.fields["debit_account"].queryset = (
            accounts_of(profile).filter(status=Account.Status.ACTIVE).order_by("number")
        )
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4())

    def full_clean(self):
        # An unusable key is the form's problem, said at the top, with a fresh key for the
        # next submit.
        super().full_clean()
        if self.is_bound and "key" in self.errors:
            message = self.errors.pop("key")
            self.add_error(None, message)
            self.data = self.data.copy()
            self.data["key"] = str(uuid.uuid4())

    def clean_rows(self):
        return row_ids_from(self.cleaned_data["rows"])

    def clean_memo(self):
        memo = self.cleaned_data["memo"].strip()
        if not memo:
            raise forms.ValidationError(gettext("Ingresa el motivo del pago."))
        return memo

    def clean(self):
        data = super().clean()
        if "rows" not in data:
            return data
        try:
            self.preview = batch_payment_preview(batch=self.batch, row_ids=data["rows"])
        except PayrollError as exc:
            raise forms.ValidationError(exc.message) from exc
        account = data.get("debit_account")
        if account is not None and account.available < self.preview.debit:
            self.add_error(
                "debit_account",
                gettext("Fondos insuficientes en la cuenta %(account)s: disponible $ %(a)s.")
                % {"account": account.masked_number, "a": f"{account.available:,.2f}"},
            )
        return data

    def idempotency_key(self) -> str:
        # 32 characters: the service scopes it to the batch within the order's 80-character key.
        return self.cleaned_data["key"].hex


def row_ids_from(text: str) -> list[int] | None:
    """None for every payable row ("todos"), else the ids; a malformed list is refused."""
    text = (text or "").strip()
    if text == ALL_ROWS:
        return None
    parts = [part for part in text.split(",") if part]
    if not parts or not all(part.isascii() and part.isdigit() and len(part) < 12 for part in parts):
        raise forms.ValidationError(gettext("Selecciona al menos una fila por pagar."))
    return sorted({int(part) for part in parts})
