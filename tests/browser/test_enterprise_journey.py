"""The whole enterprise journey in Chromium: the administrator sets the signature rules and adds
an ingresador and an autorizador; the new ingresador signs in for the first time and orders an
interbank transfer; two authorizers of the levels it needs sign it with their codes; Consultas
shows it approved with both signers. And the rejection path."""

import re

from playwright.sync_api import expect

from enterprise.models import ApprovalOrder
from tests.auth import code_sent, sent_body
from tests.browser.conftest import enter_code, type_code
from tests.browser.test_transfers import choose
from tests.factories import valid_cedula

CREDENTIALS = "Tus credenciales temporales de Cooprogreso en Línea"
NEW_PASSWORD = "Empresa$2026x"


def menu(page, name):
    page.get_by_role("navigation", name="Menú principal").get_by_role("link", name=name).click()


def with_reason(page, reason, button):
    page.get_by_label("Motivo").fill(reason)
    page.get_by_role("button", name=button).click()
    enter_code(page)


def add_user(page, *, n, names, surnames, email, role, level=None):
    menu(page, "Gestión de usuarios")
    page.get_by_role("link", name="Agregar usuario").click()
    page.get_by_label("Identificación").fill(valid_cedula(n))
    page.get_by_role("button", name="Buscar").click()
    page.get_by_label("Nombres").fill(names)
    page.get_by_label("Primer apellido").fill(surnames[0])
    page.get_by_label("Segundo apellido").fill(surnames[1])
    page.get_by_label("Masculino").check()
    page.get_by_label("Teléfono").fill("0991234567")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("CUENTA CORRIENTE · 410201000017").check()
    page.get_by_label("Rol", exact=True).select_option(label=role)
    if level:
        page.get_by_label("Nivel de firma").select_option(label=level)
    with_reason(page, "Alta de personal de tesorería", "Guardar")
    expect(page.get_by_text("Usuario agregado")).to_be_visible()


def first_sign_in(page, live_server, email, username):
    """Temporary credentials from the e-mail → own username and password → code → sign in."""
    body = sent_body(subject=CREDENTIALS, recipient=email)
    temp_user = re.search(r"Usuario temporal: (\S+)", body).group(1)
    temp_password = re.search(r"Contraseña temporal: (\S+)", body).group(1)
    page.goto(f"{live_server.url}/ingresar/")
    page.get_by_label("Usuario").fill(temp_user)
    page.get_by_label("Contraseña").fill(temp_password)
    page.get_by_role("button", name="Ingresar").click()
    for _ in range(6):
        page.wait_for_url(re.compile(r"/ingresar/\w+/$"))
        step = page.url.rstrip("/").rsplit("/", 1)[-1]
        if step == "terminos":
            for box in page.get_by_role("checkbox").all():
                box.check()
            page.get_by_role("button", name="Aceptar").click()
        elif step == "usuario":
            page.get_by_label("Nuevo nombre de usuario").fill(username)
            page.get_by_role("button", name="Continuar").click()
        elif step == "contrasena":
            page.get_by_label("Ingresa tu contraseña actual o temporal").fill(temp_password)
            page.get_by_label("Nueva contraseña").fill(NEW_PASSWORD)
            page.get_by_label("Confirmar contraseña").fill(NEW_PASSWORD)
            page.get_by_role("button", name="Confirmar").click()
        elif step == "dispositivo":
            page.get_by_label("No", exact=True).check()
            page.get_by_role("button", name="Continuar").click()
        elif step == "codigo":
            page.get_by_label("Dígito 1").wait_for()
            type_code(page, code_sent(email))
            break
    expect(page.get_by_role("heading", name="Credenciales configuradas con éxito")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Salir").click()


def interbank_order(page, amount, memo):
    menu(page, "Transferencias")
    page.get_by_role("link", name="Transferencias interbancarias").click()
    page.get_by_label("Institución financiera").select_option(label="BANCO INTERNACIONAL S.A.")
    page.get_by_label("Tipo de cuenta").select_option(label="Ahorros")
    page.get_by_label("Número de cuenta").fill("2200123456")
    page.get_by_label("Nombre del titular").fill("Fanny Ontaneda")
    page.get_by_label("Tipo de identificación").select_option(label="Cédula")
    page.get_by_label("Identificación", exact=True).fill("1710034065")
    choose(page, "Cuenta origen", "410201000017")
    page.get_by_label("Monto").fill(amount)
    page.get_by_label("Descripción (opcional)").fill(memo)
    page.get_by_role("button", name="Continuar").click()
    page.get_by_role("button", name="Confirmar").click()
    enter_code(page)
    expect(page.get_by_text(re.compile(r"Orden N\.º \d+ registrada"))).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Pendiente")


def approve_first_pending(page, memo, outcome):
    menu(page, "Autorizar")
    row = page.get_by_test_id("pending-orders").get_by_role("row").filter(has_text=memo)
    row.get_by_role("link", name="Autorizar", exact=True).click()
    page.get_by_role("button", name="Sí, autorizar").click()
    enter_code(page)
    expect(page.get_by_text(outcome)).to_be_visible()


def test_admin_sets_levels_adds_users_and_an_interbank_order_is_signed_by_a_and_b(
    page, live_server, sign_in
):
    sign_in("empadmin01")
    menu(page, "Niveles de firma")
    page.get_by_role("link", name="Agregar nivel").click()
    with_reason(page, "Segundo nivel para montos altos", "Agregar nivel")
    expect(page.get_by_text("Nivel B agregado.")).to_be_visible()
    add_user(
        page,
        n=611,
        names="Pedro",
        surnames=("Loor", "Mera"),
        email="pedro.loor@comercialandina.example.com",
        role="INGRESADOR",
    )
    add_user(
        page,
        n=612,
        names="Sofía",
        surnames=("Ortiz", "Vega"),
        email="sofia.ortiz@comercialandina.example.com",
        role="AUTORIZADOR",
        level="B",
    )
    expect(page.get_by_test_id("company-users")).to_contain_text("AUTORIZADOR (B)")

    # The rules are ticked from the levels that exist, once somebody holds level B.
    menu(page, "Niveles de firma")
    page.get_by_role("link", name="Editar reglas de Transferencias").click()
    page.get_by_label("Hasta $ (regla 1)").fill("100")
    page.get_by_role("group", name="Firmas (regla 1)").get_by_label("Nivel A").check()
    second = page.get_by_role("group", name="Firmas (regla 2)")
    second.get_by_label("Nivel A").check()
    second.get_by_label("Nivel B").check()
    with_reason(page, "Montos altos con dos firmas", "Confirmar")
    rule = page.get_by_test_id("rule-TRANSFERENCIA")
    expect(rule).to_contain_text("Hasta $ 100.00: una firma de nivel A.")
    expect(rule).to_contain_text("Más de $ 100.00: firmas A y B.")
    sign_out(page)

    first_sign_in(page, live_server, "pedro.loor@comercialandina.example.com", "pedroloor")
    sign_in("pedroloor", NEW_PASSWORD)
    expect(page.get_by_text("Rol: INGRESADOR")).to_be_visible()
    interbank_order(page, "150.00", "Repuestos importados")
    sign_out(page)

    sign_in("empautoriza01")
    approve_first_pending(page, "Repuestos importados", "Firma registrada: faltan otras firmas.")
    expect(page.get_by_test_id("order-status")).to_have_text("Pendiente")
    sign_out(page)

    first_sign_in(page, live_server, "sofia.ortiz@comercialandina.example.com", "sofiaortiz")
    sign_in("sofiaortiz", NEW_PASSWORD)
    approve_first_pending(page, "Repuestos importados", "Orden autorizada y ejecutada.")
    expect(page.get_by_test_id("order-status")).to_have_text("Aprobada")
    order = ApprovalOrder.objects.get(concept="Repuestos importados")
    assert order.status == ApprovalOrder.Status.EXECUTED and order.result["transfer"]

    menu(page, "Consultas")
    page.get_by_label("Hoy").check()
    page.get_by_role("button", name="Consultar").click()
    row = page.get_by_test_id("order-row").filter(has_text="Repuestos importados")
    expect(row).to_contain_text("Aprobada")
    expect(row).to_contain_text("Transferencia interbancaria")
    row.get_by_role("link", name="Autorizadores").click()
    dialog = page.locator("#modal").get_by_test_id("approvals")
    expect(dialog).to_contain_text("Lucía Vera")
    expect(dialog).to_contain_text("Sofía Ortiz")
    dialog.get_by_role("button", name="Cerrar").click()
    row.get_by_role("link", name="Beneficiarios").click()
    # The interbank file carries names in capitals; the row waits for the next cycle.
    beneficiaries = page.locator("#modal")
    expect(beneficiaries).to_contain_text("FANNY ONTANEDA")
    expect(beneficiaries).to_contain_text("Pendiente de envío")


def test_an_autorizador_rejects_with_a_reason_and_consultas_shows_it(page, live_server, sign_in):
    sign_in("empingresa01")
    interbank_order(page, "20.00", "Compra no autorizada")
    sign_out(page)

    sign_in("empautoriza01")
    menu(page, "Autorizar")
    row = (
        page.get_by_test_id("pending-orders")
        .get_by_role("row")
        .filter(has_text="Compra no autorizada")
    )
    row.get_by_role("link", name="Rechazar").click()
    with_reason(page, "No corresponde al presupuesto", "Sí, rechazar")
    expect(page.get_by_text("Orden rechazada.")).to_be_visible()

    menu(page, "Consultas")
    page.get_by_test_id("query-tabs").get_by_role(
        "link", name="Transacciones generales – Rechazadas"
    ).click()
    row = page.get_by_test_id("order-row").filter(has_text="Compra no autorizada")
    expect(row).to_contain_text("Rechazada")
    row.get_by_role("link", name="Autorizadores").click()
    dialog = page.locator("#modal").get_by_test_id("approvals")
    expect(dialog).to_contain_text("Rechazó")
    expect(dialog).to_contain_text("No corresponde al presupuesto")
