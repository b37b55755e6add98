"""Pagos programados: the list, «Programar nuevo pago» (and its edit, a new schedule that
replaces the old one), each confirmed with a code after the Términos y Condiciones; pause,
resume, cancel (with a code) and each schedule's occurrences. The schedule itself is the
operation ``SCHEDULE`` (a company's becomes an approval order there)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.registries.operations import Context, Outcome, operation_submit
from accounts.registries.permissions import customer_for
from accounts.selectors import channel_of
from common.refusal import Refusal
from identity.views.otp import OtpConfirmView

from ..forms.schedules import ScheduleForm, schedule_initial
from ..models import Schedule
from ..selectors.schedules import (
    schedule_get_for_user,
    schedule_runs,
    schedules_for_user,
)
from ..services.schedules import (
    CAPABILITY,
    LIVE,
    MAX_REMINDER,
    SCHEDULE,
    TERMS,
    schedule_cancel,
    schedule_pause,
    schedule_register_waiting,
    schedule_resume,
)

FORM = "payments/schedule_form.html"


@login_required
@require_GET
def schedules(request):
    customer_for(request.user, CAPABILITY)
    rows = schedules_for_user(request.user)
    # "section": the tabs of «Pago de servicios» (this login may open this one)
    context = {"rows": rows, "live": LIVE, "section": {"schedules": True}}
    return render(request, "payments/schedules.html", context)


@login_required
@require_GET
def schedule_detail(request, pk):
    """A schedule and its occurrences ("historial" of the schedule)."""
    schedule = schedule_get_for_user(request.user, pk)
    context = {"schedule": schedule, "runs": schedule_runs(schedule), "live": LIVE}
    return render(request, "payments/schedule_detail.html", context)


@login_required
@require_GET
def schedule_done(request, pk):
    """ "¡Pago programado con éxito!"."""
    schedule = schedule_get_for_user(request.user, pk)
    return render(request, "payments/schedule_done.html", {"schedule": schedule})


def _move(request, pk, service, done: str):
    schedule = schedule_get_for_user(request.user, pk)
    try:
        service(schedule=schedule, user=request.user)
    except Refusal as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("payments:schedules")


@login_required
@require_POST
def schedule_pause_view(request, pk):
    return _move(request, pk, schedule_pause, gettext("Pago programado pausado."))


@login_required
@require_POST
def schedule_resume_view(request, pk):
    return _move(request, pk, schedule_resume, gettext("Pago programado reanudado."))


# --- «Programar nuevo pago» and its edit ----------------------------------------------------


class ScheduleNewView(OtpConfirmView):
    """The form; its valid submission asks for a code bound to every field; the code runs the
    operation (a member's schedule is active at once, a company's waits for its signatures)."""

    template_name = FORM
    otp_purpose = "payment_schedule"
    cancel_url = reverse_lazy("payments:schedules")
    heading = _("Programar nuevo pago")
    replaces: Schedule | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.member = customer_for(request.user, CAPABILITY)
            self.setup_schedule(kwargs)
        return super().dispatch(request, *args, **kwargs)

    def setup_schedule(self, kwargs) -> None:
        pass

    def get_form(self, data=None):
        initial = {}
        if data is None and self.request.htmx and self.request.GET.get("fragment"):
            initial = self.request.GET.dict()  # the category or service just changed
        elif data is None and self.replaces is not None:
            initial = schedule_initial(self.replaces)
        return ScheduleForm(
            data=data,
            initial=initial,
            member=self.member,
            user=self.request.user,
            replaces=self.replaces,
        )

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        if request.htmx and request.GET.get("fragment") == "service":
            return render(request, f"{FORM}#service", {"form": form})
        return self.render_form(form)

    def get_context_data(self, **kwargs):
        form = kwargs["form"]
        return super().get_context_data(
            terms=TERMS,
            reminder=MAX_REMINDER,
            hints=form.hints(),
            replaces=self.replaces,
            waits_for=" + ".join(form.precheck.signatures),
            **kwargs,
        )

    def otp_operation(self, form):
        operation = {"replaces": self.replaces.pk if self.replaces else None}
        for name, value in sorted(form.cleaned_data.items()):
            if hasattr(value, "pk"):
                value = value.pk
            operation[name] = value if isinstance(value, bool | None) else str(value)
        return operation

    def otp_description(self, form):
        checked = form.checked
        values = {
            "biller": checked.biller.name,
            "reference": checked.reference,
            "max": f"{checked.max_amount:,.2f}",
            "signatures": " + ".join(form.precheck.signatures),
        }
        if values["signatures"]:
            return (
                gettext(
                    "registrar la orden de programar el pago de %(biller)s %(reference)s hasta "
                    "$ %(max)s, que quedará pendiente de las firmas de tu empresa: %(signatures)s"
                )
                % values
            )
        return gettext("programar el pago de %(biller)s %(reference)s hasta $ %(max)s") % values

    def confirmed(self, form, challenge):
        payload = form.payload()
        context = Context(
            user=self.request.user,
            member=self.member,
            channel=channel_of(self.request),
            key=form.idempotency_key(),
        )

        def registered(reference: int) -> None:
            schedule_register_waiting(payload=payload, context=context, reference=reference)

        try:
            outcome = operation_submit(
                spec=SCHEDULE,
                payload=payload,
                context=context,
                concept=gettext("Pago programado %(biller)s %(reference)s")
                % {"biller": form.checked.biller.name, "reference": form.checked.reference},
                on_registered=registered,
            )
        except Refusal as exc:
            messages.error(self.request, exc.message)
            return self.done(self.request.path, "")
        if outcome.status == Outcome.FAILED:
            messages.error(self.request, outcome.message)
            return self.done(reverse("payments:schedules"), "")
        if outcome.status == Outcome.EXECUTED:
            return self.done(SCHEDULE.receipt_url(outcome.result), "")
        messages.success(self.request, outcome.message)
        return self.done(outcome.url or reverse("payments:schedules"), "")


class ScheduleEditView(ScheduleNewView):
    """Editing is a new schedule replacing this one (for a company, a new order: this one
    keeps running until it is signed)."""

    heading = _("Editar pago programado")

    def setup_schedule(self, kwargs) -> None:
        self.replaces = schedule_get_for_user(self.request.user, kwargs["pk"])
        if self.replaces.status not in LIVE:
            raise Http404


class ScheduleCancelView(OtpConfirmView):
    heading = _("Cancelar pago programado")
    crumb = _("Pagos programados")
    submit_label = _("Sí, cancelar")
    otp_purpose = "payment_schedule_cancel"
    cancel_url = reverse_lazy("payments:schedules")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.schedule = schedule_get_for_user(request.user, kwargs["pk"])
            if self.schedule.status not in LIVE:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        return forms.Form(data=data)

    def get_context_data(self, **kwargs):
        intro = gettext(
            "¿Cancelar el pago programado de %(biller)s, referencia %(reference)s? No se "
            "pagarán más facturas con él."
        ) % {"biller": self.schedule.biller.name, "reference": self.schedule.reference}
        return super().get_context_data(intro=intro, **kwargs)

    def otp_operation(self, form):
        return {"schedule": self.schedule.pk}

    def otp_description(self, form):
        return gettext("cancelar el pago programado de %(biller)s %(reference)s") % {
            "biller": self.schedule.biller.name,
            "reference": self.schedule.reference,
        }

    def confirmed(self, form, challenge):
        try:
            schedule_cancel(schedule=self.schedule, user=self.request.user)
        except Refusal as exc:
            messages.error(self.request, exc.message)
            return self.done(reverse("payments:schedules"), "")
        return self.done(reverse("payments:schedules"), gettext("Pago programado cancelado."))
