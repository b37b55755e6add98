"""Sign-in: password, then the steps the user still owes, then the one-time code."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views import View

from ..forms import (
    DeviceForm,
    PasswordChoiceForm,
    SecurityForm,
    SignInForm,
    TermsForm,
    UsernameForm,
)
from ..selectors import challenge_of, trusted_device
from ..services import signin_flow as flow
from ..services.credentials import USERNAME_RULES, credentials_setup_apply, security_answers_hash
from ..services.devices import (
    device_cookie_set,
    device_register,
    device_touch,
    new_device_notice,
)
from ..services.otp import (
    SIGN_IN_PURPOSE,
    OtpError,
    challenge_fallback,
    challenge_resend,
    challenge_start,
    challenge_verify,
    code_budget_message,
)
from ..services.passwords import LENGTH_TEXT, RULES_TEXT
from ..services.terms import terms_pending
from .otp import otp_code_from, otp_context, otp_page

PURPOSE = SIGN_IN_PURPOSE


class SignInView(auth_views.LoginView):
    template_name = "identity/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get(self, request, *args, **kwargs):
        flow.pending_clear(request)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Said before the password is typed, to whoever is at the member's registered browser;
        # not twice when a refused sign-in just brought them back here with the same words.
        notice = flow.browser_budget_notice(self.request)
        if notice and any(str(m) == notice for m in messages.get_messages(self.request)):
            notice = ""
        context["budget_notice"] = notice
        return context

    def form_valid(self, form):
        user = form.get_user()
        temporary = user.needs_setup or user.must_change_password
        if temporary and user.temporary_expires_at and user.temporary_expires_at < timezone.now():
            form.add_error(
                None,
                gettext(
                    "Tus credenciales temporales caducaron. Solicita nuevas con "
                    "«Olvidé mi contraseña» o en la cooperativa."
                ),
            )
            return self.form_invalid(form)
        pending = flow.pending_start(
            self.request, user=user, backend=user.backend, next_url=self.get_success_url()
        )
        return step_redirect(self.request, pending, user)


def _operation(pending: dict) -> dict:
    return {"nonce": pending["nonce"], "choices": pending["choices"]}


def step_redirect(request, pending: dict, user):
    """To the next step; entering the code step sends the code (on this POST, never on a page
    view, so a prefetch or a reload sends nothing). With the hour's sign-in codes spent, back to
    the sign-in page saying when one may be asked for, before any other step is asked (a first
    sign-in would otherwise choose a username and a password for nothing)."""
    step = flow.next_step(pending)
    if not pending["challenge"]:
        spent = code_budget_message(user=user, purpose=PURPOSE)
        if spent:
            flow.pending_clear(request)
            messages.error(request, spent)
            return redirect("identity:login")
    if step == flow.STEP_CODE and not pending["challenge"]:
        description = (
            gettext("configurar tus credenciales")
            if flow.changes_credentials(pending)
            else gettext("ingresar a Cooprogreso en Línea")
        )
        try:
            challenge = challenge_start(
                user=user, purpose=PURPOSE, operation=_operation(pending), description=description
            )
        except OtpError as exc:
            flow.pending_clear(request)
            messages.error(request, exc.message)
            return redirect("identity:login")
        pending["challenge"] = challenge.pk
        flow.pending_save(request, pending)
    return redirect("identity:sign_in_step", step=step)


class SignInStepView(View):
    def dispatch(self, request, step, *args, **kwargs):
        self.pending = flow.pending_get(request)
        self.user = flow.pending_user(self.pending) if self.pending else None
        if self.user is None:
            flow.pending_clear(request)
            messages.info(request, gettext("Vuelve a ingresar tu usuario y contraseña."))
            return redirect("identity:login")
        expected = flow.next_step(self.pending)
        if step != expected:
            return redirect("identity:sign_in_step", step=expected)
        self.step = step
        handler = getattr(self, f"step_{step}")
        return handler(request)

    # --- steps -------------------------------------------------------------------------------

    def render_step(self, form, **extra):
        steps = [s for s in self.pending["steps"] if s != flow.STEP_CODE]
        context = {
            "form": form,
            "step": self.step,
            "position": steps.index(self.step) + 1 if self.step in steps else len(steps),
            "total": len(steps),
            "signing_user": self.user,
            **extra,
        }
        return render(self.request, "identity/sign_in_step.html", context)

    def advance(self, **choices):
        flow.step_complete(self.request, self.pending, self.step, **choices)
        return step_redirect(self.request, self.pending, self.user)

    def step_terminos(self, request):
        documents = terms_pending(member=self.user.customer)
        form = TermsForm(request.POST or None, documents=documents)
        if request.method == "POST" and form.is_valid():
            return self.advance(terms=form.accepted_ids())
        return self.render_step(form, documents=documents)

    def step_usuario(self, request):
        form = UsernameForm(request.POST or None, user=self.user)
        if request.method == "POST" and form.is_valid():
            return self.advance(username=form.cleaned_data["username"])
        return self.render_step(form, rules=USERNAME_RULES, previous=self.user.username)

    def step_contrasena(self, request):
        username = self.pending["choices"].get("username") or self.user.username
        form = PasswordChoiceForm(request.POST or None, user=self.user, username=username)
        if request.method == "POST" and form.is_valid():
            # Only the hash is kept until the code approves the change.
            return self.advance(password=make_password(form.cleaned_data["new"]))
        return self.render_step(form, rules=(RULES_TEXT, LENGTH_TEXT))

    def step_seguridad(self, request):
        form = SecurityForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self.advance(
                image=form.cleaned_data["image"], answers=security_answers_hash(form.pairs())
            )
        return self.render_step(form)

    def step_dispositivo(self, request):
        form = DeviceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            alias = (
                form.cleaned_data["alias"].strip() if form.cleaned_data["register"] == "si" else ""
            )
            return self.advance(device_alias=alias)
        return self.render_step(form)

    def step_codigo(self, request):
        challenge = challenge_of(pk=self.pending["challenge"], user=self.user)
        if challenge is None:
            flow.pending_clear(request)
            return redirect("identity:login")
        operation = _operation(self.pending)
        action = reverse("identity:sign_in_step", kwargs={"step": flow.STEP_CODE})
        cancel = reverse("identity:login")
        try:
            step = request.POST.get("otp_step", "verify") if request.method == "POST" else "show"
            if step == "resend":
                challenge = challenge_resend(challenge_id=challenge.pk, user=self.user)
            elif step == "fallback":
                challenge = challenge_fallback(challenge_id=challenge.pk, user=self.user)
                self.pending["challenge"] = challenge.pk
                flow.pending_save(request, self.pending)
            if step != "verify":
                return otp_page(
                    request,
                    otp_context(
                        challenge,
                        action=action,
                        cancel_url=cancel,
                        request=request,
                        title=challenge.description,
                    ),
                )
            challenge_verify(
                challenge_id=challenge.pk,
                user=self.user,
                purpose=PURPOSE,
                operation=operation,
                code=otp_code_from(request),
                request=request,
            )
        except OtpError as exc:
            challenge.refresh_from_db()
            return otp_page(
                request,
                otp_context(
                    challenge,
                    action=action,
                    cancel_url=cancel,
                    error=exc.message,
                    request=request,
                    title=challenge.description,
                ),
            )
        return self.finish(request)

    # --- the end -----------------------------------------------------------------------------

    def finish(self, request):
        pending, user = self.pending, self.user
        choices = pending["choices"]
        flow.pending_clear(request)
        if choices.get("terms") or flow.changes_credentials(pending):
            try:
                user = credentials_setup_apply(user=user, choices=choices, request=request)
            except (ValidationError, IntegrityError):
                # Someone took the username between the step and the code: nothing changed.
                messages.error(
                    request,
                    gettext("Ese nombre de usuario ya no está disponible. Ingresa de nuevo."),
                )
                return redirect("identity:login")
        token = None
        if choices.get("device_alias"):
            _, token = device_register(user=user, request=request, alias=choices["device_alias"])
        elif pending["device"]:
            device = trusted_device(pk=pending["device"])
            if device is not None:
                device_touch(device=device, request=request)
        if flow.changes_credentials(pending):
            # New credentials are proven by signing in with them, as the manuals ask.
            response = render(request, "identity/credentials_done.html")
        else:
            auth_login(request, user, backend=pending["backend"])
            if pending["device"] is None:
                new_device_notice(user=user, request=request)
            response = redirect(pending["next"] or reverse("accounts:position"))
        if token:
            device_cookie_set(response, token)
        return response


class SignOutView(auth_views.LogoutView):
    """ "Salir": the sign-in page then says the session is closed, so whoever looks at a shared
    screen next knows nobody is signed in."""

    def post(self, request, *args, **kwargs):
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, gettext("Cerraste tu sesión de forma segura."))
        return response
