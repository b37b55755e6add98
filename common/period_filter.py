"""The period filter every query page shows: Periodo (radio), Fecha desde, Fecha hasta.

A page's filter form derives from ``PeriodFilterForm`` and adds its own fields; its cleaned
data then carries ``date_from`` and ``date_to`` (local dates, both included).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .periods import PERIOD_CHOICES, PERIOD_RECENT, PeriodError, period_dates


class PeriodFilterForm(forms.Form):
    periodo = forms.ChoiceField(
        label=_("Periodo"), choices=PERIOD_CHOICES, required=False, widget=forms.RadioSelect
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

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                field.error_messages["invalid_choice"] = gettext("Selecciona una opción válida.")

    def custom_range_rules(self) -> dict:
        """How far a custom range may reach: ``period_dates``' ``max_months_back`` or
        ``max_span_months``."""
        return {}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        period = data.get("periodo") or PERIOD_RECENT
        try:
            first, last = period_dates(
                period=period,
                today=self.today or timezone.localdate(),
                date_from=data.get("desde"),
                date_to=data.get("hasta"),
                **self.custom_range_rules(),
            )
        except PeriodError as exc:
            raise forms.ValidationError(exc.message) from None
        data["periodo"] = period
        data["date_from"], data["date_to"] = first, last
        return data
