"""The bill payment as an operation: a member's executes at once (a pending biller answer is
still executed), «Guardar servicio» after it, a rejected payment is a refusal with the money
back, and a company user's becomes an order that pays once it is signed."""

from decimal import Decimal

import pytest

from accounts.models import Account, Channel
from accounts.registries.operations import Context, Outcome, operation_spec
from identity.models import AuditEvent
from payments.models import Payment, SavedService
from payments.services.bills import bill_inquire
from payments.services.errors import PaymentError
from payments.services.operations import BILL, BillPaymentPayload, payment_submit

from .helpers import balance, payer

pytestmark = pytest.mark.django_db


@pytest.fixture
def water(biller):
    return biller("agua-epmapa-pedernales")


def water_payload(account, water, reference="123473", **extra):
    [bill] = bill_inquire(biller=water, reference=reference)
    return BillPaymentPayload(
        origin=account.pk,
        amount=bill.amount,
        biller=water.pk,
        reference=reference,
        fields={"cuenta": reference},
        bill_number=bill.number,
        bill_period=bill.period,
        bill_due_on=bill.due_on.isoformat(),
        bill_amount=bill.amount,
        **extra,
    )


def context(user, key="op-1"):
    return Context(user=user, member=user.customer, channel=Channel.WEB, key=key)


def test_registered_with_its_band_and_charges(water):
    assert operation_spec("PAGO_SERVICIO") is BILL
    assert BILL.band == "PAGO"
    _user, account = payer()
    assert BILL.charges(water_payload(account, water)) == Decimal("0.35")


def test_the_payload_survives_its_json(water):
    _user, account = payer()
    payload = water_payload(account, water)
    assert BillPaymentPayload.from_json(payload.to_json()) == payload
    assert isinstance(BillPaymentPayload.from_json(payload.to_json()).bill_amount, Decimal)


def test_a_members_payment_executes_and_saves_the_service(water):
    user, account = payer()
    submitted = payment_submit(
        spec=BILL,
        payload=water_payload(account, water),
        context=context(user),
        concept="Pago agua",
        save_alias="Agua casa",
    )
    outcome = submitted.outcome
    assert outcome.status == Outcome.EXECUTED
    payment = Payment.objects.get(pk=outcome.result["payment"])
    assert outcome.result == {
        "payment": payment.pk,
        "receipt": payment.transaction.receipt_number,
        "status": "PAGADO",
    }
    saved = submitted.saved
    assert (saved.alias, saved.reference, saved.reference_fields) == (
        "Agua casa",
        "123473",
        {"cuenta": "123473"},
    )
    assert AuditEvent.objects.filter(action="saved_service.add", target_id=str(saved.pk)).exists()
    assert balance(account) == Decimal("500.00") - Decimal("73.85")


def test_saving_a_service_saved_already_keeps_one(water):
    user, account = payer()
    first = payment_submit(
        spec=BILL, payload=water_payload(account, water), context=context(user, "a"), save_alias=""
    )
    assert first.saved.alias == ""
    # the same bill again is refused: nothing saved twice, the refusal propagates
    with pytest.raises(PaymentError):
        payment_submit(
            spec=BILL,
            payload=water_payload(account, water),
            context=context(user, "b"),
            save_alias="Casa",
        )
    assert SavedService.objects.count() == 1


def test_a_failed_save_is_a_warning_and_the_payment_stands(water, monkeypatch):
    from payments.services import operations

    def broken(**kwargs):
        raise PaymentError("No se pudo guardar.")

    monkeypatch.setattr(operations, "saved_service_add", broken)
    user, account = payer()
    submitted = payment_submit(
        spec=BILL, payload=water_payload(account, water), context=context(user), save_alias="X"
    )
    assert submitted.outcome.status == Outcome.EXECUTED
    assert submitted.warning == "No se guardó el servicio: No se pudo guardar."
    assert Payment.objects.get().status == Payment.Status.PAID


def test_a_pending_answer_is_still_executed(water):
    user, account = payer()
    outcome = payment_submit(
        spec=BILL, payload=water_payload(account, water, "123493"), context=context(user)
    ).outcome
    assert outcome.status == Outcome.EXECUTED
    assert outcome.result["status"] == "PENDIENTE"


def test_a_rejected_payment_is_a_refusal_with_the_money_back(water):
    user, account = payer()
    with pytest.raises(PaymentError) as caught:
        payment_submit(
            spec=BILL,
            payload=water_payload(account, water, "123495"),
            context=context(user),
            save_alias="Nunca",
        )
    assert caught.value.message == "Pago rechazado por la empresa de servicios."
    assert balance(account) == Decimal("500.00")
    assert not SavedService.objects.exists()


def test_someone_elses_origin_is_refused(water):
    user, _account = payer()
    _other_user, other_account = payer()
    with pytest.raises(PaymentError) as caught:
        payment_submit(
            spec=BILL, payload=water_payload(other_account, water), context=context(user)
        )
    assert caught.value.field == "origin"


def test_a_company_order_is_held_then_paid_once_signed(
    company, water, django_capture_on_commit_callbacks
):
    from enterprise.models import ApprovalBand, ApprovalOrder, Operation
    from enterprise.services.approvals import order_approve

    ApprovalBand.objects.create(
        company=company, operation=Operation.PAYMENT, up_to=None, signatures=["A"]
    )
    payload = water_payload(company.account, water)
    ctx = Context(user=company.maker, member=company.member, channel=Channel.WEB, key="c-1")
    outcome = payment_submit(spec=BILL, payload=payload, context=ctx, save_alias="Oficina").outcome
    assert outcome.status == Outcome.PENDING, outcome.message
    order = ApprovalOrder.objects.get(pk=outcome.reference)
    assert order.amount == Decimal("73.50") and order.charges == Decimal("0.35")
    assert Account.objects.get(pk=company.account.pk).available == Decimal("10000.00") - Decimal(
        "73.85"
    )
    assert not Payment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        order = order_approve(user=company.approver_a, order_id=order.pk)
    assert order.status == ApprovalOrder.Status.EXECUTED, order.failure_reason
    payment = Payment.objects.get(pk=order.result["payment"])
    assert payment.order_reference == order.pk
    assert payment.channel == Channel.ENTERPRISE
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID  # sent once the engine's transaction committed
    assert balance(company.account) == Decimal("10000.00") - Decimal("73.85")
    assert Account.objects.get(pk=company.account.pk).available == balance(company.account)
