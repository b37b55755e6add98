import re
from datetime import date

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.period_filter import PeriodFilterForm
from common.periods import months_back

from .models import Account


class MovementFilterForm(PeriodFilterForm):
    DIRECTIONS = [("todos", _("Todos")), ("debitos", _("Débitos")), ("creditos", _("Créditos"))]

    tipo = forms.ChoiceField(label=_("Tipo de movimiento"), choices=DIRECTIONS, required=False)

    def custom_range_rules(self) -> dict:
        return {"max_months_back": settings.MOVEMENTS_MAX_MONTHS}

    def clean(self):
        data = super().clean()
        data["tipo"] = data.get("tipo") or "todos"
        return data


class StatementForm(forms.Form):
    cuenta = forms.ChoiceField(label=_("Cuenta"))
    mes = forms.CharField(
        label=_("Mes"),
        widget=forms.DateInput(attrs={"type": "month"}),
        error_messages={"required": _("Selecciona el mes.")},
    )

    def __init__(self, *args, accounts: list[Account], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cuenta"].choices = [
            (
                a.number,
                gettext("%(product)s - N.º %(number)s")
                % {"product": a.get_product_display(), "number": a.number},
            )
            for a in accounts
        ]
        self.fields["cuenta"].error_messages["invalid_choice"] = gettext(
            "Selecciona una de tus cuentas."
        )
        self.fields["cuenta"].error_messages["required"] = gettext("Selecciona una de tus cuentas.")

    def clean_mes(self):
        raw = self.cleaned_data["mes"].strip()
        try:
            if not re.fullmatch(r"\d{4}-\d{2}", raw):
                raise ValueError(raw)
            year, month = (int(part) for part in raw.split("-"))
            first = date(year, month, 1)
        except (ValueError, OverflowError):
            raise forms.ValidationError(
                gettext("El mes no es válido (usa el formato AAAA-MM).")
            ) from None
        today = timezone.localdate()
        if first > today.replace(day=1):
            raise forms.ValidationError(gettext("El mes no puede ser futuro."))
        if first < months_back(today.replace(day=1), settings.MOVEMENTS_MAX_MONTHS):
            raise forms.ValidationError(
                gettext("Solo hay estados de cuenta de los últimos %(months)s meses.")
                % {"months": settings.MOVEMENTS_MAX_MONTHS}
            )
        return first
