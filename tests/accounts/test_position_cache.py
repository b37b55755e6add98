"""The position page is cached per member and products version; every change shows at once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account, Product, TermDeposit
from accounts.registries.position import extra_sections
from accounts.services.ledger import hold_place, hold_release
from credits.models import Card, Loan
from identity.models import Member, User
from tests.factories import AccountFactory, UserFactory, deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = UserFactory()
    account = AccountFactory(owner=user.customer, number="410300000001")
    deposit(account, "100.00")
    client.force_login(user)
    return user, account


def position(client) -> str:
    return client.get("/").content.decode()


def test_a_second_visit_is_served_from_the_cache(client, signed_in):
    first = position(client)
    with CaptureQueriesContext(connection) as queries:
        second = position(client)
    main = lambda html: html.split("<main", 1)[1].split("</main>", 1)[0]  # noqa: E731
    assert main(second) == main(first)
    tables = ("accounts_account", "accounts_termdeposit", "credits_loan", "credits_card")
    assert not [q for q in queries if any(t in q["sql"] for t in tables)]


def test_a_posting_shows_at_once(client, signed_in):
    _, account = signed_in
    assert "$ 100.00" in position(client)
    deposit(account, "23.45")
    html = position(client)
    assert "$ 123.45" in html and "$ 100.00" not in html


def test_a_posting_bumps_only_the_owners_versions(signed_in, outsider):
    user, account = signed_in
    before = dict(Member.objects.values_list("pk", "products_version"))
    deposit(account, "1.00")
    after = dict(Member.objects.values_list("pk", "products_version"))
    assert after[user.customer.pk] == before[user.customer.pk] + 1
    assert after[outsider.customer.pk] == before[outsider.customer.pk]


def test_holds_and_their_release_show_at_once(client, signed_in):
    _, account = signed_in
    position(client)
    hold = hold_place(account_id=account.pk, amount=Decimal("40.00"), reason="Orden", reference="o")
    assert "$ 60.00" in position(client)
    hold_release(hold_id=hold.pk)
    assert "$ 60.00" not in position(client)


def test_hiding_amounts_is_not_served_from_the_visible_copy(client, signed_in):
    assert "$ 100.00" in position(client)
    client.post("/preferencias/montos/")
    html = position(client)
    assert "$ 100.00" not in html and "••••••" in html


def test_each_member_gets_their_own_page(client, signed_in, outsider):
    _, account = signed_in
    assert account.number in position(client)
    client.force_login(outsider)
    html = position(client)
    assert account.number not in html
    assert outsider.customer.accounts.get().number in html


# -- every section of the page changes through a service or the admin, which says so ------------
# Nothing bumps the version behind the services' back (no signals): each write that changes what
# the page shows calls member_products_changed in its own transaction. One test per section.


@pytest.fixture
def staff_client(db):
    staff = User.objects.create_superuser("gestor", "gestor@example.com", "Clave$Segura2026")
    client = Client()
    client.force_login(staff)
    return client


def version(user) -> int:
    return Member.objects.values_list("products_version", flat=True).get(pk=user.customer.pk)


def admin_post(staff_client, name: str, args=(), data=None):
    response = staff_client.post(reverse(f"admin:{name}", args=args), data or {})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_the_registered_sections_are_the_ones_tested_here(signed_in):
    user, _ = signed_in
    assert [s.key for s in extra_sections(member=user.customer)] == ["loans", "cards"]


def test_an_account_edited_in_the_admin_shows_at_once(client, signed_in, staff_client):
    user, account = signed_in
    assert "INACTIVA" not in position(client)
    before = version(user)
    admin_post(
        staff_client, "accounts_account_change", [account.pk], {"status": Account.Status.INACTIVE}
    )
    assert version(user) == before + 1
    assert "INACTIVA" in position(client)


def test_an_account_opened_in_the_admin_shows_at_once(client, signed_in, staff_client):
    user, _ = signed_in
    position(client)
    before = version(user)
    admin_post(
        staff_client,
        "accounts_account_add",
        data={
            "number": "410300000777",
            "product": Product.SAVINGS,
            "owner": user.customer.pk,
            "status": Account.Status.ACTIVE,
        },
    )
    assert version(user) == before + 1
    assert "410300000777" in position(client)


def term_deposit_of(user) -> TermDeposit:
    member = user.customer
    return TermDeposit.objects.create(
        number="0010777",
        owner=member,
        account=AccountFactory(owner=member, product=Product.TERM_DEPOSIT),
        payout_account=member.accounts.get(number="410300000001"),
        capital=Decimal("1000.00"),
        term_days=365,
        annual_rate=Decimal("7.25"),
        issued_on="2026-01-02",
        matures_on="2027-01-02",
    )


def test_a_term_deposit_edited_in_the_admin_shows_at_once(client, signed_in, staff_client):
    user, _ = signed_in
    deposit_ = term_deposit_of(user)
    assert "365 días" in position(client)
    before = version(user)
    admin_post(
        staff_client,
        "accounts_termdeposit_change",
        [deposit_.pk],
        {
            "term_days": 180,
            "annual_rate": "7.250",
            "issued_on": "2026-01-02",
            "matures_on": "2026-07-01",
            "status": TermDeposit.Status.ACTIVE,
        },
    )
    assert version(user) == before + 1
    html = position(client)
    assert "180 días" in html and "365 días" not in html


def test_a_term_deposit_deleted_in_the_admin_goes_at_once(client, signed_in, staff_client):
    user, _ = signed_in
    deposit_ = term_deposit_of(user)
    assert "0010777" in position(client)
    before = version(user)
    admin_post(staff_client, "accounts_termdeposit_delete", [deposit_.pk], {"post": "yes"})
    assert version(user) == before + 1
    assert "0010777" not in position(client)


LOAN = {
    "number": "0999",
    "product_name": "CONSUMO AGIL",
    "amount": "500.00",
    "outstanding": "500.00",
    "instalment": "25.00",
    "instalments": "24",
    "instalments_paid": "0",
    "annual_rate": "15.600",
    "issued_on": "2026-01-01",
    "status": Loan.Status.ACTIVE,
}


def test_a_loan_granted_in_the_admin_shows_at_once(client, signed_in, staff_client):
    user, _ = signed_in
    assert "0999" not in position(client)
    before = version(user)
    admin_post(staff_client, "credits_loan_add", data={**LOAN, "owner": user.customer.pk})
    assert version(user) == before + 1
    assert "0999" in position(client)


def test_a_loan_edited_in_the_admin_shows_at_once(client, signed_in, staff_client):
    user, _ = signed_in
    admin_post(staff_client, "credits_loan_add", data={**LOAN, "owner": user.customer.pk})
    loan = Loan.objects.get(number="0999")
    assert "CANCELADO" not in position(client)
    before = version(user)
    admin_post(
        staff_client,
        "credits_loan_change",
        [loan.pk],
        {**LOAN, "outstanding": "0.00", "status": Loan.Status.PAID},
    )
    assert version(user) == before + 1
    assert "CANCELADO" in position(client)


def test_loans_deleted_with_the_admin_action_go_at_once(client, signed_in, staff_client, outsider):
    user, _ = signed_in
    admin_post(staff_client, "credits_loan_add", data={**LOAN, "owner": user.customer.pk})
    admin_post(
        staff_client,
        "credits_loan_add",
        data={**LOAN, "number": "0998", "owner": outsider.customer.pk},
    )
    assert "0999" in position(client)
    before, outsiders = version(user), version(outsider)
    admin_post(
        staff_client,
        "credits_loan_changelist",
        data={
            "action": "delete_selected",
            "_selected_action": list(Loan.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert not Loan.objects.exists()
    assert (version(user), version(outsider)) == (before + 1, outsiders + 1)
    assert "0999" not in position(client)


CARD = {
    "kind": Card.Kind.CREDIT,
    "brand": "MASTERCARD",
    "masked_number": "513744XXXXXX5290",
    "credit_limit": "10000.00",
    "used_revolving": "1538.14",
    "used_deferred": "0.00",
    "minimum_payment": "708.63",
    "payment_due_on": "2026-02-12",
}


def test_a_card_issued_in_the_admin_shows_at_once(client, signed_in, staff_client):
    user, _ = signed_in
    assert "513744XXXXXX5290" not in position(client)
    before = version(user)
    admin_post(staff_client, "credits_card_add", data={**CARD, "owner": user.customer.pk})
    assert version(user) == before + 1
    assert "513744XXXXXX5290" in position(client)


def test_a_card_edited_in_the_admin_shows_at_once(client, signed_in, staff_client):
    user, _ = signed_in
    admin_post(staff_client, "credits_card_add", data={**CARD, "owner": user.customer.pk})
    card = Card.objects.get()
    assert "$ 8,461.86" in position(client)  # available credit
    before = version(user)
    admin_post(staff_client, "credits_card_change", [card.pk], {**CARD, "used_revolving": "0.00"})
    assert version(user) == before + 1
    html = position(client)
    assert "$ 10,000.00" in html and "$ 8,461.86" not in html


def test_a_card_deleted_in_the_admin_goes_at_once(client, signed_in, staff_client):
    user, _ = signed_in
    admin_post(staff_client, "credits_card_add", data={**CARD, "owner": user.customer.pk})
    card = Card.objects.get()
    assert "513744XXXXXX5290" in position(client)
    before = version(user)
    admin_post(staff_client, "credits_card_delete", [card.pk], {"post": "yes"})
    assert version(user) == before + 1
    assert "513744XXXXXX5290" not in position(client)


def test_a_renamed_member_shows_at_once_though_nothing_bumps(client, signed_in):
    # The name is read from the member row the page renders, and is part of the key.
    user, _ = signed_in
    assert "ANDREA" not in position(client)
    member = Member.objects.get(pk=user.customer.pk)
    member.first_names = "ANDREA"
    member.save()
    assert "ANDREA" in position(client)
