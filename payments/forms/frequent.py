"""«Pagos frecuentes»: the filter of the saved services and the alias edit."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class FrequentFilterForm(forms.Form):
    categoria = forms.ChoiceField(label=_("Categoría"), required=False)
    q = forms.CharField(label=_("Servicio"), max_length=40, required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categoria"].choices = [("", _("Todas las categorías"))] + [
            (c.code, c.name) for c in categories
        ]

    def filters(self) -> dict:
        """The valid filters (an unknown category is ignored, not an error page)."""
        if not self.is_valid():
            return {"category": "", "text": ""}
        data = self.cleaned_data
        return {"category": data.get("categoria") or "", "text": data.get("q") or ""}


class AliasForm(forms.Form):
    alias = forms.CharField(
        label=_("Alias"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
