"""Filing a complaint: the attachment kept out of the web root, the row, its tracking number and
the acknowledgement e-mail, all or nothing.

The acknowledgement leaves from the cooperative's address, so it is written to be useless to
anybody else: it goes only to the filer's registered e-mail, it carries only the cooperative's
own text and the tracking number (nothing the filer typed), and one member can file only
``SUPPORT_COMPLAINTS_PER_HOUR`` complaints an hour."""

from __future__ import annotations

import os
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from common.refusal import Refusal
from common.storage import ATTACHMENTS, file_storage
from identity.models import Member, Notification
from identity.services.notifications import notification_queue

from .models import CARD_PRODUCTS, Complaint, ComplaintProduct
from .selectors import complaint_ack_address, complaint_for_token

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024

# Content type and stored suffix by the file's first bytes: the name and the browser's declared
# type are whatever the sender chose, the bytes are what a staff member would open.
ATTACHMENT_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
SUFFIXES = {content_type: suffix for _, content_type, suffix in ATTACHMENT_SIGNATURES}


class ComplaintError(Refusal):
    pass


def attachment_storage() -> Storage:
    """Where attachments are kept (``SUPPORT_ATTACHMENTS_DIR`` or a bucket, common.storage):
    only the back office downloads them, through a view that checks who asks."""
    return file_storage(ATTACHMENTS)


def attachment_content_type(upload: UploadedFile) -> str | None:
    """The type the file's content proves (PDF, PNG or JPEG), or None for anything else."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    for signature, content_type, _suffix in ATTACHMENT_SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def attachment_validate(upload: UploadedFile) -> str:
    """The attachment's content type, or ComplaintError saying why it is refused."""
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ComplaintError(gettext("El archivo adjunto supera el tamaño máximo de 5 MB."))
    content_type = attachment_content_type(upload)
    if content_type is None:
        raise ComplaintError(gettext("El archivo adjunto debe ser un PDF o una imagen PNG o JPEG."))
    return content_type


@dataclass(frozen=True)
class StoredAttachment:
    name: str
    original_name: str
    content_type: str
    size: int


def attachment_store(upload: UploadedFile, *, content_type: str) -> StoredAttachment:
    # A random name: the sender's name could collide, traverse directories or carry a second,
    # misleading extension; the month folders keep any one directory small.
    name = f"{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{SUFFIXES[content_type]}"
    upload.seek(0)
    saved = attachment_storage().save(name, upload)
    return StoredAttachment(
        name=saved,
        original_name=os.path.basename(upload.name or "")[:255],
        content_type=content_type,
        size=upload.size,
    )


def card_number_mask(number: str) -> str:
    """``513744XXXXXX5290``: a full card number is not kept in a complaint, the portal's masked
    form is enough to find the card."""
    if len(number) <= 10:
        return number
    return f"{number[:6]}{'X' * (len(number) - 10)}{number[-4:]}"


def is_single_line(text: str) -> bool:
    """No line breaks, tabs or other control or invisible format characters (Unicode categories
    C*, Zl, Zp): a name is one line, and such characters only serve to make text shown
    elsewhere look like something else."""
    return not any(
        unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp")
        for char in text
    )


def single_line_error() -> str:
    return gettext("El nombre no puede tener saltos de línea ni caracteres de control.")


def tracking_number_for(complaint: Complaint) -> str:
    return f"RC-{timezone.localtime(complaint.created_at).year}-{complaint.pk:06d}"


def complaint_submit(
    *,
    user,
    token: str,
    product: str,
    names: str,
    identification: str,
    phone: str,
    description: str,
    data_consent: bool,
    product_number: str = "",
    claimed_amount: Decimal | None = None,
    returned_amount: Decimal | None = None,
    attachment: UploadedFile | None = None,
) -> Complaint:
    """File the complaint, or return the one this form's token already filed. There is no
    e-mail argument on purpose: the acknowledgement goes to the registered address only."""
    if not token:
        raise ValueError("A complaint needs its form's idempotency token.")
    previous = _complaint_for_token(user=user, token=token)
    if previous is not None:
        return previous
    if not data_consent:
        raise ComplaintError(gettext("Debes autorizar el tratamiento de tus datos personales."))
    if product not in ComplaintProduct.values:
        # Its label is the one filed text the acknowledgement shows: only from the fixed list.
        raise ComplaintError(gettext("Selecciona una opción de la lista."))
    if not is_single_line(names):
        raise ComplaintError(single_line_error())
    if product in CARD_PRODUCTS and product_number:
        product_number = card_number_mask(product_number)
    stored = (
        attachment_store(attachment, content_type=attachment_validate(attachment))
        if attachment
        else None
    )
    previous = None
    try:
        with transaction.atomic():
            member = _filer_lock(user)
            # The lock queues this post behind any other of the same member: a twin of this
            # form that got here first is visible now, and is the answer.
            previous = _complaint_for_token(user=user, token=token)
            if previous is None:
                _hourly_limit_check(user=user, member=member)
                complaint = _complaint_create(
                    user=user,
                    member=member,
                    token=token,
                    product=product,
                    product_number=product_number,
                    names=names,
                    identification=identification,
                    phone=phone,
                    description=description,
                    claimed_amount=claimed_amount,
                    returned_amount=returned_amount,
                    data_consent=data_consent,
                    stored=stored,
                )
                _acknowledgement_queue(complaint)
    except IntegrityError:
        # Two posts of the same form raced past the lock (a database without row locks): the
        # other one filed it.
        _attachment_discard(stored)
        previous = _complaint_for_token(user=user, token=token)
        if previous is None:
            raise ComplaintError(
                gettext("Este formulario ya no es válido. Vuelve a cargar la página.")
            ) from None
        return previous
    except BaseException:
        _attachment_discard(stored)
        raise
    if previous is not None:
        _attachment_discard(stored)
        return previous
    return complaint


def _filer_lock(user):
    """Locks the row the hourly limit is counted on (the member, or a staff login without one)
    and returns the member. Without it two posts at once would both count N-1 and both file.
    NO KEY: the lock must not block other apps inserting rows that point at the member."""
    if user.customer_id is None:
        get_user_model().objects.select_for_update(no_key=True).get(pk=user.pk)
        return None
    return Member.objects.select_for_update(no_key=True).get(pk=user.customer_id)


def _hourly_limit_check(*, user, member: Member | None) -> None:
    limit = settings.SUPPORT_COMPLAINTS_PER_HOUR
    filed = Complaint.objects.filter(created_at__gte=timezone.now() - timedelta(hours=1))
    filed = filed.filter(member=member) if member is not None else filed.filter(user=user)
    if filed.count() >= limit:
        raise ComplaintError(
            gettext(
                "Alcanzaste el máximo de %(limit)s reclamos por hora. Inténtalo de nuevo más "
                "tarde o llama a servicio al socio al %(phone)s."
            )
            % {"limit": limit, "phone": settings.COOPERATIVE["phone"]}
        )


def _complaint_create(
    *, user, member: Member | None, token: str, stored: StoredAttachment | None, **fields
) -> Complaint:
    complaint = Complaint.objects.create(
        user=user,
        member=member,
        idempotency_key=token,
        # What the acknowledgement is sent to, kept as filed; "" when nothing is sent.
        email=complaint_ack_address(user=user, member=member),
        attachment_name=stored.name if stored else "",
        attachment_original_name=stored.original_name if stored else "",
        attachment_content_type=stored.content_type if stored else "",
        attachment_size=stored.size if stored else None,
        **fields,
    )
    complaint.tracking_number = tracking_number_for(complaint)
    complaint.save(update_fields=["tracking_number"])
    return complaint


def _complaint_for_token(*, user, token: str) -> Complaint | None:
    previous = complaint_for_token(user=user, token=token)
    if previous is None and Complaint.objects.filter(idempotency_key=token).exists():
        # Somebody else's token: never show another member's complaint, never file a second.
        raise ComplaintError(gettext("Este formulario ya no es válido. Vuelve a cargar la página."))
    return previous


def _attachment_discard(stored: StoredAttachment | None) -> None:
    if stored is not None:
        attachment_storage().delete(stored.name)


def _acknowledgement_queue(complaint: Complaint) -> None:
    if not complaint.email:
        # No registered address: the confirmation page's tracking number is the receipt.
        return
    # Only the cooperative's own words reach the template, not the complaint: the names,
    # numbers and description the filer typed cannot be echoed from the cooperative's address
    # by any later edit of the text.
    context = {
        "number": complaint.tracking_number,
        "product": ComplaintProduct(complaint.product).label,
        "filed_at": complaint.created_at,
        "status": Complaint.Status(complaint.status).label,
        "cooperative": settings.COOPERATIVE,
    }
    notification_queue(
        channel=Notification.Channel.EMAIL,
        recipient=complaint.email,
        subject=gettext("Recibimos tu reclamo %(number)s") % {"number": complaint.tracking_number},
        body=render_to_string("support/emails/complaint_received.txt", context).strip(),
        user=complaint.user,
    )
