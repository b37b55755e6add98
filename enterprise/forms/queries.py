"""The filter of Consultas → Transacciones generales (a GET form: period, dates, state)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.period_filter import PeriodFilterForm
from common.periods import PERIOD_RECENT

from ..models import ApprovalOrder
from ..selectors import queries


class OrderQueryForm(PeriodFilterForm):
    estado = forms.ChoiceField(
        label=_("Estado"),
        choices=[("", _("Todos")), *ApprovalOrder.Status.choices],
        required=False,
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("periodo"):
            data = data.copy()
            data["periodo"] = PERIOD_RECENT  # shown checked when nothing was chosen
        super().__init__(data, *args, **kwargs)

    def custom_range_rules(self) -> dict:
        return {"max_span_months": queries.MAX_RANGE_MONTHS}
