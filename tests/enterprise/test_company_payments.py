"""A company's service, card and scheduled payments through its approval engine, by HTTP: an
ingresador's payment is an order with amount + fee + VAT held and nothing paid; the
autorizador sees the biller, the reference, the bill and the total before signing, and the
signature pays it once; a rejected order gives the hold back; an administrator's pays at once;
the "Pagos de tarjetas y servicios" bands decide the signatures; each role reaches only the
pages of its services; another customer's payment, saved service or schedule is a 404; Consultas
shows the biller; a scheduled payment is signed once and its occurrences pay without new
signatures."""

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Account, Channel
from accounts.registries.operations import Context, operation_submit
from accounts.services.integrity import ledger_problems
from enterprise.models import (
    ApprovalOrder,
    Company,
    CompanyRole,
    CompanyUser,
    Service,
)
from enterprise.services.operations import operation_run
from identity.models import Member
from payments.models import Biller, Payment, SavedService, Schedule
from payments.services.bills import bill_inquire
from payments.services.catalogue import demo_catalogue_ensure
from payments.services.operations import BILL, BillPaymentPayload, saved_service_add
from payments.services.schedules import SCHEDULE, SchedulePayload
from payments.services.schedules_run import schedules_run_due
from tests.auth import code_sent, sign_in
from tests.factories import AccountFactory, MemberFactory, UserFactory, deposit, funded_member
from transfers.models import Institution, Transfer

pytestmark = pytest.mark.django_db

WATER = "/pagos/servicio/agua-epmapa-pedernales/"
SMALL_REF = "1234523"  # one bill of $ 23.50 (band up to $ 50: A)
LARGE_REF = "1234573"  # one bill of $ 73.50 (above the band: A + B)


@pytest.fixture(autouse=True)
def _billers(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.PAYMENTS_GATEWAY_TIMEOUT = 0.5
    settings.PAYMENTS_SIMULATOR_SLOW = 1.0
    settings.SPI_GATEWAY = "transfers.services.gateway.SimulatedGateway"
    demo_catalogue_ensure()


def client_for(user) -> Client:
    client = Client()
    sign_in(client, user.username)
    return client


def with_code(client, url, data):
    dialog = client.post(url, data).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:1500]
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    return client.post(
        url, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )


def account_now(account) -> Account:
    return Account.objects.get(pk=account.pk)


def water_pay(client, account, reference=LARGE_REF) -> tuple[dict, str]:
    """«Consulta del servicio» then the bill picked: the data «Confirmar» posts, and the
    review page."""
    data = {"origin": account.pk, "ref_cuenta": reference, "key": str(uuid.uuid4())}
    bills = client.post(WATER, data).content.decode()
    number = re.search(r'name="bill" value="([^"]+)"', bills).group(1)
    data = {**data, "bill": number, "step": "bills"}
    review = client.post(WATER, data).content.decode()
    return data, review


def water_order(company, user, reference=LARGE_REF) -> ApprovalOrder | None:
    """The payment confirmed by ``user`` through the pages: its order."""
    client = client_for(user)
    data, _review = water_pay(client, company.account, reference)
    with_code(client, WATER + "confirmar/", data)
    return ApprovalOrder.objects.order_by("-pk").first()


def company_payment(company, user, reference="1234561") -> Payment:
    """A payment of the company's money, registered and executed at once by its administrator."""
    water = Biller.objects.get(code="agua-epmapa-pedernales")
    [bill] = bill_inquire(biller=water, reference=reference)
    payload = BillPaymentPayload(
        origin=company.account.pk,
        amount=bill.amount,
        biller=water.pk,
        reference=reference,
        fields={"cuenta": reference},
        bill_number=bill.number,
        bill_period=bill.period,
        bill_amount=bill.amount,
    )
    context = Context(user=user, member=company.member, channel=Channel.WEB, key=str(uuid.uuid4()))
    outcome = operation_submit(spec=BILL, payload=payload, context=context)
    return Payment.objects.get(pk=outcome.result["payment"])


# --- An ingresador's payment, signed or rejected --------------------------------------------


def test_an_ingresadors_payment_is_an_order_holding_amount_fee_and_vat(company, payment_bands):
    maker = client_for(company.maker)
    data, review = water_pay(maker, company.account)
    assert "La orden quedará pendiente de las firmas de tu empresa: A + B" in review
    response = with_code(maker, WATER + "confirmar/", data)

    order = ApprovalOrder.objects.get()
    assert response["Location"] == f"/empresa/ordenes/{order.pk}/"
    assert order.status == ApprovalOrder.Status.PENDING and order.kind == "PAGO_SERVICIO"
    assert order.operation == "PAGO"
    assert (order.amount, order.charges) == (Decimal("73.50"), Decimal("0.35"))
    assert order.hold.amount == Decimal("73.85")
    account = account_now(company.account)
    assert (account.balance, account.available) == (Decimal("10000.00"), Decimal("9926.15"))
    # Nothing posted, nothing asked of the biller: the bill is still unpaid.
    assert not Payment.objects.exists()
    assert maker.get(response["Location"]).status_code == 200


def test_the_autorizador_reads_the_bill_then_signs_and_it_is_paid_once(
    company, payment_bands, django_capture_on_commit_callbacks
):
    order = water_order(company, company.maker, reference=SMALL_REF)
    bill = bill_inquire(
        biller=Biller.objects.get(code="agua-epmapa-pedernales"), reference=SMALL_REF
    )
    approver = client_for(company.approver_a)
    page = approver.get(f"/empresa/ordenes/{order.pk}/autorizar/").content.decode()
    for seen in (
        "AGUA EPMAPA PEDERNALES",
        "Agua",
        "Referencia",
        SMALL_REF,
        "Factura",
        bill[0].number,
        "Periodo",
        bill[0].period,
        "$ 23.50",
        "Comisión",
        "$ 0.30",
        "IVA",
        "$ 0.05",
        "$ 23.85",
    ):
        assert seen in page, seen
    listing = approver.get("/empresa/autorizar/").content.decode()
    assert "AGUA EPMAPA PEDERNALES" in listing

    with django_capture_on_commit_callbacks(execute=True):
        response = with_code(approver, f"/empresa/ordenes/{order.pk}/autorizar/", {})
    assert response["Location"] == f"/empresa/ordenes/{order.pk}/"
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.EXECUTED, order.failure_reason
    payment = Payment.objects.get()
    assert payment.pk == order.result["payment"] and payment.order_reference == order.pk
    assert payment.status == Payment.Status.PAID and payment.authorization
    assert payment.channel == Channel.ENTERPRISE and payment.member == company.member
    account = account_now(company.account)
    assert account.balance == account.available == Decimal("9976.15")
    # The same order run again (a repeated message) returns the first payment.
    with django_capture_on_commit_callbacks(execute=True):
        again = operation_run(order, company.approver_a, ())
    assert again["payment"] == payment.pk and Payment.objects.count() == 1
    assert ledger_problems() == []
    # The ingresador finds it paid in the company's history.
    history = client_for(company.maker).get("/pagos/historial/").content.decode()
    assert SMALL_REF in history and "Pagado" in history


def test_a_rejected_order_gives_the_hold_back_and_pays_nothing(company, payment_bands):
    order = water_order(company, company.maker)
    approver = client_for(company.approver_a)
    with_code(approver, f"/empresa/ordenes/{order.pk}/rechazar/", {"reason": "Ya pagada"})
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.REJECTED
    account = account_now(company.account)
    assert account.balance == account.available == Decimal("10000.00")
    assert not Payment.objects.exists()
    assert ledger_problems() == []


def test_an_administrators_payment_is_paid_at_once(
    company, payment_bands, django_capture_on_commit_callbacks
):
    admin = client_for(company.admin)
    data, review = water_pay(admin, company.account)
    assert "pendiente de las firmas" not in review
    with django_capture_on_commit_callbacks(execute=True):
        response = with_code(admin, WATER + "confirmar/", data)
    payment = Payment.objects.get()
    assert response["Location"] == f"/pagos/comprobante/{payment.pk}/"
    assert ApprovalOrder.objects.get().status == ApprovalOrder.Status.EXECUTED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert account_now(company.account).balance == Decimal("9926.15")
    receipt = admin.get(response["Location"]).content.decode()
    assert "AGUA EPMAPA PEDERNALES" in receipt and LARGE_REF in receipt
    assert ledger_problems() == []


def test_the_payment_bands_decide_the_signatures(
    company, payment_bands, django_capture_on_commit_callbacks
):
    small = water_order(company, company.maker, reference=SMALL_REF)
    large = water_order(company, company.maker, reference=LARGE_REF)
    assert small.required == ["A"] and large.required == ["A", "B"]

    approver_a, approver_b = client_for(company.approver_a), client_for(company.approver_b)
    with django_capture_on_commit_callbacks(execute=True):
        with_code(approver_a, f"/empresa/ordenes/{large.pk}/autorizar/", {})
    large.refresh_from_db()
    assert large.status == ApprovalOrder.Status.PENDING and not Payment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        with_code(approver_b, f"/empresa/ordenes/{large.pk}/autorizar/", {})
    large.refresh_from_db()
    assert large.status == ApprovalOrder.Status.EXECUTED, large.failure_reason
    with django_capture_on_commit_callbacks(execute=True):
        with_code(approver_a, f"/empresa/ordenes/{small.pk}/autorizar/", {})
    small.refresh_from_db()
    assert small.status == ApprovalOrder.Status.EXECUTED, small.failure_reason
    assert Payment.objects.filter(status=Payment.Status.PAID).count() == 2
    assert ledger_problems() == []


# --- The services of each role ---------------------------------------------------------------


def without(company, user, *services) -> None:
    profile = CompanyUser.objects.get(user=user)
    profile.services = [s for s in Service.values if s not in services]
    profile.save(update_fields=["services"])


def menu_of(client) -> str:
    page = client.get("/").content.decode()
    return page.split('aria-label="Menú principal"', 1)[1].split("</nav>", 1)[0]


def test_without_pago_de_servicios_no_menu_entry_and_every_page_is_refused(company, payment_bands):
    paid = company_payment(company, company.admin)
    saved = saved_service_add(
        member=company.member,
        user=company.admin,
        biller=paid.biller,
        reference=paid.reference,
        fields={"cuenta": paid.reference},
    )
    maker = client_for(company.maker)
    assert "Pago de servicios" in menu_of(maker)
    assert maker.get(f"/pagos/comprobante/{paid.pk}/").status_code == 200

    without(company, company.maker, Service.SERVICE_PAYMENT)
    assert "Pago de servicios" not in menu_of(maker)
    for url in (
        "/pagos/",
        WATER,
        "/pagos/frecuentes/",
        f"/pagos/frecuentes/{saved.pk}/alias/",
        "/pagos/historial/",
        "/pagos/programados/",
        "/pagos/programados/nuevo/",
    ):
        assert maker.get(url).status_code == 403, url
    # A receipt stays readable through "Consultas: todas", as a transfer's does…
    receipts = (f"/pagos/comprobante/{paid.pk}/", f"/pagos/comprobante/{paid.pk}/pdf/")
    assert all(maker.get(url).status_code == 200 for url in receipts)
    # …and without it, it is refused too.
    without(company, company.maker, Service.SERVICE_PAYMENT, Service.QUERIES_ALL)
    assert all(maker.get(url).status_code == 403 for url in receipts)
    data = {"origin": company.account.pk, "ref_cuenta": LARGE_REF, "key": str(uuid.uuid4())}
    assert maker.post(WATER, data).status_code == 403
    assert maker.post(WATER + "confirmar/", data).status_code == 403
    assert not ApprovalOrder.objects.filter(created_by=company.maker).exists()

    # An autorizador signs payments; paying them is not among its services.
    approver = client_for(company.approver_a)
    assert "Pago de servicios" not in menu_of(approver)
    assert approver.get("/pagos/").status_code == 403


def test_without_pago_de_tarjetas_no_menu_entry_and_the_card_pages_are_refused(
    company, payment_bands
):
    maker = client_for(company.maker)
    assert "Pago de tarjetas" in menu_of(maker)
    assert maker.get("/pago-tarjetas/").status_code == 200
    without(company, company.maker, Service.CARD_PAYMENT)
    assert "Pago de tarjetas" not in menu_of(maker)
    assert "Pago de servicios" in menu_of(maker)
    for url in ("/pago-tarjetas/", "/pago-tarjetas/pagar/"):
        assert maker.get(url).status_code == 403, url
    for url in ("/pago-tarjetas/pagar/", "/pago-tarjetas/pagar/confirmar/"):
        assert maker.post(url, {"amount": "1.00"}).status_code == 403, url


# --- Another customer's payments -------------------------------------------------------------


def other_company() -> tuple[Company, object, Account]:
    member = MemberFactory(kind=Member.Kind.COMPANY, identification="1790012345001")
    other = Company.objects.create(member=member, name="FERRETERÍA SUR CÍA. LTDA.")
    account = AccountFactory(owner=member)
    deposit(account, "5000.00")
    admin = UserFactory(customer=member, email="admin@sur.example")
    CompanyUser.objects.create(user=admin, company=other, role=CompanyRole.ADMIN)
    other.account = account
    return other, admin, account


def schedule_of(user, member, account) -> Schedule:
    payload = SchedulePayload(
        origin=account.pk,
        amount=Decimal("100.00"),
        biller=Biller.objects.get(code="agua-epmapa-pedernales").pk,
        reference="55512373",
        fields={"cuenta": "55512373"},
        frequency=Schedule.Frequency.AVAILABLE,
        starts_on="2026-01-01",
    )
    context = Context(user=user, member=member, channel=Channel.WEB, key=str(uuid.uuid4()))
    outcome = operation_submit(spec=SCHEDULE, payload=payload, context=context)
    return Schedule.objects.get(pk=outcome.result["schedule"])


def owned_things(user, member, account, reference) -> list[str]:
    """A payment, a saved service and a schedule of this customer: the URLs that name them."""
    water = Biller.objects.get(code="agua-epmapa-pedernales")
    [bill] = bill_inquire(biller=water, reference=reference)
    payload = BillPaymentPayload(
        origin=account.pk,
        amount=bill.amount,
        biller=water.pk,
        reference=reference,
        fields={"cuenta": reference},
        bill_number=bill.number,
        bill_period=bill.period,
        bill_amount=bill.amount,
    )
    context = Context(user=user, member=member, channel=Channel.WEB, key=str(uuid.uuid4()))
    payment = operation_submit(spec=BILL, payload=payload, context=context).result["payment"]
    saved = saved_service_add(
        member=member, user=user, biller=water, reference=reference, fields={"cuenta": reference}
    )
    schedule = schedule_of(user, member, account)
    return [
        f"/pagos/comprobante/{payment}/",
        f"/pagos/comprobante/{payment}/pdf/",
        f"{WATER}?guardado={saved.pk}",
        f"/pagos/programados/{schedule.pk}/",
        f"/pagos/programados/{schedule.pk}/programado/",
        f"/pagos/programados/{schedule.pk}/editar/",
        f"/pagos/programados/{schedule.pk}/cancelar/",
    ]


def refused(client, urls) -> None:
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_another_customers_payments_are_not_found(company, payment_bands):
    other, other_admin, other_account = other_company()
    theirs = owned_things(other_admin, other.member, other_account, "77712361")
    member = funded_member()
    mine = Account.objects.get(owner=member.customer)
    members = owned_things(member, member.customer, mine, "88812362")
    ours = owned_things(company.admin, company.member, company.account, "99912363")
    assert SavedService.objects.count() == 3 and Schedule.objects.count() == 3

    admin, maker = client_for(company.admin), client_for(company.maker)
    for url in ours:
        if not url.endswith(("/editar/", "/cancelar/")):
            assert maker.get(url).status_code == 200, url
    refused(admin, theirs + members)
    refused(maker, theirs + members)
    refused(client_for(member), ours + theirs)
    others = Schedule.objects.exclude(owner=company.member).values_list("pk", flat=True)
    for pk in others:
        assert admin.post(f"/pagos/programados/{pk}/pausar/").status_code == 404
    for pk in SavedService.objects.exclude(owner=company.member).values_list("pk", flat=True):
        assert admin.post(f"/pagos/frecuentes/{pk}/alias/", {"alias": "X"}).status_code == 404


# --- Consultas ----------------------------------------------------------------------------------


def test_consultas_lists_the_payment_order_with_its_biller(
    company, payment_bands, django_capture_on_commit_callbacks
):
    order = water_order(company, company.maker, reference=SMALL_REF)
    approver = client_for(company.approver_a)
    rows = approver.get(f"/empresa/consultas/{order.pk}/beneficiarios/").content.decode()
    assert "AGUA EPMAPA PEDERNALES" in rows and SMALL_REF in rows and "$ 23.50" in rows
    assert "Pendiente" in rows
    listing = approver.get("/empresa/consultas/", {"tab": "todas", "periodo": "hoy"})
    assert "Pago de servicios" in listing.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        with_code(approver, f"/empresa/ordenes/{order.pk}/autorizar/", {})
    rows = approver.get(f"/empresa/consultas/{order.pk}/beneficiarios/").content.decode()
    assert "AGUA EPMAPA PEDERNALES" in rows and SMALL_REF in rows and "Pagado" in rows


# --- Cards ------------------------------------------------------------------------------------


def card_data(company, institution, number, **extra) -> dict:
    return {
        "institution": institution.pk,
        "card_number": number,
        "origin": company.account.pk,
        "pay": "OTRO",
        "key": str(uuid.uuid4()),
        **extra,
    }


def test_a_cooprogreso_card_paid_by_the_ingresador_is_credited_once_signed(company, payment_bands):
    from tests.transfers.test_cards import OWN_CARD, issue_card

    holder = funded_member()
    card = issue_card(holder)
    available_before = Account.objects.get(pk=card.account_id).available
    data = card_data(
        company,
        Institution.objects.get(is_self=True),
        OWN_CARD,
        id_type=holder.customer.id_type,
        identification=holder.customer.identification,
        amount="40.00",
    )
    maker = client_for(company.maker)
    response = with_code(maker, "/pago-tarjetas/pagar/confirmar/", data)
    order = ApprovalOrder.objects.get()
    assert response["Location"] == f"/empresa/ordenes/{order.pk}/"
    assert order.kind == "PAGO_TARJETA" and order.operation == "PAGO"
    assert order.required == ["A"] and "card_number" not in str(order.payload)
    assert OWN_CARD not in str(order.payload)
    assert account_now(company.account).available == Decimal("9960.00")
    assert not Transfer.objects.exists()

    approver = client_for(company.approver_a)
    page = approver.get(f"/empresa/ordenes/{order.pk}/autorizar/").content.decode()
    assert f"XXXXXX{OWN_CARD[-4:]}" in page and "$ 40.00" in page
    with_code(approver, f"/empresa/ordenes/{order.pk}/autorizar/", {})
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.EXECUTED, order.failure_reason
    payment = Transfer.objects.get()
    assert payment.kind == Transfer.Kind.CARD and payment.amount == Decimal("40.00")
    account = account_now(company.account)
    assert account.balance == account.available == Decimal("9960.00")
    # The card's available credit grows by what was paid.
    assert Account.objects.get(pk=card.account_id).available == available_before + Decimal("40.00")
    # The signed order links its receipt, which the autorizador may open (Consultas).
    detail = approver.get(f"/empresa/ordenes/{order.pk}/").content.decode()
    link = re.search(r'href="([^"]+)">Ver comprobante', detail).group(1)
    assert approver.get(link).status_code == 200
    assert ledger_problems() == []


def test_another_banks_card_paid_by_the_ingresador_goes_by_spi_once_signed(company, payment_bands):
    from tests.transfers.test_cards import OTHER_BANK_CARD

    data = card_data(
        company,
        Institution.objects.get(code="0032"),
        OTHER_BANK_CARD,
        id_type="CEDULA",
        identification="1710034065",
        holder_name="Evelyn Rivera",
        amount="60.00",
    )
    maker = client_for(company.maker)
    with_code(maker, "/pago-tarjetas/pagar/confirmar/", data)
    order = ApprovalOrder.objects.get()
    assert order.kind == "PAGO_TARJETA_INTERBANCARIA" and order.required == ["A", "B"]
    assert order.charges == Decimal("0.41") and order.hold.amount == Decimal("60.41")

    for signer in (company.approver_a, company.approver_b):
        with_code(client_for(signer), f"/empresa/ordenes/{order.pk}/autorizar/", {})
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.EXECUTED, order.failure_reason
    payment = Transfer.objects.get()
    assert payment.kind == Transfer.Kind.CARD_INTERBANK
    assert (payment.fee, payment.vat) == (Decimal("0.36"), Decimal("0.05"))
    account = account_now(company.account)
    assert account.balance == account.available == Decimal("9939.59")
    rows = client_for(company.approver_a).get(f"/empresa/consultas/{order.pk}/beneficiarios/")
    assert f"XXXXXX{OTHER_BANK_CARD[-4:]}" in rows.content.decode()
    assert ledger_problems() == []


# --- A scheduled payment ------------------------------------------------------------------------


def test_a_scheduled_payment_is_signed_once_and_its_occurrences_pay_without_signatures(
    company, payment_bands
):
    from django.utils import timezone

    maker = client_for(company.maker)
    data = {
        "origin": company.account.pk,
        "category": "agua",
        "biller": "agua-epmapa-pedernales",
        "ref_cuenta": "41515161",
        "max_amount": "100.00",
        "frequency": "DISPONIBLE",
        "starts_on": timezone.localdate().isoformat(),
        "indefinite": "on",
        "accept_terms": "on",
        "key": str(uuid.uuid4()),
    }
    response = with_code(maker, "/pagos/programados/nuevo/", data)
    order = ApprovalOrder.objects.get()
    assert response["Location"] == f"/empresa/ordenes/{order.pk}/"
    assert order.kind == "PAGO_PROGRAMADO" and order.amount == Decimal("100.00")
    assert order.required == ["A", "B"] and order.hold is None
    account = account_now(company.account)
    assert account.available == account.balance == Decimal("10000.00")
    schedule = Schedule.objects.get()
    assert schedule.status == Schedule.Status.WAITING
    assert schedules_run_due() == {}

    approver = client_for(company.approver_a)
    page = approver.get(f"/empresa/ordenes/{order.pk}/autorizar/").content.decode()
    assert "AGUA EPMAPA PEDERNALES" in page and "41515161" in page and "$ 100.00" in page
    for signer in (company.approver_a, company.approver_b):
        with_code(client_for(signer), f"/empresa/ordenes/{order.pk}/autorizar/", {})
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.EXECUTED, order.failure_reason
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.ACTIVE and schedule.order_reference == order.pk

    assert schedules_run_due() == {"PAGADO": 1}
    payment = Payment.objects.get()
    assert payment.order_reference == order.pk and payment.amount == Decimal("61.50")
    assert ApprovalOrder.objects.count() == 1
    assert account_now(company.account).balance == Decimal("10000.00") - Decimal("61.85")
    # The same bill is not paid again, whatever runs again.
    schedules_run_due(now=timezone.now() + dt.timedelta(days=1))
    assert Payment.objects.count() == 1
    listing = maker.get("/pagos/programados/").content.decode()
    assert "41515161" in listing and "Activo" in listing
    assert ledger_problems() == []
