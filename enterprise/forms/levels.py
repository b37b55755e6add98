import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.money_input import MoneyField

from ..services.levels import bands_problem, limits_problem

BAND_ROWS = 5
MONEY = {"max_digits": 18, "min_value": Decimal("0.01")}  # two decimals: MoneyField's own


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=200,
        error_messages={"required": _("Ingresa el motivo del cambio.")},
    )


class CompanyLimitsForm(ReasonForm):
    daily = MoneyField(label=_("Monto máximo diario"), **MONEY)
    weekly = MoneyField(label=_("Monto máximo semanal"), **MONEY)
    monthly = MoneyField(label=_("Monto máximo mensual"), **MONEY)
    field_order = ["daily", "weekly", "monthly", "reason"]

    def clean(self):
        data = super().clean()
        if all(data.get(name) is not None for name in ("daily", "weekly", "monthly")):
            problem = limits_problem(data["daily"], data["weekly"], data["monthly"])
            if problem:
                raise forms.ValidationError(problem)
        return data


class BandsForm(ReasonForm):
    """Up to five bands, lowest first; the last one filled has no amount (it covers the rest).
    Signatures as letters joined by "+": "A", "A+B", "A+B+C"."""

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        for i in range(BAND_ROWS):
            self.fields[f"up_to_{i}"] = MoneyField(
                label=_("Hasta $ (regla %(n)s)") % {"n": i + 1}, required=False, **MONEY
            )
            self.fields[f"signatures_{i}"] = forms.CharField(
                label=_("Firmas (regla %(n)s)") % {"n": i + 1}, required=False, max_length=30
            )
        self.order_fields([*(f for i in range(BAND_ROWS) for f in _row(i)), "reason"])

    def clean(self):
        data = super().clean()
        bands = []
        for i in range(BAND_ROWS):
            up_to = data.get(f"up_to_{i}")
            text = data.get(f"signatures_{i}", "") or ""
            letters = [p for p in re.split(r"[\s+,;]+", text.strip().upper()) if p]
            if up_to is None and not letters:
                continue
            if any(not re.fullmatch(r"[A-Z]", letter) for letter in letters):
                raise forms.ValidationError(
                    gettext("Escribe las firmas como letras unidas por +, por ejemplo A+B.")
                )
            bands.append((up_to, letters))
        problem = bands_problem(self.company, bands)
        if problem:
            raise forms.ValidationError(problem)
        data["bands"] = bands
        return data


def _row(i):
    return (f"up_to_{i}", f"signatures_{i}")


def bands_initial(bands) -> dict:
    initial = {}
    for i, band in enumerate(bands[:BAND_ROWS]):
        initial[f"up_to_{i}"] = band.up_to
        initial[f"signatures_{i}"] = "+".join(band.signatures)
    return initial
