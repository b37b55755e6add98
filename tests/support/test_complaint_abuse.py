"""The complaint form used as a relay: a forged post aims the cooperative's acknowledgement at
somebody else, fills it with a phishing text, or sends it over and over."""

from datetime import timedelta

import pytest
from django import forms
from django.core import mail
from django.utils import timezone

from identity.models import Notification
from support.models import Complaint, ComplaintProduct
from tests.support.conftest import form_token

pytestmark = pytest.mark.django_db

URL = "/soporte/reclamos/"
VICTIM = "victim@evil.example"
LURE = "Tu cuenta fue bloqueada. Ingresa en https://cooprogreso-seguro.evil.example/clave"


def forged_post(client, **overrides):
    """What a script posts, whatever the form shows: every field, the foreign address included."""
    data = {
        "token": form_token(client),
        "product": ComplaintProduct.ONLINE_BANKING,
        "product_number": "410100000001",
        "names": "Estimado cliente",
        "identification": "1714307103",
        "phone": "0991234567",
        "email": VICTIM,
        "description": LURE,
        "data_consent": "on",
    }
    data.update(overrides)
    return client.post(URL, data)


def test_complaint_ack_cannot_be_sent_to_a_foreign_address(
    member_client, member_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = forged_post(member_client)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    registered = member_user.customer.email

    assert not Notification.objects.filter(recipient=VICTIM).exists()
    assert all(VICTIM not in message.to for message in mail.outbox)
    assert [message.to for message in mail.outbox] == [[registered]]
    assert complaint.email == registered
    page = member_client.get(response["Location"]).content.decode()
    assert f"Te enviamos una constancia de recepción a {registered}" in page
    assert VICTIM not in page


def test_complaint_ack_echoes_none_of_the_typed_text(
    member_client, member_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        forged_post(
            member_client,
            names="Banco Cooprogreso https://evil.example",
            product_number="999912345678",
        )
    complaint = Complaint.objects.get()
    note = Notification.objects.get()
    sent = mail.outbox[0]
    for text in (note.subject, note.body, sent.subject, sent.body):
        assert "evil.example" not in text and "https://" not in text
        assert "Banco Cooprogreso" not in text and "Estimado cliente" not in text
        assert "bloqueada" not in text
        assert "999912345678" not in text
    # What the cooperative itself says is still there.
    assert complaint.tracking_number in sent.subject and complaint.tracking_number in sent.body
    assert "Banca en línea" in sent.body


@pytest.mark.parametrize("names", ["Ana\r\nhttps://evil.example", "Ana\nPérez", "Ana\x0bPérez"])
def test_complaint_name_with_line_breaks_is_refused(member_client, names):
    response = forged_post(member_client, names=names)
    html = response.content.decode()
    assert response.status_code == 200
    assert "no puede tener saltos de línea ni caracteres de control" in html
    assert Complaint.objects.count() == 0 and Notification.objects.count() == 0


def test_complaint_by_a_member_without_registered_email_sends_no_acknowledgement(
    member_client, member_user
):
    member_user.customer.email = ""
    member_user.customer.save(update_fields=["email"])
    response = forged_post(member_client)
    complaint = Complaint.objects.get()
    assert complaint.email == ""
    assert Notification.objects.count() == 0
    page = member_client.get(response["Location"]).content.decode()
    assert f"Tu reclamo fue registrado con el número {complaint.tracking_number}" in page
    assert VICTIM not in page


def test_complaint_flood_is_stopped_after_the_hourly_limit(member_client, settings):
    settings.SUPPORT_COMPLAINTS_PER_HOUR = 3
    for _ in range(3):
        assert forged_post(member_client).status_code == 302
    assert Complaint.objects.count() == 3 and Notification.objects.count() == 3

    response = forged_post(member_client, description="Un cuarto reclamo, el mismo día.")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Alcanzaste el máximo de 3 reclamos por hora" in html
    assert "Un cuarto reclamo, el mismo día." in html  # the form keeps what was typed
    assert Complaint.objects.count() == 3 and Notification.objects.count() == 3


def test_complaint_limit_counts_only_the_last_hour_of_that_member(
    client, member_user, outsider, settings
):
    settings.SUPPORT_COMPLAINTS_PER_HOUR = 1
    client.force_login(member_user)
    assert forged_post(client).status_code == 302
    assert forged_post(client).status_code == 200

    client.force_login(outsider)
    assert forged_post(client).status_code == 302  # another member has a limit of their own

    client.force_login(member_user)
    Complaint.objects.filter(member=member_user.customer).update(
        created_at=timezone.now() - timedelta(minutes=61)
    )
    assert forged_post(client).status_code == 302
    assert Complaint.objects.filter(member=member_user.customer).count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("product", "Visita https://evil.example", "Selecciona una opción de la lista."),
        ("names", "Ana\nhttps://evil.example", "no puede tener saltos de línea"),
        ("names", "Ana\u202epdf.exe", "caracteres de control"),
    ],
)
def test_complaint_service_refuses_text_meant_for_the_acknowledgement(
    member_user, field, value, message
):
    from support.services import ComplaintError, complaint_submit

    fields = {
        "product": ComplaintProduct.OTHER,
        "names": "ANA PÉREZ",
        "identification": "1714307103",
        "phone": "0991234567",
        "description": "Cobro indebido.",
        "data_consent": True,
        field: value,
    }
    with pytest.raises(ComplaintError, match=message):
        complaint_submit(user=member_user, token="s" * 32, **fields)
    assert Complaint.objects.count() == 0 and Notification.objects.count() == 0


@pytest.mark.parametrize("typed", ["1_000", "1E2", "+5", "١٠٠", "１００"])
def test_complaint_amounts_decimal_would_normalise_are_refused(typed):
    from support.forms import amount_field

    class Form(forms.Form):
        claimed = amount_field("Monto reclamado")

    form = Form({"claimed": typed})
    assert not form.is_valid()
    assert form.errors["claimed"] == ["Ingresa un monto válido, por ejemplo 125.50."]
