import re
import secrets
from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.money_input import MoneyField

from .models import ComplaintProduct
from .services import ComplaintError, attachment_validate, is_single_line, single_line_error

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def amount_field(label):
    return MoneyField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        help_text=_("Opcional. En dólares, con hasta 2 decimales."),
        error_messages={
            "invalid": _("Ingresa un monto válido, por ejemplo 125.50."),
            "min_value": _("El monto no puede ser negativo."),
            "negative": _("El monto no puede ser negativo."),
            "max_decimal_places": _("El monto admite hasta 2 decimales."),
            "max_digits": _("El monto es demasiado grande."),
            "max_whole_digits": _("El monto es demasiado grande."),
        },
    )


class ComplaintForm(forms.Form):
    """No e-mail field: the acknowledgement goes to the registered address, which the page
    shows; an address typed here could only ever be somebody else's to send it to."""

    product = forms.ChoiceField(
        label=_("Producto o servicio"),
        choices=[("", _("Selecciona una opción")), *ComplaintProduct.choices],
    )
    product_number = forms.CharField(
        label=_("Número de cuenta o tarjeta"),
        required=False,
        max_length=30,
        help_text=_("Opcional. Solo dígitos, de 4 a 20. De una tarjeta bastan los últimos 4."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    names = forms.CharField(
        label=_("Nombres y apellidos"),
        max_length=250,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    identification = forms.CharField(
        label=_("Identificación"),
        max_length=20,
        help_text=_("Cédula, RUC o pasaporte."),
    )
    phone = forms.CharField(
        label=_("Teléfono"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    description = forms.CharField(
        label=_("Descripción del reclamo"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Cuéntanos qué pasó, cuándo y qué solución esperas (hasta 2000 caracteres)."),
        error_messages={
            "max_length": _("La descripción admite hasta 2000 caracteres (tiene %(show_value)d).")
        },
    )
    claimed_amount = amount_field(_("Monto reclamado"))
    returned_amount = amount_field(_("Monto devuelto"))
    attachment = forms.FileField(
        label=_("Documento de respaldo"),
        required=False,
        help_text=_("Opcional. PDF, PNG o JPEG de hasta 5 MB."),
        widget=forms.FileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}
        ),
        error_messages={
            "empty": _("El archivo adjunto está vacío."),
            "invalid": _("No se pudo leer el archivo adjunto."),
        },
    )
    data_consent = forms.BooleanField(
        label=_("Autorizo el tratamiento de mis datos personales"),
        help_text=_("Cooprogreso los usará solo para atender este reclamo."),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = gettext("Este campo es obligatorio.")
        self.fields["product"].error_messages["invalid_choice"] = gettext(
            "Selecciona una opción de la lista."
        )
        self.fields["data_consent"].error_messages["required"] = gettext(
            "Debes autorizar el tratamiento de tus datos personales."
        )
        self.token_expired = False
        if not self.is_bound:
            self.initial["token"] = new_token()
        elif not TOKEN_PATTERN.fullmatch(self.data.get("token", "")):
            # A page from before the token, or a tampered one: it cannot be recognised if
            # posted twice, so it is refused and shown again with a token of its own.
            self.token_expired = True
            self.data = self.data.copy()
            self.data["token"] = new_token()

    def clean_product_number(self):
        number = re.sub(r"[\s-]", "", self.cleaned_data["product_number"])
        if number and not re.fullmatch(r"\d{4,20}", number):
            raise forms.ValidationError(
                gettext("El número de cuenta o tarjeta debe tener solo dígitos, de 4 a 20.")
            )
        return number

    def clean_names(self):
        names = self.cleaned_data["names"]
        if not is_single_line(names):
            raise forms.ValidationError(single_line_error())
        return names

    def clean_identification(self):
        value = self.cleaned_data["identification"].replace(" ", "").upper()
        if not re.fullmatch(r"[0-9A-Z-]{5,20}", value):
            raise forms.ValidationError(gettext("Ingresa una identificación válida."))
        return value

    def clean_phone(self):
        value = re.sub(r"[\s()-]", "", self.cleaned_data["phone"])
        if not re.fullmatch(r"\+?\d{7,15}", value):
            raise forms.ValidationError(gettext("Ingresa un teléfono válido, solo con dígitos."))
        return value

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        try:
            attachment_validate(upload)
        except ComplaintError as exc:
            raise forms.ValidationError(exc.message) from None
        return upload

    def clean(self):
        data = super().clean()
        if self.token_expired:
            raise forms.ValidationError(
                gettext("El formulario caducó. Revisa los datos y envíalo de nuevo.")
            )
        claimed, returned = data.get("claimed_amount"), data.get("returned_amount")
        if claimed is not None and returned is not None and returned > claimed:
            self.add_error(
                "returned_amount",
                gettext("El monto devuelto no puede ser mayor que el monto reclamado."),
            )
        return data

    @property
    def missing_required(self) -> bool:
        return any(
            error.code == "required"
            for errors in self.errors.as_data().values()
            for error in errors
        )
