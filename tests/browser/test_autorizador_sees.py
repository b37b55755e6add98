"""Before typing the code the autorizador sees whom the money goes to: the pending list names
each order's type and payee; the approve page asks "¿Autorizas la transferencia de $ … a …
(banco, cuenta …)?" above the payee, fee and total; the code dialog names the payee again. At
1366 px, and the list and the approve page on a 390 px phone without sideways scrolling."""

import uuid
from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import enter_code

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
QUESTION = (
    "¿Autorizas la transferencia de $ 120.00 a FANNY ONTANEDA "
    "(BANCO INTERNACIONAL S.A., cuenta *****3456)?"
)


def pending_interbank_order(amount: str, name: str, memo: str) -> int:
    """An ingresador's interbank transfer of the demo company, waiting for a signature."""
    from accounts.models import Account, Channel
    from accounts.registries.operations import Context, operation_submit
    from identity.models import User
    from transfers.services.operations import INTERBANK, InterbankTransferPayload, PayeeData

    maker = User.objects.get(username="empingresa01")
    origin = Account.objects.get(number="410201000017")
    payload = InterbankTransferPayload(
        origin=origin.pk,
        amount=Decimal(amount),
        memo=memo,
        payee=PayeeData(
            institution="0032",
            account_number="2200123456",
            account_type="AHORROS",
            name=name,
            id_type="CEDULA",
            identification="1710034065",
        ),
    )
    context = Context(user=maker, member=origin.owner, channel=Channel.WEB, key=str(uuid.uuid4()))
    return operation_submit(
        spec=INTERBANK, payload=payload, context=context, concept=memo
    ).reference


def no_sideways_scroll(page) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_autorizador_sees_the_payee_before_typing_the_code(page, live_server, sign_in):
    pending_interbank_order("120.00", "FANNY ONTANEDA", "Factura 118")
    page.set_viewport_size(DESKTOP)
    sign_in("empautoriza01")
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Autorizar"
    ).click()

    row = page.get_by_test_id("pending-orders").get_by_role("row").filter(has_text="Factura 118")
    expect(row).to_contain_text("Transferencia interbancaria")
    expect(row.get_by_test_id("pending-payee")).to_contain_text("FANNY ONTANEDA")
    expect(row.get_by_test_id("pending-payee")).to_contain_text(
        "BANCO INTERNACIONAL S.A. · *****3456"
    )
    no_sideways_scroll(page)

    row.get_by_role("link", name="Autorizar", exact=True).click()
    expect(page.get_by_test_id("order-question")).to_have_text(QUESTION)
    expect(page.get_by_test_id("order-payee")).to_have_text("FANNY ONTANEDA")
    expect(page.get_by_test_id("order-payee-account")).to_have_text("*****3456")
    expect(page.get_by_test_id("order-total")).to_have_text("$ 120.41")
    expect(page.get_by_test_id("order-view")).to_contain_text("Cédula 1710034065")
    no_sideways_scroll(page)

    page.get_by_role("button", name="Sí, autorizar").click()
    dialog = page.get_by_test_id("otp-dialog")
    expect(dialog).to_contain_text("Para autorizar la transferencia de $ 120.00 a FANNY ONTANEDA")
    enter_code(page)
    expect(page.get_by_text("Orden autorizada y ejecutada.")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Aprobada")
    expect(page.get_by_test_id("order-approvals")).to_contain_text("(nivel A) · Aprobó")


def test_on_a_phone_the_list_and_the_question_fit_the_screen(
    page, live_server, sign_in, without_demo_orders
):
    long_name = "MARÍA FERNANDA ONTANEDA RUIZ DE LA TORRE Y SALAZAR"
    pending_interbank_order("120.00", "FANNY ONTANEDA", "Factura 118")
    pending_interbank_order("450.75", long_name, "Anticipo de obra civil")
    page.set_viewport_size(PHONE)
    sign_in("empautoriza01")
    page.goto(f"{live_server.url}/empresa/autorizar/")

    cards = page.get_by_test_id("pending-orders").locator("tbody tr")
    expect(cards).to_have_count(2)
    card = cards.filter(has_text="Anticipo de obra civil")
    expect(card.get_by_test_id("pending-payee")).to_contain_text(long_name)
    # The amount leads each card, labelled by its column.
    amount = card.locator("td.num")
    expect(amount).to_have_text("$ 450.75")
    assert amount.get_attribute("data-label") == "Monto"
    box, first = amount.bounding_box(), card.locator("td").first.bounding_box()
    assert box["y"] <= first["y"], "the amount is not the card's first line"
    no_sideways_scroll(page)

    card.get_by_role("link", name="Autorizar", exact=True).click()
    expect(page.get_by_test_id("order-question")).to_contain_text(long_name)
    expect(page.get_by_test_id("order-payee-account")).to_have_text("*****3456")
    expect(page.get_by_role("button", name="Sí, autorizar")).to_be_visible()
    no_sideways_scroll(page)


SIGNED = "Ya firmaste esta operación: faltan las firmas de otros autorizadores."


def test_what_this_login_cannot_sign_is_said_before_any_code(
    page, live_server, sign_in, without_demo_orders
):
    """Issue 13: once the autorizador signed an order that waits for another signature, its
    page says so instead of offering Autorizar, the list gives its row no box and no
    Autorizar, the approve page sends back without a code, and an expired order is not
    listed. On a phone too."""
    from datetime import timedelta

    from django.utils import timezone

    from enterprise.models import ApprovalOrder

    signed = pending_interbank_order("75.00", "FANNY ONTANEDA", "Servicio de limpieza")
    ApprovalOrder.objects.filter(pk=signed).update(required=["A", "A"])  # two A signatures
    expired = pending_interbank_order("33.00", "ANA PÉREZ", "Orden vencida")
    ApprovalOrder.objects.filter(pk=expired).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    page.set_viewport_size(DESKTOP)
    sign_in("empautoriza01")
    page.goto(f"{live_server.url}/empresa/ordenes/{signed}/")
    page.get_by_role("link", name="Autorizar", exact=True).click()
    page.get_by_role("button", name="Sí, autorizar").click()
    enter_code(page)
    expect(page.get_by_text("Firma registrada: faltan otras firmas.")).to_be_visible()

    # The order's page: the reason, Rechazar, no Autorizar.
    expect(page.get_by_test_id("order-blocker")).to_have_text(SIGNED)
    order = page.get_by_test_id("order")
    expect(order.get_by_role("link", name="Autorizar", exact=True)).to_have_count(0)
    expect(order.get_by_role("link", name="Rechazar", exact=True)).to_be_visible()

    # The approve page, typed in: back to the order, said as a warning, no code.
    page.goto(f"{live_server.url}/empresa/ordenes/{signed}/autorizar/")
    expect(page).to_have_url(f"{live_server.url}/empresa/ordenes/{signed}/")
    expect(page.locator(".msg.warning")).to_have_text(SIGNED)
    expect(page.get_by_label("Dígito 1")).to_have_count(0)

    # The list: the signed row has no box and no Autorizar; the expired one is not there.
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/empresa/autorizar/")
        table = page.get_by_test_id("pending-orders")
        expect(table).not_to_contain_text("Orden vencida")
        row = table.locator("tbody tr").filter(has_text="Servicio de limpieza")
        expect(row).to_contain_text("Pendiente · ya firmaste")
        expect(row.get_by_role("checkbox")).to_have_count(0)
        expect(row.get_by_role("link", name="Autorizar", exact=True)).to_have_count(0)
        expect(row.get_by_role("link", name="Rechazar", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Autorización masiva")).to_have_count(0)
        no_sideways_scroll(page)
