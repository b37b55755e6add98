"""The import of an uploaded bulk-payment sheet into its batch's rows (run by a Celery task).

The file is streamed: rows are read, checked and written a chunk at a time, so memory stays flat
whatever the row count, and ``rows_read`` is committed after each chunk for the page's progress
bar. Running it again starts over (the batch's rows are deleted first); a batch that is no
longer IMPORTANDO is left alone, so a late redelivery of the task cannot undo a finished import.
"""

from __future__ import annotations

import logging
import os
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from itertools import islice
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext

from common.storage import UPLOADS, file_storage, local_copy

from ..models import PayrollBatch, PayrollRow
from .sheets import SheetError, read_rows
from .validation import validate_rows

logger = logging.getLogger(__name__)
CHUNK = 1000


def _row(batch_id, v) -> PayrollRow:
    return PayrollRow(
        batch_id=batch_id,
        line=v.line,
        identification=v.identification,
        id_type=v.id_type,
        name=v.name,
        email=v.email,
        account_number=v.account_number,
        account_type=v.account_type,
        amount=v.amount,
        institution_id=v.institution_id,
        interbank=v.interbank,
        account_id=v.account_id,
        errors=v.errors,
        warnings=v.warnings,
    )


def _fail(batch_id, message: str) -> None:
    with transaction.atomic():
        PayrollRow.objects.filter(batch_id=batch_id).delete()
        PayrollBatch.objects.filter(pk=batch_id, status=PayrollBatch.Status.IMPORTING).update(
            status=PayrollBatch.Status.UNREADABLE,
            error=message[:300],
            rows_read=0,
            rows_count=0,
            invalid_count=0,
            warnings_count=0,
            total=Decimal("0.00"),
        )


def _is_legacy(path: str) -> bool:
    """An absolute path: a file written straight to this host's disk before uploads went
    through the storage (``source_path`` is otherwise a name in the uploads storage)."""
    return os.path.isabs(path)


def _remove(path: str) -> None:
    if not path:
        return
    try:
        if _is_legacy(path):
            Path(path).unlink(missing_ok=True)
        else:
            file_storage(UPLOADS).delete(path)
    except Exception:  # the import's outcome stands; a file left behind is only logged
        logger.warning("payroll import: could not delete %s", path, exc_info=True)


@contextmanager
def _readable(path: str):
    """The upload as a local file for the sheet reader, wherever the web host stored it."""
    if _is_legacy(path):
        yield path
        return
    with ExitStack() as stack:
        try:
            copy = stack.enter_context(local_copy(file_storage(UPLOADS), path, suffix=".xlsx"))
        except FileNotFoundError:
            raise SheetError(
                gettext("El archivo ya no está disponible: vuelve a cargarlo.")
            ) from None
        yield copy


def batch_import(*, batch_id) -> None:
    """Read, check and store the rows of the batch's uploaded file; the batch ends VALIDADO,
    CON_ERRORES or FALLIDO (with ``error``), and the file is deleted."""
    batch = (
        PayrollBatch.objects.select_related("company")
        .filter(pk=batch_id, deleted_at__isnull=True)
        .first()
    )
    if batch is None:
        return
    path = batch.source_path
    if batch.status != PayrollBatch.Status.IMPORTING:
        _remove(path)  # nobody needs it any more: the import already ended
        return
    try:
        _import(batch, path)
    except SheetError as error:
        _fail(batch.pk, error.message)
    except Exception:
        _fail(batch.pk, gettext("No se pudo procesar el archivo: vuelve a cargarlo."))
        raise
    finally:
        _remove(path)


def _import(batch: PayrollBatch, path: str) -> None:
    batches = PayrollBatch.objects.filter(pk=batch.pk, status=PayrollBatch.Status.IMPORTING)
    with transaction.atomic():
        PayrollRow.objects.filter(batch_id=batch.pk).delete()
        batches.update(rows_read=0, error="")
    # The rows are streamed: the file stays open (and its local copy kept) until the end.
    with _readable(path) as local:
        rows = validate_rows(read_rows(local), company_member=batch.company.member_id, chunk=CHUNK)
        count = invalid = warned = 0
        total = Decimal("0.00")
        while True:
            chunk = [_row(batch.pk, v) for v in islice(rows, CHUNK)]
            if not chunk:
                break
            for row in chunk:
                if row.errors:
                    invalid += 1
                elif row.amount is not None:
                    total += row.amount
                if row.warnings:
                    warned += 1
            count += len(chunk)
            with transaction.atomic():  # committed per chunk: the progress bar reads rows_read
                PayrollRow.objects.bulk_create(chunk)
                batches.update(rows_read=count)
    batches.update(
        status=PayrollBatch.Status.INVALID if invalid else PayrollBatch.Status.VALID,
        rows_read=count,
        rows_count=count,
        invalid_count=invalid,
        warnings_count=warned,
        total=total,
        error="",
    )


def imports_stale_fail(*, older_than_minutes: int = 30) -> int:
    """Imports a dead worker or a lost message left IMPORTANDO: they end FALLIDO with a message
    (the page stops polling) and their files are deleted."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stale = list(
        PayrollBatch.objects.filter(
            status=PayrollBatch.Status.IMPORTING, created_at__lt=cutoff
        ).values_list("pk", "source_path")
    )
    for pk, path in stale:
        _fail(pk, gettext("La importación no terminó. Vuelve a cargar el archivo."))
        _remove(path)
    return len(stale)
