"""Random sequences of postings never break an invariant."""

import contextlib
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Account, Channel, TransactionKind
from accounts.services.integrity import ledger_problems
from accounts.services.ledger import (
    InsufficientFunds,
    Leg,
    hold_place,
    hold_release,
    transaction_post,
)
from tests.factories import AccountFactory, deposit

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("80.00"), places=2)
operation = st.one_of(
    st.tuples(
        st.just("transfer"), st.integers(0, 3), st.integers(0, 3), amounts, st.integers(0, 5)
    ),
    st.tuples(st.just("hold"), st.integers(0, 3), amounts),
    st.tuples(st.just("release"), st.integers(0, 10)),
)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(operation, min_size=1, max_size=25))
def test_random_postings_keep_every_invariant(ops):
    # Hypothesis runs every example inside one test transaction: keep keys apart per example.
    run = uuid.uuid4().hex[:8]
    accounts = [AccountFactory() for _ in range(4)]
    for account in accounts:
        deposit(account, "100.00")
    total = sum(a.balance for a in Account.objects.filter(pk__in=[a.pk for a in accounts]))
    holds = []
    for n, op in enumerate(ops):
        if op[0] == "transfer":
            _, i, j, amount, key = op
            if i == j:
                continue
            with contextlib.suppress(InsufficientFunds):
                transaction_post(
                    kind=TransactionKind.INTERNAL_TRANSFER,
                    legs=[Leg(accounts[i].pk, -amount, "T"), Leg(accounts[j].pk, amount, "T")],
                    # A small key space makes retries (same key, same data) happen on purpose.
                    idempotency_key=f"prop-{run}-{i}-{j}-{amount}-{key}",
                    channel=Channel.WEB,
                )
        elif op[0] == "hold":
            _, i, amount = op
            with contextlib.suppress(InsufficientFunds):
                holds.append(
                    hold_place(
                        account_id=accounts[i].pk,
                        amount=amount,
                        reason="h",
                        reference=f"h{run}-{n}",
                    )
                )
        elif holds:
            hold_release(hold_id=holds[op[1] % len(holds)].pk)

        assert ledger_problems() == []
        balances = Account.objects.filter(pk__in=[a.pk for a in accounts])
        assert all(a.balance >= 0 and 0 <= a.available <= a.balance for a in balances)
        assert sum(a.balance for a in balances) == total
