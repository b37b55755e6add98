"""The texts every user accepts: the current versions, what a member still owes, their
acceptance."""

from __future__ import annotations

from ..models import Consent, Member, TermsDocument, User
from .audit import client_ip
from .legal_texts import DEFAULTS


def terms_current() -> list[TermsDocument]:
    latest = {}
    for document in TermsDocument.objects.order_by("kind", "-version"):
        latest.setdefault(document.kind, document)
    return [latest[kind] for kind in TermsDocument.Kind.values if kind in latest]


def terms_pending(*, member: Member | None) -> list[TermsDocument]:
    """The current texts this member has not accepted yet (a new version asks again)."""
    if member is None:
        return []
    current = terms_current()
    accepted = set(
        Consent.objects.filter(member=member, document__in=current).values_list(
            "document_id", flat=True
        )
    )
    return [document for document in current if document.pk not in accepted]


def consents_record(*, member: Member, user: User | None, document_ids, request) -> None:
    ua = request.META.get("HTTP_USER_AGENT", "")[:300]
    ip = client_ip(request)
    already = set(
        Consent.objects.filter(member=member, document_id__in=document_ids).values_list(
            "document_id", flat=True
        )
    )
    Consent.objects.bulk_create(
        Consent(member=member, user=user, document_id=pk, ip=ip, user_agent=ua)
        for pk in document_ids
        if pk not in already
    )


def terms_ensure() -> None:
    """Publishes the first versions into an empty table (a fresh database, or one a test
    emptied); later versions come from the back office."""
    for kind, (title, body) in DEFAULTS.items():
        if not TermsDocument.objects.filter(kind=kind).exists():
            TermsDocument.objects.create(kind=kind, version=1, title=title, body=body)
