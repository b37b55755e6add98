"""What only PostgreSQL can show: bill payments made at the same moment under real row locks,
and a worker that dies between the debit and the biller's answer.

As tests/transfers/test_orders_postgres.py: each test forks its workers, and another database
session holds a row the payments queue on until every worker waits for a lock, so they really
overlap instead of merely being started together.
"""

import multiprocessing
import time
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection, connections

from accounts.models import InternalAccount
from accounts.services.integrity import ledger_problems
from accounts.services.ledger import internal_account_id
from payments.models import Payment
from payments.services.bills import payments_settle

from .helpers import balance, in_transit, payer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="necesita PostgreSQL (DATABASE_URL)"
    ),
]

REFERENCE = "4417"  # one bill of $ 17.50


def _pay(user_id, account_id, key, die_after_debit, start, results):
    """One water bill payment, reported as ("ok", (payment id, status)), ("refused", message),
    ("died", None) or ("error", repr) for anything else."""
    connections.close_all()  # a forked child must not share the parent's socket
    from accounts.models import Account
    from identity.models import User
    from payments.models import Biller
    from payments.services import bills
    from payments.services.errors import PaymentError

    try:
        user = User.objects.select_related("customer").get(pk=user_id)
        water = Biller.objects.select_related("category").get(code="agua-epmapa-pedernales")
        [bill] = bills.bill_inquire(biller=water, reference=REFERENCE)
        order = bills.PaymentOrder(
            user=user,
            member=user.customer,
            origin=Account.objects.get(pk=account_id),
            biller=water,
            reference=REFERENCE,
            reference_fields={"cuenta": REFERENCE},
            bill=bill,
            amount=bill.amount,
            idempotency_key=key,
            channel="WEB",
        )
        if die_after_debit:

            def killed(**kwargs):
                raise SystemExit("killed after the debit committed")

            bills.payment_send = killed
        start.wait(timeout=30)
        payment = bills.bill_pay(order=order)
        results.put(("ok", (payment.pk, payment.status)))
    except PaymentError as exc:
        results.put(("refused", exc.message))
    except SystemExit:
        results.put(("died", None))
    except Exception as exc:  # any other error reaching a caller fails the test
        results.put(("error", repr(exc)))
    finally:
        connections.close_all()


def _waiting() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
            " WHERE NOT l.granted AND a.datname = current_database()"
        )
        return cursor.fetchone()[0]


@contextmanager
def _held(sql, params):
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(sql, params)
            yield
            cursor.execute("COMMIT")
    finally:
        other.close()


def _run_together(jobs):
    """Fork one payer per job; hold the payments-in-transit account (every payment's posting
    locks it) until all of them wait on it, then let go."""
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(len(jobs) + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_pay, args=(*job, start, results)) for job in jobs]
    for p in procs:
        p.start()
    transit = internal_account_id(InternalAccount.PAYMENTS_IN_TRANSIT)
    with _held("SELECT 1 FROM accounts_account WHERE id = %s FOR UPDATE", [transit]):
        start.wait(timeout=30)
        deadline = time.monotonic() + 30
        waiting = _waiting()
        while waiting < len(jobs) and time.monotonic() < deadline:
            if any(p.exitcode is not None for p in procs):
                break
            time.sleep(0.02)
            waiting = _waiting()
    outcomes = [results.get(timeout=60) for _ in jobs]
    for p in procs:
        p.join(timeout=60)
    assert [o for o in outcomes if o[0] == "error"] == []
    return outcomes, waiting


def test_the_same_bill_paid_by_two_at_once_is_paid_once(catalogue):
    """Two members share a water account and pay its bill at the same moment (each checked
    for a previous payment before either committed): one pays, the other is refused, and
    its debit never happened."""
    first, second = payer("100.00"), payer("100.00")
    jobs = [
        (first[0].pk, first[1].pk, "same-bill-1", False),
        (second[0].pk, second[1].pk, "same-bill-2", False),
    ]

    outcomes, waiting = _run_together(jobs)

    assert waiting == 2
    ok = [o[1] for o in outcomes if o[0] == "ok"]
    refused = [o[1] for o in outcomes if o[0] == "refused"]
    assert len(ok) == 1 and ok[0][1] == "PAGADO"
    assert refused == ["Esta factura ya fue pagada o tiene un pago en proceso."]
    assert Payment.objects.count() == 1
    total = balance(first[1]) + balance(second[1])
    assert total == Decimal("200.00") - Decimal("17.85")
    assert payments_settle() == 1
    assert in_transit() == Decimal("0.00")
    assert ledger_problems() == []


def test_the_same_key_twice_at_once_is_one_payment(catalogue):
    user, account = payer("100.00")
    outcomes, waiting = _run_together(
        [(user.pk, account.pk, "twin", False), (user.pk, account.pk, "twin", False)]
    )

    assert waiting == 2
    assert [o[0] for o in outcomes] == ["ok", "ok"]
    assert outcomes[0][1][0] == outcomes[1][1][0]
    assert Payment.objects.count() == 1
    assert balance(account) == Decimal("100.00") - Decimal("17.85")
    assert ledger_problems() == []


def test_a_worker_killed_after_the_debit_is_resolved_by_the_sweep(catalogue):
    """The debit committed, then the worker died before the biller answered: the payment is
    PENDIENTE with the money in transit; the status sweep sends it again under the same key
    (the biller never received it) and it is paid once."""
    from payments.services.bills import payments_status_sweep

    user, account = payer("100.00")
    outcomes, _waiting_count = _run_together([(user.pk, account.pk, "killed", True)])

    assert outcomes == [("died", None)]
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PENDING
    assert in_transit() == Decimal("17.50")
    assert payments_status_sweep() == 0  # not due yet
    assert payments_status_sweep(now=payment.next_check_at) == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.authorization
    assert payments_settle() == 1
    assert in_transit() == Decimal("0.00")
    assert balance(account) == Decimal("100.00") - Decimal("17.85")
    # A second sweep (or a repeated message) changes nothing.
    assert payments_status_sweep(now=payment.next_check_at or payment.resolved_at) == 0
    assert ledger_problems() == []
