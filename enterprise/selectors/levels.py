"""Reads of "Niveles de firma": the company's levels with how many users hold each, and its
signature rules per operation, in words."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext

from ..models import ApprovalBand, Company, CompanyUser, Operation, SignatureLevel


def level_rows(company: Company) -> list[tuple[SignatureLevel, int]]:
    """Each level of the company, highest first, with how many (not deleted) users hold it."""
    counts = dict(
        CompanyUser.objects.filter(company=company, signature_level__isnull=False)
        .exclude(status=CompanyUser.Status.DELETED)
        .values_list("signature_level")
        .annotate(Count("pk"))
    )
    return [
        (level, counts.get(level.pk, 0)) for level in SignatureLevel.objects.filter(company=company)
    ]


def level_letters(company: Company):
    return SignatureLevel.objects.filter(company=company).values_list("letter", flat=True)


def next_level_letter(company: Company) -> str:
    """The letter "Agregar nivel" would add ("-" when the alphabet is used up)."""
    count = SignatureLevel.objects.filter(company=company).count()
    return chr(ord("A") + count) if count < 26 else "-"


def last_level(company: Company) -> SignatureLevel | None:
    return SignatureLevel.objects.filter(company=company).order_by("-position").first()


def bands_of(company: Company, operation: str) -> list[ApprovalBand]:
    return list(ApprovalBand.objects.filter(company=company, operation=operation))


def _signatures_words(signatures: list[str]) -> str:
    if len(signatures) == 1:
        return gettext("una firma de nivel %(l)s") % {"l": signatures[0]}
    return gettext("firmas %(list)s y %(last)s") % {
        "list": ", ".join(signatures[:-1]),
        "last": signatures[-1],
    }


def rule_in_words(company: Company, operation: str) -> list[str]:
    """The bands of one operation as sentences: "Hasta $ 1,000.00: una firma de nivel A." """
    bands = list(ApprovalBand.objects.filter(company=company, operation=operation))
    if not bands:
        return [gettext("Cualquier monto: una firma de nivel A.")]
    words, previous = [], None
    for band in bands:
        needs = _signatures_words(band.signatures or ["A"])
        if band.up_to is not None:
            words.append(
                gettext("Hasta $ %(amount)s: %(needs)s.")
                % {"amount": f"{band.up_to:,.2f}", "needs": needs}
            )
            previous = band.up_to
        elif previous is None:
            words.append(gettext("Cualquier monto: %(needs)s.") % {"needs": needs})
        else:
            words.append(
                gettext("Más de $ %(amount)s: %(needs)s.")
                % {"amount": f"{previous:,.2f}", "needs": needs}
            )
    return words


def operations_rules(company: Company) -> list[tuple[str, str, list[str]]]:
    return [(value, label, rule_in_words(company, value)) for value, label in Operation.choices]
