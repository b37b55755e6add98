"""Flows before sign-in that end with a one-time code: "Regístrate", "Olvidé mi usuario",
"Desbloquear tu usuario", "Olvidé mi contraseña".

Data that matches nobody walks through the same screens (a code that never arrives and never
passes), so none of these pages tells whether an identification or a username exists.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from ..credentials import (
    EnrolmentError,
    enrolment_complete,
    enrolment_member,
    password_reset_send,
    recovery_user,
    terms_current,
    user_unlock,
    username_reminder_send,
)
from ..forms import IdentificationForm, IdentificationUsernameForm, ImagePickForm, TermsForm
from ..models import Member, OtpChallenge, User
from ..notifications import notification_queue
from ..otp import (
    CODE_TTL,
    MAX_ATTEMPTS,
    MAX_RESENDS,
    OtpError,
    challenge_resend,
    challenge_start,
    challenge_verify,
)
from ..otp_views import otp_code_from, otp_context, otp_page

MAX_AGE_SECONDS = 15 * 60


class CodeFlowView(View):
    """Step "datos" (a form) → optional middle steps → "codigo" → the result."""

    name = ""
    title = ""
    purpose = ""
    form_class = IdentificationForm
    steps = ("datos", "codigo")

    # --- state -------------------------------------------------------------------------------

    @property
    def key(self) -> str:
        return f"flow:{self.name}"

    def state_get(self):
        state = self.request.session.get(self.key)
        if not state or time.time() - state["started"] > MAX_AGE_SECONDS:
            return None
        return state

    def state_save(self, state):
        self.request.session[self.key] = state
        self.request.session.modified = True

    def url(self, step):
        if step == "datos":
            return reverse(f"identity:{self.name}")
        return reverse(f"identity:{self.name}", kwargs={"step": step})

    # --- dispatch ----------------------------------------------------------------------------

    def dispatch(self, request, step="datos", *args, **kwargs):
        if step not in self.steps:
            return redirect(self.url("datos"))
        self.state = self.state_get() if step != "datos" else None
        if step != "datos" and (self.state is None or step not in self.state["allowed"]):
            return redirect(self.url("datos"))
        self.step = step
        return getattr(self, f"step_{step}")(request)

    def page(self, template, **context):
        return render(
            self.request, template, {"flow_title": self.title, "step": self.step, **context}
        )

    def step_datos(self, request):
        self.request.session.pop(self.key, None)
        form = self.form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            user, member = self.subject(form.cleaned_data)
            state = {
                "started": time.time(),
                "user": user.pk if user else None,
                "member": member.pk if member else None,
                "challenge": None,
                "decoy_attempts": 0,
                "decoy_resends": 0,
                "allowed": [self.steps[1]],
            }
            self.state_save(state)
            return redirect(self.url(self.steps[1]))
        return self.page("identity/flow_form.html", form=form)

    def subject(self, data) -> tuple[User | None, Member | None]:
        raise NotImplementedError

    def allow_next(self):
        following = self.steps[self.steps.index(self.step) + 1]
        self.state["allowed"].append(following)
        self.state_save(self.state)
        return redirect(self.url(following))

    # --- the code ----------------------------------------------------------------------------

    def operation(self) -> dict:
        return {"flow": self.name, "started": self.state["started"]}

    def description(self) -> str:
        return self.title

    def owner(self) -> dict:
        if self.state["user"]:
            return {"user": User.objects.select_related("customer").get(pk=self.state["user"])}
        if self.state["member"]:
            return {"member": Member.objects.get(pk=self.state["member"])}
        return {}

    def step_codigo(self, request):
        owner = self.owner()
        action, cancel = self.url("codigo"), self.url("datos")
        if not owner:
            return self.decoy(request, action, cancel)
        challenge = None
        if self.state["challenge"]:
            challenge = OtpChallenge.objects.filter(pk=self.state["challenge"], **owner).first()
        try:
            if challenge is None:
                # Always a sent code here: an app or passkey prompt would tell that the data
                # matched a user (and what factor they use).
                challenge = challenge_start(
                    **owner,
                    purpose=self.purpose,
                    operation=self.operation(),
                    description=str(self.description()),
                    sent_factor=True,
                )
                self.state["challenge"] = challenge.pk
                self.state_save(self.state)
            if request.method != "POST":
                return self.code_page(challenge, action, cancel)
            if request.POST.get("otp_step") == "resend":
                challenge = challenge_resend(challenge_id=challenge.pk, **owner)
                return self.code_page(challenge, action, cancel)
            challenge_verify(
                challenge_id=challenge.pk,
                **owner,
                purpose=self.purpose,
                operation=self.operation(),
                code=otp_code_from(request),
            )
        except OtpError as exc:
            if challenge is None:
                messages.error(request, exc.message)
                return redirect(cancel)
            challenge.refresh_from_db()
            return self.code_page(challenge, action, cancel, error=exc.message)
        self.request.session.pop(self.key, None)
        return self.confirmed(**owner)

    def code_page(self, challenge, action, cancel, error=""):
        context = otp_context(
            challenge, action=action, cancel_url=cancel, error=error, title=str(self.title)
        )
        # Where the code went would tell that the data matched someone.
        context["destination"] = ""
        return otp_page(self.request, context)

    def decoy(self, request, action, cancel):
        """What a real code step shows and answers, for data that matched nobody: the same
        countdown, the same attempt and resend limits, the same expiry."""
        state, error = self.state, ""
        ttl = CODE_TTL.total_seconds()
        if "decoy_expires" not in state:
            state["decoy_expires"] = time.time() + ttl
        if request.method == "POST":
            if request.POST.get("otp_step") == "resend":
                if state["decoy_resends"] >= MAX_RESENDS:
                    error = gettext(
                        "Alcanzaste el máximo de reenvíos. Inicia la operación de nuevo."
                    )
                else:
                    state["decoy_resends"] += 1
                    state["decoy_expires"] = time.time() + ttl
            elif time.time() >= state["decoy_expires"]:
                error = gettext("El código expiró. Solicita uno nuevo.")
            else:
                state["decoy_attempts"] += 1
                left = MAX_ATTEMPTS - state["decoy_attempts"]
                error = (
                    gettext("Código incorrecto. Te quedan %(left)s intentos.") % {"left": left}
                    if left > 0
                    else gettext("Demasiados intentos fallidos: el código fue anulado.")
                )
        self.state_save(state)
        context = otp_context(
            None, action=action, cancel_url=cancel, error=error, title=str(self.title)
        )
        context["live"] = state["decoy_attempts"] < MAX_ATTEMPTS
        context["can_resend"] = state["decoy_resends"] < MAX_RESENDS
        context["seconds_left"] = max(0, int(state["decoy_expires"] - time.time()))
        return otp_page(request, context)

    def confirmed(self, **owner):
        raise NotImplementedError

    def result(self, message, *, ok=True):
        return self.page("identity/flow_result.html", message=message, ok=ok)


class ForgotUsernameView(CodeFlowView):
    name = "forgot_username"
    title = _("Olvidé mi usuario")
    purpose = "forgot_username"

    def subject(self, data):
        return recovery_user(identification=data["identification"]), None

    def description(self):
        return gettext("recuperar tu usuario")

    def confirmed(self, user):
        username_reminder_send(user=user, request=self.request)
        return self.result(gettext("Enviamos tu usuario a tu correo electrónico registrado."))


class UnlockView(CodeFlowView):
    name = "unlock"
    title = _("Desbloquear tu usuario")
    purpose = "unlock"
    form_class = IdentificationUsernameForm

    def subject(self, data):
        return recovery_user(identification=data["identification"], username=data["username"]), None

    def description(self):
        return gettext("desbloquear tu usuario")

    def confirmed(self, user):
        if user_unlock(user=user, actor=user, request=self.request):
            return self.result(gettext("Tu usuario fue desbloqueado. Ya puedes ingresar."))
        return self.result(gettext("Su usuario no se encuentra bloqueado."))


class ForgotPasswordView(CodeFlowView):
    name = "forgot_password"
    title = _("Recuperar contraseña")
    purpose = "forgot_password"
    form_class = IdentificationUsernameForm
    steps = ("datos", "imagen", "codigo")

    def subject(self, data):
        return recovery_user(identification=data["identification"], username=data["username"]), None

    def description(self):
        return gettext("recuperar tu contraseña")

    def step_imagen(self, request):
        form = ImagePickForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            owner = self.owner()
            user = owner.get("user")
            expected = user.security_image if user else None
            # Users who never chose an image (company users) go on to the code.
            if user is not None and (not expected or expected == form.cleaned_data["image"]):
                return self.allow_next()
            if user is None:
                return self.allow_next()
            self.request.session.pop(self.key, None)
            messages.error(request, gettext("Los datos ingresados no son correctos."))
            return redirect(self.url("datos"))
        return self.page("identity/flow_image.html", form=form)

    def confirmed(self, user):
        password_reset_send(user=user, request=self.request)
        return self.result(
            gettext(
                "Enviamos una contraseña temporal a tu correo electrónico registrado. Al ingresar "
                "con ella deberás crear una nueva."
            )
        )


class EnrolView(CodeFlowView):
    name = "enrol"
    title = _("Regístrate")
    purpose = "enrolment"
    steps = ("datos", "terminos", "codigo")

    def subject(self, data):
        member = enrolment_member(identification=data["identification"])
        if member is not None and member.users.exists():
            # Already enrolled: tell the member, not the person at the screen.
            if member.email:
                notification_queue(
                    channel="EMAIL",
                    recipient=member.email,
                    subject=gettext("Intento de registro en Cooprogreso en Línea"),
                    body=gettext(
                        "Alguien intentó registrarse con tu identificación, pero ya tienes un "
                        "usuario. Si olvidaste tu usuario usa «Olvidé mi usuario»."
                    ),
                )
            member = None
        return None, member

    def description(self):
        return gettext("registrarte en Cooprogreso en Línea")

    def step_terminos(self, request):
        documents = terms_current()
        form = TermsForm(request.POST or None, documents=documents)
        if request.method == "POST" and form.is_valid():
            self.state["terms"] = form.accepted_ids()
            return self.allow_next()
        return self.page("identity/flow_terms.html", form=form, documents=documents)

    def operation(self):
        return {**super().operation(), "terms": self.state.get("terms")}

    def confirmed(self, member):
        try:
            enrolment = enrolment_complete(
                member=member, document_ids=self.state.get("terms") or [], request=self.request
            )
        except EnrolmentError as exc:
            return self.result(exc.message, ok=False)
        if enrolment.status == enrolment.Status.PENDING:
            return self.result(
                gettext(
                    "Recibimos tu solicitud. Cuando la cooperativa la apruebe, te enviaremos "
                    "las credenciales temporales a tu correo electrónico registrado."
                )
            )
        return self.result(
            gettext(
                "Revisa tu correo electrónico registrado en Cooprogreso para visualizar las "
                "credenciales temporales generadas."
            )
        )
