import calendar
import re
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Account


def months_back(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class MovementFilterForm(forms.Form):
    PERIODS = [
        ("recientes", _("Últimos 30 días")),
        ("mes_anterior", _("Mes anterior")),
        ("ayer", _("Ayer")),
        ("hoy", _("Hoy")),
        ("personalizado", _("Personalizado")),
    ]
    DIRECTIONS = [("todos", _("Todos")), ("debitos", _("Débitos")), ("creditos", _("Créditos"))]

    periodo = forms.ChoiceField(
        label=_("Periodo"), choices=PERIODS, required=False, widget=forms.RadioSelect
    )
    desde = forms.DateField(
        label=_("Fecha desde"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("La fecha desde no es válida.")},
    )
    hasta = forms.DateField(
        label=_("Fecha hasta"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("La fecha hasta no es válida.")},
    )
    tipo = forms.ChoiceField(label=_("Tipo de movimiento"), choices=DIRECTIONS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("periodo", "tipo"):
            self.fields[name].error_messages["invalid_choice"] = gettext(
                "Selecciona una opción válida."
            )

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        period = data.get("periodo") or "recientes"
        if period == "hoy":
            first, last = today, today
        elif period == "ayer":
            first = last = today - timedelta(days=1)
        elif period == "mes_anterior":
            last = today.replace(day=1) - timedelta(days=1)
            first = last.replace(day=1)
        elif period == "personalizado":
            first, last = data.get("desde"), data.get("hasta")
            if self.errors:
                return data
            if not first or not last:
                raise forms.ValidationError(gettext("Indica la fecha desde y la fecha hasta."))
            if first > last:
                raise forms.ValidationError(
                    gettext("La fecha desde no puede ser posterior a la fecha hasta.")
                )
            if last > today:
                raise forms.ValidationError(gettext("La fecha hasta no puede ser futura."))
            limit = months_back(today, settings.MOVEMENTS_MAX_MONTHS)
            if first < limit:
                raise forms.ValidationError(
                    gettext(
                        "Solo puedes consultar hasta %(months)s meses atrás (desde el %(limit)s)."
                    )
                    % {"months": settings.MOVEMENTS_MAX_MONTHS, "limit": f"{limit:%d/%m/%Y}"}
                )
        else:
            first, last = today - timedelta(days=30), today
        data["periodo"] = period
        data["date_from"], data["date_to"] = first, last
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
