"""Programar pagos: a payment that pays itself when a bill appears, up to a maximum.

A schedule is created through the operation ``SCHEDULE`` ("PAGO_PROGRAMADO"), so a member
confirms it with a code and a company's becomes an approval order: approved once (the order
*is* the schedule, with its maximum, and holds nothing), after which every occurrence pays up
to that maximum without new signatures (``schedules_run``). Editing is a new schedule that
replaces the old one (for a company, a new order: the old one keeps running until it is
approved). Pausing, resuming and cancelling are state changes with a conditional update and
an audit row.

    POR_APROBAR --(order signed: execute)--> ACTIVO <--(pause/resume)--> PAUSADO
         |                                     |  \\--(ends_on passed)--> FINALIZADO
         +--(order rejected: released)--+      +--(cancel / replaced)----> CANCELADO
                                        +-----------------------------------^
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Product
from accounts.registries.operations import Context, OperationSpec, Payload
from accounts.registries.scopes import audit_scope_of
from identity.services.audit import audit_record

from ..models import Biller, Schedule
from .catalogue import reference_clean
from .errors import PaymentError

#: the hour of the day (local time) the beat task looks for a schedule's bill
RUN_AT = dt.time(6, 0)
#: accounts a schedule may debit
ORIGIN_PRODUCTS = (Product.SAVINGS, Product.PROGRESAR, Product.CHECKING)
#: the operation type whose amount bands apply (``enterprise.models.Operation.PAYMENT``)
BAND = "PAGO"
CAPABILITY = "PAGO_PROGRAMADO"
TERMS = (
    _(
        "El valor a pagar se debitará de tu cuenta de forma programada. Cooprogreso no se "
        "responsabiliza por no poder realizar el débito por falta de fondos."
    ),
    _(
        "Cooprogreso no se responsabiliza por situaciones ajenas al control de la cooperativa, "
        "ya sean técnicas, tecnológicas o que tengan relación con casos fortuitos."
    ),
)
MAX_REMINDER = _(
    "Recuerda que si la factura es mayor al valor establecido en el campo Monto máximo el pago "
    "no se realizará y te lo notificaremos por correo electrónico. El monto máximo es lo que "
    "autorizas a debitar: incluye la comisión y el IVA de cada pago."
)
#: states in which a schedule can still be paused, resumed, edited or cancelled
LIVE = (Schedule.Status.ACTIVE, Schedule.Status.PAUSED)


# --- When it runs ----------------------------------------------------------------------------


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, RUN_AT))


def occurrence_after(*, frequency: str, day_of_month: int | None, after: dt.date) -> dt.date:
    """The first day strictly after ``after`` the schedule looks for its bill: every day
    ("Siempre que se encuentre disponible") or its day of the month."""
    day = after + dt.timedelta(days=1)
    if frequency != Schedule.Frequency.MONTHLY:
        return day
    if day.day > day_of_month:  # this month's day is gone: next month's
        day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return day.replace(day=day_of_month)


def first_run_at(*, schedule: Schedule, now: dt.datetime) -> dt.datetime:
    """The first look: its first day on or after the start (and today); today's when that is
    today, even past the usual hour."""
    today = timezone.localdate(now)
    start = max(schedule.starts_on, today)
    day = occurrence_after(
        frequency=schedule.frequency,
        day_of_month=schedule.day_of_month,
        after=start - dt.timedelta(days=1),
    )
    return max(_at(day), now)


def next_run_after(*, schedule: Schedule, day: dt.date) -> dt.datetime | None:
    """The look after the one of ``day``; None when it would fall after the end date."""
    following = occurrence_after(
        frequency=schedule.frequency, day_of_month=schedule.day_of_month, after=day
    )
    if schedule.ends_on is not None and following > schedule.ends_on:
        return None
    return _at(following)


# --- The operation -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SchedulePayload(Payload):
    """A schedule as confirmed: ``amount`` is its maximum (what a company's bands apply to);
    dates as ISO text (``ends_on`` empty: "Fecha indefinida")."""

    biller: int
    reference: str
    fields: dict
    frequency: str
    day_of_month: int | None = None
    starts_on: str
    ends_on: str = ""
    #: the schedule this one replaces (an edit)
    replaces: int | None = None


@dataclass(frozen=True)
class Checked:
    """A schedule's data once every rule passed."""

    origin: Account
    biller: Biller
    reference: str
    fields: dict
    max_amount: Decimal
    frequency: str
    day_of_month: int | None
    starts_on: dt.date
    ends_on: dt.date | None


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def schedule_check(
    *, payload: SchedulePayload, member, today: dt.date | None = None, new: bool = True
) -> Checked:
    """Every rule of a schedule, each refusal on its field: the debit account is the
    member's, active, of a product that pays; the biller is active and answers inquiries
    (a schedule pays bills, it cannot type an amount); the reference fields as the biller
    asks for them; Monto máximo above zero; a day of the month 1–28; a start from today
    (``new``: an approved order may start after its start date passed) and an end after it."""
    origin = Account.objects.filter(
        pk=payload.origin, owner=member, product__in=ORIGIN_PRODUCTS
    ).first()
    if origin is None or origin.status != Account.Status.ACTIVE:
        raise PaymentError(gettext("Elige una cuenta de débito activa."), "origin")
    biller = Biller.objects.select_related("category").filter(pk=payload.biller).first()
    if biller is None or not biller.active:
        raise PaymentError(gettext("Elige un servicio disponible."), "biller")
    if biller.inquiry == Biller.Inquiry.NONE:
        raise PaymentError(
            gettext("Este servicio no tiene consulta de facturas: no se puede programar."),
            "biller",
        )
    fields = reference_clean(biller=biller, data=payload.fields)
    if payload.amount is None or payload.amount <= 0:
        raise PaymentError(gettext("El monto máximo debe ser mayor a $ 0.00."), "max_amount")
    day = payload.day_of_month
    if payload.frequency == Schedule.Frequency.MONTHLY:
        if day is None or not 1 <= day <= 28:
            raise PaymentError(gettext("Elige un día del mes entre 1 y 28."), "day_of_month")
    elif payload.frequency == Schedule.Frequency.AVAILABLE:
        day = None
    else:
        raise PaymentError(gettext("Elige la frecuencia."), "frequency")
    starts_on, ends_on = _date(payload.starts_on), _date(payload.ends_on)
    today = today or timezone.localdate()
    if new and (starts_on is None or starts_on < today):
        raise PaymentError(gettext("La fecha de inicio no puede ser anterior a hoy."), "starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise PaymentError(
            gettext("La fecha de finalización debe ser posterior a la de inicio."), "ends_on"
        )
    reference = fields[biller.fields[0]["name"]] if biller.fields else payload.reference
    return Checked(
        origin,
        biller,
        reference,
        fields,
        payload.amount,
        payload.frequency,
        day,
        starts_on,
        ends_on,
    )


def schedule_execute(payload: SchedulePayload, context: Context) -> dict:
    """What the confirmed operation runs (a member's at once, a company's once signed)."""
    return {"schedule": schedule_activate(payload=payload, context=context).pk}


def _schedule_row(checked: Checked, *, context: Context, status: str, **extra) -> Schedule:
    return Schedule(
        owner=context.member,
        created_by=context.user if getattr(context.user, "pk", None) else None,
        origin=checked.origin,
        biller=checked.biller,
        reference=checked.reference,
        reference_fields=checked.fields,
        max_amount=checked.max_amount,
        frequency=checked.frequency,
        day_of_month=checked.day_of_month,
        starts_on=checked.starts_on,
        ends_on=checked.ends_on,
        status=status,
        terms_accepted_at=timezone.now(),
        channel=context.channel,
        **extra,
    )


def schedule_activate(*, payload: SchedulePayload, context: Context) -> Schedule:
    """Creates the schedule ACTIVE (or activates the one its company order registered), with
    its first look; cancels the one it replaces. Run twice with the same key, or for the same
    order, it returns the first."""
    now = timezone.now()
    with transaction.atomic():
        done = Schedule.objects.filter(idempotency_key=context.key).first()
        if done is not None:
            return done
        checked = schedule_check(payload=payload, member=context.member, new=False)
        schedule = None
        if context.reference is not None:
            schedule = (
                Schedule.objects.select_for_update()
                .filter(order_reference=context.reference, status=Schedule.Status.WAITING)
                .first()
            )
        if schedule is None:
            schedule = _schedule_row(
                checked,
                context=context,
                status=Schedule.Status.ACTIVE,
                order_reference=context.reference,
                replaces_id=_replaced(payload, context.member),
            )
        schedule.status = Schedule.Status.ACTIVE
        schedule.idempotency_key = context.key
        schedule.next_run_at = first_run_at(schedule=schedule, now=now)
        try:
            with transaction.atomic():
                schedule.save()
        except IntegrityError:  # the same confirmation, run at the same moment elsewhere
            return Schedule.objects.get(idempotency_key=context.key)
        if schedule.replaces_id:
            _cancel(schedule.replaces_id, user=context.user, reason="replaced", by=schedule)
        _audit(context.user, "payment_schedule.create", schedule, after=_describe(schedule))
    return schedule


def _replaced(payload: SchedulePayload, member) -> int | None:
    if payload.replaces is None:
        return None
    old = Schedule.objects.filter(pk=payload.replaces, owner=member).first()
    return old.pk if old is not None else None


def schedule_register_waiting(*, payload: SchedulePayload, context: Context, reference: int):
    """A company's order was registered and waits for signatures: the schedule shows as
    "Por aprobar" until it is signed (``schedule_activate``) or will never run
    (``schedule_released``)."""
    checked = schedule_check(payload=payload, member=context.member)
    schedule = _schedule_row(
        checked,
        context=context,
        status=Schedule.Status.WAITING,
        order_reference=reference,
        replaces_id=_replaced(payload, context.member),
    )
    schedule.save()
    _audit(context.user, "payment_schedule.order", schedule, after=_describe(schedule))
    return schedule


def schedule_released(payload: SchedulePayload, reference: int) -> None:
    """The order will never run (rejected, expired, withdrawn): its schedule is cancelled."""
    Schedule.objects.filter(order_reference=reference, status=Schedule.Status.WAITING).update(
        status=Schedule.Status.CANCELLED, next_run_at=None, updated_at=timezone.now()
    )


def _receipt_url(result: dict) -> str:
    return reverse("payments:schedule_done", kwargs={"pk": result["schedule"]})


SCHEDULE = OperationSpec(
    code=CAPABILITY,
    label=_("Pago programado"),
    band=BAND,
    payload=SchedulePayload,
    execute=schedule_execute,
    receipt_url=_receipt_url,
    released=schedule_released,
    # The order approves a maximum for bills still to come: nothing to hold now.
    holds_funds=False,
)


# --- Pause, resume, cancel ----------------------------------------------------------------------


def _describe(schedule: Schedule) -> dict:
    return {
        "biller": schedule.biller.code,
        "reference": schedule.reference,
        "max_amount": str(schedule.max_amount),
        "frequency": schedule.frequency,
        "day_of_month": schedule.day_of_month,
        "starts_on": schedule.starts_on.isoformat(),
        "ends_on": schedule.ends_on.isoformat() if schedule.ends_on else "",
        "status": schedule.status,
        "order": schedule.order_reference,
    }


def _audit(user, action: str, schedule: Schedule, *, before=None, after=None, reason=""):
    audit_record(
        actor=user,
        action=action,
        target=schedule,
        before=before,
        after=after,
        reason=reason,
        scope=audit_scope_of(schedule.owner),
    )


def _move(schedule: Schedule, *, user, source: tuple, target: str, action: str, **changes):
    """One state change, won by one caller only (a conditional update), with its audit row."""
    with transaction.atomic():
        moved = Schedule.objects.filter(pk=schedule.pk, status__in=source).update(
            status=target, updated_at=timezone.now(), **changes
        )
        if not moved:
            raise PaymentError(gettext("Este pago programado ya no se puede modificar."))
        _audit(user, action, schedule, before={"status": schedule.status}, after={"status": target})
    schedule.refresh_from_db()
    return schedule


def schedule_pause(*, schedule: Schedule, user) -> Schedule:
    return _move(
        schedule,
        user=user,
        source=(Schedule.Status.ACTIVE,),
        target=Schedule.Status.PAUSED,
        action="payment_schedule.pause",
    )


def schedule_resume(*, schedule: Schedule, user) -> Schedule:
    """Active again from today: the days it was paused are not caught up."""
    now = timezone.now()
    today = timezone.localdate(now)
    if schedule.ends_on is not None and schedule.ends_on < today:
        return _move(
            schedule,
            user=user,
            source=(Schedule.Status.PAUSED,),
            target=Schedule.Status.FINISHED,
            action="payment_schedule.finish",
            next_run_at=None,
        )
    return _move(
        schedule,
        user=user,
        source=(Schedule.Status.PAUSED,),
        target=Schedule.Status.ACTIVE,
        action="payment_schedule.resume",
        next_run_at=first_run_at(schedule=schedule, now=now),
    )


def schedule_cancel(*, schedule: Schedule, user) -> Schedule:
    return _move(
        schedule,
        user=user,
        source=LIVE,
        target=Schedule.Status.CANCELLED,
        action="payment_schedule.cancel",
        next_run_at=None,
    )


def _cancel(pk: int, *, user, reason: str, by: Schedule) -> None:
    moved = Schedule.objects.filter(pk=pk, status__in=LIVE).update(
        status=Schedule.Status.CANCELLED, next_run_at=None, updated_at=timezone.now()
    )
    if moved:
        old = Schedule.objects.select_related("owner").get(pk=pk)
        _audit(
            user,
            "payment_schedule.cancel",
            old,
            after={"status": Schedule.Status.CANCELLED, "replaced_by": by.pk},
            reason=reason,
        )


def schedule_payload_of(schedule: Schedule, **changes) -> SchedulePayload:
    """The payload that would create ``schedule`` again (an edit starts from it)."""
    values = {
        "origin": schedule.origin_id,
        "amount": schedule.max_amount,
        "biller": schedule.biller_id,
        "reference": schedule.reference,
        "fields": schedule.reference_fields,
        "frequency": schedule.frequency,
        "day_of_month": schedule.day_of_month,
        "starts_on": schedule.starts_on.isoformat(),
        "ends_on": schedule.ends_on.isoformat() if schedule.ends_on else "",
        "replaces": None,
    }
    return SchedulePayload(**(values | changes))
