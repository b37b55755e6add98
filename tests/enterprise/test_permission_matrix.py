"""Every enterprise URL × every role × own or other company, with the exact status: what a
role lacks is refused (403, with its Spanish reason), another company's object does not exist
(404), and nobody signed out gets past the sign-in page."""

import re

import pytest
from django.test import Client

from enterprise.models import (
    ApprovalBand,
    ApprovalOrder,
    Company,
    CompanyRole,
    CompanyUser,
    Operation,
    SignatureLevel,
)
from identity.models import AuditEvent, Member
from tests.enterprise.test_views import _pending_order
from tests.factories import AccountFactory, MemberFactory, UserFactory, deposit, funded_member
from transfers.services.beneficiaries import beneficiary_member_save

pytestmark = pytest.mark.django_db

ROLES = ("admin", "maker", "approver", "member", "anon")


def _other_company(payee_account):
    """A second company with an order, a payee waiting for approval and users of its own."""
    member = MemberFactory(kind=Member.Kind.COMPANY, identification="0990005737001")
    company = Company.objects.create(member=member, name="PESQUERA DEL PACÍFICO S.A.")
    company.account = AccountFactory(owner=member)
    deposit(company.account, "5000.00")
    level = SignatureLevel.objects.create(company=company, position=1, letter="A")
    ApprovalBand.objects.create(
        company=company, operation=Operation.TRANSFER, up_to=None, signatures=["A"]
    )
    people = {}
    for role in (CompanyRole.ADMIN, CompanyRole.MAKER, CompanyRole.APPROVER):
        user = UserFactory(customer=member, email=f"{role.lower()}@pacifico.example")
        people[role] = CompanyUser.objects.create(
            user=user,
            company=company,
            role=role,
            signature_level=level if role == CompanyRole.APPROVER else None,
        )
    company.maker = people[CompanyRole.MAKER].user
    company.target = people[CompanyRole.APPROVER]
    company.order = _pending_order(company, payee_account, "20.00")
    company.payee = beneficiary_member_save(
        member=member, account_number=payee_account.number, user=company.maker
    )
    return company


@pytest.fixture
def world(company, payee_account):
    company.order = _pending_order(company, payee_account, "20.00")
    company.payee = beneficiary_member_save(
        member=company.member, account_number=payee_account.number, user=company.maker
    )
    company.target = CompanyUser.objects.get(user=company.approver_b2)
    clients = {"anon": Client(), "member": Client()}
    clients["member"].force_login(funded_member())
    for role, user in (
        ("admin", company.admin),
        ("maker", company.maker),
        ("approver", company.approver_b),
    ):
        clients[role] = Client()
        clients[role].force_login(user)
    return company, _other_company(payee_account), clients


# URL → expected status per role (admin, maker, approver); "own" and "other" say whose object
# the URL names. Retail members get 403 and anonymous visitors the sign-in page everywhere.
PAGES = [
    ("/empresa/autorizar/", None, (403, 403, 200)),
    ("/empresa/ordenes/{order}/", "own", (200, 200, 200)),
    ("/empresa/ordenes/{order}/", "other", (404, 404, 404)),
    ("/empresa/ordenes/{order}/autorizar/", "own", (403, 403, 200)),
    ("/empresa/ordenes/{order}/autorizar/", "other", (403, 403, 404)),
    ("/empresa/ordenes/{order}/rechazar/", "own", (403, 403, 200)),
    ("/empresa/ordenes/{order}/rechazar/", "other", (403, 403, 404)),
    ("/empresa/beneficiarios/{payee}/aprobar/", "own", (403, 403, 200)),
    ("/empresa/beneficiarios/{payee}/aprobar/", "other", (403, 403, 404)),
    ("/empresa/beneficiarios/{payee}/rechazar/", "own", (403, 403, 200)),
    ("/empresa/beneficiarios/{payee}/rechazar/", "other", (403, 403, 404)),
    ("/empresa/niveles-de-firma/", None, (200, 403, 403)),
    ("/empresa/niveles-de-firma/montos/", None, (200, 403, 403)),
    ("/empresa/niveles-de-firma/agregar/", None, (200, 403, 403)),
    ("/empresa/niveles-de-firma/remover/", None, (200, 403, 403)),
    ("/empresa/niveles-de-firma/reglas/TRANSFERENCIA/", None, (200, 403, 403)),
    ("/empresa/consultas/", None, (200, 200, 200)),
    ("/empresa/consultas/descargar/xlsx/", None, (200, 200, 200)),
    ("/empresa/consultas/descargar/pdf/", None, (200, 200, 200)),
    ("/empresa/consultas/{order}/beneficiarios/", "own", (200, 200, 200)),
    ("/empresa/consultas/{order}/beneficiarios/", "other", (404, 404, 404)),
    ("/empresa/consultas/{order}/autorizadores/", "own", (200, 200, 200)),
    ("/empresa/consultas/{order}/autorizadores/", "other", (404, 404, 404)),
    ("/empresa/usuarios/", None, (200, 403, 403)),
    ("/empresa/usuarios/agregar/", None, (200, 403, 403)),
    ("/empresa/auditoria/", None, (200, 403, 403)),
    *[
        (f"/empresa/usuarios/{{target}}/{action}/", whose, expected)
        for action in (
            "servicios",
            "rol",
            "contrasena",
            "enviar-usuario",
            "bloquear",
            "activar",
            "eliminar",
        )
        for whose, expected in (("own", (200, 403, 403)), ("other", (404, 403, 403)))
    ],
]


def _url(template, whose, own, other):
    source = other if whose == "other" else own
    return template.format(order=source.order.pk, payee=source.payee.pk, target=source.target.pk)


@pytest.mark.parametrize(("template", "whose", "expected"), PAGES)
def test_every_enterprise_page_answers_each_role_exactly(world, template, whose, expected):
    own, other, clients = world
    url = _url(template, whose, own, other)
    statuses = {role: clients[role].get(url).status_code for role in ROLES}
    assert statuses == dict(zip(ROLES, (*expected, 403, 302), strict=True)), url
    response = clients["member"].get(url)
    assert "Esta opción es de la banca empresas." in response.content.decode()


@pytest.mark.parametrize("whose", ["own", "other"])
def test_withdraw_answers_each_role_exactly(world, whose):
    own, other, clients = world
    url = _url("/empresa/ordenes/{order}/retirar/", whose, own, other)
    assert clients["anon"].post(url).status_code == 302
    assert clients["member"].post(url).status_code == 403
    for role in ("admin", "approver"):
        # They see the order but cannot withdraw it: only its author can.
        expected = 302 if whose == "own" else 404
        assert clients[role].post(url).status_code == expected
    assert clients["maker"].post(url).status_code == (302 if whose == "own" else 404)
    own.order.refresh_from_db()
    other.order.refresh_from_db()
    assert other.order.status == "PENDIENTE"
    assert own.order.status == ("RETIRADA" if whose == "own" else "PENDIENTE")
    assert clients["maker"].get(url).status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/transferencias/",
        "/transferencias/mis-cuentas/",
        "/transferencias/cooprogreso/",
        "/transferencias/interbancarias/",
        "/beneficiarios/",
    ],
)
def test_an_autorizador_has_no_transfer_screens(world, url):
    _own, _other, clients = world
    assert clients["approver"].get(url).status_code == 403
    assert clients["maker"].get(url).status_code == 200
    assert clients["admin"].get(url).status_code == 200


# Pages that only read: a POST is 405 for anybody signed in, before any other check.
GET_ONLY = re.compile(
    r"^/empresa/(ordenes/\d+/|niveles-de-firma/|consultas/.*|usuarios/|auditoria/)$"
)


@pytest.mark.parametrize(("template", "whose", "expected"), PAGES)
def test_a_refused_role_cannot_post_either_and_nothing_changes(world, template, whose, expected):
    """A forged POST (with whatever data) to a page a role may not open answers like the page
    and changes nothing; where the role may, the incomplete form is refused field by field."""
    own, other, clients = world
    url = _url(template, whose, own, other)
    before = (AuditEvent.objects.count(), sorted(ApprovalOrder.objects.values_list("pk", "status")))
    for role, status in zip(ROLES, (*expected, 403, 302), strict=True):
        response = clients[role].post(url, {"reason": "x", "orders": [other.order.pk]})
        if role != "anon" and GET_ONLY.match(url):
            status = 405
        assert response.status_code == status, (role, url)
    after = (AuditEvent.objects.count(), sorted(ApprovalOrder.objects.values_list("pk", "status")))
    assert after == before
    assert other.order.approvals.count() == 0
