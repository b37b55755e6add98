"""What a member does over HTTP in the fault tests: look at the position, order a transfer
between their own accounts, order an interbank transfer confirmed with the code sent to them.
Each returns the answers a browser got, for the test to judge (``tests.stack.Answer``)."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from pathlib import Path

from accounts.models import Account, Product
from identity.models import Notification
from tests.factories import AccountFactory, funded_member
from tests.stack import Answer, Browser
from transfers.models import Institution

RECEIPT = re.compile(r"^/transferencias/(\d+)/$")
CODE = re.compile(r"Código (\d{6}) para")
CHALLENGE = re.compile(r'name="otp_challenge" value="(\d+)"')
IMMEDIATE_BANK = "0010"  # BANCO PICHINCHA: settles each transfer at once, up to $470


def member_with_two_accounts(amount: str = "500.00"):
    """A member with a funded savings account and a shares account of their own."""
    user = funded_member(amount)
    AccountFactory(owner=user.customer, product=Product.SHARES)
    return user


def accounts_of(user) -> tuple[Account, Account]:
    mine = Account.objects.filter(owner=user.customer).order_by("pk")
    return mine.get(product=Product.SAVINGS), mine.get(product=Product.SHARES)


def own_transfer(browser: Browser, user, amount: str = "1.00") -> list[Answer]:
    """Review, then confirm: a transfer to their shares account (no code asked)."""
    savings, shares = accounts_of(user)
    data = {
        "origin": savings.pk,
        "destination": shares.pk,
        "amount": amount,
        "memo": "Ahorro",
        "key": str(uuid.uuid4()),
    }
    review = browser.post("/transferencias/mis-cuentas/", data)
    confirm = browser.post("/transferencias/mis-cuentas/", {**data, "step": "confirm"})
    return [review, confirm]


def interbank_data(user, amount: str = "5.00") -> dict:
    savings, _ = accounts_of(user)
    return {
        "institution": Institution.objects.get(code=IMMEDIATE_BANK).pk,
        "account_type": "AHORROS",
        "account_number": "2200123456",
        "holder_name": "Fanny Ontaneda",
        "id_type": "CEDULA",
        "identification": "1710034065",
        "origin": savings.pk,
        "amount": amount,
        "memo": "Pago proveedor",
        "key": str(uuid.uuid4()),
    }


INTERBANK = "/transferencias/interbancarias/confirmar/"


def code_asked(browser: Browser, user, url: str, data: dict, code_of=None) -> tuple[Answer, dict]:
    """The confirm button: the code dialog, and the data its verify step posts (with the
    code the portal queued for ``user``: ``code_of(user)``, by default from the test's
    database)."""
    dialog = browser.post(url, data)
    challenge = CHALLENGE.search(dialog.text)
    if challenge is None:
        return dialog, {}
    code = (code_of or code_sent_to)(user)
    verify = {**data, "otp_step": "verify", "otp_challenge": challenge.group(1), "otp_code": code}
    return dialog, verify


CODE_SUBJECT = "Tu código de verificación"


def code_sent_to(user) -> str:
    """The latest code queued for ``user``, read from the outbox row (its body is erased only
    once a worker delivered it)."""
    row = Notification.objects.filter(user=user, subject=CODE_SUBJECT).order_by("-pk").first()
    return code_in(row.body if row else "")


def code_in(body: str) -> str:
    found = CODE.search(body)
    assert found, f"sin código en la bandeja de salida: {body!r}"
    return found.group(1)


def code_mailed(folder: Path, recipient: str) -> str:
    """The latest code e-mailed to ``recipient`` by a worker whose e-mail goes to files in
    ``folder`` (Django's file backend: messages separated by a line of 79 dashes)."""
    bodies = []
    for path in sorted(folder.glob("*.log"), key=lambda path: path.stat().st_mtime):
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            message = email.message_from_bytes(raw, policy=email.policy.default)
            if message["To"] == recipient and message["Subject"] == CODE_SUBJECT:
                bodies.append(message.get_content())
    return code_in(bodies[-1] if bodies else "")


def interbank_transfer(browser: Browser, user, amount: str = "5.00", code_of=None) -> list[Answer]:
    """The code dialog, then the code: an interbank transfer to a bank settling at once."""
    data = interbank_data(user, amount)
    dialog, verify = code_asked(browser, user, INTERBANK, data, code_of)
    if not verify:
        return [dialog]
    return [dialog, browser.post(INTERBANK, verify)]
