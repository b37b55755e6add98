"""Self-enrolment ("Regístrate"): a member without a user proves a code, accepts the texts and
gets temporary credentials, at once or after staff approval."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext

from common.refusal import Refusal

from ..models import Enrolment, Member, User
from .audit import audit_record, client_ip
from .credentials import user_for_member_create
from .terms import consents_record


class EnrolmentError(Refusal):
    pass


def enrolment_member(*, identification: str) -> Member | None:
    """The person member who may self-enrol with this identification: one without a user."""
    # One query whether or not the member is enrolled: the time does not tell which.
    return (
        Member.objects.filter(identification=identification, kind=Member.Kind.PERSON)
        .annotate(enrolled=Exists(User.objects.filter(customer=OuterRef("pk"))))
        .first()
    )


def enrolment_complete(*, member: Member, document_ids, request) -> Enrolment:
    """After the member proved the code: record the consents and either send the credentials
    or leave the request for staff approval."""
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()
        consents_record(member=member, user=None, document_ids=document_ids, request=request)
        if member.users.exists():
            raise EnrolmentError(gettext("Ya tienes un usuario de banca en línea."))
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(member=member, ip=client_ip(request))
        except IntegrityError as exc:
            raise EnrolmentError(
                gettext("Tu solicitud de afiliación ya está registrada y en revisión.")
            ) from exc
        audit_record(
            actor=None, action="enrolment.request", target=enrolment, ip=client_ip(request)
        )
        if not settings.ENROLMENT_REQUIRES_APPROVAL:
            enrolment = enrolment_approve(enrolment=enrolment, actor=None, request=request)
    return enrolment


def enrolment_approve(*, enrolment: Enrolment, actor, request=None) -> Enrolment:
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status != Enrolment.Status.PENDING:
            return enrolment
        if enrolment.member.users.exists():
            raise EnrolmentError(gettext("El socio ya tiene un usuario."))
        user = user_for_member_create(member=enrolment.member, actor=actor, request=request)
        enrolment.status = Enrolment.Status.APPROVED
        enrolment.user = user
        enrolment.decided_by = actor if getattr(actor, "pk", None) else None
        enrolment.decided_at = timezone.now()
        enrolment.save(update_fields=["status", "user", "decided_by", "decided_at"])
        audit_record(actor=actor, action="enrolment.approve", target=enrolment)
    return enrolment


def enrolment_reject(*, enrolment: Enrolment, actor, reason: str) -> Enrolment:
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status != Enrolment.Status.PENDING:
            return enrolment
        enrolment.status = Enrolment.Status.REJECTED
        enrolment.decided_by = actor
        enrolment.decided_at = timezone.now()
        enrolment.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(actor=actor, action="enrolment.reject", target=enrolment, reason=reason)
    return enrolment
