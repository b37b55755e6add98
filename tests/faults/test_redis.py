"""Redis, the cache and the broker, stopped for 30 s or hung while members use the portal.

Stopped: nobody gets an error page or is signed out (sessions live in PostgreSQL), every
operation ordered meanwhile is taken and shows its receipt, and the work it left for the
workers (an interbank transfer to settle at once) is done once when Redis is back — found in
the database by the sweeps a worker sends as it reconnects, since the messages were never
published and a restarted Redis keeps nothing.

Hung (SIGSTOP: connections are accepted and never answered): every answer still comes within
a second; publishing and the cache give up after a short timeout and do not ask again for a
few seconds (common/background.py, common/cache.py).
"""

from __future__ import annotations

import signal
import threading
import time

from django.db import connections

from tests.faults.journeys import (
    RECEIPT,
    accounts_of,
    interbank_transfer,
    member_with_two_accounts,
    own_transfer,
)
from tests.processes import ON_POSTGRES_AND_REDIS
from transfers.models import Transfer
from transfers.services.gateway import SimulatedGateway

pytestmark = ON_POSTGRES_AND_REDIS

OUTAGE = 30  # seconds
DONE_WITHIN = 60  # seconds after Redis is back
# The rounds in which a member also orders an interbank transfer: each costs a code, and a
# login may ask for 10 an hour (OTP_OPERATION_CODES_PER_HOUR).
INTERBANK_ROUNDS = {0, 3, 6}
SIGN_IN = "/ingresar/"


def _member_round(browser, user, *, interbank: bool) -> list:
    """A member using the portal: the position, a transfer between their accounts and its
    receipt, and (``interbank``) an interbank transfer with its code and its receipt."""
    answers = [browser.get("/")]
    operations = [own_transfer(browser, user)]
    if interbank:
        operations.append(interbank_transfer(browser, user))
    for steps in operations:
        answers += steps
        if RECEIPT.match(steps[-1].location):
            answers.append(browser.get(steps[-1].location))
    return answers


def _traffic(browsers, members, seconds: float) -> list:
    until = time.monotonic() + seconds
    answers, errors = [], []

    def run(browser, user):
        try:
            rounds = 0
            while time.monotonic() < until:
                answers.extend(_member_round(browser, user, interbank=rounds in INTERBANK_ROUNDS))
                rounds += 1
        except Exception as exc:  # reported in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=pair) for pair in zip(browsers, members, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    assert errors == []
    return answers


def _judged(answers) -> tuple[list, list]:
    """(receipts landed on, anything a person should not have seen)."""
    receipts = [a.location for a in answers if RECEIPT.match(a.location)]
    wrong = [
        (a.request, a.status, a.location)
        for a in answers
        if a.status >= 500
        or a.location.startswith(SIGN_IN)
        or (a.request.startswith("POST") and a.status == 302 and not RECEIPT.match(a.location))
        or (a.request.startswith("GET") and a.status != 200)
    ]
    return receipts, wrong


def test_redis_stopped_for_30_s_under_traffic_signs_nobody_out_and_loses_no_work(
    stack, signed_in, ledger_clean
):
    web = stack.web()
    worker = stack.worker()
    members = [member_with_two_accounts() for _ in range(2)]
    browsers = [signed_in(user, web) for user in members]

    stack.redis.stop()
    answers = _traffic(browsers, members, OUTAGE)
    stack.redis.start()
    back = time.monotonic()

    receipts, wrong = _judged(answers)
    assert wrong == [], stack.logs()
    assert len(receipts) >= 2 * len(members)  # every member ordered, and was answered
    # Still signed in, on the same session.
    for person in browsers:
        assert person.get("/").status == 200
    # Every operation confirmed is one transfer with its own receipt, and nothing else moved.
    savings = [accounts_of(user)[0] for user in members]
    transfers = Transfer.objects.filter(origin__in=savings)
    shown = {int(RECEIPT.match(receipt).group(1)) for receipt in receipts}
    confirmed = [a for a in answers if a.request.startswith("POST") and a.status == 302]
    assert set(transfers.values_list("pk", flat=True)) == shown
    assert len(confirmed) == len(shown)
    for account in savings:
        spent = sum(t.amount + t.fee + t.vat for t in transfers.filter(origin=account))
        assert account.balance == 500 - spent
    # What the workers had to do: each interbank transfer settled, sent to the bank once.
    interbank = transfers.filter(kind=Transfer.Kind.INTERBANK)
    assert interbank.count() >= len(members)

    def settled():
        waiting = interbank.exclude(status=Transfer.Status.CREDITED).exists()
        return None if waiting else time.monotonic() - back

    seconds = stack.wait_for("the interbank transfers settled", settled, timeout=DONE_WITHIN)
    assert seconds < DONE_WITHIN
    received = SimulatedGateway(root=worker.var_dir / "spi").immediate_received()
    assert sorted(int(r["line"]["reference"]) for r in received) == sorted(
        interbank.values_list("pk", flat=True)
    )
    assert {r["submissions"] for r in received} == {1}
    stack.stop()
    ledger_clean()


def test_a_hung_redis_costs_no_answer_more_than_a_second(stack, signed_in, ledger_clean):
    web = stack.web()
    user = member_with_two_accounts()
    person = signed_in(user, web)
    # The pages and transfers served before, while Redis answers (first answers are slower).
    for _ in range(3):
        _member_round(person, user, interbank=False)

    stack.redis.kill(signal.SIGSTOP)
    answers = []
    for round_ in range(6):
        answers += _member_round(person, user, interbank=round_ % 2 == 0)
        answers += [person.get("/healthz"), person.get("/readyz")]
    stack.redis.kill(signal.SIGCONT)

    _, wrong = _judged(answers)
    assert wrong == [], stack.logs()
    slow = [(a.request, round(a.seconds, 2)) for a in answers if a.seconds >= 1]
    assert slow == [], stack.logs()
    stack.stop()
    ledger_clean()
