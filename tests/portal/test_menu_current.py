"""The menu shows where you are: on every page exactly one entry is marked current
(aria-current="page"), the one the page belongs to: an account's movements and a receipt
under "Posición consolidada", a new or edited payee under "Administrar beneficiarios", an
order's page under "Autorizar" for an autorizador and under the entry where it was registered
for an ingresador. Pages without an entry (support) mark none. The payroll pages name a batch
by its name, date and rows, never by its internal id."""

import html
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Product, TermDeposit, Transaction
from enterprise.models import CompanyUser
from payroll.models import PayrollBatch, PayrollRow
from tests.auth import sign_in
from tests.enterprise.test_order_view import interbank_order, payroll_order
from tests.factories import AccountFactory
from transfers.models import Beneficiary, Institution

pytestmark = pytest.mark.django_db

MENU = re.compile(r'<nav class="sidemenu"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r"<a ([^>]*)>([^<]+)", re.S)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)

POSITION, STATEMENT = "Posición consolidada", "Estado de cuenta"
TRANSFERS, BENEFICIARIES = "Transferencias", "Administrar beneficiarios"
AUTHORIZE, QUERIES, PAYROLL = "Autorizar", "Consultas", "Pagos masivos"
USERS, LEVELS, PROFILE = "Gestión de usuarios", "Niveles de firma", "Perfil"
PROFILE_PAGES = ["/perfil/", "/perfil/contrasena/", "/perfil/dispositivos/", "/perfil/seguridad/"]
TRANSFER_FORMS = [
    "/transferencias/",
    "/transferencias/mis-cuentas/",
    "/transferencias/cooprogreso/",
    "/transferencias/interbancarias/",
]


def current(client, url) -> list[str]:
    """The menu entries marked current on the page at ``url``."""
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    menu = MENU.search(response.content.decode())[1]
    return [
        html.unescape(name).strip()
        for attributes, name in LINK.findall(menu)
        if 'aria-current="page"' in attributes
    ]


def assert_menu(client, expected: dict[str, str | None]):
    seen = {url: current(client, url) for url in expected}
    assert seen == {url: [name] if name else [] for url, name in expected.items()}


def saved_batch(company) -> PayrollBatch:
    batch = PayrollBatch.objects.create(
        company=company,
        name="Nómina noviembre",
        status=PayrollBatch.Status.SAVED,
        created_by=company.maker,
        saved_at=timezone.now(),
    )
    for line, amount in enumerate(("450.00", "380.50"), start=2):
        account = AccountFactory()
        PayrollRow.objects.create(
            batch=batch,
            line=line,
            identification=account.owner.identification,
            id_type="CEDULA",
            name=account.owner.full_name.upper(),
            account_number=account.number,
            account_type="AHORROS",
            amount=Decimal(amount),
            account=account,
        )
    PayrollBatch.objects.filter(pk=batch.pk).update(rows_count=2)
    return batch


def signed_in(user) -> Client:
    client = Client()
    sign_in(client, user.username)
    return client


def payee_of(member, payee_account) -> Beneficiary:
    return Beneficiary.objects.create(
        owner=member,
        kind=Beneficiary.Kind.MEMBER,
        institution=Institution.objects.get(is_self=True),
        account=payee_account,
        account_number=payee_account.number,
        holder_name=payee_account.owner.full_name,
        approved_at=timezone.now(),
    )


def test_a_members_pages_mark_their_entry(member_user, payee_account):
    member = member_user.customer
    account = member.accounts.get()
    receipt = Transaction.objects.filter(entries__account=account).first().receipt_number
    TermDeposit.objects.create(
        number="0010777",
        owner=member,
        account=AccountFactory(owner=member, product=Product.TERM_DEPOSIT),
        payout_account=account,
        capital=Decimal("1000.00"),
        term_days=365,
        annual_rate=Decimal("7.25"),
        issued_on="2026-01-02",
        matures_on="2027-01-02",
    )
    payee = payee_of(member, payee_account)
    client = signed_in(member_user)

    assert_menu(
        client,
        {
            "/": POSITION,
            f"/cuentas/{account.number}/movimientos/": POSITION,
            f"/comprobantes/{receipt}/": POSITION,
            "/inversiones/0010777/": POSITION,
            "/estado-de-cuenta/": STATEMENT,
            **dict.fromkeys(TRANSFER_FORMS, TRANSFERS),
            "/transferencias/cupos/": TRANSFERS,
            "/beneficiarios/": BENEFICIARIES,
            "/beneficiarios/nuevo/cooprogreso/": BENEFICIARIES,
            f"/beneficiarios/{payee.pk}/editar/": BENEFICIARIES,
            f"/beneficiarios/{payee.pk}/eliminar/": BENEFICIARIES,
            **dict.fromkeys(PROFILE_PAGES, PROFILE),
            # Support is reached from the profile page; the menu has no entry for it.
            "/soporte/": None,
            "/soporte/preguntas-frecuentes/": None,
        },
    )


def test_an_administrators_pages_mark_their_entry(company, payee_account):
    batch = saved_batch(company)
    transfer = interbank_order(company)
    payroll = payroll_order(company)
    payee = payee_of(company.member, payee_account)
    client = signed_in(company.admin)

    assert_menu(
        client,
        {
            "/": POSITION,
            f"/cuentas/{company.account.number}/movimientos/": POSITION,
            "/estado-de-cuenta/": STATEMENT,
            "/empresa/usuarios/": USERS,
            "/empresa/usuarios/agregar/": USERS,
            f"/empresa/usuarios/{company.maker.company_profile.pk}/servicios/": USERS,
            "/empresa/auditoria/": USERS,
            "/empresa/niveles-de-firma/": LEVELS,
            "/empresa/niveles-de-firma/agregar/": LEVELS,
            "/empresa/consultas/": QUERIES,
            "/empresa/pagos-masivos/": PAYROLL,
            f"/empresa/pagos-masivos/{batch.pk}/": PAYROLL,
            **dict.fromkeys(TRANSFER_FORMS, TRANSFERS),
            "/beneficiarios/": BENEFICIARIES,
            f"/beneficiarios/{payee.pk}/editar/": BENEFICIARIES,
            # An administrator does not sign: an order is under the entry it came from.
            f"/empresa/ordenes/{transfer.pk}/": TRANSFERS,
            f"/empresa/ordenes/{payroll.pk}/": PAYROLL,
            **dict.fromkeys(PROFILE_PAGES, PROFILE),
        },
    )


def test_an_ingresadors_order_is_under_the_entry_where_it_was_registered(company):
    batch = saved_batch(company)
    transfer = interbank_order(company)
    payroll = payroll_order(company)
    client = signed_in(company.maker)

    assert_menu(
        client,
        {
            f"/empresa/ordenes/{transfer.pk}/": TRANSFERS,
            f"/empresa/ordenes/{payroll.pk}/": PAYROLL,
            "/empresa/consultas/": QUERIES,
            "/empresa/pagos-masivos/": PAYROLL,
            f"/empresa/pagos-masivos/{batch.pk}/": PAYROLL,
            "/transferencias/cooprogreso/": TRANSFERS,
            "/beneficiarios/nuevo/cooprogreso/": BENEFICIARIES,
            "/perfil/seguridad/": PROFILE,
        },
    )

    # Without the transfer services any more, the order is found again under Consultas...
    profile = CompanyUser.objects.get(user=company.maker)
    profile.services = ["POSICION", "CONSULTAS_TODAS", "PAGO_MASIVO"]
    profile.save(update_fields=["services"])
    assert current(client, f"/empresa/ordenes/{transfer.pk}/") == [QUERIES]
    # ...and without Consultas either, nothing is marked rather than a wrong entry.
    profile.services = ["POSICION", "PAGO_MASIVO"]
    profile.save(update_fields=["services"])
    assert current(client, f"/empresa/ordenes/{transfer.pk}/") == []


def test_an_autorizadors_pages_mark_their_entry(company):
    transfer = interbank_order(company)
    payroll = payroll_order(company)
    client = signed_in(company.approver_a)

    assert_menu(
        client,
        {
            "/": POSITION,
            f"/cuentas/{company.account.number}/movimientos/": POSITION,
            "/estado-de-cuenta/": STATEMENT,
            "/empresa/autorizar/": AUTHORIZE,
            f"/empresa/ordenes/{transfer.pk}/": AUTHORIZE,
            f"/empresa/ordenes/{payroll.pk}/": AUTHORIZE,
            f"/empresa/ordenes/{transfer.pk}/autorizar/": AUTHORIZE,
            "/empresa/consultas/": QUERIES,
            **dict.fromkeys(PROFILE_PAGES, PROFILE),
        },
    )


def visible_text(page: str) -> str:
    """What a person reads: the page without its tags (attributes and links go with them)."""
    body = page.split("<body", 1)[1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_payroll_pages_name_a_batch_without_its_internal_id(company):
    batch = saved_batch(company)
    client = signed_in(company.maker)

    index = client.get("/empresa/pagos-masivos/").content.decode()
    detail = client.get(f"/empresa/pagos-masivos/{batch.pk}/").content.decode()
    row = client.get(f"/empresa/pagos-masivos/{batch.pk}/fila/").content.decode()

    assert str(batch.pk) in index  # in its links, which is where it belongs
    for page in (index, detail):
        assert UUID.search(visible_text(page)) is None
        assert "Nómina noviembre" in visible_text(page)
    assert UUID.search(re.sub(r"<[^>]+>", " ", row)) is None
    headers = re.findall(r"<th>([^<]*)</th>", index.split('data-testid="batches"')[1])
    assert headers == ["Nombre", "Fecha", "Opciones"]
    summary = re.search(r'data-testid="batch-summary">(.*?)</p>', detail, re.S)[1]
    assert "Nómina noviembre" in summary and "2 filas" in summary
    assert re.search(r"\d{2}/[a-z]+\./\d{4}", summary), summary  # the date it was saved
