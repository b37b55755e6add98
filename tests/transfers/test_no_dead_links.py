"""No dead ends on the transfers pages (issue 13): every link on "Transferencias" and
"Administrar beneficiarios" opens for the login that sees it, "Transferir" and "Transacciones
frecuentes" show only what the login may transfer, from the accounts it may debit, and the
card payees, which nothing adds or pays yet, have no tab."""

import re
from urllib.parse import urljoin

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Account, Product
from enterprise.models import CompanyUser, Service
from identity.models import Notification
from tests.auth import sign_in
from tests.factories import AccountFactory, deposit
from tests.transfers.conftest import cycle_moment
from transfers.models import Beneficiary, Institution, Transfer
from transfers.services import settlement

pytestmark = pytest.mark.django_db

INDEX = "/transferencias/"
PAYEES = "/beneficiarios/"
MAIN_RE = re.compile(r"<main\b.*?</main>", re.S)
HREF_RE = re.compile(r'href="([^"#][^"]*)"')


def signed_in(user) -> Client:
    client = Client()
    sign_in(client, user.username)
    return client


def links_in_main(client, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    main = MAIN_RE.search(response.content.decode()).group(0)
    return {urljoin(path, href.replace("&amp;", "&")) for href in HREF_RE.findall(main)}


def services(user, *granted) -> None:
    CompanyUser.objects.filter(user=user).update(services=list(granted))


def payee(owner, kind=Beneficiary.Kind.MEMBER, **extra) -> Beneficiary:
    if kind == Beneficiary.Kind.MEMBER:
        account = AccountFactory()
        extra = {"account": account, "account_number": account.number, **extra}
    else:
        extra = {
            "institution": Institution.objects.get(code="0032"),
            "account_number": "2200123456",
            "account_type": "AHORROS",
            "id_type": "CEDULA",
            "identification": "1710034065",
            **extra,
        }
    return Beneficiary.objects.create(
        owner=owner,
        kind=kind,
        holder_name=extra.pop("holder_name", "Fanny Ontaneda"),
        approved_at=timezone.now(),
        **extra,
    )


def paid(interbank_pending, origin, beneficiary=None, *, name, kind=Transfer.Kind.INTERBANK):
    """A transfer from ``origin`` to ``name`` (a Cooprogreso one is stored as the ordering side
    stores it: no institution), so "Transacciones frecuentes" lists its payee."""
    transfer = interbank_pending(origin, "10.00", name=name)
    if kind == Transfer.Kind.MEMBER:
        transfer.institution = None
    transfer.kind, transfer.beneficiary = kind, beneficiary
    transfer.save()
    return transfer


# --- A company login without the transfer service ----------------------------------------------


def test_a_login_without_the_transfer_sees_no_transferir_on_its_payees(company):
    member_payee = payee(company.member, holder_name="Ana Cooprogreso")
    other_payee = payee(company.member, Beneficiary.Kind.INTERBANK, holder_name="Otro Banco")
    services(
        company.maker,
        Service.TRANSFER_MEMBER,
        Service.BENEFICIARIES_MEMBER,
        Service.BENEFICIARIES_INTERBANK,
    )
    maker = signed_in(company.maker)

    page = maker.get(PAYEES).content.decode()
    assert "Ana Cooprogreso" in page
    assert f'href="/transferencias/cooprogreso/?beneficiario={member_payee.pk}"' in page
    page = maker.get(f"{PAYEES}?tab=otros").content.decode()
    assert "Otro Banco" in page and "Transferir" not in page
    assert f"?beneficiario={other_payee.pk}" not in page
    # What "Transferir" would have opened is refused: hiding it is what avoids the dead end.
    assert (
        maker.get(f"/transferencias/interbancarias/?beneficiario={other_payee.pk}").status_code
        == 403
    )

    other_payee.delete()
    empty = maker.get(f"{PAYEES}?tab=otros").content.decode()
    assert "Agrégalos con «Nuevo beneficiario»" in empty and "Se guardan al transferir" not in empty


def test_a_login_sees_only_the_beneficiary_tabs_it_may_manage(company):
    services(company.maker, Service.TRANSFER_MEMBER, Service.BENEFICIARIES_MEMBER)
    maker = signed_in(company.maker)
    page = maker.get(PAYEES).content.decode()
    assert "?tab=cooprogreso" in page and "?tab=otros" not in page
    response = maker.get(f"{PAYEES}?tab=otros")
    assert response.status_code == 302 and response["Location"] == f"{PAYEES}?tab=cooprogreso"


def test_frequent_transactions_hold_only_what_the_login_may_repeat(company, interbank_pending):
    other = AccountFactory(owner=company.member)
    deposit(other, "500.00")
    paid(interbank_pending, company.account, name="Pago Interbancario")
    paid(interbank_pending, company.account, name="Pago Cooprogreso", kind=Transfer.Kind.MEMBER)
    paid(interbank_pending, other, name="Pago De Otra Cuenta", kind=Transfer.Kind.MEMBER)
    services(company.maker, Service.TRANSFER_MEMBER, Service.TRANSFER_OWN)
    CompanyUser.objects.get(user=company.maker).accounts.set([company.account])
    maker = signed_in(company.maker)

    page = maker.get(INDEX).content.decode()
    assert "Pago Cooprogreso" in page
    assert "Pago Interbancario" not in page  # no interbank service
    assert "Pago De Otra Cuenta" not in page  # an account not granted to this login
    assert 'href="/transferencias/interbancarias/"' not in page

    services(company.maker, Service.TRANSFER_OWN)
    page = maker.get(INDEX).content.decode()
    assert "Transacciones frecuentes" not in page and "Pago Cooprogreso" not in page

    admin_page = signed_in(company.admin).get(INDEX).content.decode()
    for name in ("Pago Interbancario", "Pago Cooprogreso", "Pago De Otra Cuenta"):
        assert name in admin_page


def test_a_deleted_payee_is_repeated_without_it(member_user, interbank_pending):
    origin = Account.objects.get(owner=member_user.customer, product=Product.SAVINGS)
    kept = payee(member_user.customer, holder_name="Sigue Guardada")
    gone = payee(member_user.customer, holder_name="Ya Borrada")
    paid(interbank_pending, origin, kept, name="Sigue Guardada", kind=Transfer.Kind.MEMBER)
    paid(interbank_pending, origin, gone, name="Ya Borrada", kind=Transfer.Kind.MEMBER)
    gone.deleted_at = timezone.now()
    gone.save(update_fields=["deleted_at"])
    client = signed_in(member_user)

    links = links_in_main(client, INDEX)
    assert f"/transferencias/cooprogreso/?beneficiario={kept.pk}" in links
    assert f"/transferencias/cooprogreso/?beneficiario={gone.pk}" not in links
    assert client.get(f"/transferencias/cooprogreso/?beneficiario={gone.pk}").status_code == 404


# --- Every link opens, for each kind of login ---------------------------------------------------


@pytest.mark.parametrize("who", ["member", "admin", "maker", "approver"])
def test_every_link_on_the_transfers_pages_opens(who, member_user, company, interbank_pending):
    if who == "member":
        user, owner = member_user, member_user.customer
        origin = Account.objects.get(owner=owner, product=Product.SAVINGS)
    else:
        user = {"admin": company.admin, "maker": company.maker, "approver": company.approver_a}[who]
        owner, origin = company.member, company.account
    waiting = payee(owner, holder_name="Por Aprobar")
    waiting.approved_at = None
    waiting.save(update_fields=["approved_at"])
    member_payee = payee(owner, holder_name="Ana Cooprogreso")
    other_payee = payee(owner, Beneficiary.Kind.INTERBANK, holder_name="Otro Banco")
    paid(interbank_pending, origin, member_payee, name="Ana Cooprogreso", kind="COOPROGRESO")
    paid(interbank_pending, origin, other_payee, name="Otro Banco")
    paid(interbank_pending, origin, name="Sin Guardar")
    client = signed_in(user)

    if who == "approver":
        # The autorizador has neither service: the menu does not lead there, the pages refuse.
        home = client.get("/", follow=True).content.decode()
        assert f'href="{INDEX}"' not in home and f'href="{PAYEES}"' not in home
        assert client.get(INDEX).status_code == 403 and client.get(PAYEES).status_code == 403
        return
    links = links_in_main(client, INDEX) | links_in_main(client, PAYEES)
    links |= links_in_main(client, f"{PAYEES}?tab=otros")
    assert f"/transferencias/interbancarias/?beneficiario={other_payee.pk}" in links
    if who == "member":  # a company's Tarjetas tab follows its services (BENEF_TARJETAS)
        assert f"{PAYEES}?tab=tarjetas" in links
    for link in sorted(links):
        assert client.get(link).status_code == 200, link


# --- Card payees: their tab leads to Pago de tarjetas ---------------------------------------------


def test_the_tarjetas_tab_adds_and_pays_in_pago_de_tarjetas(member_user):
    client = signed_in(member_user)
    card = Beneficiary.objects.create(
        owner=member_user.customer,
        kind=Beneficiary.Kind.CARD,
        institution=Institution.objects.get(code="0032"),
        account_number="451766XXXXXX7757",
        holder_name="EVELYN RIVERA",
        approved_at=timezone.now(),
    )
    links = links_in_main(client, f"{PAYEES}?tab=tarjetas")
    assert "/pago-tarjetas/pagar/" in links
    assert f"/pago-tarjetas/pagar/?beneficiario={card.pk}" in links
    for link in sorted(links):
        assert client.get(link).status_code == 200, link


# --- The refund e-mail greets the member by name ------------------------------------------------


def test_the_refund_email_greets_the_member_by_name(member_user, interbank_pending):
    member = member_user.customer
    member.first_names, member.last_names = "MARÍA JOSÉ", "ÑÁÑEZ"
    member.save()
    interbank_pending(member_user, "50.00", account_number="2200005599")  # CUENTA CERRADA
    settlement.cycle_run(now=cycle_moment())
    settlement.results_apply()

    notice = Notification.objects.get(subject="Transferencia interbancaria devuelta")
    assert notice.body.startswith("Hola, María:\n\n")
    assert "Estimado" not in notice.body and "socio(a)" not in notice.body
