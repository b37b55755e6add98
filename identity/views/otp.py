"""The one-time-code dialog every confirm step puts in front of its action.

Pre-sign-in flows (sign-in, enrolment, recovery) show it as a page; signed-in operations as an
htmx dialog over the page (or a page, without JavaScript), through ``OtpConfirmView``.
"""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import render, resolve_url
from django.template.response import TemplateResponse
from django.utils.decorators import classonlymethod
from django.utils.translation import gettext
from django.views import View

from ..models import OtpChallenge, OtpFactor
from ..selectors import challenge_of
from ..services.otp import (
    APP_FACTORS,
    MAX_RESENDS,
    REAUTHENTICATING_PURPOSES,
    OtpError,
    challenge_fallback,
    challenge_is_live,
    challenge_repeated,
    challenge_resend,
    challenge_result_record,
    challenge_result_wait,
    challenge_seconds_left,
    challenge_start,
    challenge_verify,
    code_budget,
    code_budget_message,
    masked_destination,
)
from ..services.passkeys import assertion_options

DIALOG = "identity/otp_dialog.html"
PAGE = "identity/otp_page.html"
_OWN_FIELDS = {"csrfmiddlewaretoken", "otp_step", "otp_challenge", "otp_code", "otp_digit"}


def otp_code_from(request) -> str:
    return (request.POST.get("otp_code") or "".join(request.POST.getlist("otp_digit"))).strip()


def otp_context(
    challenge: OtpChallenge | None,
    *,
    action: str,
    cancel_url: str,
    hidden=(),
    error: str = "",
    title: str = "",
    request=None,
) -> dict:
    if challenge is None:
        # Enrolment and recovery for data that matched nobody: the same screen, no code.
        return {
            "action": action,
            "cancel_url": cancel_url,
            "hidden": list(hidden),
            "error": error,
            "title": title,
            "destination": "",
            "seconds_left": 180,
            "live": True,
            "can_resend": True,
            "totp": False,
            "challenge_id": "",
        }
    passkey_options = None
    if challenge.channel == OtpFactor.PASSKEY and request is not None:
        passkey_options = json.loads(
            assertion_options(
                request=request, user=challenge.user, challenge=challenge.webauthn_challenge
            )
        )
    can_fall_back = challenge.channel in APP_FACTORS and challenge.user_id is not None
    can_resend = challenge.channel not in APP_FACTORS and challenge.resends < MAX_RESENDS
    spent = ""
    if (can_fall_back or can_resend) and challenge.user_id is not None and not challenge.budget:
        # Both would send a code: with the hour's codes spent, neither button is offered, and
        # the dialog says when another code may be asked for.
        budget = code_budget(user=challenge.user, purpose=challenge.purpose)
        if budget is not None and budget.spent:
            spent, can_fall_back, can_resend = budget.message, False, False
    return {
        "action": action,
        "cancel_url": cancel_url,
        "hidden": list(hidden),
        "error": error,
        "title": title,
        "passkey_options": passkey_options,
        "can_fall_back": can_fall_back,
        "destination": masked_destination(challenge),
        "seconds_left": challenge_seconds_left(challenge),
        "live": challenge_is_live(challenge),
        "can_resend": can_resend,
        "budget": spent,
        "totp": challenge.channel == OtpFactor.TOTP,
        "challenge_id": challenge.pk,
        "description": challenge.description,
    }


def otp_page(request, context: dict, *, status: int = 200) -> HttpResponse:
    return render(request, PAGE, {"otp": context}, status=status)


class OtpConfirmView(LoginRequiredMixin, View):
    """A form whose valid submission asks for a code bound to exactly that data.

    Subclasses set ``form_class``, ``template_name`` (its ``form`` partial holds the form) and
    ``otp_purpose``, and define ``otp_operation``, ``otp_description`` and ``confirmed``. The
    dialog carries the form's fields back, so the code is checked against the data submitted
    with it: changing anything after the code was sent makes it fail. ``confirmed`` runs once
    per code: the same confirmation sent again by the same session (double click, resubmit,
    clicks at once) is sent where the first one ended (``confirmation_repeated``).
    """

    form_class = None
    template_name = "identity/profile/operation.html"
    otp_purpose = ""
    cancel_url = "/"
    heading = ""
    intro = ""
    submit_label = ""
    crumb = ""  # the section the cancel link returns to ("Perfil" when empty)
    # Fields never echoed into the dialog (passwords): the view's ``otp_keep`` turns the valid
    # form into what the confirm step needs (e.g. a password hash), kept in the session; then
    # ``otp_operation``, ``otp_description`` and ``confirmed`` receive that instead of the form.
    secret_fields: tuple[str, ...] = ()

    def otp_keep(self, form) -> dict:
        return {}

    def get_form(self, data=None):
        return self.form_class(data=data, **self.get_form_kwargs())

    def get_form_kwargs(self) -> dict:
        return {}

    def get_context_data(self, **kwargs) -> dict:
        return {
            "heading": self.heading,
            "intro": self.intro,
            "submit_label": self.submit_label,
            "crumb": self.crumb,
            "back_url": str(self.cancel_url),
            **kwargs,
        }

    def otp_operation(self, form) -> dict:
        raise NotImplementedError

    def otp_description(self, form) -> str:
        raise NotImplementedError

    def confirmed(self, form, challenge) -> HttpResponse:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return self.render_form(self.get_form())

    def form_invalid(self, form):
        # 200 even for htmx: htmx 2 does not swap 4xx answers, and the browser would log one.
        return self.render_form(form)

    def render_form(self, form, *, status: int = 200):
        context = self.get_context_data(form=form)
        # With the hour's operation codes spent, the page says so (and when another may be
        # asked for) where its confirm button would be: the button would only be refused.
        context.setdefault(
            "code_budget",
            code_budget_message(user=self.request.user, purpose=self.otp_purpose),
        )
        if self.request.htmx:
            response = TemplateResponse(
                self.request, f"{self.template_name}#form", context, status=status
            )
            response["HX-Retarget"] = "#op-form"
            response["HX-Reswap"] = "outerHTML"
            return response
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def render_dialog(self, challenge, *, error: str = ""):
        hidden = [
            (name, value)
            for name, values in self.request.POST.lists()
            if name not in _OWN_FIELDS and name not in self.secret_fields
            for value in values
        ]
        context = otp_context(
            challenge,
            action=self.request.path,
            cancel_url=self.cancel_url,
            hidden=hidden,
            error=error,
            title=challenge.description,
            request=self.request,
        )
        if self.request.htmx:
            response = render(self.request, DIALOG, {"otp": context, "as_modal": True})
            response["HX-Retarget"] = "#modal"
            response["HX-Reswap"] = "innerHTML"
            return response
        return otp_page(self.request, context)

    def post(self, request, *args, **kwargs):
        step = request.POST.get("otp_step", "")
        if step and self.secret_fields:
            form = None  # the verify step of a secret form carries none of its fields
        else:
            form = self.get_form(data=request.POST)
            if not form.is_valid():
                # A repeat may no longer validate once its first confirmation took effect
                # (the balance it debited, the payee it removed): it gets that one's result.
                repeat = confirmation_repeated(request, purpose=self.otp_purpose)
                return repeat if repeat is not None else self.form_invalid(form)
        if not step:
            return self.code_start(form)
        return self.code_step(step, form)

    def code_start(self, form):
        subject = self.otp_keep(form) if self.secret_fields else form
        try:
            challenge = challenge_start(
                user=self.request.user,
                purpose=self.otp_purpose,
                operation=self.otp_operation(subject),
                description=self.otp_description(subject),
            )
        except OtpError as exc:
            form.add_error(None, exc.message)
            return self.render_form(form)
        if self.secret_fields:
            self.request.session[_kept_key(challenge.pk)] = subject
        return self.render_dialog(challenge)

    def code_step(self, step: str, form):
        request = self.request
        challenge = challenge_of(pk=request.POST.get("otp_challenge"), user=request.user)
        subject = form
        if self.secret_fields and challenge is not None:
            subject = request.session.get(_kept_key(challenge.pk))
        if challenge is None or subject is None:
            repeat = confirmation_repeated(request, purpose=self.otp_purpose)
            if repeat is not None:
                return repeat
            messages.error(request, gettext("El código no es válido. Solicita uno nuevo."))
            return self.done(request.path, "") if form is None else self.render_form(form)
        try:
            if step == "resend":
                challenge = challenge_resend(challenge_id=challenge.pk, user=request.user)
                return self.render_dialog(challenge)
            if step == "fallback":
                old = challenge.pk
                challenge = challenge_fallback(challenge_id=old, user=request.user)
                if self.secret_fields:
                    request.session[_kept_key(challenge.pk)] = request.session.pop(_kept_key(old))
                return self.render_dialog(challenge)
            challenge = challenge_verify(
                challenge_id=challenge.pk,
                user=request.user,
                purpose=self.otp_purpose,
                operation=self.otp_operation(subject),
                code=otp_code_from(request),
                request=request,
                session_key=request.session.session_key or "",
            )
        except OtpError as exc:
            # Two clicks of one confirmation at once: the other one used the code first.
            repeat = confirmation_repeated(request, purpose=self.otp_purpose)
            if repeat is not None:
                return repeat
            challenge.refresh_from_db()
            return self.render_dialog(challenge, error=exc.message)
        return self.code_passed(subject, challenge)

    def code_passed(self, subject, challenge):
        request = self.request
        request.session.pop(_kept_key(challenge.pk), None)
        if self.otp_purpose in REAUTHENTICATING_PURPOSES:
            request.session.cycle_key()  # a security change, like signing in: a new key
        response = self.confirmed(subject, challenge)
        # Its repeats (double click, resubmit) land where this one did, and run nothing again.
        challenge_result_record(
            challenge=challenge,
            url=response.get("HX-Redirect") or response.get("Location") or "",
            session_key=request.session.session_key or "",
            code=otp_code_from(request),
        )
        return response

    def done(self, url: str, message: str) -> HttpResponse:
        if message:
            messages.success(self.request, message)
        return _redirect(self.request, url)

    @classonlymethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        purpose = initkwargs.get("otp_purpose", cls.otp_purpose)

        def confirm_view(request, *args, **kwargs):
            # Before the subclass's dispatch: what it looks up (the payee, the device, the
            # order's state) may be what the first confirmation just removed or changed.
            repeat = confirmation_repeated(request, purpose=purpose)
            return repeat if repeat is not None else view(request, *args, **kwargs)

        return functools.wraps(view)(confirm_view)


def confirmation_repeated(request, *, purpose: str) -> HttpResponse | None:
    """The answer to a code confirmation sent again by the session that confirmed it, with the
    same code (a double click, a resubmit, clicks at once): the first one's result, waited for
    briefly if it is still running; nothing is run twice. None when this is not such a repeat:
    the request goes on, and a used code is refused as before."""
    if request.method != "POST" or request.POST.get("otp_step") != "verify":
        return None
    if not request.user.is_authenticated:
        return None
    challenge = challenge_repeated(
        challenge_id=request.POST.get("otp_challenge"),
        user=request.user,
        purpose=purpose,
        code=otp_code_from(request),
        session_key=request.session.session_key or "",
    )
    if challenge is None:
        return None
    url = challenge_result_wait(challenge_id=challenge.pk)
    if not url:
        # The first one is slower than the wait (a biller's timeout): it still runs, once.
        messages.info(
            request,
            gettext(
                "Ya recibimos tu confirmación y todavía la estamos procesando: no la envíes de "
                "nuevo."
            ),
        )
        url = resolve_url(settings.LOGIN_REDIRECT_URL)
    return _redirect(request, url)


def _redirect(request, url: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    response = HttpResponse(status=302)
    response["Location"] = url
    return response


def _kept_key(challenge_id: int) -> str:
    return f"otp_kept:{challenge_id}"
