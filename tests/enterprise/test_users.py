"""Gestión de usuarios and Auditoría: a company's administrators manage its users, each change
with a reason and their one-time code, audited in the company's scope."""

import re

import pytest
from django.test import Client

from enterprise.models import Company, CompanyRole, CompanyUser, Service, SignatureLevel
from enterprise.selectors.users import role_services
from enterprise.services.users import CompanyUserError, change_problem, company_user_block
from identity.models import AuditEvent, Member, OtpChallenge, User
from identity.services.audit import audit_record
from tests.auth import code_sent, sent_body, sign_in
from tests.factories import AccountFactory, MemberFactory, UserFactory, valid_cedula

pytestmark = pytest.mark.django_db

USERS = "/empresa/usuarios/"
CREDENTIALS = "Tus credenciales temporales de Cooprogreso en Línea"
NEW_PASSWORD = "Nueva$Clave26"


# --- Helpers -------------------------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    sign_in(client, user.username)
    return client


def named(user, first: str, last: str) -> User:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def profile(user) -> CompanyUser:
    return CompanyUser.objects.select_related("user").get(user=user)


def url(user, action: str) -> str:
    return f"{USERS}{profile(user).pk}/{action}/"


def challenge_of(response) -> str:
    page = response.content.decode()
    match = re.search(r'name="otp_challenge" value="(\d+)"', page)
    assert match, page[:1500]
    return match.group(1)


def with_code(client, path, data, *, verify_data=None, code=None):
    """Submits the form, then the code the dialog asks for (``verify_data``: other data sent
    with the code, as a form changed after the code was sent)."""
    challenge = challenge_of(client.post(path, data))
    return client.post(
        path,
        {
            **(verify_data or data),
            "otp_step": "verify",
            "otp_challenge": challenge,
            "otp_code": code or code_sent(),
        },
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def messages_of(client, response) -> str:
    return client.get(response["Location"]).content.decode()


def other_company() -> Company:
    member = MemberFactory(kind=Member.Kind.COMPANY, identification="0990004196001")
    company = Company.objects.create(member=member, name="EXPORTADORA DEL PACÍFICO S.A.")
    company.account = AccountFactory(owner=member)
    company.admin = UserFactory(customer=member, email="admin@pacifico.example")
    CompanyUser.objects.create(user=company.admin, company=company, role=CompanyRole.ADMIN)
    return company


def second_admin(company) -> User:
    user = UserFactory(customer=company.member, email="admin2@andina.example")
    CompanyUser.objects.create(user=user, company=company, role=CompanyRole.ADMIN)
    return user


def no_codes_for(purpose: str) -> bool:
    return not OtpChallenge.objects.filter(purpose=purpose).exists()


# --- Access ---------------------------------------------------------------------------------------


def test_the_list_shows_the_companys_users_and_searches(company):
    named(company.maker, "Jorge", "Paredes")
    maker = profile(company.maker)
    maker.identification, maker.phone = "1710034065", "0987654321"
    maker.save(update_fields=["identification", "phone"])
    outsider = other_company()
    admin = signed_in(company.admin)

    page = admin.get(USERS).content.decode()
    assert "<h1>Gestión de usuarios</h1>" in page
    assert "1710034065" in page and "0987654321" in page and "INGRESADOR" in page
    assert "maker@andina.example" in page and "Agregar usuario" in page
    assert outsider.admin.email not in page

    for query in ("1710034", "0987654", "maker@andina", "jorge", "PAREDES", "jorge paredes"):
        rows = admin.get(USERS, {"q": query}, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in rows and 'id="user-rows"' in rows
        assert "maker@andina.example" in rows, query
        assert "approverA@andina.example" not in rows, query
    nothing = admin.get(USERS, {"q": "zzzz"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Ningún usuario coincide con la búsqueda." in nothing


def test_only_administrators_manage_users(company, member_user):
    for user in (company.maker, company.approver_a):
        client = signed_in(user)
        for path in (
            USERS,
            f"{USERS}agregar/",
            url(company.maker, "bloquear"),
            "/empresa/auditoria/",
        ):
            assert client.get(path).status_code == 403, (user, path)
        assert "Gestión de usuarios" not in client.get("/").content.decode()
    retail = signed_in(member_user)
    assert retail.get(USERS).status_code == 403
    for path in (USERS, url(company.maker, "bloquear"), "/empresa/auditoria/"):
        assert Client().get(path)["Location"].startswith("/ingresar/")
    assert "Gestión de usuarios" in signed_in(company.admin).get("/").content.decode()


def test_another_companys_user_or_an_unknown_id_is_a_404(company):
    outsider = other_company()
    admin = signed_in(company.admin)
    theirs = profile(outsider.admin).pk
    for action in ("servicios", "rol", "contrasena", "enviar-usuario", "bloquear", "activar"):
        assert admin.get(f"{USERS}{theirs}/{action}/").status_code == 404, action
    response = admin.post(f"{USERS}{theirs}/eliminar/", {"reason": "No es nuestro"})
    assert response.status_code == 404
    assert admin.get(f"{USERS}999999/bloquear/").status_code == 404
    assert profile(outsider.admin).status == CompanyUser.Status.ACTIVE


def test_pages_refuse_the_wrong_method(company):
    admin = signed_in(company.admin)
    assert admin.post(USERS).status_code == 405
    assert admin.post("/empresa/auditoria/").status_code == 405
    assert admin.put(url(company.maker, "bloquear")).status_code == 405


# --- Editar servicios por rol -----------------------------------------------------------------


def test_services_edit_takes_the_service_away(company, payee_account):
    admin = signed_in(company.admin)
    page = admin.get(url(company.maker, "servicios")).content.decode()
    assert "Posición consolidada" in page and "Autorizar operaciones" not in page
    maker_services = [
        s for s in role_services(CompanyRole.MAKER) if s != Service.TRANSFER_INTERBANK
    ]
    response = with_code(
        admin,
        url(company.maker, "servicios"),
        {"services": maker_services, "reason": "Solo pagos locales"},
    )
    assert response["Location"] == USERS
    assert "Servicios actualizados." in messages_of(admin, response)
    assert profile(company.maker).services == maker_services

    maker = signed_in(company.maker)
    assert maker.get("/transferencias/interbancarias/").status_code == 403
    assert maker.get("/transferencias/cooprogreso/").status_code == 200

    event = AuditEvent.objects.get(action="company_user.services")
    assert event.actor == company.admin and event.reason == "Solo pagos locales"
    assert event.scope == company.audit_scope
    assert Service.TRANSFER_INTERBANK in event.before["servicios"]
    assert Service.TRANSFER_INTERBANK not in event.after["servicios"]


def test_without_authorize_the_autorizador_gets_403(company):
    approver = signed_in(company.approver_a)
    assert approver.get("/empresa/autorizar/").status_code == 200
    admin = signed_in(company.admin)
    with_code(
        admin,
        url(company.approver_a, "servicios"),
        {"services": [Service.POSITION, Service.QUERIES_ALL], "reason": "Vacaciones"},
    )
    assert approver.get("/empresa/autorizar/").status_code == 403


def test_services_beyond_the_role_or_none_are_refused(company):
    admin = signed_in(company.admin)
    path = url(company.approver_a, "servicios")
    page = admin.post(
        path, {"services": [Service.TRANSFER_INTERBANK], "reason": "Prueba"}
    ).content.decode()
    assert "El rol del usuario no permite el servicio" in page
    page = admin.post(path, {"reason": "Prueba"}).content.decode()
    assert "Marca al menos un servicio." in page
    assert profile(company.approver_a).services == []
    assert no_codes_for("company_user_services")


# --- Editar rol y firma ---------------------------------------------------------------------


def test_role_and_signature_change(company):
    level_a = SignatureLevel.objects.get(company=company, letter="A")
    admin = signed_in(company.admin)
    path = url(company.maker, "rol")
    page = admin.get(path).content.decode()
    assert "Acceso a cuentas" in page and company.account.number in page

    data = {"role": CompanyRole.APPROVER, "accounts": [company.account.pk], "reason": "Firma"}
    page = admin.post(path, data).content.decode()
    assert "Elige el nivel de firma del autorizador." in page
    assert no_codes_for("company_user_role")

    response = with_code(admin, path, {**data, "signature_level": level_a.pk})
    assert "Rol y firma actualizados." in messages_of(admin, response)
    maker = profile(company.maker)
    assert (maker.role, maker.signature_level) == (CompanyRole.APPROVER, level_a)
    assert list(maker.accounts.all()) == [company.account]
    # A new role brings every service it allows.
    assert set(maker.services) == {
        Service.POSITION,
        Service.AUTHORIZE,
        Service.QUERIES_ALL,
        Service.QUERIES_PENDING,
    }
    event = AuditEvent.objects.get(action="company_user.role")
    assert event.before["rol"] == "MAKER" and event.after["rol"] == "APPROVER"
    assert event.after["nivel_de_firma"] == "A" and event.before["nivel_de_firma"] is None
    assert event.after["cuentas"] == [company.account.number] and event.reason == "Firma"

    # Back to ingresador: the level goes away.
    with_code(
        admin,
        path,
        {
            "role": CompanyRole.MAKER,
            "signature_level": level_a.pk,
            "accounts": [company.account.pk],
            "reason": "Vuelve a registrar",
        },
    )
    assert profile(company.maker).signature_level is None


def test_a_forged_account_is_a_form_error_and_changes_nothing(company, payee_account):
    admin = signed_in(company.admin)
    path = url(company.maker, "rol")
    for forged in (payee_account.pk, profile(other_company().admin).pk * 1000, "abc"):
        page = admin.post(
            path,
            {"role": CompanyRole.MAKER, "accounts": [company.account.pk, forged], "reason": "x"},
        ).content.decode()
        assert "La cuenta elegida no es de la empresa." in page, forged
    assert not profile(company.maker).accounts.exists()
    assert no_codes_for("company_user_role")
    assert not AuditEvent.objects.filter(action="company_user.role").exists()


def test_the_code_approves_only_the_data_it_was_sent_for(company):
    level_a = SignatureLevel.objects.get(company=company, letter="A")
    admin = signed_in(company.admin)
    data = {"role": CompanyRole.MAKER, "accounts": [company.account.pk], "reason": "Cambio"}
    for changed in (
        {**data, "role": CompanyRole.APPROVER, "signature_level": level_a.pk},
        {**data, "reason": "Otro motivo"},
    ):
        response = with_code(admin, url(company.approver_b, "rol"), data, verify_data=changed)
        assert 'data-testid="otp-error"' in response.content.decode()
    assert profile(company.approver_b).role == CompanyRole.APPROVER
    assert not AuditEvent.objects.filter(action="company_user.role").exists()


# --- Safety rules --------------------------------------------------------------------------------


def test_an_administrator_cannot_block_delete_or_demote_themselves(company):
    admin = signed_in(company.admin)
    own = profile(company.admin)
    for action, data, message in (
        ("bloquear", {}, "No puedes bloquear tu propio usuario."),
        ("eliminar", {}, "No puedes eliminar tu propio usuario."),
        (
            "rol",
            {"role": CompanyRole.MAKER, "accounts": [company.account.pk]},
            "No puedes quitarte el rol de administrador",
        ),
        ("contrasena", {}, "usa «Perfil» › «Cambiar contraseña»"),
    ):
        page = admin.post(url(company.admin, action), {**data, "reason": "Prueba"})
        assert message in page.content.decode(), action
    own.refresh_from_db()
    assert (own.role, own.status) == (CompanyRole.ADMIN, CompanyUser.Status.ACTIVE)
    assert OtpChallenge.objects.filter(user=company.admin).count() == 1  # the sign-in's only


def test_the_company_keeps_an_active_administrator(company):
    other = second_admin(company)
    mine, theirs = profile(company.admin), profile(other)
    # Two administrators blocking each other at once: the second queues behind the first and
    # finds itself no longer an active administrator.
    company_user_block(actor=company.admin, company_user=theirs, reason="Salió de la empresa")
    with pytest.raises(CompanyUserError, match="Solo un administrador activo"):
        company_user_block(actor=other, company_user=mine, reason="Represalia")
    mine.refresh_from_db()
    assert mine.status == CompanyUser.Status.ACTIVE
    # The rule itself, for any actor: the last active administrator stays one.
    problem = change_problem(actor=other, target=mine, status=CompanyUser.Status.BLOCKED)
    assert problem == "La empresa debe conservar al menos un administrador activo."
    problem = change_problem(actor=other, target=mine, role=CompanyRole.MAKER)
    assert problem == "La empresa debe conservar al menos un administrador activo."


def test_an_administrator_may_demote_another_administrator(company):
    other = second_admin(company)
    admin = signed_in(company.admin)
    with_code(
        admin,
        url(other, "rol"),
        {"role": CompanyRole.MAKER, "accounts": [company.account.pk], "reason": "Reorganización"},
    )
    assert profile(other).role == CompanyRole.MAKER


# --- Bloquear, activar, eliminar ------------------------------------------------------------


def test_a_blocked_user_loses_their_session_and_cannot_sign_in_until_activated(company):
    maker = signed_in(company.maker)
    assert maker.get("/").status_code == 200
    admin = signed_in(company.admin)
    page = admin.get(url(company.maker, "bloquear")).content.decode()
    assert "¿Estás seguro de bloquear al usuario" in page and "Motivo" in page

    response = with_code(admin, url(company.maker, "bloquear"), {"reason": "Licencia"})
    assert "Usuario bloqueado" in messages_of(admin, response)
    assert profile(company.maker).status == CompanyUser.Status.BLOCKED
    assert maker.get("/")["Location"].startswith("/ingresar/")
    refused = sign_in(Client(), company.maker.username)
    assert "Usuario o contraseña incorrectos." in refused.content.decode()
    listing = admin.get(USERS).content.decode()
    assert "Bloqueado" in listing and "Activar" in listing

    # What cannot apply to a blocked user is refused before any code.
    for action, message in (
        ("bloquear", "El usuario ya está bloqueado."),
        ("contrasena", "El usuario está bloqueado: actívalo primero."),
        ("enviar-usuario", "El usuario está bloqueado: actívalo primero."),
    ):
        page = admin.post(url(company.maker, action), {"reason": "Otra vez"}).content.decode()
        assert message in page, action
    assert OtpChallenge.objects.filter(user=company.admin).count() == 2

    with_code(admin, url(company.maker, "activar"), {"reason": "Regresó"})
    assert profile(company.maker).status == CompanyUser.Status.ACTIVE
    assert signed_in(company.maker).get("/").status_code == 200
    events = AuditEvent.objects.filter(scope=company.audit_scope).order_by("id")
    assert [(e.action, e.before, e.after, e.reason) for e in events] == [
        ("company_user.block", {"estado": "ACTIVO"}, {"estado": "BLOQUEADO"}, "Licencia"),
        ("company_user.activate", {"estado": "BLOQUEADO"}, {"estado": "ACTIVO"}, "Regresó"),
    ]


def test_a_wrong_code_or_a_missing_reason_changes_nothing(company):
    admin = signed_in(company.admin)
    page = admin.post(url(company.maker, "bloquear"), {"reason": "  "}).content.decode()
    assert "Ingresa el motivo de esta acción." in page
    assert no_codes_for("company_user_block")

    path = url(company.maker, "bloquear")
    challenge = challenge_of(admin.post(path, {"reason": "Licencia"}))
    response = admin.post(
        path,
        {
            "reason": "Licencia",
            "otp_step": "verify",
            "otp_challenge": challenge,
            "otp_code": wrong(code_sent()),
        },
    )
    assert 'data-testid="otp-error"' in response.content.decode()
    assert profile(company.maker).status == CompanyUser.Status.ACTIVE
    assert not AuditEvent.objects.filter(action="company_user.block").exists()


def test_a_deleted_user_is_kept_but_can_never_sign_in(company):
    admin = signed_in(company.admin)
    page = admin.get(url(company.maker, "eliminar")).content.decode()
    assert "¿Estás seguro de continuar con esta acción?" in page
    assert "Esta acción no se puede deshacer." in page
    with_code(admin, url(company.maker, "eliminar"), {"reason": "Renunció"})

    gone = profile(company.maker)
    assert gone.status == CompanyUser.Status.DELETED and not gone.user.is_active
    refused = sign_in(Client(), company.maker.username)
    assert "Usuario o contraseña incorrectos." in refused.content.decode()
    assert "maker@andina.example" not in admin.get(USERS).content.decode()
    listing = admin.get(USERS, {"eliminados": "1"}).content.decode()
    assert "maker@andina.example" in listing and "Eliminado" in listing
    # Irreversible: no action applies to it any more.
    response = admin.get(url(company.maker, "activar"))
    assert response["Location"] == USERS
    assert "ya no admite cambios" in messages_of(admin, response)
    event = AuditEvent.objects.get(action="company_user.delete")
    assert (event.before, event.after, event.reason) == (
        {"estado": "ACTIVO"},
        {"estado": "ELIMINADO"},
        "Renunció",
    )


# --- Credentials -------------------------------------------------------------------------------


def test_password_reset_sends_new_temporary_credentials(company):
    admin = signed_in(company.admin)
    page = admin.get(url(company.maker, "contrasena")).content.decode()
    assert "Sí, establecer" in page
    response = with_code(admin, url(company.maker, "contrasena"), {"reason": "Olvidó su clave"})
    assert "Credenciales temporales enviadas" in messages_of(admin, response)
    body = sent_body(subject=CREDENTIALS, recipient="maker@andina.example")
    assert f"Usuario temporal: {company.maker.username}" in body
    maker = User.objects.get(pk=company.maker.pk)
    assert maker.needs_setup
    assert "Usuario o contraseña incorrectos." in sign_in(Client(), maker.username).content.decode()
    event = AuditEvent.objects.get(action="company_user.password_reset")
    assert event.actor == company.admin and event.reason == "Olvidó su clave"


def test_send_username_emails_it(company):
    admin = signed_in(company.admin)
    page = admin.get(url(company.maker, "enviar-usuario")).content.decode()
    assert "¿Estás seguro de enviar el usuario de inicio de sesión al usuario" in page
    with_code(admin, url(company.maker, "enviar-usuario"), {"reason": "Lo pidió"})
    body = sent_body(subject="Tu usuario de Cooprogreso en Línea", recipient="maker@andina.example")
    assert company.maker.username in body
    assert AuditEvent.objects.get(action="company_user.username_send").reason == "Lo pidió"


# --- Agregar usuario ----------------------------------------------------------------------------


def test_add_user_looks_up_the_cedula_first(company):
    maker = profile(company.maker)
    maker.identification = valid_cedula(42)
    maker.save(update_fields=["identification"])
    admin = signed_in(company.admin)
    page = admin.get(f"{USERS}agregar/").content.decode()
    assert "Consultar usuario" in page and "Identificación" in page
    for cedula, message in (
        ("1234567890", "La cédula no es válida"),
        (valid_cedula(42), "ya es usuario activo de la empresa con esta identificación"),
        ("", "Ingresa el número de cédula del usuario."),
    ):
        page = admin.post(f"{USERS}agregar/", {"lookup": "1", "identification": cedula})
        assert message in page.content.decode(), cedula
    page = admin.post(f"{USERS}agregar/", {"lookup": "1", "identification": valid_cedula(43)})
    page = page.content.decode()
    assert "Agregar usuario" in page and valid_cedula(43) in page and "Primer apellido" in page


def new_user_data(company, **extra):
    level_a = SignatureLevel.objects.get(company=company, letter="A")
    return {
        "identification": valid_cedula(77),
        "first_names": "Rosa Elena",
        "first_surname": "Cevallos",
        "second_surname": "Mora",
        "sex": "F",
        "phone": "0991234567",
        "email": "rosa.cevallos@andina.example",
        "accounts": [company.account.pk],
        "role": CompanyRole.APPROVER,
        "signature_level": level_a.pk,
        "reason": "Nueva jefa financiera",
        **extra,
    }


def test_add_user_validates_every_field(company, payee_account):
    admin = signed_in(company.admin)
    page = admin.post(
        f"{USERS}agregar/",
        new_user_data(
            company,
            phone="12",
            email="no-es-correo",
            reason="",
            signature_level="",
            accounts=[payee_account.pk],
        ),
    ).content.decode()
    for message in (
        "Ingresa un teléfono de 9 o 10 dígitos",
        "Ingresa un correo válido",
        "Ingresa el motivo de esta acción.",
        "La cuenta elegida no es de la empresa.",
    ):
        assert message in page, message
    assert no_codes_for("company_user_create")
    assert CompanyUser.objects.filter(company=company).count() == 5


def test_a_new_user_gets_temporary_credentials_and_completes_the_first_sign_in(company):
    admin = signed_in(company.admin)
    response = with_code(admin, f"{USERS}agregar/", new_user_data(company))
    assert response["Location"] == USERS
    assert "Usuario agregado" in messages_of(admin, response)

    added = CompanyUser.objects.select_related("user").get(identification=valid_cedula(77))
    user = added.user
    assert (user.first_name, user.last_name) == ("Rosa Elena", "Cevallos Mora")
    assert user.customer_id == company.member_id and user.needs_setup
    assert (added.role, added.signature_level.letter) == (CompanyRole.APPROVER, "A")
    assert (added.sex, added.phone, added.first_surname, added.second_surname) == (
        "F",
        "0991234567",
        "Cevallos",
        "Mora",
    )
    assert list(added.accounts.all()) == [company.account]
    event = AuditEvent.objects.get(action="company_user.create")
    assert event.before is None and event.after["rol"] == "APPROVER"
    assert event.reason == "Nueva jefa financiera" and event.scope == company.audit_scope
    assert "Rosa Elena Cevallos Mora" in admin.get(USERS).content.decode()
    # The same cédula cannot be added twice.
    page = admin.post(f"{USERS}agregar/", {"lookup": "1", "identification": valid_cedula(77)})
    assert "ya es usuario activo" in page.content.decode()

    body = sent_body(subject=CREDENTIALS, recipient="rosa.cevallos@andina.example")
    username = re.search(r"Usuario temporal: (\S+)", body).group(1)
    password = re.search(r"Contraseña temporal: (\S+)", body).group(1)
    assert username == user.username
    client = Client()
    response = client.post("/ingresar/", {"username": username, "password": password})
    for _ in range(6):
        step = response["Location"]
        if step == "/ingresar/usuario/":
            response = client.post(step, {"username": "rosacevallos"})
        elif step == "/ingresar/contrasena/":
            response = client.post(
                step, {"current": password, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
            )
        elif step == "/ingresar/dispositivo/":
            response = client.post(step, {"register": "si", "alias": "Oficina"})
        elif step == "/ingresar/codigo/":
            client.get(step)
            response = client.post(step, {"otp_code": code_sent("rosa.cevallos@andina.example")})
            break
        else:
            raise AssertionError(step)
    assert "Credenciales configuradas con éxito" in response.content.decode()
    client = Client()
    sign_in(client, "rosacevallos", NEW_PASSWORD)
    assert client.get("/empresa/autorizar/").status_code == 200


def test_a_deleted_persons_cedula_can_be_added_again(company):
    maker = profile(company.maker)
    maker.identification = valid_cedula(77)
    maker.status = CompanyUser.Status.DELETED
    maker.save(update_fields=["identification", "status"])
    admin = signed_in(company.admin)
    with_code(admin, f"{USERS}agregar/", new_user_data(company, role=CompanyRole.MAKER))
    assert CompanyUser.objects.filter(identification=valid_cedula(77)).count() == 2


# --- Auditoría ---------------------------------------------------------------------------------


def test_the_audit_page_shows_only_the_companys_events(company):
    named(company.maker, "Jorge", "Paredes")
    outsider = other_company()
    audit_record(
        actor=outsider.admin,
        action="company_user.block",
        target=profile(outsider.admin),
        before={"estado": "ACTIVO"},
        after={"estado": "BLOQUEADO"},
        reason="Secreto de la otra empresa",
        scope=outsider.audit_scope,
    )
    admin = signed_in(company.admin)
    with_code(admin, url(company.maker, "bloquear"), {"reason": "Licencia médica"})
    audit_record(
        actor=company.admin, action="algo.nuevo", target=company, scope=company.audit_scope
    )

    page = admin.get("/empresa/auditoria/").content.decode()
    assert "Bloquear usuario" in page and "Licencia médica" in page
    assert "Estado: Activo → Bloqueado" in page
    assert "Bloqueó a Jorge Paredes" in page
    assert "algo.nuevo" not in page  # an action without a label reads as "Otra acción"
    assert "Otra acción" in page
    assert "Secreto de la otra empresa" not in page
    assert page.index("Otra acción") < page.index("Licencia médica")  # newest first

    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=company.admin,
            action="company_user.services",
            target_type="enterprise.companyuser",
            target_id=str(profile(company.maker).pk),
            reason=f"motivo {n}",
            scope=company.audit_scope,
        )
        for n in range(55)
    )
    first = admin.get("/empresa/auditoria/").content.decode()
    assert first.count('data-testid="audit-row"') == 50 and "Página 1 de 2" in first
    second = admin.get("/empresa/auditoria/", {"page": 2}).content.decode()
    assert second.count('data-testid="audit-row"') == 7  # the 7 oldest
