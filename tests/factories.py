from decimal import Decimal
from itertools import count

import factory

from accounts.models import Account, Channel, InternalAccount, Product, TransactionKind
from accounts.services.ledger import Leg, internal_account_id, transaction_post
from identity.models import IdType, Member, User

PASSWORD = "Clave$Segura2026"
_keys = count(1)


def valid_cedula(n: int) -> str:
    """A Pichincha cédula (province 17) with the right check digit."""
    from stdnum.ec import ci

    base = f"17{n % 10**7:07d}"
    return next(base + str(d) for d in range(10) if ci.is_valid(base + str(d)))


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    id_type = IdType.CEDULA
    identification = factory.Sequence(lambda n: valid_cedula(n))
    first_names = factory.Faker("first_name", locale="es")
    last_names = factory.Faker("last_name", locale="es")
    address = "Av. Amazonas N20-10, Quito"
    email = factory.Sequence(lambda n: f"socio{n}@example.com")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"socio{n:05d}")
    customer = factory.SubFactory(MemberFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()

    @factory.post_generation
    def accepted_terms(self, create, extracted, **kwargs):
        # Users in the portal have accepted the current legal texts (pass False to test that).
        if create and extracted is not False and self.customer_id:
            from identity.models import Consent
            from identity.services.terms import terms_current

            Consent.objects.bulk_create(
                Consent(member=self.customer, user=self, document=document)
                for document in terms_current()
            )


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    number = factory.Sequence(lambda n: f"4102{n:08d}")
    product = Product.SAVINGS
    owner = factory.SubFactory(MemberFactory)


def deposit(
    account: Account,
    amount,
    *,
    when=None,
    description="DEPÓSITO AHORROS",
    memo="Depósito",
    counter=InternalAccount.CASH,
):
    """A posting into ``account``; backdated ones (``when``) need a counter-account with no later
    entries, since the ledger dates each account's entries in order."""
    amount = Decimal(amount)
    return transaction_post(
        kind=TransactionKind.DEPOSIT,
        legs=[
            Leg(account.pk, amount, description),
            Leg(internal_account_id(counter), -amount, description),
        ],
        idempotency_key=f"test-deposit-{next(_keys)}",
        channel=Channel.BRANCH,
        memo=memo,
        posted_at=when,
    )


def funded_member(amount="500.00") -> User:
    user = UserFactory()
    account = AccountFactory(owner=user.customer)
    deposit(account, amount)
    return user


def key() -> str:
    return f"test-{next(_keys)}"
