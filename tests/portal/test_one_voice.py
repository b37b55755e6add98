"""One voice: the portal speaks to the person with "tú", Django's own messages included, and
the sign-in page says why the person is there."""

import ast
import gettext as gnu_gettext
import io
import re
import time
from decimal import Decimal
from pathlib import Path

import django
import pytest
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from accounts.models import Account
from common import django_voice
from identity.middleware import SEEN
from tests.auth import sign_in
from tests.factories import AccountFactory, deposit

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "es_EC" / "LC_MESSAGES"
DJANGO = Path(django.__file__).parent
# Django's Spanish for the messages a person can meet: forms, validators, passwords, CSRF.
DJANGO_CATALOGUES = (
    DJANGO / "conf" / "locale" / "es" / "LC_MESSAGES" / "django.mo",
    DJANGO / "contrib" / "auth" / "locale" / "es" / "LC_MESSAGES" / "django.mo",
)
# "usted" as Django's Spanish and old texts say it: imperatives, "Su contraseña", "Por favor".
USTED = re.compile(
    r"\b(Introduzca|Introduza|Escoja|Asegúrese|Seleccione|Ingrese|Compruebe|Envíe|Corrija|"
    r"Escriba|Habilite|Observe|[Vv]uelva|[Ss]i ha configurado|Su contraseña|[Ee]limínelos|"
    r"[Uu]tilice|[Ll]e preocupa|[Pp]or favor|[Uu]sted|[Ii]ntente|[Dd]eba)\b"
)
# What our own texts must not say (issue 13): usted, "debe de", "¿Estás seguro que", numbers
# abbreviated otherwise than "N.º", missing accents in the movement types.
FORBIDDEN = re.compile(
    r"\b(Introduzca|Escoja|Asegúrese|Seleccione|Ingrese|Digite|Verifique|Comuníquese|"
    r"Acérquese|Diríjase|Acuda|Compruebe|Corrija|Envíe|Escriba|Habilite|"
    r"Por favor,? (ingrese|seleccione|verifique|intente))\b"
    r"|\bdebe de\b|¿Estás segur[oa] que\b|\bSu (contraseña|usuario|cuenta)\b|\bSU CUENTA\b"
    r"|\bNOTA DE (DEBITO|CREDITO)\b|\bTransaccion\b|\bNro\.|N°|\bNo\. ?(\{|%|\d)"
)
SOURCES = (
    "accounts",
    "common",
    "cooperativa",
    "credits",
    "enterprise",
    "identity",
    "payments",
    "payroll",
    "support",
    "transfers",
    "templates",
    "static",
)


@pytest.fixture(autouse=True)
def _spanish():
    with translation.override(settings.LANGUAGE_CODE):
        yield


def _marked() -> tuple[list[str], list[tuple[str, str]]]:
    return list(django_voice.SINGULAR), list(django_voice.PLURAL)


# --- Django's messages ---------------------------------------------------------------------------


class _Form(forms.Form):
    number = forms.IntegerField()
    amount = forms.DecimalField(max_digits=6, decimal_places=2)
    choice = forms.ChoiceField(choices=[("a", "A")])
    day = forms.DateField()
    email = forms.EmailField()
    name = forms.CharField(max_length=3)
    needed = forms.CharField()


def test_the_project_speaks_es_ec():
    assert settings.LANGUAGE_CODE == "es-ec"
    assert CATALOGUE.parent.parent in [Path(p) for p in settings.LOCALE_PATHS]


def test_djangos_form_errors_speak_tu():
    form = _Form(
        {
            "number": "abc",
            "amount": "1.234",
            "choice": "z",
            "day": "31/31/2026",
            "email": "ana@",
            "name": "abcd",
        }
    )
    assert form.errors == {
        "number": ["Ingresa un número entero."],
        "amount": ["Asegúrate de que no haya más de 2 decimales."],
        "choice": ["Elige una opción válida. z no es una de las opciones disponibles."],
        "day": ["Ingresa una fecha válida."],
        "email": ["Ingresa un correo electrónico válido."],
        "name": ["Asegúrate de que este valor tenga como máximo 3 caracteres (tiene 4)."],
        "needed": ["Este campo es obligatorio."],
    }
    assert _Form({"number": "1.5"}).errors["number"] == ["Ingresa un número entero."]
    assert _Form({"amount": "x"}).errors["amount"] == ["Ingresa un número."]


def test_a_page_shows_djangos_error_in_tu(client, member_user):
    client.force_login(member_user)
    data = {"identification": "1" * 25}
    page = client.post(reverse("support:complaint"), data).content.decode()
    # Django's own message for a field's length (this form words only its others).
    assert "Asegúrate de que este valor tenga como máximo 20 caracteres (tiene 25)." in page
    assert not USTED.search(page)


def test_djangos_password_rules_speak_tu():
    texts = password_validation.password_validators_help_texts()
    assert "Tu contraseña no puede parecerse demasiado a tus otros datos personales." in texts
    assert "Tu contraseña no puede ser una contraseña de uso común." in texts
    assert not [t for t in texts if USTED.search(t)]


def _django_spanish() -> dict:
    catalogue = {}
    for path in DJANGO_CATALOGUES:
        with path.open("rb") as handle:
            catalogue.update(gnu_gettext.GNUTranslations(handle)._catalog)
    return catalogue


def test_every_django_message_in_usted_is_said_with_tu():
    """Django's Spanish catalogues, read as they ship: every message of theirs that says
    "usted" has a "tú" translation in ours, and ours wins. A Django upgrade that adds one
    fails here until it is added to common/django_voice.py and the catalogue."""
    left = []
    for key, spanish in _django_spanish().items():
        if not key or not USTED.search(spanish):
            continue
        if isinstance(key, tuple):
            msgid, index = key
            ours = translation.ngettext(msgid, msgid, 1 if index == 0 else 2)
        else:
            msgid, ours = key, translation.gettext(key)
        if ours in (spanish, msgid) or USTED.search(ours):
            left.append(msgid)
    assert left == []


def test_every_marked_message_is_one_django_still_uses():
    """A message marked in common/django_voice.py that Django no longer has (renamed in an
    upgrade) would leave Django's own Spanish, in usted, in its place."""
    spanish = _django_spanish()
    singular, plural = _marked()
    known = {k if isinstance(k, str) else k[0] for k in spanish}
    assert [m for m in singular if m not in known] == []
    assert [s for s, _p in plural if s not in known] == []


# --- The catalogue -------------------------------------------------------------------------------


def _po_entries(path: Path) -> list[dict]:
    """msgid, msgid_plural, msgstr[…] and flags of each entry of a .po file."""
    entries, current, key = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in current:
                entries.append(current)
            current, key = {}, None
        elif line.startswith("#,"):
            current.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, _space, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
    return entries


def _translated(entries):
    for entry in entries:
        if not entry["msgid"] or "fuzzy" in entry.get("flags", ()):
            continue
        if "msgid_plural" in entry:
            forms_ = [v for k, v in sorted(entry.items()) if k.startswith("msgstr[")]
            if all(forms_):
                yield entry["msgid"], tuple(forms_)
        elif entry.get("msgstr"):
            yield entry["msgid"], entry["msgstr"]


def test_every_marked_message_has_its_tu_translation_in_the_catalogue():
    catalogue = dict(_translated(_po_entries(CATALOGUE / "django.po")))
    singular, plural = _marked()
    for msgid in singular:
        assert msgid in catalogue and not USTED.search(catalogue[msgid]), msgid
    for msgid, _plural in plural:
        assert msgid in catalogue and not any(USTED.search(f) for f in catalogue[msgid]), msgid
    # And nothing English is translated without being marked: makemessages would drop it.
    english = {m for m in catalogue if re.search(r"\b(the|a|an|is|Enter|Please)\b", m)}
    assert english <= set(singular) | {s for s, _p in plural}


def test_the_compiled_catalogue_is_the_po_file():
    """Django reads the .mo: after editing django.po run
    ``python manage.py compilemessages -l es_EC --ignore=.venv``."""
    compiled = CATALOGUE / "django.mo"
    assert compiled.exists(), "locale/es_EC/LC_MESSAGES/django.mo falta: compilemessages"
    with compiled.open("rb") as handle:
        mo = {k: v for k, v in gnu_gettext.GNUTranslations(handle)._catalog.items() if k}
    po = {}
    for msgid, translated in _translated(_po_entries(CATALOGUE / "django.po")):
        if isinstance(translated, tuple):
            po.update({(msgid, i): text for i, text in enumerate(translated)})
        else:
            po[msgid] = translated
    assert mo == po


# --- Our own texts -------------------------------------------------------------------------------


def _our_texts():
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".html", ".txt", ".js") or "migrations" in path.parts:
                continue
            if path.name == "django_voice.py":  # quotes Django's usted to replace it
                continue
            yield path


def test_our_texts_speak_tu_and_write_numbers_one_way():
    found = [
        f"{path.relative_to(ROOT)}:{n}: {match.group(0)}"
        for path in _our_texts()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if (match := FORBIDDEN.search(line))
    ]
    assert found == []


def test_the_scan_catches_what_it_looks_for():
    for text in (
        "Introduzca su clave",
        "El usuario debe de tener 8 caracteres",
        "¿Estás seguro que deseas salir?",
        "Su contraseña vence hoy",
        "NOTA DE DEBITO",
        "Nro. Cta: 123",
        "N° 123",
    ):
        assert FORBIDDEN.search(text), text
    for text in ("Ingresa tu clave", "Cambió su contraseña", "N.º 123", "¿Estás seguro de salir?"):
        assert not FORBIDDEN.search(text), text


# --- Why the sign-in page shows ------------------------------------------------------------------

IDLE = "Tu sesión se cerró por inactividad. Ingresa de nuevo para continuar."


def _messages(page: str) -> list[str]:
    return re.findall(r'<li class="msg ([a-z ]+)">([^<]*)</li>', page)


def test_an_idle_session_lands_on_the_sign_in_page_saying_why(client, member_user):
    sign_in(client, member_user.username)
    session = client.session
    session[SEEN] = time.time() - settings.SESSION_IDLE_SECONDS - 1
    session.save()
    response = client.get(reverse("accounts:position"))
    assert response["Location"] == reverse("identity:login")
    page = client.get(response["Location"]).content.decode()
    assert _messages(page) == [("info", IDLE)]


def test_the_dialogs_countdown_ends_the_session_saying_why(client, member_user):
    sign_in(client, member_user.username)
    dialog = client.get(reverse("identity:idle_warning")).content.decode()
    expire = reverse("identity:idle_expired")
    # The countdown submits the hidden form; "Salir" stays a sign-out of its own.
    assert f'action="{expire}" data-idle-logout hidden' in dialog
    assert f'action="{reverse("identity:logout")}" data-idle-logout' not in dialog
    response = client.post(expire)
    assert response["Location"] == reverse("identity:login")
    page = client.get(response["Location"]).content.decode()
    assert _messages(page) == [("info", IDLE)]
    assert "Cerraste tu sesión" not in page
    assert client.get(reverse("accounts:position"))["Location"].startswith(
        reverse("identity:login")
    )


def test_the_countdown_page_is_a_post(client, member_user):
    sign_in(client, member_user.username)
    assert client.get(reverse("identity:idle_expired")).status_code == 405


def test_signing_out_still_says_it_was_the_person(client, member_user):
    sign_in(client, member_user.username)
    client.post(reverse("identity:logout"))
    page = client.get(reverse("identity:login")).content.decode()
    assert _messages(page) == [("success", "Cerraste tu sesión de forma segura.")]


# --- Plurals -------------------------------------------------------------------------------------


def test_the_ledger_check_counts_one_problem_in_the_singular():
    account = AccountFactory()
    deposit(account, "10.00")
    Account.objects.filter(pk=account.pk).update(
        balance=Decimal("11.00"), available=Decimal("11.00")
    )
    with pytest.raises(CommandError) as raised:
        call_command("ledger_check", stderr=io.StringIO())
    assert str(raised.value) == "1 problema en el libro mayor."
