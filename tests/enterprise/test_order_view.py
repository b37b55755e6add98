"""What an autorizador sees before signing: the order page, the approve and reject pages and
the pending list name the operation, the payee (name, institution, masked account), the
amount, fee and total, the signature rule and the signatures so far; the code's message names
the payee and the amount; the menu counts the orders waiting for this login's signature."""

import html
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Channel
from accounts.registries.operations import Context, operation_submit
from enterprise.models import ApprovalOrder, CompanyUser
from enterprise.selectors.menu import company_menu
from enterprise.selectors.orders import order_view, orders_to_sign_count
from enterprise.services.approvals import order_approve
from payroll.models import PayrollBatch, PayrollRow
from payroll.services.batches import batch_pay
from tests.auth import code_sent, sent_body, sign_in
from tests.factories import AccountFactory, deposit
from transfers.models import Institution
from transfers.services.holders import holder_name_masked
from transfers.services.operations import (
    INTERBANK,
    MEMBER,
    InterbankTransferPayload,
    MemberTransferPayload,
    PayeeData,
)

pytestmark = pytest.mark.django_db

CODE_SUBJECT = "Tu código de verificación"


def submit(company, spec, payload, concept):
    context = Context(
        user=company.maker, member=company.member, channel=Channel.WEB, key=str(uuid.uuid4())
    )
    outcome = operation_submit(spec=spec, payload=payload, context=context, concept=concept)
    return ApprovalOrder.objects.get(pk=outcome.reference)


def interbank_order(company, amount="100.00", name="FANNY ONTANEDA"):
    payload = InterbankTransferPayload(
        origin=company.account.pk,
        amount=Decimal(amount),
        memo="Factura 118",
        payee=PayeeData(
            institution="0032",
            account_number="2200123456",
            account_type="AHORROS",
            name=name,
            id_type="CEDULA",
            identification="1710034065",
        ),
    )
    return submit(company, INTERBANK, payload, "Pago a proveedor")


def member_order(company, destination, amount="2000.00"):
    payload = MemberTransferPayload(
        origin=company.account.pk, amount=Decimal(amount), destination=destination.pk
    )
    return submit(company, MEMBER, payload, "Compra de equipos")


def payroll_order(company):
    batch = PayrollBatch.objects.create(
        company=company,
        name="Nómina noviembre",
        status=PayrollBatch.Status.SAVED,
        created_by=company.maker,
    )
    for line, amount in enumerate(("450.00", "380.50", "99.99"), start=2):
        account = AccountFactory()
        deposit(account, "1.00")
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
    PayrollRow.objects.create(
        batch=batch,
        line=5,
        identification="1710034065",
        id_type="CEDULA",
        name="FANNY ONTANEDA",
        account_number="2200123456",
        account_type="AHORROS",
        amount=Decimal("200.00"),
        institution=Institution.objects.get(code="0032"),
        interbank=True,
    )
    return batch_pay(
        user=company.maker,
        batch=batch,
        row_ids=None,
        debit_account=company.account,
        memo="Sueldos noviembre",
        key="k1",
    )


def signed_in(user) -> Client:
    client = Client()
    sign_in(client, user.username)
    return client


def text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def code_dialog(client, url, data=None) -> str:
    dialog = client.post(url, data or {}).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:500]
    return html.unescape(dialog)


def order_pages(client, order):
    base = f"/empresa/ordenes/{order.pk}/"
    return {
        "order": text(client, base),
        "approve": text(client, f"{base}autorizar/"),
        "reject": text(client, f"{base}rechazar/"),
    }


# --- An interbank order -------------------------------------------------------------------------


def test_an_interbank_order_shows_whom_it_pays_on_its_page_and_before_signing(company):
    order = interbank_order(company)
    approver = signed_in(company.approver_b)

    pages = order_pages(approver, order)

    for name, page in pages.items():
        for shown in (
            "Transferencia interbancaria",
            "FANNY ONTANEDA",
            "BANCO INTERNACIONAL S.A.",
            "*****3456",
            "Cédula 1710034065",
            company.account.masked_number,
            "$ 100.00",
            "$ 0.36",  # the fee
            "$ 0.05",  # its VAT
            "$ 100.41",  # what the account is debited
            "Firmas requeridas",
            "Aún sin firmas.",
        ):
            assert shown in page, (name, shown)
        assert "2200123456" not in page, name  # the account only by its last digits
    assert (
        "¿Autorizas la transferencia de $ 100.00 a FANNY ONTANEDA "
        "(BANCO INTERNACIONAL S.A., cuenta *****3456)?"
    ) in pages["approve"]
    assert (
        "¿Rechazas la transferencia de $ 100.00 a FANNY ONTANEDA "
        "(BANCO INTERNACIONAL S.A., cuenta *****3456)? Indica el motivo."
    ) in pages["reject"]
    assert "¿Estás seguro" not in pages["approve"]
    assert re.search(r'data-testid="order-rule">B<', pages["order"])


def test_the_code_names_the_payee_and_the_amount(company):
    order = interbank_order(company)
    approver = signed_in(company.approver_b)
    url = f"/empresa/ordenes/{order.pk}/autorizar/"

    dialog = code_dialog(approver, url)

    what = "autorizar la transferencia de $ 100.00 a FANNY ONTANEDA"
    assert f"Para {what}" in dialog
    assert f"para {what}. No lo compartas." in sent_body(subject=CODE_SUBJECT)
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    approver.post(url, {"otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()})
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.EXECUTED, order.failure_reason

    rejected = interbank_order(company, "20.00", name="ANA PÉREZ")
    dialog = code_dialog(
        approver, f"/empresa/ordenes/{rejected.pk}/rechazar/", {"reason": "Factura duplicada"}
    )
    assert "Para rechazar la transferencia de $ 20.00 a ANA PÉREZ" in dialog


# --- A transfer to another member ---------------------------------------------------------------


def test_a_member_order_shows_the_payee_masked_the_rule_and_who_signed(
    company, trusted_payee, payee_account
):
    order = member_order(company, payee_account)  # $ 2,000.00: A + B
    order_approve(user=company.approver_a, order_id=order.pk)
    approver = signed_in(company.approver_b)
    masked = holder_name_masked(payee_account.owner.full_name)
    signer = company.approver_a.get_full_name() or company.approver_a.username

    pages = order_pages(approver, order)

    for name, page in pages.items():
        for shown in (
            "Transferencia Cooprogreso",
            masked,
            "Cooprogreso",
            payee_account.masked_number,
            "$ 2,000.00",
            "Comisión e IVA",
            "$ 0.00",
            "A + B",
            f"{signer} (nivel A) · Aprobó",
        ):
            assert shown in page, (name, shown)
        # Another member's name, as the transfer form showed it: never whole.
        assert payee_account.owner.full_name not in page, name
    assert (
        f"¿Autorizas la transferencia de $ 2,000.00 a {masked} "
        f"(Cooprogreso, cuenta {payee_account.masked_number})?"
    ) in pages["approve"]
    dialog = code_dialog(approver, f"/empresa/ordenes/{order.pk}/autorizar/")
    assert f"Para autorizar la transferencia de $ 2,000.00 a {masked}" in dialog


def test_a_transfer_between_the_companys_own_accounts_names_the_company(company):
    savings = AccountFactory(owner=company.member)
    order = member_order(company, savings, "50.00")

    view = order_view(order)

    assert view.payee.name == company.member.full_name
    assert view.payee.account == savings.masked_number
    assert (view.amount, view.charges, view.total, view.fee) == (
        Decimal("50.00"),
        Decimal("0.00"),
        Decimal("50.00"),
        None,
    )


# --- A bulk payment -----------------------------------------------------------------------------


def test_a_payroll_order_shows_its_rows_total_and_a_link_to_them(company):
    order = payroll_order(company)
    approver = signed_in(company.approver_a)

    pages = order_pages(approver, order)

    for name, page in pages.items():
        for shown in (
            "Pago masivo",
            "4 filas.",
            "1 a otra institución.",
            f"/empresa/consultas/{order.pk}/beneficiarios/",
            "$ 1,130.49",
            "$ 0.36",
            "$ 0.05",
            "$ 1,130.90",
            "Firmas requeridas",
        ):
            assert shown in page, (name, shown)
    assert "¿Autorizas el pago masivo de $ 1,130.49 a 4 beneficiarios?" in pages["approve"]
    dialog = code_dialog(approver, f"/empresa/ordenes/{order.pk}/autorizar/")
    assert "Para autorizar el pago masivo de $ 1,130.49 a 4 beneficiarios" in dialog


# --- The pending list ---------------------------------------------------------------------------


def test_the_pending_list_shows_type_and_payee_with_the_amount_early(
    company, trusted_payee, payee_account
):
    interbank = interbank_order(company)
    member = member_order(company, payee_account)
    order_approve(user=company.approver_b, order_id=member.pk)
    approver = signed_in(company.approver_b)

    page = text(approver, "/empresa/autorizar/")

    head = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    columns = re.findall(r"<th[^>]*>(.*?)</th>", head)
    assert columns.index("Monto") < columns.index("Operación") < columns.index("Beneficiario")
    rows = re.findall(r'<tr data-order="(\d+)">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    by_pk = dict(rows)
    assert "Transferencia interbancaria" in by_pk[str(interbank.pk)]
    assert "FANNY ONTANEDA" in by_pk[str(interbank.pk)]
    assert "BANCO INTERNACIONAL S.A. · *****3456" in by_pk[str(interbank.pk)]
    assert "ya firmaste" not in by_pk[str(interbank.pk)]
    member_row = by_pk[str(member.pk)]
    assert "Transferencia Cooprogreso" in member_row
    assert holder_name_masked(payee_account.owner.full_name) in member_row
    # Signed already: no box to tick and no Autorizar, the reason instead; rejecting is open.
    assert "ya firmaste" in member_row
    assert 'name="orders"' not in member_row and "/autorizar/" not in member_row
    assert f"/empresa/ordenes/{member.pk}/rechazar/" in member_row
    assert 'name="orders"' in by_pk[str(interbank.pk)]
    assert f"/empresa/ordenes/{interbank.pk}/autorizar/" in by_pk[str(interbank.pk)]

    # The search finds another bank's payee by name.
    found = text(approver, "/empresa/autorizar/?q=ontaneda")
    assert "FANNY ONTANEDA" in found and "Transferencia Cooprogreso" not in found


def test_a_payroll_row_in_the_pending_list_counts_its_payees(company):
    payroll_order(company)
    page = text(signed_in(company.approver_a), "/empresa/autorizar/")
    assert "Pago masivo" in page and "4 beneficiarios" in page


def test_mass_approval_says_one_order_in_the_singular(company, trusted_payee, payee_account):
    small = interbank_order(company, "40.00")  # one B
    big = member_order(company, payee_account)  # A + B
    approver = signed_in(company.approver_b)
    url = "/empresa/autorizar/"
    dialog = code_dialog(approver, url, {"orders": [small.pk, big.pk]})
    assert "Para autorizar 2 operaciones por $ 2,040.00" in dialog
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    approver.post(
        url,
        {
            "orders": [small.pk, big.pk],
            "otp_step": "verify",
            "otp_challenge": challenge,
            "otp_code": code_sent(),
        },
    )
    page = text(approver, url)
    assert (
        "Autorización masiva: 1 orden ejecutada; 1 con tu firma registrada (faltan otras firmas)."
        in page
    )


# --- The menu's count ---------------------------------------------------------------------------


def menu_of(client) -> dict:
    return client.get("/empresa/autorizar/").context


def test_the_menu_counts_the_orders_this_login_could_still_sign(
    company, trusted_payee, payee_account
):
    first = interbank_order(company, "10.00")
    second = interbank_order(company, "20.00")
    third = member_order(company, payee_account)
    approver = signed_in(company.approver_b)

    context = menu_of(approver)
    assert context["authorize_pending"] == 3
    assert context["authorize_pending_label"] == "3 órdenes pendientes"

    order_approve(user=company.approver_b, order_id=third.pk)  # signed: no longer theirs
    ApprovalOrder.objects.filter(pk=second.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )  # past its time (the expiry task will close it)
    context = menu_of(approver)
    assert context["authorize_pending"] == 1
    assert context["authorize_pending_label"] == "1 orden pendiente"

    # Another authorizer's count is their own.
    assert menu_of(signed_in(company.approver_a))["authorize_pending"] == 2

    # An authorizer granted another account only sees none of these.
    other = AccountFactory(owner=company.member)
    profile = CompanyUser.objects.get(user=company.approver_b2)
    profile.accounts.set([other])
    assert menu_of(signed_in(company.approver_b2))["authorize_pending"] == 0
    profile.accounts.add(company.account)
    assert orders_to_sign_count(CompanyUser.objects.get(pk=profile.pk)) == 2
    assert first.status == ApprovalOrder.Status.PENDING


def test_the_count_is_one_query_and_only_for_those_who_authorize(
    company, django_assert_num_queries, rf
):
    interbank_order(company)
    profile = CompanyUser.objects.select_related("user").get(user=company.approver_b)
    with django_assert_num_queries(1):
        assert orders_to_sign_count(profile) == 1

    request = rf.get("/")
    maker = CompanyUser.objects.select_related("user__customer").get(user=company.maker).user
    with django_assert_num_queries(0):  # the layout's menu of an ingresador asks nothing more
        menu = company_menu(request, maker)
    assert menu["authorize_pending"] == 0 and menu["authorize_pending_label"] == ""
    assert not menu["can_authorize"]
