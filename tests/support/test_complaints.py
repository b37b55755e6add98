import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from identity.models import Notification
from support.models import Complaint, ComplaintProduct
from support.services import ATTACHMENT_MAX_BYTES
from tests.support.conftest import form_token

from .files import tiny_png

pytestmark = pytest.mark.django_db

URL = "/soporte/reclamos/"


def valid_data(client, **overrides):
    data = {
        "token": form_token(client),
        "product": ComplaintProduct.SAVINGS,
        "product_number": "410100000001",
        "names": "ANA PÉREZ",
        "identification": "1714307103",
        "phone": "0991234567",
        "description": "Me debitaron dos veces el mismo pago de servicios.",
        "claimed_amount": "25.50",
        "returned_amount": "0.00",
        "data_consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_anonymous_user_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/ingresar/")
    response = client.post(URL, {})
    assert response.status_code == 302 and Complaint.objects.count() == 0


def test_form_is_prefilled_from_the_member(member_client, member_user):
    member = member_user.customer
    html = member_client.get(URL).content.decode()
    assert f'value="{member.full_name}"' in html
    assert f'value="{member.identification}"' in html
    # The registered address is shown as where the acknowledgement goes, not offered for edit.
    assert f"tu correo registrado, {member.email}." in html
    assert 'name="email"' not in html
    assert "Autorizo el tratamiento de mis datos personales" in html


def test_missing_required_fields_say_so_and_store_nothing(member_client):
    token = form_token(member_client)
    response = member_client.post(URL, {"token": token})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Completa los campos obligatorios." in html
    assert html.count("Este campo es obligatorio.") >= 5  # one under each empty field
    assert "Debes autorizar el tratamiento de tus datos personales." in html
    assert Complaint.objects.count() == 0 and Notification.objects.count() == 0


def test_a_valid_complaint_is_stored_with_a_tracking_number_and_acknowledged(
    member_client, member_user
):
    response = member_client.post(URL, valid_data(member_client), follow=True)
    complaint = Complaint.objects.get()
    assert re.fullmatch(r"RC-\d{4}-\d{6}", complaint.tracking_number)
    assert complaint.tracking_number.endswith(f"-{complaint.pk:06d}")
    assert complaint.user == member_user and complaint.member == member_user.customer
    assert complaint.status == Complaint.Status.RECEIVED
    assert complaint.claimed_amount == Decimal("25.50")
    assert isinstance(complaint.claimed_amount, Decimal)
    assert complaint.returned_amount == Decimal("0.00")
    assert complaint.data_consent is True and complaint.attachment_name == ""
    html = response.content.decode()
    registered = member_user.customer.email
    assert complaint.email == registered
    assert f"Tu reclamo fue registrado con el número {complaint.tracking_number}" in html
    assert f"Te enviamos una constancia de recepción a {registered}" in html

    note = Notification.objects.get()
    assert note.channel == Notification.Channel.EMAIL
    assert note.recipient == registered and note.user == member_user
    assert complaint.tracking_number in note.body and complaint.tracking_number in note.subject


def test_card_numbers_are_kept_masked(member_client):
    data = valid_data(
        member_client, product=ComplaintProduct.CREDIT_CARD, product_number="5137 4412 3456 5290"
    )
    member_client.post(URL, data)
    assert Complaint.objects.get().product_number == "513744XXXXXX5290"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("product_number", "12a4", "solo dígitos, de 4 a 20"),
        ("product_number", "123", "solo dígitos, de 4 a 20"),
        ("claimed_amount", "-1", "no puede ser negativo"),
        ("claimed_amount", "10.555", "hasta 2 decimales"),
        ("returned_amount", "30.00", "no puede ser mayor que el monto reclamado"),
        ("description", "x" * 2001, "hasta 2000 caracteres"),
        ("names", "Ana\nPérez", "no puede tener saltos de línea"),
    ],
)
def test_invalid_values_are_refused_in_spanish(member_client, field, value, message):
    response = member_client.post(URL, valid_data(member_client, **{field: value}))
    html = response.content.decode()
    assert message in html and "Revisa los datos marcados." in html
    assert Complaint.objects.count() == 0


def test_a_png_attachment_is_stored_outside_the_web_root_with_a_random_name(
    member_client, settings, tmp_path
):
    upload = SimpleUploadedFile("captura de pantalla.png", tiny_png(), content_type="image/png")
    response = member_client.post(URL, valid_data(member_client, attachment=upload))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.attachment_content_type == "image/png"
    assert complaint.attachment_original_name == "captura de pantalla.png"
    assert complaint.attachment_size == len(tiny_png())
    path = (tmp_path / "attachments" / complaint.attachment_name).resolve()
    assert path.read_bytes() == tiny_png()
    assert re.fullmatch(r"[0-9a-f]{32}\.png", path.name)
    public_roots = [settings.MEDIA_ROOT, settings.STATIC_ROOT, *settings.STATICFILES_DIRS]
    assert not any(path.is_relative_to(Path(root).resolve()) for root in public_roots)


def test_the_default_attachments_folder_is_outside_media_and_static():
    default = Path(django_settings.VAR_DIR) / "attachments"
    for root in (django_settings.MEDIA_ROOT, django_settings.STATIC_ROOT):
        assert not default.resolve().is_relative_to(Path(root).resolve())


@pytest.mark.parametrize(
    "content",
    [b"<html><script>alert(1)</script></html>", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64],
    ids=["html", "exe"],
)
def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(member_client, tmp_path, content):
    upload = SimpleUploadedFile("factura.pdf", content, content_type="application/pdf")
    response = member_client.post(URL, valid_data(member_client, attachment=upload))
    html = response.content.decode()
    assert response.status_code == 200
    assert "El archivo adjunto debe ser un PDF o una imagen PNG o JPEG." in html
    assert Complaint.objects.count() == 0 and Notification.objects.count() == 0
    assert stored_files(tmp_path / "attachments") == []


def test_an_oversize_attachment_is_refused(member_client, tmp_path):
    content = b"%PDF-1.7\n" + b"0" * ATTACHMENT_MAX_BYTES
    upload = SimpleUploadedFile("grande.pdf", content, content_type="application/pdf")
    response = member_client.post(URL, valid_data(member_client, attachment=upload))
    assert "supera el tamaño máximo de 5 MB" in response.content.decode()
    assert Complaint.objects.count() == 0
    assert stored_files(tmp_path / "attachments") == []


def test_a_replayed_form_files_one_complaint_and_shows_its_confirmation(member_client):
    data = valid_data(member_client)
    first = member_client.post(URL, data)
    second = member_client.post(URL, {**data, "description": "Otro texto"})
    assert Complaint.objects.count() == 1 and Notification.objects.count() == 1
    complaint = Complaint.objects.get()
    assert first["Location"] == second["Location"] == complaint.get_absolute_url()
    page = member_client.get(second["Location"]).content.decode()
    assert f"Tu reclamo fue registrado con el número {complaint.tracking_number}" in page


def test_another_users_token_files_nothing_and_shows_nothing(client, member_user, outsider):
    client.force_login(member_user)
    data = valid_data(client)
    client.post(URL, data)
    complaint = Complaint.objects.get()
    client.force_login(outsider)
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "Este formulario ya no es válido" in response.content.decode()
    assert Complaint.objects.count() == 1
    assert client.get(complaint.get_absolute_url()).status_code == 404


def test_a_form_without_a_token_is_refused_and_gets_a_fresh_one(member_client):
    data = valid_data(member_client)
    del data["token"]
    html = member_client.post(URL, data).content.decode()
    assert "El formulario caducó" in html
    assert re.search(r'name="token" value="[A-Za-z0-9_-]{32}"', html)
    assert Complaint.objects.count() == 0


def test_staff_without_a_member_can_file_a_complaint(client, django_user_model):
    staff = django_user_model.objects.create_user(
        "operador", email="operador@example.com", first_name="Olga", last_name="Ríos"
    )
    client.force_login(staff)
    html = client.get(URL).content.decode()
    assert 'value="Olga Ríos"' in html and "tu correo registrado, operador@example.com." in html
    client.post(URL, valid_data(client))
    complaint = Complaint.objects.get()
    assert complaint.member is None and complaint.email == "operador@example.com"
    assert Notification.objects.get().recipient == "operador@example.com"


def test_the_confirmation_page_belongs_to_its_owner(client, member_user, outsider):
    client.force_login(member_user)
    client.post(URL, valid_data(client))
    url = Complaint.objects.get().get_absolute_url()
    assert client.get(url).status_code == 200
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("support:complaint_done", args=["RC-2026-999999"])).status_code == 404


@pytest.mark.parametrize("misses", [1, 2], ids=["seen-under-the-lock", "without-row-locks"])
def test_two_posts_racing_file_one_complaint_and_keep_one_file(
    member_user, monkeypatch, tmp_path, misses
):
    from support import services

    def submit():
        return services.complaint_submit(
            user=member_user,
            token="r" * 32,
            product=ComplaintProduct.OTHER,
            names="ANA PÉREZ",
            identification="1714307103",
            phone="0991234567",
            description="Cobro indebido.",
            data_consent=True,
            attachment=SimpleUploadedFile("a.png", tiny_png(), content_type="image/png"),
        )

    first = submit()
    # The second post looked for the token before the first one committed; under the member's
    # lock it finds it, or (a database without row locks) misses it again and inserts too.
    real = services._complaint_for_token
    calls = iter([lambda **kwargs: None] * misses)
    monkeypatch.setattr(
        services, "_complaint_for_token", lambda **kwargs: next(calls, real)(**kwargs)
    )
    assert submit() == first
    assert Complaint.objects.count() == 1 and Notification.objects.count() == 1
    assert stored_files(tmp_path / "attachments") == [
        tmp_path / "attachments" / first.attachment_name
    ]
