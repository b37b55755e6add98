"""The load run's people and money, written through the project's own models and posting
service into the load database (never a developer's):

    python -m tests.load.dataset OUT.json        # with the load run's environment (run.py)

* ``MEMBERS`` members, each with a savings account funded with $5,000 and a shares account, a
  month of movements (so the movements page, the XLSX and last month's statement have rows),
  and two saved payees: the next two members' savings accounts;
* ``COMPANIES`` companies, each with a funded checking account, one ingresador (maker), one
  autorizador (approver, level A; every transfer waits for one A) and one approved payee;
* every login with the legal texts accepted, e-mail as its code factor, one shared password.

Writes what the load users need (usernames, addresses, account numbers and ids, payee ids) as
JSON to OUT.json. Django is set up by ``main`` first, so the models are imported where used.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import datetime, time, timedelta
from decimal import Decimal

MEMBERS = 250
COMPANIES = 20
# The logins of a throwaway database, made and dropped by each run.
PASSWORD = "Carga$2026abc"
OPENING = Decimal("5000.00")
COMPANY_OPENING = Decimal("1000000.00")
MOVEMENTS_LAST_MONTH = 8
MOVEMENTS_THIS_MONTH = 3
FIRST_NAMES = ["ANDRÉS", "MARÍA", "LUCÍA", "JORGE", "FERNANDA", "DAVID", "PAOLA", "HERMEL"]
LAST_NAMES = ["LÓPEZ", "ONTANEDA", "VERA", "PAREDES", "SALAZAR", "CRETIANA", "MORA", "RUIZ"]
LONG_AGO = timedelta(days=60)  # payees saved and approved then: no cooling period applies


def build() -> dict:
    from django.db import transaction

    from accounts.services.ledger import internal_accounts_ensure
    from identity.services.members import member_products_changed
    from identity.services.terms import terms_ensure
    from transfers.services.reference import reference_ensure

    internal_accounts_ensure()
    terms_ensure()
    reference_ensure()
    with transaction.atomic():
        logins = Logins()
        members = [_member(i, logins) for i in range(MEMBERS)]
        for i, row in enumerate(members):
            row["beneficiaries"] = [
                _payee(row["member"], members[(i + step) % MEMBERS]) for step in (1, 2)
            ]
        companies = [_company(i, logins, payee=members[i]) for i in range(COMPANIES)]
        member_products_changed(member_ids=[row["member"].pk for row in members + companies])
    month = _movements_post(members, companies)

    def numbers(account) -> dict:
        return {"pk": account.pk, "number": account.number}

    return {
        "password": PASSWORD,
        "statement_month": f"{month:%Y-%m}",
        "members": [
            {
                "username": m["username"],
                "email": m["email"],
                "savings": numbers(m["savings"]),
                "shares": numbers(m["shares"]),
                "beneficiaries": m["beneficiaries"],
            }
            for m in members
        ],
        "companies": [
            {
                "maker": c["maker"],
                "approver": c["approver"],
                "checking": numbers(c["checking"]),
                "beneficiary": c["beneficiary"],
            }
            for c in companies
        ],
    }


class Logins:
    """Users with the legal texts accepted and one password hash for all: PBKDF2's million
    rounds cost about 0.2 s each, paid by the portal at sign-in (that is measured), not 270
    times here."""

    def __init__(self):
        from django.contrib.auth.hashers import make_password

        from identity.services.terms import terms_current

        self.password = make_password(PASSWORD)
        self.documents = list(terms_current())

    def create(self, username: str, customer, email: str):
        from identity.models import Consent, User

        user = User.objects.create(
            username=username, password=self.password, customer=customer, email=email
        )
        Consent.objects.bulk_create(
            Consent(member=customer, user=user, document=document, ip="127.0.0.1")
            for document in self.documents
        )
        return user


def _account(number: str, product: str, owner):
    from accounts.models import Account

    return Account.objects.create(number=number, product=product, owner=owner)


def _member(i: int, logins: Logins) -> dict:
    from accounts.models import Product
    from identity.models import IdType, Member

    member = Member.objects.create(
        id_type=IdType.CEDULA,
        identification=f"95{i:08d}",
        first_names=f"{FIRST_NAMES[i % 8]} {FIRST_NAMES[(i // 8) % 8]}",
        last_names=f"{LAST_NAMES[i % 8]} CARGA{i:03d}",
        address="Av. 10 de Agosto N24-15, Quito",
        email=f"carga{i:03d}@example.com",
    )
    logins.create(f"carga{i:03d}", member, member.email)
    return {
        "member": member,
        "username": f"carga{i:03d}",
        "email": member.email,
        "savings": _account(f"5501{i:08d}", Product.SAVINGS, member),
        "shares": _account(f"5502{i:08d}", Product.SHARES, member),
    }


def _payee(owner, payee: dict) -> int:
    """``payee``'s savings account saved (and approved) long ago by ``owner``."""
    from django.utils import timezone

    from transfers.models import Beneficiary

    saved = Beneficiary.objects.create(
        owner=owner,
        kind=Beneficiary.Kind.MEMBER,
        alias=f"Socio {payee['username']}",
        account=payee["savings"],
        account_number=payee["savings"].number,
        holder_name=payee["member"].full_name,
        approved_at=timezone.now() - LONG_AGO,
    )
    return saved.pk


def _company(i: int, logins: Logins, *, payee: dict) -> dict:
    from accounts.models import Product
    from enterprise.models import (
        ApprovalBand,
        Company,
        CompanyRole,
        CompanyUser,
        Operation,
        SignatureLevel,
    )
    from identity.models import IdType, Member

    holder = Member.objects.create(
        kind=Member.Kind.COMPANY,
        id_type=IdType.RUC,
        identification=f"179{i:07d}001",
        first_names=f"COMERCIAL CARGA {i:02d} S.A.",
        address="Av. República de El Salvador N36-84, Quito",
        email=f"tesoreria{i:02d}@carga.example.com",
    )
    company = Company.objects.create(member=holder, name=holder.first_names)
    level = SignatureLevel.objects.create(company=company, position=1, letter="A")
    ApprovalBand.objects.create(
        company=company, operation=Operation.TRANSFER, up_to=None, signatures=["A"]
    )
    people = {}
    for role, tag, signature in (
        (CompanyRole.MAKER, "ingresa", None),
        (CompanyRole.APPROVER, "autoriza", level),
    ):
        username = f"emp{tag}{i:02d}"
        email = f"{username}@carga.example.com"
        user = logins.create(username, holder, email)
        CompanyUser.objects.create(user=user, company=company, role=role, signature_level=signature)
        people[tag] = {"username": username, "email": email}
    return {
        "member": holder,
        "maker": people["ingresa"],
        "approver": people["autoriza"],
        "checking": _account(f"5503{i:08d}", Product.CHECKING, holder),
        "beneficiary": _payee(holder, payee),
    }


def _movements_post(members: list[dict], companies: list[dict]):
    """Last month's and this month's movements, posted in date order (the ledger refuses a
    movement dated before the last one on any account it touches, and cash takes part in all);
    returns last month's first day."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Channel, InternalAccount, TransactionKind
    from accounts.services.ledger import Leg, internal_account_id, transaction_post

    rng = random.Random(2026)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    start = timezone.make_aware(datetime.combine(last_month, time(8)), tz)
    month_start = timezone.make_aware(datetime.combine(this_month, time.min), tz)
    plan = [(start, c["checking"].pk, COMPANY_OPENING, "DEPÓSITO") for c in companies]
    for row in members:
        plan.append((start, row["savings"].pk, OPENING, "DEPÓSITO AHORROS"))
        for _ in range(MOVEMENTS_LAST_MONTH):
            when = start + (month_start - start) * rng.uniform(0.05, 0.95)
            plan.append((when, row["savings"].pk, *_movement(rng)))
        for _ in range(MOVEMENTS_THIS_MONTH):
            when = month_start + (now - month_start) * rng.uniform(0.0, 0.9)
            plan.append((when, row["savings"].pk, *_movement(rng)))
    plan.sort(key=lambda item: item[0])
    cash = internal_account_id(InternalAccount.CASH)
    with transaction.atomic():  # the service joins it in savepoints
        for key, (when, account_id, amount, description) in enumerate(plan):
            transaction_post(
                kind=TransactionKind.DEPOSIT if amount > 0 else TransactionKind.WITHDRAWAL,
                legs=[Leg(account_id, amount, description), Leg(cash, -amount, description)],
                idempotency_key=f"load-setup-{key}",
                channel=Channel.BRANCH,
                posted_at=when,
            )
    return last_month


def _movement(rng: random.Random) -> tuple[Decimal, str]:
    amount = Decimal(rng.randint(500, 9000)).scaleb(-2)
    if rng.random() < 0.5:
        return amount, "DEPÓSITO AHORROS"
    return -amount, "RETIRO CAJERO AUTOMÁTICO BANRED"


def main(out: str) -> None:
    import django

    django.setup()
    data = build()
    with open(out, "w") as handle:
        json.dump(data, handle)


if __name__ == "__main__":
    main(sys.argv[1])
