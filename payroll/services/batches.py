"""Bulk payments: a batch is created from an upload, saved once valid, renamed or deleted, and
its rows are paid through one approval order whose code is bound to the batch, its total and
the list of payees."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Channel
from accounts.registries.operations import Context, Payload, operation_spec, operation_submit
from common.background import enqueue
from common.storage import UPLOADS, file_storage
from enterprise.models import ApprovalOrder
from enterprise.selectors.access import company_user
from enterprise.services.errors import ApprovalError
from identity.services.audit import audit_record
from transfers.services.fees import interbank_fee as interbank_charges

from ..models import PAYROLL_KIND, PayrollBatch, PayrollRow
from ..selectors import payable_rows


@dataclass(frozen=True, kw_only=True)
class PayrollPayload(Payload):
    """A bulk payment as its order stores it: the batch, how many rows (how many to other
    banks, each with its fee and VAT) and the digest of the rows the code was bound to."""

    batch: uuid.UUID
    rows: int
    interbank: int
    digest: str
    memo: str = ""


class PayrollError(ApprovalError):
    """A refusal of the bulk-payment rules, with the Spanish message the user sees (an enterprise
    refusal like any other, so the screens catch one kind)."""


def _audit(user, action, batch, *, before=None, after=None, reason=""):
    audit_record(
        actor=user,
        action=action,
        target=batch,
        before=before,
        after=after,
        reason=reason,
        scope=batch.company.audit_scope,
    )


def batch_create(*, user, name: str, upload) -> PayrollBatch:
    """The uploaded file is kept in the uploads storage (outside the web root, where any
    worker reads it) under a name of ours until the import task has read it."""
    profile = company_user(user)
    if profile is None:
        raise PayrollError(gettext("Esta opción es de la banca empresas."))
    name = (name or "").strip()[:80]
    if not name:
        raise PayrollError(gettext("Ingresa un nombre o alias para la nómina."))
    if not (upload.name or "").lower().endswith(".xlsx"):
        raise PayrollError(gettext("Solo se admiten archivos .xlsx."))
    if upload.size > settings.PAYROLL_MAX_BYTES:
        raise PayrollError(gettext("El archivo supera el máximo de 10 MB."))
    batch_id = uuid.uuid4()
    stored = file_storage(UPLOADS).save(f"payroll/{batch_id}.xlsx", upload)
    with transaction.atomic():
        batch = PayrollBatch.objects.create(
            id=batch_id,
            company=profile.company,
            name=name,
            source_name=Path(upload.name).name[:200],
            source_path=stored,
            created_by=user,
        )
        transaction.on_commit(lambda: enqueue("payroll.tasks.payroll_import", str(batch.pk)))
    return batch


def batch_save(*, user, batch: PayrollBatch) -> PayrollBatch:
    with transaction.atomic():
        batch = PayrollBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != PayrollBatch.Status.VALID:
            raise PayrollError(gettext("Si el archivo se encuentra incorrecto no se podrá cargar."))
        batch.status = PayrollBatch.Status.SAVED
        batch.saved_at = timezone.now()
        batch.save(update_fields=["status", "saved_at"])
        _audit(user, "payroll.save", batch, after={"nombre": batch.name, "filas": batch.rows_count})
    return batch


def batch_rename(*, user, batch: PayrollBatch, name: str) -> PayrollBatch:
    name = (name or "").strip()[:80]
    if not name:
        raise PayrollError(gettext("Ingresa un nombre o alias para la nómina."))
    with transaction.atomic():
        batch = PayrollBatch.objects.select_for_update().get(pk=batch.pk)
        before = batch.name
        batch.name = name
        batch.save(update_fields=["name"])
        _audit(user, "payroll.rename", batch, before={"nombre": before}, after={"nombre": name})
    return batch


def batch_delete(*, user, batch: PayrollBatch) -> None:
    with transaction.atomic():
        batch = PayrollBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.rows.filter(payment=PayrollRow.Payment.PENDING).exists():
            raise PayrollError(
                gettext("La nómina tiene pagos pendientes de autorización: no se puede eliminar.")
            )
        batch.deleted_at = timezone.now()
        batch.save(update_fields=["deleted_at"])
        _audit(user, "payroll.delete", batch, before={"nombre": batch.name})


# --- Paying ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    count: int
    total: Decimal
    interbank_count: int
    fee: Decimal
    vat: Decimal
    digest: str

    @property
    def charges(self) -> Decimal:
        return self.fee + self.vat

    @property
    def debit(self) -> Decimal:
        return self.total + self.charges


def _selected(batch: PayrollBatch, row_ids):
    rows = payable_rows(batch)
    if row_ids is not None:
        wanted = {int(pk) for pk in row_ids}
        rows = rows.filter(pk__in=wanted)
        if rows.count() != len(wanted):
            raise PayrollError(
                gettext("Alguna fila seleccionada ya no se puede pagar: actualiza la página.")
            )
    return rows


def rows_digest(rows) -> str:
    """What the authorizers' code is bound to: every payee and amount, in order. Changing any
    row afterwards changes it."""
    digest = hashlib.sha256()
    fields = (
        "pk",
        "identification",
        "id_type",
        "name",
        "account_number",
        "account_type",
        "account_id",
        "interbank",
        "institution_id",
        "amount",
    )
    for values in rows.order_by("pk").values_list(*fields).iterator(chunk_size=2000):
        digest.update(("|".join(str(v) for v in values) + "\n").encode())
    return digest.hexdigest()


def batch_payment_preview(*, batch: PayrollBatch, row_ids=None) -> Preview:
    if batch.status != PayrollBatch.Status.SAVED:
        raise PayrollError(gettext("Guarda la nómina antes de pagarla."))
    rows = _selected(batch, row_ids)
    count, total, interbank = 0, Decimal("0.00"), 0
    for amount, is_interbank in rows.values_list("amount", "interbank").iterator(chunk_size=2000):
        count += 1
        total += amount
        interbank += is_interbank
    if not count:
        raise PayrollError(gettext("Selecciona al menos una fila por pagar."))
    fee, vat = interbank_charges()
    return Preview(
        count=count,
        total=total,
        interbank_count=interbank,
        fee=fee * interbank,
        vat=vat * interbank,
        digest=rows_digest(rows),
    )


def _order_key(batch: PayrollBatch, key: str) -> str:
    # Short whatever the form's key is, and scoped to this batch.
    return "payroll-" + hashlib.sha256(f"{batch.pk}:{key}".encode()).hexdigest()[:40]


def batch_order_registered(*, batch: PayrollBatch, key: str) -> ApprovalOrder | None:
    """The order a form with this key already registered (a confirm sent again)."""
    return ApprovalOrder.objects.filter(
        company_id=batch.company_id, key=_order_key(batch, key)
    ).first()


def batch_pay(
    *,
    user,
    batch: PayrollBatch,
    row_ids,
    debit_account,
    memo: str,
    key: str,
    expected_digest: str | None = None,
) -> ApprovalOrder:
    """One approval order for the selected rows: their total (plus the interbank rows' fee and
    VAT) is held on the debit account until it executes; the rows wait in it (PENDIENTE)."""
    memo = (memo or "").strip()[:120]
    if not memo:
        raise PayrollError(gettext("Ingresa el motivo del pago."))
    order_key = _order_key(batch, key)
    with transaction.atomic():
        # The batch's row lock: two payments of the same rows cannot both take them.
        batch = PayrollBatch.objects.select_for_update().get(pk=batch.pk)
        first = ApprovalOrder.objects.filter(company_id=batch.company_id, key=order_key).first()
        if first is not None:
            return first  # the same confirm again (double click, reload)
        if batch.deleted_at is not None:
            raise PayrollError(gettext("La nómina fue eliminada."))
        preview = batch_payment_preview(batch=batch, row_ids=row_ids)
        if expected_digest is not None and preview.digest != expected_digest:
            # The rows the code was given for are not the rows payable now.
            raise PayrollError(
                gettext("Las filas por pagar cambiaron: revisa la selección y confirma de nuevo.")
            )
        rows = _selected(batch, row_ids)
        payload = PayrollPayload(
            origin=debit_account.pk,
            amount=preview.total,
            batch=batch.pk,
            rows=preview.count,
            interbank=preview.interbank_count,
            digest=preview.digest,
            memo=memo,
        )
        outcome = operation_submit(
            spec=operation_spec(PAYROLL_KIND),
            payload=payload,
            context=Context(
                user=user, member=batch.company.member, channel=Channel.ENTERPRISE, key=order_key
            ),
            concept=memo,
            # The rows wait in the order (PENDIENTE) until it runs or is released.
            on_registered=lambda order_id: rows.update(
                order_id=order_id, payment=PayrollRow.Payment.PENDING
            ),
        )
        return ApprovalOrder.objects.get(pk=outcome.reference)
