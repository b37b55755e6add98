"""«Pagos frecuentes»: renaming and deleting a saved service, each with an audit row. Saving
one is part of paying it (``payment_submit`` with «Guardar servicio»)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.registries.scopes import audit_scope_of
from identity.services.audit import audit_record

from ..models import SavedService


def saved_service_rename(*, saved: SavedService, alias: str, user) -> SavedService:
    alias = (alias or "").strip()[:40]
    with transaction.atomic():
        before = {"alias": saved.alias}
        saved.alias = alias
        saved.save(update_fields=["alias"])
        audit_record(
            actor=user,
            action="saved_service.edit",
            target=saved,
            before=before,
            after={"alias": alias},
            scope=audit_scope_of(saved.owner),
        )
    return saved


def saved_service_delete(*, saved: SavedService, user) -> None:
    """Removes it from «Pagos frecuentes» (kept, marked deleted: payments still name it).
    Conditional, so two deletes of the same row write one audit row."""
    with transaction.atomic():
        gone = SavedService.objects.filter(pk=saved.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now()
        )
        if not gone:
            return
        audit_record(
            actor=user,
            action="saved_service.delete",
            target=saved,
            before={
                "alias": saved.alias,
                "biller": saved.biller.code,
                "reference": saved.reference,
            },
            scope=audit_scope_of(saved.owner),
        )
