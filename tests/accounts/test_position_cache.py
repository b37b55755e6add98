"""The position page is cached per member and products version; every change shows at once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, TermDeposit
from accounts.services.ledger import hold_place, hold_release
from credits.models import Loan
from identity.models import Member
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


def test_back_office_edits_show_at_once(client, signed_in):
    user, account = signed_in
    position(client)
    account.refresh_from_db()
    account.status = Account.Status.INACTIVE
    account.save(update_fields=["status"])
    assert "INACTIVA" in position(client)
    Loan.objects.create(
        number="0999",
        owner=user.customer,
        product_name="CONSUMO AGIL",
        amount=Decimal("500"),
        outstanding=Decimal("500"),
        instalment=Decimal("25"),
        instalments=24,
        annual_rate=Decimal("15.6"),
        issued_on="2026-01-01",
    )
    assert "0999" in position(client)
    assert TermDeposit.objects.count() == 0


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
