"""Demo data: three members, a company with one user per role, a year of movements.

Idempotent: people and products are looked up before they are created, and every posting has a
fixed idempotency key, so a second run finds everything in place and changes nothing.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    Account,
    Channel,
    Entry,
    InternalAccount,
    Product,
    TermDeposit,
    TransactionKind,
)
from accounts.registries.operations import Context, operation_submit
from accounts.services.ledger import (
    Leg,
    internal_account_id,
    internal_accounts_ensure,
    transaction_post,
)
from credits.models import Card, Loan
from credits.services import card_account_open
from enterprise.models import (
    ApprovalBand,
    ApprovalOrder,
    Company,
    CompanyRole,
    CompanyUser,
    Operation,
    SignatureLevel,
)
from identity.models import Consent, IdType, Member, SecurityAnswer, SecurityImage, SignIn
from identity.services.credentials import SECURITY_QUESTIONS
from identity.services.members import member_products_changed
from identity.services.terms import terms_current, terms_ensure
from payments.models import Biller, Schedule
from payments.services.bills import bill_inquire
from payments.services.catalogue import demo_catalogue_ensure
from payments.services.operations import BILL, BillPaymentPayload, saved_service_add
from payments.services.schedules import SCHEDULE, SchedulePayload
from transfers.models import AccountType, Beneficiary, Institution
from transfers.services.reference import reference_ensure

PASSWORD = "Demo$2026abc"  # noqa: S105 - published demo password, listed in the README
CENT = Decimal("0.01")

MEMBERS = [
    {
        "username": "sociodemo1",
        "identification": "1714307103",
        "first_names": "ANDRÉS DAVID",
        "last_names": "LÓPEZ MAYA",
        "address": "Hemisferios San Antonio S10-20, Quito",
        "phone": "0991234567",
        "email": "andres.lopez@example.com",
        "accounts": [
            ("410101038642", Product.SAVINGS, "ACTIVA"),
            ("410101038650", Product.SHARES, "ACTIVA"),
            ("410101038668", Product.PROGRESAR, "INACTIVA"),
        ],
        "salary": Decimal("1450.00"),
    },
    {
        "username": "sociodemo2",
        "identification": "1713175071",
        "first_names": "MARÍA FERNANDA",
        "last_names": "ONTANEDA RUIZ",
        "address": "Av. de los Shyris N35-17, Quito",
        "phone": "0987654321",
        "email": "maria.ontaneda@example.com",
        "accounts": [
            ("410101047711", Product.SAVINGS, "ACTIVA"),
            ("410101047729", Product.SHARES, "ACTIVA"),
        ],
        "salary": Decimal("980.00"),
    },
    {
        "username": "sociodemo3",
        "identification": "0923456701",
        "first_names": "HERMEL ANTONIO",
        "last_names": "CRETIANA BAJAÑA",
        "address": "Cdla. Kennedy Norte Mz. 5, Guayaquil",
        "phone": "0976543210",
        "email": "hermel.cretiana@example.com",
        "accounts": [
            ("410101052203", Product.SAVINGS, "ACTIVA"),
            ("410101052211", Product.SHARES, "ACTIVA"),
        ],
        "salary": Decimal("720.00"),
    },
]
COMPANY = {
    "identification": "1790085783001",
    "name": "COMERCIAL ANDINA S.A.",
    "address": "Av. República de El Salvador N36-84, Quito",
    "phone": "022456789",
    "email": "tesoreria@comercialandina.example.com",
    "accounts": [
        ("410201000017", Product.CHECKING, "ACTIVA"),
        ("410201000025", Product.SAVINGS, "ACTIVA"),
    ],
    "users": [
        # username, role, first name, surname, cédula, sex, phone
        ("empadmin01", CompanyRole.ADMIN, "MARTHA", "SALAZAR", "1712345675", "F", "0991112233"),
        ("empingresa01", CompanyRole.MAKER, "JORGE", "PAREDES", "1711111110", "M", "0992223344"),
        ("empautoriza01", CompanyRole.APPROVER, "LUCÍA", "VERA", "1722222229", "F", "0993334455"),
    ],
}


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


NEW_MEMBER = {
    "identification": "1710034065",
    "first_names": "LUCÍA FERNANDA",
    "last_names": "PAREDES MORA",
    "address": "Av. 10 de Agosto N25-30, Quito",
    "phone": "0991234567",
    "email": "lucia.paredes@example.com",
}


class Command(BaseCommand):
    help = "Carga los datos de demostración (idempotente)."

    def handle(self, *args, **options):
        with transaction.atomic():
            internal_accounts_ensure()
            terms_ensure()
            reference_ensure()
            members = [self._member(spec) for spec in MEMBERS]
            company_member = self._company()
            self._staff()
            self._member_without_user()
        first_account = Account.objects.get(number=MEMBERS[0]["accounts"][0][0])
        if not Entry.objects.filter(account=first_account).exists():
            self._history(members, company_member)
        with transaction.atomic():
            self._products(members)
            self._beneficiaries(members[0])
        self._payments(members[0], company_member)
        self.stdout.write(self.style.SUCCESS("Datos de demostración listos."))

    # -- people ---------------------------------------------------------------------------
    def _user(self, username, customer, first_name, last_name, email, **extra):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "customer": customer,
                "first_name": first_name,
                "last_name": last_name,
                "email": email,
                **extra,
            },
        )
        if created:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
            if customer is not None:
                # Demo users enrolled long ago: the legal texts accepted, and members chose
                # their security image ("Estrella") and questions (every answer "quito").
                Consent.objects.bulk_create(
                    Consent(member=customer, user=user, document=document, ip="179.60.191.12")
                    for document in terms_current()
                )
            if customer is not None and customer.kind == Member.Kind.PERSON:
                user.security_image = SecurityImage.ESTRELLA
                user.save(update_fields=["security_image"])
                SecurityAnswer.objects.bulk_create(
                    SecurityAnswer(user=user, question=q, answer=make_password("quito"))
                    for q in list(SECURITY_QUESTIONS)[:3]
                )
            SignIn.objects.create(
                user=user,
                ip="179.60.191.12",
                device="Microsoft Edge - WEB",
                user_agent="Mozilla/5.0 (Windows NT 10.0) Chrome/131.0 Edg/131.0",
            )
        return user

    def _member(self, spec) -> Member:
        member, _ = Member.objects.get_or_create(
            identification=spec["identification"],
            defaults={
                "id_type": IdType.CEDULA,
                "first_names": spec["first_names"],
                "last_names": spec["last_names"],
                "address": spec["address"],
                "phone": spec["phone"],
                "email": spec["email"],
            },
        )
        for number, product, _status in spec["accounts"]:
            _, opened = Account.objects.get_or_create(
                number=number, defaults={"product": product, "owner": member}
            )
            if opened:
                member_products_changed(member_ids=[member.pk])
        self._user(
            spec["username"],
            member,
            spec["first_names"].title(),
            spec["last_names"].title(),
            spec["email"],
        )
        return member

    def _member_without_user(self) -> Member:
        # Can try "Regístrate" with cédula 1710034065.
        member, _ = Member.objects.get_or_create(
            identification=NEW_MEMBER["identification"],
            defaults={
                "id_type": IdType.CEDULA,
                **{k: v for k, v in NEW_MEMBER.items() if k != "identification"},
            },
        )
        return member

    def _company(self) -> Member:
        spec = COMPANY
        member, _ = Member.objects.get_or_create(
            identification=spec["identification"],
            defaults={
                "kind": Member.Kind.COMPANY,
                "id_type": IdType.RUC,
                "first_names": spec["name"],
                "address": spec["address"],
                "phone": spec["phone"],
                "email": spec["email"],
            },
        )
        company, _ = Company.objects.get_or_create(member=member, defaults={"name": spec["name"]})
        for number, product, _status in spec["accounts"]:
            _, opened = Account.objects.get_or_create(
                number=number, defaults={"product": product, "owner": member}
            )
            if opened:
                member_products_changed(member_ids=[member.pk])
        for username, role, first, last, cedula, sex, phone in spec["users"]:
            user = self._user(
                username,
                member,
                first.title(),
                last.title(),
                f"{username}@comercialandina.example.com",
            )
            CompanyUser.objects.get_or_create(
                user=user, defaults={"company": company, "role": role}
            )
            # "Gestión de usuarios" shows these (filled once, also in databases seeded before).
            CompanyUser.objects.filter(user=user, identification="").update(
                identification=cedula, sex=sex, phone=phone, first_surname=last
            )
        # One signature level; every transfer needs an A (the autorizador).
        level, _ = SignatureLevel.objects.get_or_create(
            company=company, position=1, defaults={"letter": "A"}
        )
        ApprovalBand.objects.get_or_create(
            company=company,
            operation=Operation.TRANSFER,
            up_to=None,
            defaults={"signatures": ["A"]},
        )
        CompanyUser.objects.filter(
            company=company, role=CompanyRole.APPROVER, signature_level__isnull=True
        ).update(signature_level=level)
        return member

    def _staff(self):
        self._user(
            "backoffice",
            None,
            "Back",
            "Office",
            "backoffice@cooprogreso.local",
            is_staff=True,
            is_superuser=True,
        )

    # -- a year of movements -------------------------------------------------------------------
    def _history(self, members, company_member):
        rng = random.Random(2026)
        now = timezone.now()
        today = timezone.localdate()
        start = (today.replace(day=1) - timedelta(days=365)).replace(day=1)
        tz = timezone.get_current_timezone()
        cash = internal_account_id(InternalAccount.CASH)
        clearing = internal_account_id(InternalAccount.INTERBANK_CLEARING)
        fees = internal_account_id(InternalAccount.FEE_INCOME)
        vat = internal_account_id(InternalAccount.VAT_PAYABLE)
        billers = internal_account_id(InternalAccount.BILLER_SETTLEMENT)
        interest = internal_account_id(InternalAccount.INTEREST_EXPENSE)
        loans = internal_account_id(InternalAccount.LOAN_PORTFOLIO)
        savings = {m.pk: Account.objects.get(owner=m, product=Product.SAVINGS) for m in members}
        shares = {m.pk: Account.objects.get(owner=m, product=Product.SHARES) for m in members}
        payroll = Account.objects.get(number=COMPANY["accounts"][0][0])

        def at(day: date, hour: int | None = None) -> datetime:
            hour = hour if hour is not None else rng.randint(8, 17)
            return timezone.make_aware(
                datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59))), tz
            )

        plan = []

        def post(kind, legs, when, memo, channel=Channel.WEB, details=None, need=None):
            # Planned, not posted: entries must be written in date order so every running
            # balance ("saldo") reads right in movements and statements.
            if when <= now:
                plan.append((when, len(plan), kind, legs, memo, channel, details, need))

        def balance(account):
            return Account.objects.values_list("available", flat=True).get(pk=account.pk)

        post(
            TransactionKind.DEPOSIT,
            [
                Leg(payroll.pk, Decimal("250000.00"), "DEPÓSITO AHORROS"),
                Leg(cash, Decimal("-250000.00"), "DEPÓSITO AHORROS"),
            ],
            at(start, 9),
            "Capital de trabajo",
            Channel.BRANCH,
        )
        for m in members:
            opening = money(rng.randint(200, 900))
            post(
                TransactionKind.DEPOSIT,
                [
                    Leg(savings[m.pk].pk, opening, "DEPÓSITO AHORROS"),
                    Leg(cash, -opening, "DEPÓSITO AHORROS"),
                ],
                at(start + timedelta(days=1), 10),
                "Apertura",
                Channel.BRANCH,
            )
            post(
                TransactionKind.DEPOSIT,
                [
                    Leg(shares[m.pk].pk, Decimal("432.90"), "APORTACIÓN INICIAL"),
                    Leg(cash, Decimal("-432.90"), "APORTACIÓN INICIAL"),
                ],
                at(start + timedelta(days=1), 11),
                "Certificado de aportación",
                Channel.BRANCH,
            )

        def interest_legs(account):
            earned = money(balance(account) * Decimal("0.015") / 12)
            if earned <= 0:
                return None
            return [
                Leg(account.pk, earned, "CAPITALIZACIÓN DE INTERESES"),
                Leg(interest, -earned, "CAPITALIZACIÓN DE INTERESES"),
            ]

        month = start
        while month <= today:
            for index, m in enumerate(members):
                account = savings[m.pk]
                pay = MEMBERS[index]["salary"]
                post(
                    TransactionKind.SALARY,
                    [
                        Leg(payroll.pk, -pay, "PAGO NÓMINA"),
                        Leg(account.pk, pay, "ACREDITACIÓN NÓMINA COMERCIAL ANDINA"),
                    ],
                    at(month + timedelta(days=1), 9),
                    "Nómina",
                    Channel.ENTERPRISE,
                )
                for _ in range(rng.randint(1, 3)):
                    amount = money(rng.choice([20, 40, 60, 80, 100, 150]))
                    post(
                        TransactionKind.WITHDRAWAL,
                        [
                            Leg(account.pk, -amount, "RETIRO DE AHORROS"),
                            Leg(cash, amount, "RETIRO DE AHORROS"),
                        ],
                        at(month + timedelta(days=rng.randint(2, 26))),
                        "Retiro en cajero",
                        Channel.BRANCH,
                        need=(account, amount + 50),
                    )
                other = members[(index + 1) % len(members)]
                amount = money(rng.randint(5, 60))
                post(
                    TransactionKind.INTERNAL_TRANSFER,
                    [
                        Leg(account.pk, -amount, "TRANSFERENCIA A CUENTA TERCEROS"),
                        Leg(savings[other.pk].pk, amount, "TRANSFERENCIA DE CUENTA TERCEROS"),
                    ],
                    at(month + timedelta(days=rng.randint(3, 27))),
                    rng.choice(["Cena", "Préstamo", "Regalo", "Arriendo compartido"]),
                    need=(account, amount + 50),
                )
                amount = money(rng.randint(15, 120))
                post(
                    TransactionKind.INTERBANK_TRANSFER,
                    [
                        Leg(account.pk, -amount, "ND TRANSFERENCIA PAGO DIRECTO"),
                        Leg(clearing, amount, "ND TRANSFERENCIA PAGO DIRECTO"),
                        Leg(
                            account.pk,
                            Decimal("-0.36"),
                            "COMISIÓN TRANSFERENCIA PAGO DIRECTO",
                            Entry.Role.FEE,
                        ),
                        Leg(
                            fees,
                            Decimal("0.36"),
                            "COMISIÓN TRANSFERENCIA PAGO DIRECTO",
                            Entry.Role.FEE,
                        ),
                        Leg(
                            account.pk,
                            Decimal("-0.05"),
                            "IVA TRANSFERENCIA PAGO DIRECTO",
                            Entry.Role.VAT,
                        ),
                        Leg(
                            vat,
                            Decimal("0.05"),
                            "IVA TRANSFERENCIA PAGO DIRECTO",
                            Entry.Role.VAT,
                        ),
                    ],
                    at(month + timedelta(days=rng.randint(5, 25))),
                    "Pago proveedor",
                    details={
                        "beneficiary": {
                            "name": "FANNY ONTANEDA",
                            "identification": "*****5290",
                            "account": "AHORROS *****9993",
                            "institution": "BANCO DEL GUAYAS S.A.",
                        }
                    },
                    need=(account, amount + 50),
                )
                for biller in rng.sample(["CNEL EP", "EPMAPS AGUA QUITO", "CLARO RECARGAS"], 2):
                    amount = money(Decimal(rng.randint(300, 4500)) / 100)
                    post(
                        TransactionKind.BILL_PAYMENT,
                        [
                            Leg(account.pk, -amount, f"ND RECAUDACIONES WEB APP {biller}"),
                            Leg(billers, amount, "RECAUDACIONES"),
                        ],
                        at(month + timedelta(days=rng.randint(8, 24))),
                        biller,
                        need=(account, amount + 50),
                    )
                post(
                    TransactionKind.OWN_TRANSFER,
                    [
                        Leg(
                            account.pk,
                            Decimal("-5.00"),
                            "TRANSFERENCIA ENTRE CUENTAS MISMO CLIENTE",
                        ),
                        Leg(
                            shares[m.pk].pk,
                            Decimal("5.00"),
                            "TRANSFERENCIA ENTRE CUENTAS MISMO CLIENTE",
                        ),
                    ],
                    at(month + timedelta(days=15)),
                    "Ahorro aportaciones",
                    need=(account, 60),
                )
                month_end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(
                    days=1
                )
                post(
                    TransactionKind.INTEREST,
                    partial(interest_legs, account),
                    at(month_end, 23),
                    "Intereses del mes",
                    Channel.SYSTEM,
                )
            month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)

        # A loan disbursed five months ago and a term deposit opened four months ago.
        first = members[0]
        disbursed = today.replace(day=1) - timedelta(days=150)
        post(
            TransactionKind.LOAN_DISBURSEMENT,
            [
                Leg(loans, Decimal("-1000.00"), "DESEMBOLSO DE CRÉDITO"),
                Leg(savings[first.pk].pk, Decimal("1000.00"), "DESEMBOLSO DE CRÉDITO 0119474000"),
            ],
            at(disbursed, 10),
            "Crédito CONSUMO AGIL",
            Channel.BRANCH,
        )
        for k in range(1, 5):
            due = disbursed + timedelta(days=30 * k)
            post(
                TransactionKind.LOAN_PAYMENT,
                [
                    Leg(savings[first.pk].pk, Decimal("-49.66"), "PAGO CUOTA CRÉDITO 0119474000"),
                    Leg(loans, Decimal("49.66"), "PAGO CUOTA CRÉDITO"),
                ],
                at(due, 7),
                f"Cuota {k}/24",
                Channel.SYSTEM,
            )
        deposit_account, _ = Account.objects.get_or_create(
            number="510100010001", defaults={"product": Product.TERM_DEPOSIT, "owner": first}
        )
        issued = today - timedelta(days=120)
        post(
            TransactionKind.TERM_DEPOSIT_OPENING,
            [
                Leg(savings[first.pk].pk, Decimal("-1000.00"), "APERTURA INVERSIÓN 0010001"),
                Leg(deposit_account.pk, Decimal("1000.00"), "APERTURA INVERSIÓN"),
            ],
            at(issued, 11),
            "Inversión a 365 días",
            Channel.WEB,
        )

        for n, (when, _seq, kind, legs, memo, channel, details, need) in enumerate(sorted(plan), 1):
            if need and balance(need[0]) <= need[1]:
                continue
            legs = legs() if callable(legs) else legs
            if legs:
                transaction_post(
                    kind=kind,
                    legs=legs,
                    idempotency_key=f"seed:{n}",
                    channel=channel,
                    memo=memo,
                    posted_at=when,
                    details=details,
                )

    def _payments(self, first, company_member):
        """The service catalogue; sociodemo1's saved water service and a scheduled electricity
        payment; the company's ingresador's service payment waiting for the autorizador."""
        demo_catalogue_ensure()
        company = company_member.company
        ApprovalBand.objects.get_or_create(
            company=company, operation=Operation.PAYMENT, up_to=None, defaults={"signatures": ["A"]}
        )
        user = get_user_model().objects.get(username=MEMBERS[0]["username"])
        savings = Account.objects.get(owner=first, product=Product.SAVINGS)
        water = Biller.objects.get(code="agua-epmapa-pedernales")
        saved_service_add(
            member=first,
            user=user,
            biller=water,
            reference="41515161",
            fields={water.fields[0]["name"]: "41515161"},
            alias="Agua casa",
        )
        light = Biller.objects.get(code="cnel-ep")
        if not Schedule.objects.filter(owner=first).exists():
            payload = SchedulePayload(
                origin=savings.pk,
                amount=Decimal("60.00"),
                biller=light.pk,
                reference="1000234517",
                fields={light.fields[0]["name"]: "1000234517"},
                frequency=Schedule.Frequency.AVAILABLE,
                starts_on=timezone.localdate().isoformat(),
            )
            context = Context(user=user, member=first, channel=Channel.WEB, key="demo-programado-1")
            operation_submit(spec=SCHEDULE, payload=payload, context=context)
        self._company_payment_order(company_member)

    def _company_payment_order(self, company_member):
        maker = get_user_model().objects.get(username="empingresa01")
        if ApprovalOrder.objects.filter(created_by=maker, kind=BILL.code).exists():
            return
        water = Biller.objects.get(code="agua-epmapa-pedernales")
        reference = "1790085745"
        bill = bill_inquire(biller=water, reference=reference)[0]
        payload = BillPaymentPayload(
            origin=Account.objects.get(number=COMPANY["accounts"][0][0]).pk,
            amount=bill.amount,
            biller=water.pk,
            reference=reference,
            fields={water.fields[0]["name"]: reference},
            bill_number=bill.number,
            bill_period=bill.period,
            bill_due_on=bill.due_on.isoformat() if bill.due_on else "",
            bill_amount=bill.amount,
        )
        context = Context(
            user=maker, member=company_member, channel=Channel.ENTERPRISE, key="demo-orden-agua"
        )
        operation_submit(spec=BILL, payload=payload, context=context, concept="Agua oficina")

    def _beneficiaries(self, member):
        # The payee of the manuals' screenshots, saved by the first member.
        Beneficiary.objects.get_or_create(
            owner=member,
            kind=Beneficiary.Kind.INTERBANK,
            institution=Institution.objects.get(code="0017"),
            account_number="2200099993",
            deleted_at=None,
            defaults={
                "alias": "Fanny",
                "approved_at": timezone.now(),
                "account_type": AccountType.SAVINGS,
                "holder_name": "FANNY ONTANEDA",
                "id_type": IdType.CEDULA,
                "identification": "0926687856",
                "email": "fanny.ontaneda@example.com",
            },
        )

    def _products(self, members):
        first = members[0]
        today = timezone.localdate()
        changed = set()  # members whose cached position pages must go
        for number, _product, status in [a for spec in MEMBERS for a in spec["accounts"]]:
            for account in Account.objects.filter(number=number).exclude(status=status):
                account.status = status
                account.save(update_fields=["status"])
                changed.add(account.owner_id)
        deposit_account = Account.objects.filter(number="510100010001").first()
        if deposit_account:
            issued = (
                deposit_account.entries.order_by("posted_at")
                .values_list("posted_at", flat=True)
                .first()
            )
            issued_on = timezone.localtime(issued).date() if issued else today
            _, opened = TermDeposit.objects.get_or_create(
                number="0010001",
                defaults={
                    "owner": first,
                    "account": deposit_account,
                    "payout_account": Account.objects.get(owner=first, product=Product.SAVINGS),
                    "capital": Decimal("1000.00"),
                    "term_days": 365,
                    "annual_rate": Decimal("7.25"),
                    "issued_on": issued_on,
                    "matures_on": issued_on + timedelta(days=365),
                },
            )
            if opened:
                changed.add(first.pk)
        disbursed = today.replace(day=1) - timedelta(days=150)
        _, granted = Loan.objects.get_or_create(
            number="0119474000",
            defaults={
                "owner": first,
                "product_name": "CONSUMO AGIL",
                "amount": Decimal("1000.00"),
                "outstanding": Decimal("855.18"),
                "instalment": Decimal("49.66"),
                "instalments": 24,
                "instalments_paid": 4,
                "annual_rate": Decimal("15.6"),
                "issued_on": disbursed,
                "next_due_on": disbursed + timedelta(days=150),
            },
        )
        card, issued_card = Card.objects.get_or_create(
            owner=first,
            masked_number="513744XXXXXX5290",
            defaults={
                "brand": "MASTERCARD",
                "credit_limit": Decimal("10000.00"),
                "used_revolving": Decimal("1538.14"),
                "used_deferred": Decimal("7597.38"),
                "minimum_payment": Decimal("708.63"),
                "payment_due_on": today + timedelta(days=12),
            },
        )
        if card.account_id is None:
            # Its ledger account (available = limit − used); a Luhn-valid number with the
            # demo's mask, which is not stored.
            card_account_open(card=card, number="5137440000015290")
        if granted or issued_card:
            changed.add(first.pk)
        member_products_changed(member_ids=changed)
