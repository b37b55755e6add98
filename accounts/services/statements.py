"""A closed month's statement, rendered once and kept in the exports storage.

Rendering a statement costs about 80 ms of CPU (WeasyPrint, in a child process), and a closed
month's statement does not change: ledger entries are append-only and posted at the time they
are made. So the first download of a closed month is kept and every later one is read back.
The current month is never kept (it is not over).

The file's name carries, besides the account and the month, a digest of everything the
statement shows but its rows (holder, account, balances, the number of rows and their sums,
the cooperative's details, the language) and ``STATEMENT_VERSION``: if any of them changes (an
address, a correction posted into the month, a new template), the name changes and the
statement is rendered again. The caller checks that the account is the person's before asking.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import get_language

from common.storage import EXPORTS, file_storage

from ..models import Account
from .documents import statement_context, statement_head, statement_pdf

logger = logging.getLogger(__name__)

# Bump when accounts/pdf/statement.html, its style or its filters change what a statement shows.
STATEMENT_VERSION = "1"
FOLDER = "statements"
# A kept file is the content's SHA-256 (hex), a newline, then the PDF: a file caught half
# written (another host saving it at the same moment, a crash mid-write) does not pass as one.
_DIGEST_SIZE = 64


def statement_pdf_kept(*, account: Account, month: date, head: dict | None = None) -> bytes:
    """The statement of ``month`` (its first day) as a PDF: read back when a closed month's was
    kept before, otherwise rendered (and kept, when the month is closed). ``head`` is
    ``statement_head`` for this account and month when the caller has it already."""
    head = head or statement_head(account=account, month=month)
    if month >= timezone.localdate().replace(day=1):
        return _render(account, month)
    storage = file_storage(EXPORTS)
    name = statement_file_name(account=account, month=month, head=head)
    kept = _read(storage, name)
    if kept is not None:
        return kept
    content = _render(account, month)
    _keep(storage, name, content)
    return content


def statement_file_name(*, account: Account, month: date, head: dict) -> str:
    owner = head["owner"]
    shown = {
        "version": STATEMENT_VERSION,
        "language": get_language(),
        "account": [account.pk, account.number, account.product],
        "owner": [owner.pk, owner.full_name, owner.address, owner.identification],
        "figures": [
            head["opening"],
            head["closing"],
            head["rows"],
            head["total_debits"],
            head["total_credits"],
        ],
        "cooperative": head["cooperative"],
    }
    canonical = json.dumps(shown, sort_keys=True, default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return f"{FOLDER}/{account.pk}/{month:%Y-%m}_{digest}.pdf"


def _render(account: Account, month: date) -> bytes:
    return statement_pdf(statement_context(account=account, month=month))


def _read(storage, name: str) -> bytes | None:
    try:
        if not storage.exists(name):
            return None
        with storage.open(name, "rb") as handle:
            stored = handle.read()
    except FileNotFoundError:
        return None  # removed between the two calls
    digest, content = stored[:_DIGEST_SIZE], stored[_DIGEST_SIZE + 1 :]
    if digest != hashlib.sha256(content).hexdigest().encode():
        return None  # still being written, or broken: rendered again (and replaced)
    return content


def _keep(storage, name: str, content: bytes) -> None:
    """Best effort: a statement that cannot be kept is still served."""
    stored = hashlib.sha256(content).hexdigest().encode() + b"\n" + content
    try:
        if storage.exists(name):
            storage.delete(name)  # a broken copy (_read refused it)
        saved = storage.save(name, ContentFile(stored))
        if saved != name:
            storage.delete(saved)  # another request kept the same statement first
    except Exception:
        logger.warning("No se pudo guardar el estado de cuenta %s", name, exc_info=True)
