"""«Pagos frecuentes»: the saved services, their filter, «Pagar» prefilled, the alias and
deleting one with a code."""

import re

import pytest

from identity.models import AuditEvent
from payments.models import Biller, SavedService
from payments.services.catalogue import demo_catalogue_ensure
from tests.auth import code_sent, sign_in
from tests.payments.test_views_pay import savings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalogue(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    demo_catalogue_ensure()


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


def saved(user, code, reference, alias="", field=None):
    biller = Biller.objects.get(code=code)
    name = field or biller.fields[0]["name"]
    return SavedService.objects.create(
        owner=user.customer,
        biller=biller,
        reference=reference,
        reference_fields={name: reference},
        alias=alias,
    )


def test_list_filters_by_category_and_service(signed_in, member_user, outsider):
    saved(member_user, "agua-epmapa-pedernales", "1234573", alias="Casa")
    saved(member_user, "recargas-cnt-paquete", "0991234573", alias="Celular mamá")
    saved(outsider, "cnel-ep", "99887766", alias="Ajeno")
    page = signed_in.get("/pagos/frecuentes/").content.decode()
    assert "Casa" in page and "Celular mamá" in page and "Ajeno" not in page
    water = signed_in.get("/pagos/frecuentes/", {"categoria": "agua"}).content.decode()
    assert "Casa" in water and "Celular mamá" not in water
    fragment = signed_in.get(
        "/pagos/frecuentes/", {"q": "recargas"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Celular mamá" in fragment and "Casa" not in fragment and "<html" not in fragment
    assert signed_in.post("/pagos/frecuentes/").status_code == 405


def test_pay_from_a_saved_service_is_prefilled(signed_in, member_user):
    row = saved(member_user, "agua-epmapa-pedernales", "1234573", alias="Casa")
    page = signed_in.get("/pagos/frecuentes/").content.decode()
    url = f"/pagos/servicio/agua-epmapa-pedernales/?guardado={row.pk}"
    assert url in page
    form = signed_in.get(url).content.decode()
    assert 'value="1234573"' in form and "Guardar servicio" not in form
    # Another customer's saved service is not found.
    assert (
        signed_in.get("/pagos/servicio/agua-epmapa-pedernales/?guardado=99999").status_code == 404
    )


def test_pay_prefill_takes_the_last_origin(signed_in, member_user):
    from tests.payments.test_views_pay import recharge_data, with_code

    with_code(
        signed_in,
        "/pagos/servicio/recargas-cnt-paquete/confirmar/",
        recharge_data(member_user, save_service="on", alias="Yo"),
    )
    row = SavedService.objects.get(owner=member_user.customer)
    form = signed_in.get(f"/pagos/servicio/recargas-cnt-paquete/?guardado={row.pk}").content
    assert f'<option value="{savings(member_user).pk}" selected' in form.decode()


def test_alias_edit(signed_in, member_user, outsider):
    row = saved(member_user, "cnel-ep", "12345678", alias="Luz")
    assert 'value="Luz"' in signed_in.get(f"/pagos/frecuentes/{row.pk}/alias/").content.decode()
    response = signed_in.post(f"/pagos/frecuentes/{row.pk}/alias/", {"alias": "Luz casa"})
    assert response["Location"] == "/pagos/frecuentes/"
    row.refresh_from_db()
    assert row.alias == "Luz casa"
    assert AuditEvent.objects.filter(action="saved_service.edit", target_id=str(row.pk)).exists()
    other = saved(outsider, "cnel-ep", "87654321", alias="Ajena")
    assert signed_in.get(f"/pagos/frecuentes/{other.pk}/alias/").status_code == 404
    assert signed_in.post(f"/pagos/frecuentes/{other.pk}/alias/", {"alias": "x"}).status_code == 404
    assert signed_in.put(f"/pagos/frecuentes/{row.pk}/alias/").status_code == 405


def test_delete_needs_a_code(signed_in, member_user, outsider):
    row = saved(member_user, "cnel-ep", "12345678", alias="Luz")
    url = f"/pagos/frecuentes/{row.pk}/eliminar/"
    assert "Eliminar servicio guardado" in signed_in.get(url).content.decode()
    dialog = signed_in.post(url, {}).content.decode()
    assert 'name="otp_digit"' in dialog
    row.refresh_from_db()
    assert row.deleted_at is None  # nothing happens without the code
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    response = signed_in.post(
        url, {"otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )
    assert response["Location"] == "/pagos/frecuentes/"
    row.refresh_from_db()
    assert row.deleted_at is not None
    assert "12345678" not in signed_in.get("/pagos/frecuentes/").content.decode()
    assert AuditEvent.objects.filter(action="saved_service.delete").count() == 1
    other = saved(outsider, "cnel-ep", "87654321")
    assert signed_in.get(f"/pagos/frecuentes/{other.pk}/eliminar/").status_code == 404
    assert signed_in.post(f"/pagos/frecuentes/{other.pk}/eliminar/", {}).status_code == 404
