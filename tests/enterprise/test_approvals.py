"""The approval engine: who signs what, holds, executing exactly once."""

from datetime import timedelta
from decimal import Decimal
from itertools import permutations

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Account, Hold
from enterprise.models import (
    ApprovalOrder,
    Company,
    CompanyRole,
    CompanyUser,
    Operation,
)
from enterprise.services.approvals import (
    ApprovalError,
    order_approve,
    order_create,
    order_reject,
    order_withdraw,
    orders_expire_due,
    required_signatures,
    rule_satisfied,
)
from enterprise.services.operations import TRANSFER_MEMBER
from identity.models import Member
from tests.factories import MemberFactory, UserFactory
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def create(company, user, amount, destination):
    return order_create(
        user=user,
        operation=Operation.TRANSFER,
        kind=TRANSFER_MEMBER,
        amount=Decimal(amount),
        charges=Decimal("0"),
        debit_account=company.account,
        payload={
            "origin": company.account.pk,
            "destination": destination.pk,
            "amount": amount,
            "funds_origin": "Ventas",
            "funds_purpose": "Pago a proveedor",
        },
        concept="Pago proveedor",
    )


def available(account):
    return Account.objects.get(pk=account.pk).available


def test_an_administrators_order_executes_at_once(company, payee_account):
    order = create(company, company.admin, "300.00", payee_account)
    assert order.status == ApprovalOrder.Status.EXECUTED and order.hold is None
    transfer = Transfer.objects.get(pk=order.result["transfer"])
    assert transfer.idempotency_key == f"order-{order.pk}"
    assert available(company.account) == Decimal("9700.00")


def test_an_ingresadors_order_holds_its_funds_until_signed(company, payee_account):
    order = create(company, company.maker, "300.00", payee_account)
    assert order.status == ApprovalOrder.Status.PENDING
    assert available(company.account) == Decimal("9700.00")
    assert Account.objects.get(pk=company.account.pk).balance == Decimal("10000.00")
    assert not Transfer.objects.exists()
    order_approve(user=company.approver_b, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.EXECUTED
    account = Account.objects.get(pk=company.account.pk)
    assert (account.balance, account.available) == (Decimal("9700.00"), Decimal("9700.00"))
    assert Hold.objects.get(pk=order.hold_id).status == Hold.Status.CONSUMED
    # A late second signature finds it done and changes nothing.
    with pytest.raises(ApprovalError, match="ya no está pendiente"):
        order_approve(user=company.approver_b2, order_id=order.pk)
    assert Transfer.objects.count() == 1


def test_large_amounts_need_both_levels_in_any_order(company, payee_account, trusted_payee):
    order = create(company, company.maker, "5000.00", payee_account)
    assert required_signatures(company, Operation.TRANSFER, Decimal("5000")) == ["A", "B"]
    order_approve(user=company.approver_b, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.PENDING
    with pytest.raises(ApprovalError, match="no alcanza"):
        order_approve(user=company.approver_b2, order_id=order.pk)  # two Bs never make an A
    order_approve(user=company.approver_a, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.EXECUTED
    signers = list(order.approvals.values_list("level", flat=True))
    assert signers == ["B", "A"]


def test_who_may_not_sign(company, payee_account):
    order = create(company, company.maker, "100.00", payee_account)
    with pytest.raises(ApprovalError, match="Tu rol no permite autorizar"):
        order_approve(user=company.maker, order_id=order.pk)
    with pytest.raises(ApprovalError, match="Tu rol no permite autorizar"):
        order_approve(user=company.admin, order_id=order.pk)
    with pytest.raises(ApprovalError, match="registrar operaciones"):
        create(company, company.approver_a, "10.00", payee_account)
    order_approve(user=company.approver_b, order_id=order.pk)
    with pytest.raises(ApprovalError, match="ya no está pendiente"):
        order_approve(user=company.approver_a, order_id=order.pk)


def test_another_companys_order_does_not_exist(company, payee_account):
    order = create(company, company.maker, "100.00", payee_account)
    other = MemberFactory(kind=Member.Kind.COMPANY)
    stranger = UserFactory(customer=other)
    CompanyUser.objects.create(
        user=stranger,
        company=Company.objects.create(member=other, name="OTRA S.A."),
        role=CompanyRole.APPROVER,
    )
    with pytest.raises(ApprovalOrder.DoesNotExist):
        order_approve(user=stranger, order_id=order.pk)


def test_reject_withdraw_and_expiry_release_the_hold(company, payee_account):
    rejected = create(company, company.maker, "100.00", payee_account)
    with pytest.raises(ApprovalError, match="motivo"):
        order_reject(user=company.approver_a, order_id=rejected.pk, reason=" ")
    order_reject(user=company.approver_a, order_id=rejected.pk, reason="No corresponde")
    withdrawn = create(company, company.maker, "200.00", payee_account)
    with pytest.raises(ApprovalError, match="Solo quien registró"):
        order_withdraw(user=company.admin, order_id=withdrawn.pk)
    order_withdraw(user=company.maker, order_id=withdrawn.pk)
    expired = create(company, company.maker, "300.00", payee_account)
    assert available(company.account) == Decimal("9700.00")
    assert orders_expire_due(now=timezone.now() + timedelta(days=4)) == 1
    statuses = {o.pk: o.status for o in ApprovalOrder.objects.filter(company__pk=company.pk)}
    assert statuses == {
        rejected.pk: ApprovalOrder.Status.REJECTED,
        withdrawn.pk: ApprovalOrder.Status.WITHDRAWN,
        expired.pk: ApprovalOrder.Status.EXPIRED,
    }
    assert available(company.account) == Decimal("10000.00")
    assert not Transfer.objects.exists()


def test_an_order_the_service_refuses_at_execution_fails_and_frees_its_funds(
    company, payee_account
):
    order = create(company, company.maker, "100.00", payee_account)
    Account.objects.filter(pk=payee_account.pk).update(status=Account.Status.INACTIVE)
    order_approve(user=company.approver_b, order_id=order.pk)
    order.refresh_from_db()
    assert (
        order.status == ApprovalOrder.Status.FAILED and "no puede recibir" in order.failure_reason
    )
    assert available(company.account) == Decimal("10000.00")


def brute_force(positions, required, signed):
    need = [positions[r] for r in required]
    have = [positions[s] for s in signed]
    if len(have) < len(need):
        return False
    return any(
        all(h <= n for h, n in zip(chosen, need, strict=False))
        for chosen in permutations(have, len(need))
    )


@given(
    st.lists(st.sampled_from("ABC"), min_size=1, max_size=3),
    st.lists(st.sampled_from("ABC"), max_size=4),
)
def test_the_rule_matches_an_exhaustive_search(required, signed):
    positions = {"A": 1, "B": 2, "C": 3}
    assert rule_satisfied(positions, required, signed) == brute_force(positions, required, signed)


@given(
    st.lists(st.sampled_from("ABC"), min_size=1, max_size=3),
    st.lists(st.sampled_from("ABC"), max_size=4),
)
def test_matching_counts_agree_with_the_rule(required, signed):
    from enterprise.services.approvals import _matched

    positions = {"A": 1, "B": 2, "C": 3}
    assert (_matched(positions, required, signed) == len(required)) == rule_satisfied(
        positions, required, signed
    )


band_ceilings = st.lists(
    st.decimals(min_value=1, max_value=10**6, places=2), min_size=0, max_size=4, unique=True
).map(sorted)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ceilings=band_ceilings,
    signatures=st.lists(
        st.lists(st.sampled_from("AB"), min_size=1, max_size=3), min_size=5, max_size=5
    ),
    amounts=st.lists(st.decimals(min_value="0.01", max_value=10**7, places=2), max_size=6),
)
def test_bands_saved_by_an_administrator_decide_the_signatures(
    company, ceilings, signatures, amounts
):
    """Any valid band configuration: an amount needs the signatures of the first band whose
    ceiling covers it, the open last band covering the rest; and the order keeps them."""
    from enterprise.services.levels import bands_set

    bands = [(ceiling, signatures[i]) for i, ceiling in enumerate(ceilings)]
    bands.append((None, signatures[len(ceilings)]))
    bands_set(
        user=company.admin, company=company, operation=Operation.PAYROLL, bands=bands, reason="x"
    )
    for amount in [*amounts, *ceilings]:
        expected = next(s for up_to, s in bands if up_to is None or amount <= up_to)
        assert required_signatures(company, Operation.PAYROLL, amount) == expected
