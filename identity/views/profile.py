"""Perfil: password, username, devices, security (factors, image and questions, activity),
the texts the member accepted."""

from __future__ import annotations

import base64
import json
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..forms import (
    ConfirmForm,
    DeviceRemoveForm,
    FactorForm,
    PasskeyNameForm,
    PasswordChoiceForm,
    SecurityForm,
    UsernameForm,
)
from ..models import OtpFactor
from ..selectors import (
    consents_of,
    device_get_for_user,
    devices_of,
    passkey_get_for_user,
    passkeys_of,
    security_activity,
    totp_enrolling,
)
from ..services.credentials import USERNAME_RULES, security_answers_hash
from ..services.devices import device_for_request, device_remove
from ..services.lockout import user_is_locked
from ..services.passkeys import (
    PasskeyError,
    passkey_register,
    passkey_remove,
    registration_options,
)
from ..services.passwords import LENGTH_TEXT, RULES_TEXT
from ..services.security import (
    factor_set,
    factors_available,
    other_sessions_close,
    other_sessions_close_asked,
    password_change,
    security_questions_set,
    totp_confirm,
    totp_pending,
    totp_qr_svg,
    totp_remove,
    username_change,
)
from .otp import OtpConfirmView

PROFILE = reverse_lazy("identity:profile")


def _secret_digest(value: str) -> str:
    # What a code approves may include a secret (a new password): the challenge keeps a keyed
    # digest of it, never the secret or a plain hash of it.
    return salted_hmac("identity.otp.secret", value, algorithm="sha256").hexdigest()


@login_required
@require_GET
def profile(request):
    return render(request, "identity/profile/index.html")


class PasswordChangeView(OtpConfirmView):
    heading = _("Cambiar contraseña")
    otp_purpose = "password_change"
    cancel_url = PROFILE

    def get_form(self, data=None):
        form = PasswordChoiceForm(data=data, user=self.request.user)
        form.fields["current"].label = gettext("Contraseña actual")
        return form

    def get_context_data(self, **kwargs):
        return super().get_context_data(rules=(RULES_TEXT, LENGTH_TEXT), **kwargs)

    def form_invalid(self, form):
        if form.has_error("current"):
            # A wrong current password counts like a wrong password at sign-in: whoever holds
            # an open session cannot guess it without limit.
            user = self.request.user
            user_login_failed.send(
                sender=__name__, credentials={"username": user.username}, request=self.request
            )
            if user_is_locked(user=user):
                logout(self.request)
                return render(
                    self.request,
                    "identity/locked.html",
                    {"failure_limit": settings.AXES_FAILURE_LIMIT},
                    status=429,
                )
        return super().form_invalid(form)

    secret_fields = ("current", "new", "confirm")

    def otp_keep(self, form):
        # Only a hash of the new password waits for the code, in the server-side session.
        return {"password": make_password(form.cleaned_data["new"])}

    def otp_operation(self, kept):
        return {"new": _secret_digest(kept["password"])}

    def otp_description(self, kept):
        return gettext("cambiar tu contraseña")

    def confirmed(self, kept, challenge):
        password_change(
            request=self.request, user=self.request.user, password_hash=kept["password"]
        )
        return self.done(str(PROFILE), gettext("Contraseña actualizada"))


class UsernameChangeView(OtpConfirmView):
    heading = _("Personaliza tu nombre de usuario")
    otp_purpose = "username_change"
    cancel_url = PROFILE

    def get_form(self, data=None):
        return UsernameForm(data=data, user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rules=USERNAME_RULES, previous=self.request.user.username, **kwargs
        )

    def otp_operation(self, form):
        return {"username": form.cleaned_data["username"]}

    def otp_description(self, form):
        return gettext("cambiar tu nombre de usuario a %(u)s") % {
            "u": form.cleaned_data["username"]
        }

    def confirmed(self, form, challenge):
        username_change(
            request=self.request, user=self.request.user, username=form.cleaned_data["username"]
        )
        return self.done(str(PROFILE), gettext("Nombre de usuario actualizado"))


# --- Devices -------------------------------------------------------------------------------------


@login_required
@require_GET
def devices(request):
    current = device_for_request(user=request.user, request=request)
    return render(
        request,
        "identity/profile/devices.html",
        {"devices": devices_of(user=request.user), "current_id": current.pk if current else None},
    )


@login_required
@require_GET
def device_detail(request, pk):
    device = device_get_for_user(user=request.user, pk=pk)
    template = "identity/profile/device_detail.html"
    if request.htmx:
        return render(request, template + "#dialog", {"device": device, "as_modal": True})
    return render(request, template, {"device": device})


class DeviceRemoveView(OtpConfirmView):
    heading = _("Eliminar dispositivo")
    submit_label = _("Sí, eliminar")
    otp_purpose = "device_remove"
    cancel_url = reverse_lazy("identity:devices")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.device = device_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        return DeviceRemoveForm(data=data, initial={"device": self.device.pk})

    def get_context_data(self, **kwargs):
        intro = gettext("Vas a eliminar el dispositivo «%(alias)s» (%(browser)s).") % {
            "alias": self.device.alias,
            "browser": self.device.browser,
        }
        return super().get_context_data(intro=intro, **kwargs)

    def otp_operation(self, form):
        return {"device": self.device.pk, "reason": form.cleaned_data["reason"]}

    def otp_description(self, form):
        return gettext("eliminar el dispositivo %(alias)s") % {"alias": self.device.alias}

    def confirmed(self, form, challenge):
        device_remove(
            user=self.request.user,
            device_id=self.device.pk,
            reason=form.cleaned_data["reason"],
            request=self.request,
        )
        return self.done(
            reverse("identity:devices"), gettext("El proceso se ha realizado con éxito.")
        )


# --- Security ------------------------------------------------------------------------------------


@login_required
@require_GET
def security(request):
    user = request.user
    return render(
        request,
        "identity/profile/security.html",
        {
            "factors": factors_available(user),
            "has_totp": any(f == OtpFactor.TOTP for f, _ in factors_available(user)),
            "activity": security_activity(user=user),
            "passkeys": passkeys_of(user=user),
            "is_member": user.customer_id is not None and not user.is_company_user,
        },
    )


class SecurityQuestionsView(OtpConfirmView):
    heading = _("Imagen y preguntas de seguridad")
    otp_purpose = "security_questions"
    cancel_url = reverse_lazy("identity:security")

    def get_form(self, data=None):
        return SecurityForm(data=data)

    def otp_operation(self, form):
        return {
            "image": form.cleaned_data["image"],
            "answers": [[q, _secret_digest(a)] for q, a in form.pairs()],
        }

    def otp_description(self, form):
        return gettext("cambiar tu imagen y preguntas de seguridad")

    def confirmed(self, form, challenge):
        security_questions_set(
            request=self.request,
            user=self.request.user,
            image=form.cleaned_data["image"],
            answers=security_answers_hash(form.pairs()),
        )
        return self.done(
            reverse("identity:security"), gettext("Imagen y preguntas de seguridad actualizadas")
        )


class FactorView(OtpConfirmView):
    heading = _("Factor de seguridad predeterminado")
    otp_purpose = "factor_default"
    cancel_url = reverse_lazy("identity:security")

    def get_form(self, data=None):
        return FactorForm(data=data, user=self.request.user)

    def otp_operation(self, form):
        return {"factor": form.cleaned_data["factor"]}

    def otp_description(self, form):
        return gettext("cambiar tu factor de seguridad predeterminado")

    def confirmed(self, form, challenge):
        factor_set(request=self.request, user=self.request.user, factor=form.cleaned_data["factor"])
        return self.done(reverse("identity:security"), gettext("Factor de seguridad actualizado"))


class TotpAddView(OtpConfirmView):
    heading = _("Agregar aplicación autenticadora")
    intro = _(
        "Primero confirma con tu factor actual; luego escanearás un código QR con tu aplicación."
    )
    submit_label = _("Continuar")
    otp_purpose = "totp_add"
    cancel_url = reverse_lazy("identity:security")

    def get_form(self, data=None):
        return ConfirmForm(data=data)

    def otp_operation(self, form):
        return {"user": self.request.user.pk}

    def otp_description(self, form):
        return gettext("agregar una aplicación autenticadora")

    def confirmed(self, form, challenge):
        totp_pending(user=self.request.user)
        _enrolment_allow(self.request, "totp_enrolment")
        url = reverse("identity:totp_scan")
        if self.request.htmx:
            response = self.done(url, gettext("Escanea el código QR con tu aplicación."))
            return response
        return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def totp_scan(request):
    # Only shortly after the current factor approved adding an app (TotpAddView).
    device = totp_enrolling(user=request.user)
    if not _enrolment_allowed(request, "totp_enrolment") or device is None:
        return redirect("identity:totp_add")
    error = ""
    if request.method == "POST":
        code = (request.POST.get("code") or "").strip()
        if totp_confirm(request=request, user=request.user, code=code):
            request.session.pop("totp_enrolment", None)
            messages.success(request, gettext("Aplicación autenticadora agregada"))
            return redirect("identity:security")
        error = gettext(
            "El código no es correcto. Revisa la hora de tu teléfono e intenta de nuevo."
        )
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "identity/profile/totp_scan.html",
        {"qr": totp_qr_svg(device), "secret": secret, "error": error},
    )


class TotpRemoveView(TotpAddView):
    heading = _("Eliminar aplicación autenticadora")
    intro = _("Tus códigos volverán a llegar a tu correo electrónico.")
    submit_label = _("Sí, eliminar")
    otp_purpose = "totp_remove"

    def otp_description(self, form):
        return gettext("eliminar tu aplicación autenticadora")

    def confirmed(self, form, challenge):
        totp_remove(request=self.request, user=self.request.user)
        return self.done(
            reverse("identity:security"), gettext("Aplicación autenticadora eliminada")
        )


@login_required
@require_POST
def sessions_close(request):
    other_sessions_close_asked(request=request, user=request.user)
    messages.success(request, gettext("Cerramos tus otras sesiones."))
    return redirect("identity:security")


@login_required
@require_GET
def terms_accepted(request):
    consents = consents_of(user=request.user)
    return render(request, "identity/profile/terms.html", {"consents": consents})


# --- Short-lived permissions granted by a code ------------------------------------------------

ENROLMENT_WINDOW_SECONDS = 300


def _enrolment_allow(request, key: str, **data) -> None:
    request.session[key] = {"until": time.time() + ENROLMENT_WINDOW_SECONDS, **data}


def _enrolment_allowed(request, key: str) -> dict | None:
    grant = request.session.get(key)
    if not isinstance(grant, dict) or grant.get("until", 0) < time.time():
        request.session.pop(key, None)
        return None
    return grant


# --- Passkeys ---------------------------------------------------------------------------------


class PasskeyAddView(OtpConfirmView):
    heading = _("Registrar llave de acceso")
    intro = _(
        "Usa la huella, el rostro o el PIN de este dispositivo, o una llave de seguridad, en vez "
        "de códigos. Primero confirma con tu factor actual."
    )
    submit_label = _("Continuar")
    otp_purpose = "passkey_add"
    cancel_url = reverse_lazy("identity:security")

    def get_form(self, data=None):
        return PasskeyNameForm(data=data)

    def otp_operation(self, form):
        return {"name": form.cleaned_data["name"]}

    def otp_description(self, form):
        return gettext("registrar la llave de acceso %(name)s") % {
            "name": form.cleaned_data["name"]
        }

    def confirmed(self, form, challenge):
        _enrolment_allow(self.request, "passkey_enrolment", name=form.cleaned_data["name"])
        url = reverse("identity:passkey_register")
        if self.request.htmx:
            return self.done(url, gettext("Ahora registra la llave en tu dispositivo."))
        return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def passkey_register_view(request):
    grant = _enrolment_allowed(request, "passkey_enrolment")
    if grant is None:
        return redirect("identity:passkey_add")
    error = ""
    if request.method == "POST":
        try:
            passkey_register(
                request=request,
                user=request.user,
                credential_json=request.POST.get("credential", ""),
                name=grant["name"],
            )
        except PasskeyError as exc:
            error = exc.message
        else:
            request.session.pop("passkey_enrolment", None)
            other_sessions_close(request=request, user=request.user)
            messages.success(request, gettext("Llave de acceso registrada"))
            return redirect("identity:security")
    options = json.loads(registration_options(request=request, user=request.user))
    return render(
        request,
        "identity/profile/passkey_register.html",
        {"options": options, "name": grant["name"], "error": error},
    )


class PasskeyRemoveView(OtpConfirmView):
    heading = _("Eliminar llave de acceso")
    submit_label = _("Sí, eliminar")
    otp_purpose = "passkey_remove"
    cancel_url = reverse_lazy("identity:security")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.passkey = passkey_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        return ConfirmForm(data=data)

    def get_context_data(self, **kwargs):
        intro = gettext("Vas a eliminar la llave de acceso «%(name)s».") % {
            "name": self.passkey.name
        }
        return super().get_context_data(intro=intro, **kwargs)

    def otp_operation(self, form):
        return {"passkey": self.passkey.pk}

    def otp_description(self, form):
        return gettext("eliminar la llave de acceso %(name)s") % {"name": self.passkey.name}

    def confirmed(self, form, challenge):
        passkey_remove(request=self.request, user=self.request.user, passkey_id=self.passkey.pk)
        other_sessions_close(request=self.request, user=self.request.user)
        return self.done(reverse("identity:security"), gettext("Llave de acceso eliminada"))
