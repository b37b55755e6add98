"""Reads of "Niveles de firma": the company's levels with how many users hold each, its
signature rules per operation, in words, and which of them its active authorizers can sign."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext

from ..models import (
    Approval,
    ApprovalBand,
    ApprovalOrder,
    Company,
    CompanyRole,
    CompanyUser,
    Operation,
    Service,
    SignatureLevel,
)
from ..services.approvals import DEFAULT_SIGNATURES, required_signatures, rule_satisfied
from .access import can


@dataclass(frozen=True)
class LevelRow:
    level: SignatureLevel
    users: int  # users holding it (deleted ones aside)
    signers: int  # of them, active authorizers who may sign


@dataclass(frozen=True)
class Rule:
    """One band of one operation (or, for an operation without bands, the one signature of
    level A the engine asks for), in words."""

    operation: str
    operation_label: str
    words: str  # "Hasta $ 1,000.00: una firma de nivel B."
    signatures: tuple[str, ...]

    @property
    def text(self) -> str:
        """ "Transferencias (hasta $ 1,000.00: una firma de nivel B)" """
        words = self.words.rstrip(".")
        return f"{self.operation_label} ({words[:1].lower()}{words[1:]})"


# --- Who signs ---------------------------------------------------------------------------------


def signers(company: Company, *, without: int | None = None) -> list[CompanyUser]:
    """The company's active authorizers whose signature counts: a level and the service
    "Autorizar operaciones" (``without``: leave this profile out)."""
    profiles = (
        CompanyUser.objects.filter(
            company=company,
            role=CompanyRole.APPROVER,
            status=CompanyUser.Status.ACTIVE,
            signature_level__isnull=False,
        )
        .exclude(pk=without)
        .select_related("signature_level")
    )
    return [profile for profile in profiles if can(profile, Service.AUTHORIZE)]


def signer_letters(company: Company, *, without: int | None = None) -> list[str]:
    """The level of each authorizer who can sign today, one letter per person."""
    return [profile.signature_level.letter for profile in signers(company, without=without)]


def level_positions(company: Company) -> dict[str, int]:
    return dict(SignatureLevel.objects.filter(company=company).values_list("letter", "position"))


# --- Levels ------------------------------------------------------------------------------------


def level_rows(company: Company) -> list[LevelRow]:
    """Each level of the company, highest first, with how many (not deleted) users hold it
    and how many of them can sign today."""
    users = Counter(
        CompanyUser.objects.filter(company=company, signature_level__isnull=False)
        .exclude(status=CompanyUser.Status.DELETED)
        .values_list("signature_level", flat=True)
    )
    active = Counter(profile.signature_level_id for profile in signers(company))
    return [
        LevelRow(level, users.get(level.pk, 0), active.get(level.pk, 0))
        for level in SignatureLevel.objects.filter(company=company)
    ]


def level_letters(company: Company) -> list[str]:
    return list(SignatureLevel.objects.filter(company=company).values_list("letter", flat=True))


def next_level_letter(company: Company) -> str:
    """The letter "Agregar nivel" would add ("-" when the alphabet is used up)."""
    count = SignatureLevel.objects.filter(company=company).count()
    return chr(ord("A") + count) if count < 26 else "-"


def last_level(company: Company) -> SignatureLevel | None:
    return SignatureLevel.objects.filter(company=company).order_by("-position").first()


# --- Rules -------------------------------------------------------------------------------------


def bands_of(company: Company, operation: str) -> list[ApprovalBand]:
    return list(ApprovalBand.objects.filter(company=company, operation=operation))


def _signatures_words(signatures: list[str]) -> str:
    if len(signatures) == 1:
        return gettext("una firma de nivel %(l)s") % {"l": signatures[0]}
    return gettext("firmas %(list)s y %(last)s") % {
        "list": ", ".join(signatures[:-1]),
        "last": signatures[-1],
    }


def _bands_words(bands: list[ApprovalBand]) -> list[tuple[list[str], str]]:
    """Each band's signatures and its sentence: "Hasta $ 1,000.00: una firma de nivel A." """
    if not bands:
        return [(DEFAULT_SIGNATURES, gettext("Cualquier monto: una firma de nivel A."))]
    words, previous = [], None
    for band in bands:
        signatures = list(band.signatures) or DEFAULT_SIGNATURES
        needs = _signatures_words(signatures)
        if band.up_to is not None:
            line = gettext("Hasta $ %(amount)s: %(needs)s.") % {
                "amount": f"{band.up_to:,.2f}",
                "needs": needs,
            }
            previous = band.up_to
        elif previous is None:
            line = gettext("Cualquier monto: %(needs)s.") % {"needs": needs}
        else:
            line = gettext("Más de $ %(amount)s: %(needs)s.") % {
                "amount": f"{previous:,.2f}",
                "needs": needs,
            }
        words.append((signatures, line))
    return words


def rule_in_words(company: Company, operation: str) -> list[str]:
    """The bands of one operation as sentences: "Hasta $ 1,000.00: una firma de nivel A." """
    return [line for _signatures, line in _bands_words(bands_of(company, operation))]


def operations_rules(company: Company) -> list[tuple[str, str, list[str]]]:
    return [(value, label, rule_in_words(company, value)) for value, label in Operation.choices]


def company_rules(company: Company) -> list[Rule]:
    """Every rule of the company, operation by operation, as the engine applies them."""
    bands: dict[str, list[ApprovalBand]] = {value: [] for value in Operation.values}
    for band in ApprovalBand.objects.filter(company=company):
        bands.setdefault(band.operation, []).append(band)
    return [
        Rule(value, str(label), line, tuple(signatures))
        for value, label in Operation.choices
        for signatures, line in _bands_words(bands[value])
    ]


def unsignable_rules(company: Company, letters: list[str]) -> list[Rule]:
    """The rules that authorizers of these levels (one letter per person) cannot complete: a
    higher level signs for a lower one, and each signature is a different person."""
    positions = level_positions(company)
    return [
        rule
        for rule in company_rules(company)
        if not rule_satisfied(positions, list(rule.signatures), letters)
    ]


def unsignable_orders(company: Company, signers: list[tuple[int, str]]) -> set[int]:
    """The pending orders that these authorizers (user id, level) cannot complete, counting
    the signatures each order already has (nobody signs twice, nor an order they registered)."""
    positions = level_positions(company)
    stuck = set()
    orders = ApprovalOrder.objects.filter(
        company=company, status=ApprovalOrder.Status.PENDING
    ).prefetch_related("approvals")
    for order in orders:
        signed = [
            (approval.user_id, approval.level)
            for approval in order.approvals.all()
            if approval.decision == Approval.Decision.APPROVE
        ]
        done = {user_id for user_id, _level in signed} | {order.created_by_id}
        letters = [level for _user, level in signed]
        letters += [level for user_id, level in signers if user_id not in done]
        required = order.required or required_signatures(company, order.operation, order.amount)
        if not rule_satisfied(positions, list(required), letters):
            stuck.add(order.pk)
    return stuck
