"""The recipe for an operation (docs/ARCHITECTURE.md): a domain app defines it once, members
execute it at once, a company user's becomes an approval order through the enterprise app's
channel — and the order keeps one source of truth for the amount."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Account, Channel
from accounts.registries import operations
from accounts.registries.operations import (
    Context,
    OperationSpec,
    Outcome,
    Payload,
    operation_submit,
)
from common.refusal import Refusal
from enterprise.models import ApprovalOrder, CompanyUser, Operation
from enterprise.services.approvals import order_approve, order_reject
from tests.factories import AccountFactory, MemberFactory, UserFactory, deposit
from transfers.models import Transfer
from transfers.services.operations import (
    INTERBANK,
    MEMBER,
    InterbankTransferPayload,
    MemberTransferPayload,
    PayeeData,
)

pytestmark = pytest.mark.django_db

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2)


@given(amount=money, memo=st.text(max_size=20), beneficiary=st.none() | st.integers(1, 10**9))
def test_a_payload_survives_its_json_with_its_types(amount, memo, beneficiary):
    payload = InterbankTransferPayload(
        origin=7,
        amount=amount,
        memo=memo,
        beneficiary=beneficiary,
        payee=PayeeData(
            institution="0010",
            account_number="2200123456",
            account_type="AHORROS",
            name="ANA PÉREZ",
            id_type="CEDULA",
            identification="1710034065",
        ),
    )

    assert InterbankTransferPayload.from_json(payload.to_json()) == payload
    assert isinstance(InterbankTransferPayload.from_json(payload.to_json()).amount, Decimal)


def _member_payload(origin, destination, amount="150.00"):
    return MemberTransferPayload(
        origin=origin.pk,
        amount=Decimal(amount),
        destination=destination.pk,
        funds_origin="Ventas",
        funds_purpose="Proveedor",
    )


def test_a_members_operation_executes_at_once():
    member = MemberFactory()
    user = UserFactory(customer=member)
    origin, destination = AccountFactory(owner=member), AccountFactory()
    deposit(origin, "500.00")
    context = Context(user=user, member=member, channel=Channel.WEB, key="tr-test-1")

    outcome = operation_submit(
        spec=MEMBER, payload=_member_payload(origin, destination), context=context
    )

    assert outcome.status == Outcome.EXECUTED
    transfer = Transfer.objects.get(pk=outcome.result["transfer"])
    assert transfer.amount == Decimal("150.00")
    assert Account.objects.get(pk=destination.pk).balance == Decimal("150.00")


def test_a_company_users_operation_becomes_an_order_whose_amount_lives_in_one_place(
    company, trusted_payee, payee_account
):
    context = Context(
        user=company.maker, member=company.member, channel=Channel.WEB, key="tr-test-2"
    )
    payload = _member_payload(company.account, payee_account, "640.00")

    outcome = operation_submit(spec=MEMBER, payload=payload, context=context)

    order = ApprovalOrder.objects.get(pk=outcome.reference)
    assert outcome.status == Outcome.PENDING and outcome.url == f"/empresa/ordenes/{order.pk}/"
    assert order.amount == Decimal("640.00") and order.kind == MEMBER.code
    assert "amount" not in order.payload
    # Whatever a payload says of the amount, the order's column is what executes.
    ApprovalOrder.objects.filter(pk=order.pk).update(payload={**order.payload, "amount": "1.00"})
    order = order_approve(user=company.approver_b, order_id=order.pk)
    assert order.status == ApprovalOrder.Status.EXECUTED, order.failure_reason
    transfer = Transfer.objects.get(pk=order.result["transfer"])
    assert transfer.amount == Decimal("640.00")
    assert transfer.channel == Channel.ENTERPRISE


def test_an_interbank_order_holds_its_amount_plus_fee_and_vat(company):
    payload = InterbankTransferPayload(
        origin=company.account.pk,
        amount=Decimal("100.00"),
        payee=PayeeData(
            institution="0010",
            account_number="2200123456",
            account_type="AHORROS",
            name="ANA PÉREZ",
            id_type="CEDULA",
            identification="1710034065",
        ),
    )

    context = Context(user=company.maker, member=company.member, channel=Channel.WEB, key="i-1")
    outcome = operation_submit(spec=INTERBANK, payload=payload, context=context)

    order = ApprovalOrder.objects.get(pk=outcome.reference)
    assert order.amount == Decimal("100.00") and order.charges == Decimal("0.41")
    assert order.hold.amount == Decimal("100.41") and order.hold.account_id == company.account.pk
    assert "origin" not in order.payload and "amount" not in order.payload


@dataclass(frozen=True, kw_only=True)
class GiftPayload(Payload):
    note: str = ""


def test_a_new_operation_registered_by_its_app_runs_through_the_approval_engine(
    company, monkeypatch
):
    """What "add a bill payment" amounts to for the engine: a spec, registered; its orders are
    held, signed and executed with the typed payload, and released if they never run."""
    ran, released = [], []
    spec = OperationSpec(
        code="REGALO",
        label="Regalo de prueba",
        band="TRANSFERENCIA",
        payload=GiftPayload,
        execute=lambda payload, context: ran.append((payload, context)) or {"gift": 1},
        charges=lambda payload: Decimal("0.50"),
        released=lambda payload, reference: released.append(reference),
    )
    monkeypatch.setitem(operations._specs, spec.code, spec)
    context = Context(user=company.maker, member=company.member, channel=Channel.WEB, key="g-1")
    gift = GiftPayload(origin=company.account.pk, amount=Decimal("20.00"), note="ok")

    outcome = operation_submit(spec=spec, payload=gift, context=context, concept="Regalo")
    order = ApprovalOrder.objects.get(pk=outcome.reference)
    assert order.hold.amount == Decimal("20.50")
    order = order_approve(user=company.approver_b, order_id=order.pk)

    assert order.status == ApprovalOrder.Status.EXECUTED and order.result == {"gift": 1}
    ((payload, run_context),) = ran
    assert payload == gift and run_context.key == f"order-{order.pk}"
    assert run_context.reference == order.pk and run_context.user == company.maker
    assert released == []

    context = Context(user=company.maker, member=company.member, channel=Channel.WEB, key="g-2")
    outcome = operation_submit(spec=spec, payload=gift, context=context, concept="Regalo")
    order_reject(user=company.approver_b, order_id=outcome.reference, reason="No")
    assert released == [outcome.reference] and len(ran) == 1


def test_every_registered_operation_names_a_band_companies_can_set():
    """A band nobody can configure would silently need one signature: refused at submission,
    and every operation registered today names a real one."""
    assert operations.operation_specs()
    assert {spec.band for spec in operations.operation_specs()} <= set(Operation.values)


def test_an_operation_with_an_unknown_band_is_refused_before_any_order(company, monkeypatch):
    spec = OperationSpec(
        code="REGALO",
        label="Regalo de prueba",
        band="TRANSFERENCIAS",  # a typo
        payload=GiftPayload,
        execute=lambda payload, context: {},
    )
    monkeypatch.setitem(operations._specs, spec.code, spec)
    context = Context(user=company.maker, member=company.member, channel=Channel.WEB, key="g-3")
    gift = GiftPayload(origin=company.account.pk, amount=Decimal("20.00"))

    with pytest.raises(ImproperlyConfigured):
        operation_submit(spec=spec, payload=gift, context=context)
    assert not ApprovalOrder.objects.exists()


def test_a_company_login_without_an_active_profile_never_executes_at_once(company):
    """The company channel claims every operation of a company's money: a login whose profile
    was blocked is refused, not treated like a member's."""
    company.maker.company_profile.status = CompanyUser.Status.BLOCKED
    company.maker.company_profile.save(update_fields=["status"])
    context = Context(user=company.maker, member=company.member, channel=Channel.WEB, key="g-4")
    payload = _member_payload(company.account, AccountFactory(), "10.00")

    with pytest.raises(Refusal):
        operation_submit(spec=MEMBER, payload=payload, context=context)
    assert not Transfer.objects.exists() and not ApprovalOrder.objects.exists()
