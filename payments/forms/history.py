"""«Historial de pagos»: the period (Mes anterior, Ayer, Hoy, Personalizado up to 12 months
back), the category, the service and the status."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.period_filter import PeriodFilterForm

from ..models import Payment

#: how far back «Personalizado» may reach
HISTORY_MONTHS = 12


class HistoryFilterForm(PeriodFilterForm):
    categoria = forms.ChoiceField(label=_("Categoría"), required=False)
    servicio = forms.ChoiceField(label=_("Servicio"), required=False)
    estado = forms.ChoiceField(
        label=_("Estado"),
        required=False,
        choices=[("", _("Todos")), *Payment.Status.choices],
    )

    def __init__(self, *args, categories, billers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categoria"].choices = [("", _("Todas"))] + [
            (c.code, c.name) for c in categories
        ]
        self.fields["servicio"].choices = [("", _("Todos"))] + [(b.code, b.name) for b in billers]

    def custom_range_rules(self) -> dict:
        return {"max_months_back": HISTORY_MONTHS}

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "category": data.get("categoria") or "",
            "biller": data.get("servicio") or "",
            "status": data.get("estado") or "",
        }
