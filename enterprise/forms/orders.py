"""Forms of "Autorizar": the ticked pending orders signed together, and a rejection's reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ApprovalOrder


class MassApproveForm(forms.Form):
    orders = forms.ModelMultipleChoiceField(
        queryset=ApprovalOrder.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Selecciona al menos una operación."),
            "invalid_choice": _("Alguna operación seleccionada ya no está pendiente."),
            "invalid_pk_value": _("Alguna operación seleccionada no es válida."),
        },
    )

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orders"].queryset = rows


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=200,
        error_messages={"required": _("Ingresa el motivo del rechazo.")},
    )
