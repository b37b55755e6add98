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
    Each band's signatures are chosen among the company's levels (one of each level marked);
    a level no active authorizer holds is shown as such, and refused when saved."""

    def __init__(self, *args, company, levels: list[tuple[str, int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.letters = [letter for letter, _signers in levels]
        choices = [(letter, _level_label(letter, signers)) for letter, signers in levels]
        for i in range(BAND_ROWS):
            self.fields[f"up_to_{i}"] = MoneyField(
                label=_("Hasta $ (regla %(n)s)") % {"n": i + 1}, required=False, **MONEY
            )
            self.fields[f"signatures_{i}"] = forms.MultipleChoiceField(
                label=_("Firmas (regla %(n)s)") % {"n": i + 1},
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "invalid_choice": _("El nivel %(value)s no existe en la empresa."),
                },
            )
        self.order_fields([*(f for i in range(BAND_ROWS) for f in _row(i)), "reason"])

    def rows(self):
        """Each rule's amount and signatures, for the template."""
        return [(i + 1, self[f"up_to_{i}"], self[f"signatures_{i}"]) for i in range(BAND_ROWS)]

    def clean(self):
        data = super().clean()
        if any(name != "reason" for name in self.errors):
            return data  # an amount or a level the field itself refused
        bands = []
        for i in range(BAND_ROWS):
            up_to = data.get(f"up_to_{i}")
            chosen = set(data.get(f"signatures_{i}") or ())
            letters = [letter for letter in self.letters if letter in chosen]
            if up_to is None and not letters:
                continue
            bands.append((up_to, letters))
        problem = bands_problem(self.company, bands)
        if problem:
            raise forms.ValidationError(problem)
        data["bands"] = bands
        return data


def _level_label(letter: str, signers: int) -> str:
    if signers:
        return gettext("Nivel %(l)s") % {"l": letter}
    return gettext("Nivel %(l)s (sin autorizador activo)") % {"l": letter}


def _row(i):
    return (f"up_to_{i}", f"signatures_{i}")


def bands_initial(bands) -> dict:
    initial = {}
    for i, band in enumerate(bands[:BAND_ROWS]):
        initial[f"up_to_{i}"] = band.up_to
        initial[f"signatures_{i}"] = list(band.signatures)
    return initial
