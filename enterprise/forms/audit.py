"""The filter of "Auditoría" (a GET form): period, dates, user and kind of action."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.period_filter import PeriodFilterForm
from common.periods import PERIOD_RECENT

from ..selectors.audit import audit_action_choices, audit_actor_choices


class AuditFilterForm(PeriodFilterForm):
    usuario = forms.ChoiceField(label=_("Usuario"), required=False)
    accion = forms.ChoiceField(label=_("Tipo de acción"), required=False)

    def __init__(self, data=None, *args, company, **kwargs):
        if data is not None and not data.get("periodo"):
            data = data.copy()
            data["periodo"] = PERIOD_RECENT  # shown checked when nothing was chosen
        super().__init__(data, *args, **kwargs)
        self.fields["usuario"].choices = [("", _("Todos")), *audit_actor_choices(company)]
        self.fields["accion"].choices = [("", _("Todas")), *audit_action_choices()]

    def filters(self) -> dict:
        """The selector's arguments (``company_audit_events``) of a valid form."""
        data = self.cleaned_data
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "actor": data["usuario"],
            "action": data["accion"],
        }
