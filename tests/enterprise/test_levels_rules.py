"""Signature rules name only levels somebody can sign with: the form offers the company's
levels as boxes to tick, a rule with a level no active authorizer holds is refused (the form
keeping what was typed), and blocking, deleting or moving the last authorizer of a level warns
which rules (and waiting orders) nobody can sign any more."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from enterprise.models import (
    ApprovalBand,
    CompanyRole,
    CompanyUser,
    Operation,
    Service,
    SignatureLevel,
)
from enterprise.services.errors import ApprovalError
from enterprise.services.levels import bands_set
from enterprise.services.users import (
    company_user_block,
    company_user_role_set,
    signing_gap_warning,
)
from identity.models import OtpChallenge
from tests.auth import sign_in
from tests.enterprise.test_views import _pending_order, with_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RULES = f"/empresa/niveles-de-firma/reglas/{Operation.PAYROLL}/"
EMPTY_C = (
    "No hay ningún autorizador activo con nivel C: asigna el nivel a un usuario antes de "
    "usarlo en una regla."
)


@pytest.fixture
def admin(company):
    client = Client()
    sign_in(client, company.admin.username)
    return client


def level_c(company):
    return SignatureLevel.objects.create(company=company, position=3, letter="C")


def profile(user):
    return CompanyUser.objects.get(user=user)


def approver(company, level, **extra):
    user = UserFactory(customer=company.member)
    CompanyUser.objects.create(
        user=user, company=company, role=CompanyRole.APPROVER, signature_level=level, **extra
    )
    return user


# --- The form ----------------------------------------------------------------------------------


def test_the_signatures_are_ticked_among_the_companys_levels(company, admin):
    level_c(company)
    response = admin.get(f"/empresa/niveles-de-firma/reglas/{Operation.TRANSFER}/")
    form = response.context["form"]
    assert form.fields["signatures_0"].choices == [
        ("A", "Nivel A"),
        ("B", "Nivel B"),
        ("C", "Nivel C (sin autorizador activo)"),
    ]
    page = response.content.decode()
    assert 'type="checkbox" name="signatures_0" value="C"' in page
    assert not re.search(r'type="text" name="signatures_', page)  # never typed
    # The current rules come ticked: up to 1,000 a B, above it A and B.
    assert form["up_to_0"].value() == Decimal("1000.00")
    assert form["signatures_0"].value() == ["B"]
    assert form["signatures_1"].value() == ["A", "B"]


def test_a_level_that_does_not_exist_cannot_be_ticked(company, admin):
    page = admin.post(RULES, {"signatures_0": ["Z"], "reason": "x"}).content.decode()
    assert "El nivel Z no existe en la empresa." in page
    assert not ApprovalBand.objects.filter(operation=Operation.PAYROLL).exists()


def test_a_rule_with_a_level_nobody_active_holds_is_refused_and_the_form_keeps_its_data(
    company, admin
):
    level_c(company)
    data = {
        "up_to_0": "500",
        "signatures_0": ["B"],
        "signatures_1": ["A", "C"],
        "reason": "Gerencia firma los montos altos",
    }
    challenges = OtpChallenge.objects.count()
    response = admin.post(RULES, data)
    page = response.content.decode()
    assert EMPTY_C in page
    assert 'role="alert"' in page
    form = response.context["form"]
    assert form["up_to_0"].value() == "500"
    assert form["signatures_0"].value() == ["B"]
    assert form["signatures_1"].value() == ["A", "C"]
    assert form["reason"].value() == "Gerencia firma los montos altos"
    assert re.search(r'name="signatures_1" value="C"[^>]*checked', page)
    assert OtpChallenge.objects.count() == challenges  # refused before any code was sent
    assert not ApprovalBand.objects.filter(operation=Operation.PAYROLL).exists()

    # Once an active autorizador holds C, the same rule is saved.
    approver(company, SignatureLevel.objects.get(company=company, letter="C"))
    response = with_code(admin, RULES, data)
    assert response["Location"] == "/empresa/niveles-de-firma/"
    bands = ApprovalBand.objects.filter(company=company, operation=Operation.PAYROLL)
    assert [(b.up_to, b.signatures) for b in bands] == [(Decimal("500"), ["B"]), (None, ["A", "C"])]


def test_blocked_users_and_those_without_the_authorize_service_do_not_count(company):
    c = level_c(company)
    approver(company, c, status=CompanyUser.Status.BLOCKED)
    approver(company, c, services=[Service.POSITION])  # may not authorize
    approver(company, c, status=CompanyUser.Status.DELETED)
    with pytest.raises(ApprovalError) as refused:
        bands_set(
            user=company.admin,
            company=company,
            operation=Operation.PAYROLL,
            bands=[(None, ["C"])],
            reason="x",
        )
    assert refused.value.message == EMPTY_C
    # The service checks again, under the company's lock: the last A blocked meanwhile.
    CompanyUser.objects.filter(user=company.approver_a).update(status=CompanyUser.Status.BLOCKED)
    with pytest.raises(ApprovalError, match="ningún autorizador activo con nivel A"):
        bands_set(
            user=company.admin,
            company=company,
            operation=Operation.PAYROLL,
            bands=[(None, ["A", "B"])],
            reason="x",
        )


# --- Blocking, deleting or moving the last authorizer of a level --------------------------------


def test_blocking_the_last_a_warns_which_rules_nobody_can_sign(company):
    target = profile(company.approver_a)
    warning = signing_gap_warning(company_user=target, status=CompanyUser.Status.BLOCKED)
    assert warning.startswith("Aviso: con este cambio ya no se podrán firmar estas reglas: ")
    assert "Transferencias (más de $ 1,000.00: firmas A y B)" in warning
    assert "Pagos masivos (cualquier monto: una firma de nivel A)" in warning
    # Up to 1,000 a B signs: still signable by the two B.
    assert "hasta $ 1,000.00" not in warning
    assert "Ningún autorizador activo tendrá el nivel A" in warning
    assert signing_gap_warning(company_user=target, status=CompanyUser.Status.DELETED) == warning

    # A warning, not a refusal: someone who left is blocked at once.
    company_user_block(actor=company.admin, company_user=target, reason="Dejó la empresa")
    assert profile(company.approver_a).status == CompanyUser.Status.BLOCKED


def test_a_higher_level_still_signs_for_a_lower_one(company):
    # One B of two leaves: nothing is lost.
    b = profile(company.approver_b)
    assert signing_gap_warning(company_user=b, status=CompanyUser.Status.BLOCKED) is None
    # Both gone: "up to 1,000: a B" is still signed by the A; "A and B" needs two people.
    CompanyUser.objects.filter(user=company.approver_b2).update(status=CompanyUser.Status.BLOCKED)
    warning = signing_gap_warning(company_user=b, status=CompanyUser.Status.BLOCKED)
    assert "Transferencias (más de $ 1,000.00: firmas A y B)" in warning
    assert "hasta $ 1,000.00" not in warning
    assert "Ningún autorizador activo tendrá el nivel B" in warning


def test_a_change_of_level_or_role_warns_too(company):
    a = profile(company.approver_a)
    b_level = SignatureLevel.objects.get(company=company, letter="B")
    warning = signing_gap_warning(company_user=a, signature_level=b_level)
    assert "Pagos masivos (cualquier monto: una firma de nivel A)" in warning
    assert "nivel A" in warning
    assert signing_gap_warning(company_user=a, role=CompanyRole.MAKER, signature_level=None)
    # Another A first, then the change loses nothing.
    approver(company, SignatureLevel.objects.get(company=company, letter="A"))
    assert signing_gap_warning(company_user=a, signature_level=b_level) is None
    company_user_role_set(
        actor=company.admin,
        company_user=a,
        role=CompanyRole.APPROVER,
        signature_level=b_level,
        accounts=[company.account],
        reason="Reorganización",
    )
    assert profile(company.approver_a).signature_level == b_level


def test_the_warning_counts_the_waiting_orders_nobody_could_sign(company, payee_account):
    _pending_order(company, payee_account, "2000.00", "Equipos")  # needs A + B
    _pending_order(company, payee_account, "20.00", "Luz")  # a B (or the A)
    warning = signing_gap_warning(
        company_user=profile(company.approver_a), status=CompanyUser.Status.BLOCKED
    )
    assert "1 orden pendiente ya no se podrá autorizar." in warning


def test_the_levels_page_lists_the_rules_nobody_can_sign_today(company, admin):
    page = admin.get("/empresa/niveles-de-firma/").content.decode()
    assert 'data-testid="unsignable-rules"' not in page
    CompanyUser.objects.filter(user=company.approver_a).update(status=CompanyUser.Status.BLOCKED)
    level_c(company)
    page = admin.get("/empresa/niveles-de-firma/").content.decode()
    assert 'data-testid="unsignable-rules"' in page
    assert "Transferencias (más de $ 1,000.00: firmas A y B)" in page
    assert "sin autorizador activo: asígnalo a un usuario para usarlo en las reglas" in page


def test_blocking_the_last_a_is_warned_before_the_code_and_after_it(company, admin):
    target = profile(company.approver_a)
    url = f"/empresa/usuarios/{target.pk}/bloquear/"
    page = admin.get(url).content.decode()
    assert "Aviso: con este cambio ya no se podrán firmar estas reglas" in page

    with_code(admin, url, {"reason": "Dejó la empresa"})
    shown = admin.get("/empresa/usuarios/").content.decode()  # the messages show on the next page
    assert "Ningún autorizador activo tendrá el nivel A" in shown
    assert profile(company.approver_a).status == CompanyUser.Status.BLOCKED


def test_blocking_one_of_two_b_warns_nothing(company, admin):
    target = profile(company.approver_b)
    page = admin.get(f"/empresa/usuarios/{target.pk}/bloquear/").content.decode()
    assert "Aviso: con este cambio" not in page
