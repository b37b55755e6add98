import pytest
from django.core.management import call_command

from accounts.models import Account, Entry, Product, Transaction
from accounts.services.integrity import ledger_problems
from identity.models import Member, User
from tests.auth import sign_in

pytestmark = pytest.mark.django_db

DEMO_LOGINS = ["sociodemo1", "empadmin01", "empingresa01", "empautoriza01"]


def counts():
    return (
        Member.objects.count(),
        User.objects.count(),
        Account.objects.count(),
        Transaction.objects.count(),
        Entry.objects.count(),
    )


def test_seed_demo_loads_a_reconciled_year_and_running_it_again_changes_nothing(client):
    call_command("seed_demo")
    first = counts()
    balances = dict(Account.objects.values_list("number", "balance"))
    call_command("seed_demo")
    assert counts() == first
    assert dict(Account.objects.values_list("number", "balance")) == balances

    assert ledger_problems() == []
    # three members with users, the company, and one member who can try "Regístrate"
    assert Member.objects.count() == 5
    assert not Member.objects.get(identification="1710034065").users.exists()
    savings = Account.objects.get(owner__users__username="sociodemo1", product=Product.SAVINGS)
    months = {e.posted_at.strftime("%Y-%m") for e in savings.entries.all()}
    assert len(months) >= 12
    descriptions = set(savings.entries.values_list("description", flat=True))
    assert {
        "COMISIÓN TRANSFERENCIA PAGO DIRECTO",
        "IVA TRANSFERENCIA PAGO DIRECTO",
        "CAPITALIZACIÓN DE INTERESES",
        "RETIRO DE AHORROS",
    } <= descriptions

    # Running balances read right in date order, as statements print them.
    for account in Account.objects.filter(internal_code__isnull=True):
        previous = 0
        for entry in account.entries.order_by("posted_at", "id"):
            assert previous + entry.amount == entry.balance_after, (account.number, entry.pk)
            previous = entry.balance_after

    for username in DEMO_LOGINS:
        response = sign_in(client, username, "Demo$2026abc")
        assert response.status_code == 302 and response["Location"] == "/", username
        html = client.get("/").content.decode()
        assert response.wsgi_request.user.username == username
        if username != DEMO_LOGINS[-1]:
            client.post("/salir/")
    assert "Empresa: COMERCIAL ANDINA S.A." in html and "Rol: AUTORIZADOR" in html
