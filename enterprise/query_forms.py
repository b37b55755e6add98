"""The filter of Consultas → Transacciones generales (a GET form: period, dates, state)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import queries
from .models import ApprovalOrder


class OrderQueryForm(forms.Form):
    periodo = forms.ChoiceField(
        label=_("Periodo"), choices=queries.PERIODS, required=False, widget=forms.RadioSelect
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
    estado = forms.ChoiceField(
        label=_("Estado"),
        choices=[("", _("Todos")), *ApprovalOrder.Status.choices],
        required=False,
    )

    def __init__(self, data=None, *args, today: date | None = None, **kwargs):
        if data is not None and not data.get("periodo"):
            data = data.copy()
            data["periodo"] = queries.PERIOD_RECENT  # shown checked when nothing was chosen
        super().__init__(data, *args, **kwargs)
        self.today = today or timezone.localdate()
        for name in ("periodo", "estado"):
            self.fields[name].error_messages["invalid_choice"] = gettext(
                "Selecciona una opción válida."
            )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        period = data.get("periodo") or queries.PERIOD_RECENT
        try:
            first, last = queries.period_bounds(
                period=period,
                today=self.today,
                date_from=data.get("desde"),
                date_to=data.get("hasta"),
            )
        except queries.QueryError as exc:
            raise forms.ValidationError(exc.message) from None
        data["periodo"] = period
        data["date_from"], data["date_to"] = first, last
        return data
