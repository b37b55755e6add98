"""What only PostgreSQL can show for the approval engine: authorizers signing the same order at
the same instant, and orders registered together against one company limit. Workers are
forked and queue on a row another session holds until all of them wait (as in
``tests/transfers/test_orders_postgres.py``)."""

import multiprocessing
import time
import traceback
from decimal import Decimal

import pytest
from django.db import connection, connections

from accounts.models import Account
from accounts.services.integrity import ledger_problems
from enterprise.models import Approval, ApprovalOrder, CompanyLimit, Operation
from tests.transfers.test_orders_postgres import _held, _waiting
from transfers.models import Transfer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="necesita PostgreSQL (DATABASE_URL)"
    ),
]


def _work(action, user_id, args, start, results):
    connections.close_all()  # a forked child must not share the parent's socket
    from enterprise.services import approvals
    from enterprise.services.errors import ApprovalError
    from enterprise.services.operations import TRANSFER_MEMBER
    from identity.models import User

    try:
        user = User.objects.get(pk=user_id)
        start.wait(timeout=30)
        if action == "approve":
            order = approvals.order_approve(user=user, order_id=args["order"])
        else:
            order = approvals.order_create(
                user=user,
                operation=Operation.TRANSFER,
                kind=TRANSFER_MEMBER,
                amount=Decimal(args["amount"]),
                charges=Decimal("0"),
                debit_account=Account.objects.get(pk=args["origin"]),
                payload={
                    "origin": args["origin"],
                    "amount": args["amount"],
                    "destination": args["destination"],
                },
                concept="Concurrente",
            )
        results.put(("ok", order.status))
    except ApprovalError as exc:
        results.put(("refused", exc.message))
    except Exception as exc:  # anything else reaching a caller fails the test
        results.put(("error", repr(exc) + traceback.format_exc()))
    finally:
        connections.close_all()


def _together(jobs, hold_sql, hold_params):
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(len(jobs) + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_work, args=(*job, start, results)) for job in jobs]
    for p in procs:
        p.start()
    with _held(hold_sql, hold_params):
        start.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _waiting() < len(jobs) and time.monotonic() < deadline:
            if any(p.exitcode is not None for p in procs):
                break
            time.sleep(0.02)
        waiting = _waiting()
    outcomes = [results.get(timeout=60) for _ in jobs]
    for p in procs:
        p.join(timeout=60)
    assert [o for o in outcomes if o[0] == "error"] == []
    return outcomes, waiting


def _pending(company, destination, amount):
    from tests.enterprise.test_views import _pending_order

    return _pending_order(company, destination, amount)


def test_two_authorizers_at_the_same_instant_execute_the_order_once(company, payee_account):
    """Both are level B and one B signature is enough: one executes it, the other is told it
    is no longer pending; one transfer, one debit."""
    order = _pending(company, payee_account, "300.00")
    jobs = [
        ("approve", company.approver_b.pk, {"order": order.pk}),
        ("approve", company.approver_b2.pk, {"order": order.pk}),
    ]
    outcomes, waiting = _together(
        jobs, "SELECT 1 FROM enterprise_approvalorder WHERE id = %s FOR UPDATE", [order.pk]
    )
    assert waiting == 2
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert [o[1] for o in outcomes if o[0] == "ok"] == [ApprovalOrder.Status.EXECUTED]
    assert "ya no está pendiente" in next(o[1] for o in outcomes if o[0] == "refused")
    assert Transfer.objects.count() == 1 and Approval.objects.count() == 1
    account = Account.objects.get(pk=company.account.pk)
    assert account.balance == account.available == Decimal("9700.00")
    assert ledger_problems() == []


def test_the_two_signatures_an_order_needs_arriving_together_execute_it_once(
    company, payee_account, trusted_payee
):
    order = _pending(company, payee_account, "5000.00")  # above $1,000: A + B
    ApprovalOrder.objects.filter(pk=order.pk).update(
        payload={
            **order.payload,
            "funds_origin": "Ventas del mes",
            "funds_purpose": "Pago de equipos",
        }
    )
    jobs = [
        ("approve", company.approver_a.pk, {"order": order.pk}),
        ("approve", company.approver_b.pk, {"order": order.pk}),
    ]
    outcomes, _waiting_count = _together(
        jobs, "SELECT 1 FROM enterprise_approvalorder WHERE id = %s FOR UPDATE", [order.pk]
    )
    assert sorted(o[1] for o in outcomes) == [
        ApprovalOrder.Status.EXECUTED,
        ApprovalOrder.Status.PENDING,
    ]
    assert Transfer.objects.count() == 1 and Approval.objects.count() == 2
    assert Account.objects.get(pk=company.account.pk).balance == Decimal("5000.00")


def test_orders_registered_together_never_pass_the_company_limit(company, payee_account):
    """Eight $30 orders against a daily limit of $100: three are registered (their funds
    held), five refused for the limit."""
    CompanyLimit.objects.create(company=company, daily=100, weekly=1000, monthly=1000)
    args = {
        "amount": "30.00",
        "origin": company.account.pk,
        "destination": payee_account.pk,
    }
    jobs = [("create", company.maker.pk, args) for _ in range(8)]
    outcomes, waiting = _together(
        jobs, "SELECT 1 FROM enterprise_company WHERE id = %s FOR UPDATE", [company.pk]
    )
    assert waiting == 8
    assert [o[1] for o in outcomes if o[0] == "ok"] == [ApprovalOrder.Status.PENDING] * 3
    refused = [o[1] for o in outcomes if o[0] == "refused"]
    assert len(refused) == 5 and all("cupo diario de la empresa" in m for m in refused)
    account = Account.objects.get(pk=company.account.pk)
    assert account.available == Decimal("9910.00")
