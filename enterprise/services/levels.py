"""Niveles de firma: the company's limits, its ordered signature levels and, per operation,
the amount bands that say which signatures an operation needs. Administrators change them,
each change with a reason and audited."""

from __future__ import annotations

import string
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext, ngettext

from identity.services.audit import audit_record

from ..models import ApprovalBand, Company, CompanyLimit, CompanyUser, SignatureLevel
from ..selectors.levels import signer_letters
from .errors import ApprovalError
from .limits import Limits, ceiling, limits_of

LETTERS = string.ascii_uppercase


def _locked(company: Company) -> Company:
    # Two administrators editing at once queue here; each sees the other's result.
    return Company.objects.select_for_update().get(pk=company.pk)


def _audit(user, action, company, target, before, after, reason):
    audit_record(
        actor=user,
        action=action,
        target=target,
        before=before,
        after=after,
        reason=reason,
        scope=company.audit_scope,
    )


# --- Limits ------------------------------------------------------------------------------------


def limits_problem(daily: Decimal, weekly: Decimal, monthly: Decimal) -> str | None:
    top = ceiling()
    for label, value, maximum in zip(
        (gettext("diario"), gettext("semanal"), gettext("mensual")),
        (daily, weekly, monthly),
        (top.daily, top.weekly, top.monthly),
        strict=True,
    ):
        if value > maximum:
            return gettext(
                "El monto máximo %(label)s no puede superar el de la cooperativa para empresas: "
                "$ %(max)s."
            ) % {"label": label, "max": f"{maximum:,.2f}"}
    if not daily <= weekly <= monthly:
        return gettext("El monto diario no puede superar al semanal, ni el semanal al mensual.")
    return None


def company_limits_set(
    *, user, company: Company, daily: Decimal, weekly: Decimal, monthly: Decimal, reason: str
) -> CompanyLimit:
    problem = limits_problem(daily, weekly, monthly)
    if problem:
        raise ApprovalError(problem)
    with transaction.atomic():
        company = _locked(company)
        before = limits_of(company)
        row, _created = CompanyLimit.objects.update_or_create(
            company=company, defaults={"daily": daily, "weekly": weekly, "monthly": monthly}
        )
        _audit(
            user,
            "company.limits",
            company,
            company,
            _limits_json(before),
            _limits_json(Limits(daily, weekly, monthly)),
            reason,
        )
    return row


def _limits_json(limits: Limits) -> dict:
    return {
        "diario": str(limits.daily),
        "semanal": str(limits.weekly),
        "mensual": str(limits.monthly),
    }


# --- Levels ------------------------------------------------------------------------------------


def level_add(*, user, company: Company, reason: str) -> SignatureLevel:
    with transaction.atomic():
        company = _locked(company)
        count = SignatureLevel.objects.filter(company=company).count()
        if count >= len(LETTERS):
            raise ApprovalError(gettext("No se pueden agregar más niveles."))
        level = SignatureLevel.objects.create(
            company=company, position=count + 1, letter=LETTERS[count]
        )
        _audit(user, "company.level_add", company, company, None, {"nivel": level.letter}, reason)
    return level


def level_remove_last(*, user, company: Company, reason: str) -> str:
    with transaction.atomic():
        company = _locked(company)
        level = SignatureLevel.objects.filter(company=company).order_by("-position").first()
        if level is None or level.position == 1:
            raise ApprovalError(gettext("La empresa debe tener al menos un nivel de firma."))
        users = CompanyUser.objects.filter(signature_level=level).exclude(
            status=CompanyUser.Status.DELETED
        )
        count = users.count()
        if count:
            raise ApprovalError(
                ngettext(
                    "El nivel %(level)s está asignado a %(n)s usuario: cámbiale el nivel antes "
                    "de removerlo.",
                    "El nivel %(level)s está asignado a %(n)s usuarios: cámbiales el nivel "
                    "antes de removerlo.",
                    count,
                )
                % {"level": level.letter, "n": count}
            )
        if any(level.letter in band.signatures for band in company.bands.all()):
            raise ApprovalError(
                gettext("El nivel %(level)s se usa en las reglas de firmas: cámbialas antes.")
                % {"level": level.letter}
            )
        CompanyUser.objects.filter(signature_level=level).update(signature_level=None)
        letter = level.letter
        level.delete()
        _audit(user, "company.level_remove", company, company, {"nivel": letter}, None, reason)
    return letter


# --- Bands -------------------------------------------------------------------------------------


def bands_problem(company: Company, bands: list[tuple[Decimal | None, list[str]]]) -> str | None:
    """Ceilings strictly increasing, the last band open (it covers every larger amount), each
    band with at least one signature of an existing level that an active authorizer holds (a
    rule nobody can sign would leave its orders waiting until they expire)."""
    if not bands:
        return gettext("Ingresa al menos una regla.")
    letters = set(SignatureLevel.objects.filter(company=company).values_list("letter", flat=True))
    held = set(signer_letters(company))
    previous = Decimal("0")
    for index, (up_to, signatures) in enumerate(bands):
        last = index == len(bands) - 1
        if not signatures:
            return gettext("Cada regla necesita al menos una firma.")
        unknown = [letter for letter in signatures if letter not in letters]
        if unknown:
            return gettext("El nivel %(level)s no existe en la empresa.") % {"level": unknown[0]}
        empty = [letter for letter in signatures if letter not in held]
        if empty:
            return gettext(
                "No hay ningún autorizador activo con nivel %(level)s: asigna el nivel a un "
                "usuario antes de usarlo en una regla."
            ) % {"level": empty[0]}
        if last and up_to is not None:
            return gettext("La última regla no lleva monto: cubre todo lo que supere la anterior.")
        if not last:
            if up_to is None:
                return gettext("Solo la última regla puede quedar sin monto.")
            if up_to <= previous:
                return gettext("Los montos de las reglas deben ir de menor a mayor.")
            previous = up_to
    return None


def bands_set(
    *,
    user,
    company: Company,
    operation: str,
    bands: list[tuple[Decimal | None, list[str]]],
    reason: str,
) -> None:
    with transaction.atomic():
        # Under the company's lock: a user blocked or given another level meanwhile (the
        # user services take the same lock) is seen by the check.
        company = _locked(company)
        problem = bands_problem(company, bands)
        if problem:
            raise ApprovalError(problem)
        rows = ApprovalBand.objects.filter(company=company, operation=operation)
        before = [_band_json(b.up_to, b.signatures) for b in rows]
        rows.delete()
        ApprovalBand.objects.bulk_create(
            ApprovalBand(company=company, operation=operation, up_to=up_to, signatures=signatures)
            for up_to, signatures in bands
        )
        _audit(
            user,
            "company.bands",
            company,
            company,
            {"operacion": operation, "reglas": before},
            {"operacion": operation, "reglas": [_band_json(u, s) for u, s in bands]},
            reason,
        )


def _band_json(up_to, signatures) -> str:
    return f"{'≤ ' + str(up_to) if up_to is not None else 'resto'}: {'+'.join(signatures)}"
