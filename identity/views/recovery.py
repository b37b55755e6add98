"""Flows before sign-in that end with a one-time code: "Regístrate", "Olvidé mi usuario",
"Desbloquear tu usuario", "Olvidé mi contraseña".

Data that matches nobody walks through the same screens (a code that never arrives and never
passes), so none of these pages tells whether an identification or a username exists.
"""

from __future__ import annotations

import time

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from ..forms import IdentificationForm, IdentificationUsernameForm, ImagePickForm, TermsForm
from ..models import Member, User
from ..selectors import challenge_of, flow_subject
from ..services.audit import client_ip
from ..services.enrolment import EnrolmentError, enrolment_complete, enrolment_member
from ..services.lockout import user_unlock
from ..services.otp import (
    BUDGET_RECOVERY,
    Notice,
    OtpError,
    challenge_resend,
    challenge_start,
    challenge_start_decoy,
    challenge_verify,
)
from ..services.recovery import (
    image_miss_record,
    password_reset_send,
    recovery_user,
    username_reminder_send,
)
from ..services.recovery_limits import RecoveryRefused, recovery_request_admit
from ..services.terms import terms_current
from .otp import otp_code_from, otp_context, otp_page

MAX_AGE_SECONDS = 15 * 60


class CodeFlowView(View):
    """Step "datos" (a form) → optional middle steps → "codigo" → the result."""

    name = ""
    title = ""
    purpose = ""
    form_class = IdentificationForm
    steps = ("datos", "codigo")
    # Whom the data of this flow can match: a user (recovery) or a member (enrolment).
    owner_model = User
    # Whom the data matched, as looked up in this request.
    subject_found: tuple = (None, None)
    looked_up = False
    # Someone the data matched who gets a notice instead of a code (kept, with the address, in
    # the server-side session until the code step).
    notice_member = None

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

    def page(self, template, status=200, **context):
        return render(
            self.request,
            template,
            {"flow_title": self.title, "step": self.step, **context},
            status=status,
        )

    def step_datos(self, request):
        self.request.session.pop(self.key, None)
        form = self.form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            user, member = self.subject(form.cleaned_data)
            try:
                admission = recovery_request_admit(
                    request=request,
                    flow=self.name,
                    identification=form.cleaned_data["identification"],
                    user=user,
                    member=member or self.notice_member,
                )
            except RecoveryRefused as exc:
                form.add_error(None, exc.message)
                return self.page("identity/flow_form.html", form=form, status=429)
            self.subject_found, self.looked_up = (user, member), True
            self.state = {
                "started": time.time(),
                "user": user.pk if user else None,
                "member": member.pk if member else None,
                "decoy": user is None and member is None,
                "budget": admission.budget,
                "notice": [self.notice_member.pk, self.notice_member.email]
                if self.notice_member
                else None,
                "challenge": None,
                "allowed": [],
            }
            return self.allow_next()
        return self.page("identity/flow_form.html", form=form)

    def subject(self, data) -> tuple[User | None, Member | None]:
        raise NotImplementedError

    def allow_next(self):
        following = self.steps[self.steps.index(self.step) + 1]
        if following == "codigo" and self.state["challenge"] is None:
            # The code goes out as the person moves on (a POST), never on a page view; once per
            # admitted request (a new code is a resend, within its limits).
            self.code_start()
        # Only forward: a step passed cannot be posted again to start another code.
        self.state["allowed"] = [following]
        self.state_save(self.state)
        return redirect(self.url(following))

    # --- the code ----------------------------------------------------------------------------

    def operation(self) -> dict:
        return {"flow": self.name, "started": self.state["started"]}

    def description(self) -> str:
        return self.title

    def notice(self) -> Notice | None:
        """A message instead of the code, for data that matched someone who must not get one."""
        return None

    def owner(self) -> dict:
        """Whom the flow is for, or {} for a decoy. Read with the same query whether or not the
        data matched anyone (and not again in the request that looked it up), so no step's
        time tells the two apart."""
        if self.looked_up:
            user, member = self.subject_found
        elif self.owner_model is User:
            user, member = flow_subject(user_id=self.state["user"])
        else:
            user, member = flow_subject(member_id=self.state["member"])
        if self.state["decoy"] or (user is None and member is None):
            return {}
        return {"user": user} if user is not None else {"member": member}

    def code_start(self) -> None:
        owner = self.owner()
        challenge = None
        if owner:
            try:
                # Always a sent code here: an app or passkey prompt would tell that the data
                # matched a user (and what factor they use).
                challenge = challenge_start(
                    **owner,
                    purpose=self.purpose,
                    operation=self.operation(),
                    description=str(self.description()),
                    sent_factor=True,
                    budget=self.state.get("budget", BUDGET_RECOVERY),
                )
            except OtpError:
                # No contact data: the person sees what anyone would.
                self.state["decoy"] = True
        if challenge is None:
            challenge = challenge_start_decoy(
                purpose=self.purpose,
                operation=self.operation(),
                description=str(self.description()),
                budget=self.state.get("budget", BUDGET_RECOVERY),
                notice=self.notice(),
            )
        self.state["challenge"] = challenge.pk

    def step_codigo(self, request):
        owner = self.owner()
        action, cancel = self.url("codigo"), self.url("datos")
        challenge = challenge_of(
            pk=self.state["challenge"], user=owner.get("user"), member=owner.get("member")
        )
        if challenge is None:
            return redirect(cancel)
        step = request.POST.get("otp_step", "verify") if request.method == "POST" else "show"
        try:
            if step == "resend":
                challenge = challenge_resend(challenge_id=challenge.pk, **owner)
            if step != "verify":
                return self.code_page(challenge, action, cancel)
            challenge_verify(
                challenge_id=challenge.pk,
                **owner,
                purpose=self.purpose,
                operation=self.operation(),
                code=otp_code_from(request),
                request=request,
            )
        except OtpError as exc:
            challenge.refresh_from_db()
            return self.code_page(challenge, action, cancel, error=exc.message)
        self.request.session.pop(self.key, None)
        return self.confirmed(**owner)

    def code_page(self, challenge, action, cancel, error=""):
        context = otp_context(
            challenge, action=action, cancel_url=cancel, error=error, title=str(self.title)
        )
        # Where the code went, or which challenge it is, would tell that the data matched.
        context["destination"] = ""
        context["challenge_id"] = ""
        return otp_page(self.request, context)

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
        return self.result(gettext("Tu usuario no está bloqueado."))


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
            user = self.owner().get("user")
            # Users who never chose an image (company users) go on to the code.
            if user is None or user.security_image not in ("", form.cleaned_data["image"]):
                # A wrong picture looks like any other: the code step follows, but no code
                # is sent and none can pass. Data that matched nobody is a miss too, recorded
                # the same way, so the step's time does not tell whether it matched.
                self.state["decoy"] = True
                image_miss_record(
                    user=user,
                    budget=self.state.get("budget", BUDGET_RECOVERY),
                    ip=client_ip(request),
                )
            return self.allow_next()
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

    owner_model = Member

    def subject(self, data):
        member = enrolment_member(identification=data["identification"])
        if member is not None and member.enrolled:
            # Already enrolled: tell the member, not the person at the screen. The notice
            # takes the place of the code (same work, same screens) and counts against the
            # member's budget, at most once a day.
            self.notice_member = member
            member = None
        return None, member

    def notice(self):
        if not self.state.get("notice"):
            return None
        member_id, email = self.state["notice"]
        return Notice(
            member_id=member_id,
            recipient=email,
            subject=gettext("Intento de registro en Cooprogreso en Línea"),
            body=gettext(
                "Alguien intentó registrarse con tu identificación, pero ya tienes un "
                "usuario. Si olvidaste tu usuario usa «Olvidé mi usuario»."
            ),
        )

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
