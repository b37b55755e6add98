"""Gestión de usuarios: the administrator adds an autorizador, edits their services, blocks and
activates them, each with a reason and a code."""

from playwright.sync_api import expect

from enterprise.models import CompanyUser, Service
from tests.browser.conftest import enter_code
from tests.factories import valid_cedula

NAME = "Carmen Andrade Ruiz"


def open_action(page, action: str) -> None:
    row = page.get_by_test_id("company-users").get_by_role("row").filter(has_text=NAME)
    row.get_by_label(f"Acciones de {NAME}").click()
    row.get_by_role("link", name=action).click()


def test_administrator_adds_and_manages_an_autorizador(page, live_server, sign_in):
    cedula = valid_cedula(501)
    sign_in("empadmin01")
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Gestión de usuarios"
    ).click()
    expect(page.get_by_role("heading", name="Gestión de usuarios")).to_be_visible()
    expect(page.get_by_test_id("company-users")).to_contain_text("1712345675")

    page.get_by_role("link", name="Agregar usuario").click()
    page.get_by_label("Identificación").fill(cedula)
    page.get_by_role("button", name="Buscar").click()
    expect(page.get_by_label("Identificación")).to_have_value(cedula)
    page.get_by_label("Nombres").fill("Carmen")
    page.get_by_label("Primer apellido").fill("Andrade")
    page.get_by_label("Segundo apellido").fill("Ruiz")
    page.get_by_label("Femenino").check()
    page.get_by_label("Teléfono").fill("0998765432")
    page.get_by_label("Correo electrónico").fill("carmen.andrade@comercialandina.example.com")
    page.get_by_label("CUENTA CORRIENTE · 410201000017").check()
    page.get_by_label("Rol", exact=True).select_option(label="AUTORIZADOR")
    page.get_by_label("Nivel de firma").select_option(label="A")
    # Without a reason the form says so, and no code is sent.
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Ingresa el motivo de esta acción.")).to_be_visible()
    page.get_by_label("Motivo").fill("Nueva autorizadora de pagos")
    page.get_by_role("button", name="Guardar").click()
    enter_code(page)
    expect(page.get_by_text("Usuario agregado")).to_be_visible()
    row = page.get_by_test_id("company-users").get_by_role("row").filter(has_text=NAME)
    expect(row).to_contain_text("AUTORIZADOR (A)")
    expect(row).to_contain_text(cedula)

    open_action(page, "Editar servicios por rol")
    expect(page.get_by_label("Autorizar operaciones")).to_be_checked()
    page.get_by_label("Consultas: pendientes").uncheck()
    page.get_by_label("Motivo").fill("Solo consulta general")
    page.get_by_role("button", name="Guardar").click()
    enter_code(page)
    expect(page.get_by_text("Servicios actualizados.")).to_be_visible()
    added = CompanyUser.objects.get(identification=cedula)
    assert Service.QUERIES_PENDING not in added.services
    assert Service.AUTHORIZE in added.services

    open_action(page, "Bloquear")
    page.get_by_label("Motivo").fill("Licencia")
    page.get_by_role("button", name="Sí, bloquear").click()
    enter_code(page)
    expect(page.get_by_text("Usuario bloqueado")).to_be_visible()
    expect(row).to_contain_text("Bloqueado")

    open_action(page, "Activar")
    page.get_by_label("Motivo").fill("Regresó de la licencia")
    page.get_by_role("button", name="Sí, activar").click()
    enter_code(page)
    expect(page.get_by_text("Usuario activado.")).to_be_visible()
    expect(row).to_contain_text("Activo")

    page.get_by_role("link", name="Auditoría").click()
    audit = page.get_by_test_id("audit-events")
    for text in ("Agregar usuario", "Editar servicios por rol", "Bloquear usuario", "Licencia"):
        expect(audit).to_contain_text(text)
