"""Issue 13: nothing on an autorizador's pages leads to a refusal the page could have
predicted. What stops this login from signing (it signed already, its level does not count,
the order expired, is no longer pending or is its own, it has no level) is said on the order's
page instead of the Autorizar button, the approve and reject pages send it back there without
a code, the pending list gives such a row no box and no Autorizar, an expired order is not
listed, and a failed execution or a mass approval that did nothing is said as an error."""

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from enterprise.models import ApprovalOrder, CompanyRole, CompanyUser
from enterprise.selectors.orders import approval_blocker, rejection_blocker, sign_blockers
from enterprise.services.approvals import ApprovalError, order_approve
from identity.models import OtpChallenge
from tests.auth import code_sent
from tests.enterprise.test_order_view import interbank_order, member_order, signed_in, text

pytestmark = pytest.mark.django_db

SIGNED = "Ya firmaste esta operación: faltan las firmas de otros autorizadores."
LEVEL_AFTER_B = (
    "Tu nivel de firma (B) no alcanza para las firmas que faltan: la regla de esta operación "
    "pide A + B y ya tiene la firma de nivel B."
)
LEVEL_TOO_LOW = (
    "Tu nivel de firma (B) no alcanza para las firmas que faltan: la regla de esta operación "
    "pide A."
)
OWN = "No puedes autorizar una operación que registraste."
NO_LEVEL = "No tienes un nivel de firma asignado."


def order_url(order, action=""):
    return f"/empresa/ordenes/{order.pk}/{action + '/' if action else ''}"


def buttons(page, order):
    """Which of Autorizar and Rechazar the order's page offers."""
    return (
        f'href="{order_url(order, "autorizar")}"' in page,
        f'href="{order_url(order, "rechazar")}"' in page,
    )


def blocker_note(page) -> str:
    match = re.search(r'data-testid="order-blocker">(.*?)</p>', page, re.S)
    return match.group(1) if match else ""


def codes_asked() -> bool:
    purposes = ("order_approve", "order_reject", "order_approve_many")
    return OtpChallenge.objects.filter(purpose__in=purposes).exists()


def expire(order):
    ApprovalOrder.objects.filter(pk=order.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )


def turned_away(client, order, action, data=None):
    """GET and a first POST (plain and htmx) of the approve or reject page: back to the
    order's page, its reason as a warning, no code asked for."""
    url = order_url(order, action)
    reasons = []
    for response in (client.get(url), client.post(url, data or {})):
        assert response.status_code == 302 and response["Location"] == order_url(order)
        page = text(client, response["Location"])
        reasons += re.findall(r'<li class="msg warning">(.*?)</li>', page)
    htmx = client.post(url, data or {}, headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == order_url(order)
    reasons += re.findall(r'<li class="msg warning">(.*?)</li>', text(client, order_url(order)))
    assert not codes_asked()
    assert len(reasons) == 3 and len(set(reasons)) == 1, reasons
    return reasons[0]


# --- The order's page and the approve and reject pages --------------------------------------


def test_signed_already_no_autorizar_but_rechazar(company, trusted_payee, payee_account):
    order = member_order(company, payee_account)  # A + B
    order_approve(user=company.approver_b, order_id=order.pk)
    client = signed_in(company.approver_b)

    page = text(client, order_url(order))

    assert buttons(page, order) == (False, True)
    assert blocker_note(page) == SIGNED
    assert turned_away(client, order, "autorizar") == SIGNED
    # Rejecting stays open to them (the engine allows it): its page asks for the reason.
    assert "Indica el motivo." in text(client, order_url(order, "rechazar"))


def test_a_level_that_no_longer_counts_is_said_with_the_rule(company, trusted_payee, payee_account):
    order = member_order(company, payee_account)  # A + B
    order_approve(user=company.approver_b, order_id=order.pk)
    client = signed_in(company.approver_b2)

    page = text(client, order_url(order))

    assert buttons(page, order) == (False, True)
    assert blocker_note(page) == LEVEL_AFTER_B
    assert turned_away(client, order, "autorizar") == LEVEL_AFTER_B
    # The engine refuses with the same words (the rule lives in one place).
    with pytest.raises(ApprovalError) as refused:
        order_approve(user=company.approver_b2, order_id=order.pk)
    assert refused.value.message == LEVEL_AFTER_B
    # The level that does count still signs.
    assert buttons(text(signed_in(company.approver_a), order_url(order)), order) == (True, True)


def test_a_level_too_low_for_the_rule(company):
    order = interbank_order(company)
    ApprovalOrder.objects.filter(pk=order.pk).update(required=["A"])
    client = signed_in(company.approver_b)

    page = text(client, order_url(order))

    assert buttons(page, order) == (False, True)
    assert blocker_note(page) == LEVEL_TOO_LOW
    assert turned_away(client, order, "autorizar") == LEVEL_TOO_LOW


def test_an_expired_order_offers_neither(company):
    order = interbank_order(company)
    expire(order)
    order.refresh_from_db()
    client = signed_in(company.approver_b)

    page = text(client, order_url(order))

    assert buttons(page, order) == (False, False)
    note = html.unescape(blocker_note(page))
    assert re.fullmatch(
        r"Esta operación venció el \d\d/[a-z]+\./\d{4} \d\d:\d\d: ya no se puede autorizar ni "
        r"rechazar\.",
        note,
    ), note
    assert turned_away(client, order, "autorizar").startswith("Esta operación venció el ")
    assert turned_away(client, order, "rechazar", {"reason": "Tarde"}).startswith(
        "Esta operación venció el "
    )
    # The engine, touched, closes it and refuses as before.
    with pytest.raises(ApprovalError, match="ya no está pendiente: expirada"):
        order_approve(user=company.approver_b, order_id=order.pk)


def test_an_order_no_longer_pending_sends_its_pages_back(company):
    order = interbank_order(company, "40.00")  # one B
    order_approve(user=company.approver_b2, order_id=order.pk)
    client = signed_in(company.approver_b)

    page = text(client, order_url(order))

    assert buttons(page, order) == (False, False)
    assert blocker_note(page) == ""  # its state says it: "Aprobada"
    reason = "Esta operación ya no está pendiente: aprobada."
    assert turned_away(client, order, "autorizar") == reason
    assert turned_away(client, order, "rechazar", {"reason": "Duplicada"}) == reason


def test_ones_own_order_offers_neither(company):
    order = interbank_order(company)
    # The ingresador who registered it became an authorizer since.
    CompanyUser.objects.filter(user=company.maker).update(
        role=CompanyRole.APPROVER,
        signature_level=CompanyUser.objects.get(user=company.approver_a).signature_level,
        services=[],
    )
    client = signed_in(company.maker)

    page = text(client, order_url(order))

    assert buttons(page, order) == (False, False)
    assert blocker_note(page) == OWN
    assert turned_away(client, order, "autorizar") == OWN
    assert turned_away(client, order, "rechazar", {"reason": "Mía"}) == OWN


def test_no_level_no_autorizar(company):
    order = interbank_order(company)
    CompanyUser.objects.filter(user=company.approver_b).update(signature_level=None)
    client = signed_in(company.approver_b)

    page = text(client, order_url(order))

    assert buttons(page, order) == (False, True)
    assert blocker_note(page) == NO_LEVEL
    assert turned_away(client, order, "autorizar") == NO_LEVEL


def test_who_may_sign_sees_both_buttons_and_gets_the_code(company):
    order = interbank_order(company)
    client = signed_in(company.approver_b)

    page = text(client, order_url(order))

    assert buttons(page, order) == (True, True) and blocker_note(page) == ""
    profile = CompanyUser.objects.get(user=company.approver_b)
    assert approval_blocker(order, profile) is None
    assert rejection_blocker(order, profile) is None
    dialog = client.post(order_url(order, "autorizar")).content.decode()
    assert 'name="otp_digit"' in dialog and codes_asked()


# --- The pending list ---------------------------------------------------------------------------


def rows_of(page) -> dict[str, str]:
    return dict(re.findall(r'<tr data-order="(\d+)">(.*?)</tr>', page, re.S))


def test_the_pending_list_leaves_out_expired_orders_and_unsignable_rows(
    company, trusted_payee, payee_account
):
    fresh = interbank_order(company, "20.00")
    old = interbank_order(company, "30.00")
    expire(old)
    big = member_order(company, payee_account)  # A + B
    order_approve(user=company.approver_b, order_id=big.pk)
    client = signed_in(company.approver_b2)

    page = text(client, "/empresa/autorizar/")

    rows = rows_of(page)
    assert set(rows) == {str(fresh.pk), str(big.pk)}  # the expired one is not listed
    assert 'name="orders"' in rows[str(fresh.pk)]
    big_row = rows[str(big.pk)]
    assert "Pendiente · tu nivel no cuenta" in html.unescape(big_row)
    assert 'name="orders"' not in big_row and "/autorizar/" not in big_row
    assert client.get("/empresa/autorizar/").context["authorize_pending"] == 2
    assert "Autorización masiva</button>" in page

    # Ticking the expired order anyway (a stale page) is refused before any code.
    response = client.post("/empresa/autorizar/", {"orders": [old.pk]})
    assert "Alguna operación seleccionada ya no está pendiente." in html.unescape(
        response.content.decode()
    )
    # So is one this login cannot sign, with its reason.
    response = client.post("/empresa/autorizar/", {"orders": [fresh.pk, big.pk]})
    assert f"N.º {big.pk}: {LEVEL_AFTER_B}" in html.unescape(response.content.decode())
    assert not codes_asked()


def test_with_no_row_to_sign_there_is_no_mass_button(company, trusted_payee, payee_account):
    big = member_order(company, payee_account)
    order_approve(user=company.approver_b, order_id=big.pk)

    page = text(signed_in(company.approver_b), "/empresa/autorizar/")

    assert "ya firmaste" in rows_of(page)[str(big.pk)]
    assert "Autorización masiva</button>" not in page


def test_the_lists_blockers_take_two_queries(company, django_assert_num_queries):
    orders = [interbank_order(company, f"{n}.00") for n in (10, 20, 30)]
    profile = CompanyUser.objects.select_related("company", "signature_level").get(
        user=company.approver_b
    )
    orders = list(ApprovalOrder.objects.filter(pk__in=[o.pk for o in orders]))
    with django_assert_num_queries(2):  # the approvals, the levels
        assert set(sign_blockers(profile, orders).values()) == {None}


# --- Failures are errors ------------------------------------------------------------------------


def block_maker(company):
    # Whoever registered the order is blocked after the code was sent: it fails to execute.
    CompanyUser.objects.filter(user=company.maker).update(status=CompanyUser.Status.BLOCKED)


def test_a_failed_execution_is_an_error_message(company):
    order = interbank_order(company, "40.00")
    client = signed_in(company.approver_b)
    url = order_url(order, "autorizar")
    dialog = client.post(url).content.decode()
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    block_maker(company)

    response = client.post(
        url, {"otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )

    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.FAILED
    assert response["Location"] == order_url(order)
    page = text(client, order_url(order))
    assert (
        '<li class="msg error">La orden no se pudo ejecutar: Quien registró la orden ya no es '
        "un usuario activo.</li>"
    ) in page
    assert 'class="msg success"' not in page


def test_a_mass_approval_that_did_nothing_says_only_the_errors(company):
    first = interbank_order(company, "40.00")
    second = interbank_order(company, "50.00")
    client = signed_in(company.approver_b)
    url = "/empresa/autorizar/"
    data = {"orders": [first.pk, second.pk]}
    dialog = client.post(url, data).content.decode()
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    block_maker(company)

    response = client.post(
        url, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )

    assert set(ApprovalOrder.objects.values_list("status", flat=True)) == {
        ApprovalOrder.Status.FAILED
    }
    page = text(client, response["Location"])
    assert page.count('class="msg error"') == 2
    assert f"No autorizada N.º {first.pk}: Quien registró la orden" in page
    assert "Autorización masiva:" not in page and 'class="msg success"' not in page
