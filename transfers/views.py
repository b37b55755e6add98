"""Transferencias: the form, "Verifica que todos los datos estén correctos", the code (except
between one's own accounts), the receipt. Beneficiaries and limits."""

from __future__ import annotations

import uuid
from dataclasses import fields

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.http import require_GET

from accounts.models import Channel
from accounts.registries.scopes import account_scope
from common.money_input import parse_amount
from enterprise.approvals import ApprovalError, accounts_of, can, company_user, order_create
from enterprise.executors import (
    TRANSFER_INTERBANK,
    TRANSFER_MEMBER,
    TRANSFER_OWN,
    payee_check_for,
)
from enterprise.models import ApprovalOrder, Operation, Service
from identity.models import Member
from identity.otp_views import OtpConfirmView

from .forms import (
    BeneficiaryEditForm,
    InterbankTransferForm,
    LimitsForm,
    MemberTransferForm,
    OwnTransferForm,
)
from .models import AccountType, Beneficiary, Institution, LimitCategory, Transfer
from .services.beneficiaries import (
    beneficiaries_of,
    beneficiary_delete,
    beneficiary_interbank_save,
    beneficiary_member_save,
    beneficiary_update,
    limits_problem,
    limits_set,
)
from .services.calendar import process_date_for
from .services.holders import HolderLookupsSpent, holder_reveal
from .services.orders import (
    Order,
    TransferError,
    frequent_payees,
    interbank_transfer,
    limits_of,
    member_transfer,
    own_transfer,
    settlement_for,
    used_of,
)

TRANSFER_SERVICES = (Service.TRANSFER_OWN, Service.TRANSFER_MEMBER, Service.TRANSFER_INTERBANK)
BENEFICIARY_SERVICES = (Service.BENEFICIARIES_MEMBER, Service.BENEFICIARIES_INTERBANK)


def member_of(request, services=()):
    """The member whose money moves. A company user needs one of ``services``; views without
    any (own accounts, limits) are not open to companies: a company's money moves through its
    approval workflow, never by one login alone."""
    member = request.user.customer
    if member is None:
        raise Http404
    if member.kind == Member.Kind.COMPANY:
        profile = company_user(request.user)
        if profile is None or not any(can(profile, service) for service in services):
            raise PermissionDenied(gettext("Tu usuario no tiene este servicio."))
    return member


def _channel(request) -> str:
    ua = request.META.get("HTTP_USER_AGENT", "")
    return Channel.MOBILE if any(t in ua for t in ("Mobile", "Android", "iPhone")) else Channel.WEB


def _order(request, form) -> Order:
    data = form.cleaned_data
    return Order(
        user=request.user,
        member=form.member,
        origin=data["origin"],
        amount=data["amount"],
        memo=data.get("memo", ""),
        idempotency_key=form.idempotency_key(),
        channel=_channel(request),
        funds_origin=data.get("funds_origin", ""),
        funds_purpose=data.get("funds_purpose", ""),
    )


def _hidden(request) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in {"csrfmiddlewaretoken", "step"}
        for value in values
    ]


class KeyReused(Exception):
    pass


def _already_done(request) -> Transfer | None:
    """The transfer a re-posted confirm already made (double click, reload, back button): its
    receipt is shown again, before any check that the first one's own debit would now fail.
    The same key with other data (a form brought back and changed) is refused instead."""
    try:
        key = uuid.UUID(request.POST.get("key", ""))
    except ValueError:
        return None
    member = member_of(request, TRANSFER_SERVICES)
    done = Transfer.objects.filter(idempotency_key=f"tr-{member.pk}-{key}", member=member).first()
    if done is None:
        return None
    try:
        same = parse_amount(request.POST.get("amount", "")) == done.amount and (
            str(done.origin_id) == request.POST.get("origin")
        )
    except ValueError:
        same = False
    if not same:
        raise KeyReused
    return done


def _receipt_url(transfer: Transfer) -> str:
    return reverse("transfers:receipt", kwargs={"pk": transfer.pk})


@login_required
@require_GET
def index(request):
    member = member_of(request, TRANSFER_SERVICES)
    profile = company_user(request.user)
    offered = {
        kind: profile is None or can(profile, service)
        for kind, service in zip(("own", "member", "interbank"), TRANSFER_SERVICES, strict=True)
    }
    return render(
        request,
        "transfers/index.html",
        {
            "offered": offered,
            "frequent": frequent_payees(member),
            "immediate": Institution.objects.filter(
                active=True, settlement=Institution.Settlement.IMMEDIATE
            ),
        },
    )


# --- The form and the "verify" page ------------------------------------------------------------


class TransferFormView(LoginRequiredMixin, View):
    form_class = None
    title = ""
    kind = ""
    services = ()  # what a company user needs for this kind (none: members only)
    confirm_url = None  # the code step; None: confirm here, without a code

    def get_form(self, data=None, initial=None):
        form = self.form_class(
            data=data,
            initial=initial or {},
            member=member_of(self.request, self.services),
            user=self.request.user,
        )
        profile = company_user(self.request.user)
        if profile is not None:
            form.fields["origin"].queryset = form.fields["origin"].queryset.filter(
                pk__in=accounts_of(profile).values("pk")
            )
        return form

    def get(self, request):
        initial = {}
        if request.GET.get("beneficiario"):
            if not request.GET["beneficiario"].isdigit():
                raise Http404
            beneficiary = get_object_or_404(
                Beneficiary,
                pk=request.GET["beneficiario"],
                owner=member_of(request, self.services),
                deleted_at__isnull=True,
            )
            initial["beneficiary"] = beneficiary.pk
        return self.page(self.get_form(initial=initial))

    def page(self, form):
        return render(
            request=self.request,
            template_name="transfers/transfer_form.html",
            context={"form": form, "title": self.title, "kind": self.kind},
        )

    def post(self, request):
        try:
            if (done := _already_done(request)) and request.POST.get("step") == "confirm":
                return redirect(_receipt_url(done))
        except KeyReused:
            return self.reused()
        form = self.get_form(data=request.POST)
        if request.POST.get("step") == "edit" or not form.is_valid():
            return self.page(form)
        if request.POST.get("step") == "confirm" and self.confirm_url is None:
            return self.execute(form)
        return render(request, "transfers/confirm.html", summary(request, form, self))

    def execute(self, form):
        raise NotImplementedError

    def reused(self):
        messages.error(self.request, gettext(KEY_REUSED))
        return redirect(self.url_name)


KEY_REUSED = "Esta operación ya fue registrada con otros datos; inicia una nueva."


def _to_name(kind: str, data: dict) -> str:
    """Whom the money goes to, as this member may see it before the transfer: another bank's
    payee as typed, their own account by their own name, another member only masked (the
    name ``holder_reveal`` gave the form, within the user's look-ups)."""
    if data.get("payee") is not None:
        return data["payee"].name
    if kind == "own":
        return data["destination"].owner.full_name
    return data["destination_holder"]


def summary(request, form, view) -> dict:
    data = form.cleaned_data
    fee, vat, charges = form.charges()
    payee = data.get("payee")
    destination = data.get("destination")
    context = {
        "title": view.title,
        "kind": view.kind,
        "form": form,
        "hidden": _hidden(request),
        "origin": data["origin"],
        "amount": data["amount"],
        "memo": data.get("memo", ""),
        "fee": fee,
        "vat": vat,
        "total": data["amount"] + charges,
        "action": str(view.confirm_url or reverse(view.url_name)),
        "edit_url": reverse(view.url_name),
        "needs_code": view.confirm_url is not None,
    }
    if payee is not None:
        settlement = settlement_for(payee.institution, data["amount"])
        context.update(
            to_name=payee.name,
            to_account=f"{AccountType(payee.account_type).label} ****{payee.account_number[-4:]}",
            to_institution=payee.institution.name,
            immediate=settlement == Institution.Settlement.IMMEDIATE,
            process_date=process_date_for(),
            today=timezone.localdate(),
        )
    elif destination is not None:
        context.update(
            to_name=_to_name(view.kind, data),
            to_account=f"{destination.get_product_display()} {destination.masked_number}",
            to_institution="Cooprogreso",
        )
    return context


class OwnTransferView(TransferFormView):
    form_class = OwnTransferForm
    title = _("Transferencia a mis cuentas")
    kind = "own"
    url_name = "transfers:own"
    services = (Service.TRANSFER_OWN,)

    def dispatch(self, request, *args, **kwargs):
        # A member moves money between their own accounts without a code; a company's
        # transfer is an order, confirmed with a code like every other.
        if company_user(request.user) is not None:
            self.confirm_url = reverse("transfers:own_confirm")
        return super().dispatch(request, *args, **kwargs)

    def execute(self, form):
        try:
            transfer = own_transfer(
                order=_order(self.request, form), destination=form.cleaned_data["destination"]
            )
        except TransferError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.page(form)
        return redirect(_receipt_url(transfer))


class MemberTransferView(TransferFormView):
    form_class = MemberTransferForm
    title = _("Transferencia Cooprogreso")
    kind = "member"
    url_name = "transfers:member"
    services = (Service.TRANSFER_MEMBER,)
    confirm_url = reverse_lazy("transfers:member_confirm")


class InterbankTransferView(TransferFormView):
    form_class = InterbankTransferForm
    title = _("Transferencias interbancarias")
    kind = "interbank"
    url_name = "transfers:interbank"
    services = (Service.TRANSFER_INTERBANK,)
    confirm_url = reverse_lazy("transfers:interbank_confirm")


# --- The code step ---------------------------------------------------------------------------


class TransferConfirmView(OtpConfirmView):
    """The confirm button of the verify page: a code bound to origin, payee, amount and key."""

    template_name = "transfers/confirm.html"
    form_class = None
    view = None
    otp_purpose = "transfer"
    cancel_url = reverse_lazy("transfers:index")

    def get(self, request, *args, **kwargs):
        return redirect("transfers:index")

    def get_form(self, data=None):
        return self.view.get_form(self.view(request=self.request), data=data)

    def get_context_data(self, **kwargs):
        form = kwargs["form"]
        if form.is_bound and form.is_valid():
            return {**summary(self.request, form, self.view), **kwargs}
        return super().get_context_data(title=self.view.title, **kwargs)

    def post(self, request, *args, **kwargs):
        # A confirm sent twice (double click, reload) shows the first transfer's receipt.
        try:
            done = _already_done(request)
        except KeyReused:
            messages.error(request, gettext(KEY_REUSED))
            return self.done(reverse(self.view.url_name), "")
        if done is not None:
            return self.done(_receipt_url(done), "")
        return super().post(request, *args, **kwargs)

    def otp_operation(self, form):
        # Everything the transfer will use: origin, amount, the whole payee (name, account
        # type, identification, e-mail), memo, funds declaration, what is saved and the key.
        operation = {"kind": self.view.kind}
        for name, value in sorted(form.cleaned_data.items()):
            if name == "payee":
                value = {
                    f.name: getattr(value, f.name) for f in fields(value) if f.name != "institution"
                } | {"institution": value.institution.code}
            elif hasattr(value, "pk"):
                value = value.pk
            operation[name] = value if isinstance(value, dict | bool | None) else str(value)
        return operation

    def otp_description(self, form):
        data = form.cleaned_data
        payee = data.get("payee")
        name = _to_name(self.view.kind, data)
        number = payee.account_number if payee else data["destination"].number
        return gettext("transferir $ %(amount)s a %(name)s ****%(last)s") % {
            "amount": f"{data['amount']:,.2f}",
            "name": name.split()[0] if name else "",
            "last": number[-4:],
        }

    def confirmed(self, form, challenge):
        if form.member.kind == Member.Kind.COMPANY:
            return self.order(form)
        try:
            transfer = self.execute(form)
        except TransferError as exc:
            messages.error(self.request, exc.message)
            return self.done(reverse(self.view.url_name), "")
        return self.done(_receipt_url(transfer), "")

    def order(self, form):
        """A company's transfer: an order the approval engine executes now (administrator)
        or after the signatures its amount needs (ingresador)."""
        data = form.cleaned_data
        charges = form.charges()[2]
        try:
            payee_check_for(
                kind=self.order_kind,
                payload=self.payload(form),
                member=form.member,
                amount=data["amount"],
            )
            self.company_payee_save(form)
            order = order_create(
                user=self.request.user,
                operation=Operation.TRANSFER,
                kind=self.order_kind,
                amount=data["amount"],
                charges=charges,
                debit_account=data["origin"],
                payload=self.payload(form),
                concept=data.get("memo") or str(self.view.title),
                key=form.idempotency_key(),
            )
        except (ApprovalError, TransferError) as exc:
            messages.error(self.request, exc.message)
            return self.done(reverse(self.view.url_name), "")
        if order.status == ApprovalOrder.Status.EXECUTED:
            return self.done(reverse("transfers:receipt", args=[order.result["transfer"]]), "")
        if order.status == ApprovalOrder.Status.FAILED:
            messages.error(self.request, order.failure_reason)
            return self.done(reverse(self.view.url_name), "")
        return self.done(
            reverse("enterprise:order", args=[order.pk]),
            gettext("Orden N.º %(n)s registrada: queda pendiente de autorización.")
            % {"n": order.pk},
        )

    def company_payee_save(self, form) -> None:
        """ "Guardar beneficiario" on a company's transfer: saved now, usable by later orders
        once an authorizer approves it (an administrator's is approved at once)."""

    def payload(self, form) -> dict:
        data = form.cleaned_data
        beneficiary = data.get("beneficiary")
        return {
            "beneficiary": beneficiary.pk if beneficiary else None,
            "origin": data["origin"].pk,
            "amount": str(data["amount"]),
            "memo": data.get("memo", ""),
            "funds_origin": data.get("funds_origin", ""),
            "funds_purpose": data.get("funds_purpose", ""),
        }


class OwnConfirmView(TransferConfirmView):
    """Companies only: members confirm their own-account transfers without a code."""

    form_class = OwnTransferForm
    view = OwnTransferView
    order_kind = TRANSFER_OWN

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and company_user(request.user) is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "needs_code" in context:
            context.update(action=self.request.path, needs_code=True)
        return context

    def payload(self, form):
        return {**super().payload(form), "destination": form.cleaned_data["destination"].pk}


class MemberConfirmView(TransferConfirmView):
    form_class = MemberTransferForm
    view = MemberTransferView
    order_kind = TRANSFER_MEMBER

    def payload(self, form):
        data = form.cleaned_data
        return {
            **super().payload(form),
            "destination": data["destination"].pk,
            "email": data.get("email", ""),
        }

    def save_payee(self, form):
        data = form.cleaned_data
        if data.get("beneficiary") is not None or not data.get("save_beneficiary"):
            return data.get("beneficiary")
        return beneficiary_member_save(
            member=form.member,
            account_number=data["destination"].number,
            alias=data.get("alias", ""),
            email=data.get("email", ""),
            user=self.request.user,
        )

    company_payee_save = save_payee

    def execute(self, form):
        data = form.cleaned_data
        beneficiary = self.save_payee(form)
        return member_transfer(
            order=_order(self.request, form),
            destination=data["destination"],
            beneficiary=beneficiary,
            email=data.get("email", ""),
        )


class InterbankConfirmView(TransferConfirmView):
    form_class = InterbankTransferForm
    view = InterbankTransferView
    order_kind = TRANSFER_INTERBANK

    def payload(self, form):
        payee = form.cleaned_data["payee"]
        return {
            **super().payload(form),
            "payee": {
                f.name: getattr(payee, f.name) for f in fields(payee) if f.name != "institution"
            }
            | {"institution": payee.institution.code},
        }

    def save_payee(self, form):
        data = form.cleaned_data
        payee = data["payee"]
        if data.get("beneficiary") is not None or not data.get("save_beneficiary"):
            return data.get("beneficiary")
        return beneficiary_interbank_save(
            member=form.member,
            user=self.request.user,
            data={
                "institution": payee.institution,
                "account_number": payee.account_number,
                "account_type": payee.account_type,
                "holder_name": payee.name,
                "id_type": payee.id_type,
                "identification": payee.identification,
                "email": payee.email,
                "alias": data.get("alias", ""),
            },
        )

    company_payee_save = save_payee

    def execute(self, form):
        beneficiary = self.save_payee(form)
        return interbank_transfer(
            order=_order(self.request, form),
            payee=form.cleaned_data["payee"],
            beneficiary=beneficiary,
        )


@login_required
@require_GET
def account_holder(request):
    """ "Validar": the holder of a Cooprogreso account, masked, without reloading the page; one
    of the user's look-ups (the form's key rides along, so its verify page costs no other)."""
    try:
        holder = holder_reveal(
            user=request.user,
            member=member_of(request, (Service.TRANSFER_MEMBER,)),
            account_number=request.GET.get("account_number", ""),
            key=request.GET.get("key"),
        )
    except HolderLookupsSpent as exc:
        # htmx 2 swaps no 4xx answer: the person would see nothing.
        status = 200 if request.htmx else 429
        return render(request, "transfers/holder.html", {"error": exc.message}, status=status)
    except TransferError as exc:
        return render(request, "transfers/holder.html", {"error": exc.message})
    return render(request, "transfers/holder.html", {"name": holder.name})


@login_required
@require_GET
def receipt(request, pk):
    transfers = Transfer.objects.select_related(
        "origin", "destination", "institution", "transaction"
    ).filter(member=member_of(request, (*TRANSFER_SERVICES, Service.QUERIES_ALL)))
    scope = account_scope(request.user)
    if scope is not None:
        # A company user sees transfers of the accounts granted to them only.
        transfers = transfers.filter(origin__in=scope.values("pk"))
    transfer = get_object_or_404(transfers, pk=pk)
    return render(request, "transfers/receipt.html", {"transfer": transfer})


# --- Beneficiaries -----------------------------------------------------------------------------

TABS = [
    ("cooprogreso", Beneficiary.Kind.MEMBER, _("Cooprogreso")),
    ("otros", Beneficiary.Kind.INTERBANK, _("Otros bancos")),
    ("tarjetas", Beneficiary.Kind.CARD, _("Tarjetas")),
]


@login_required
@require_GET
def beneficiaries(request):
    member = member_of(request, BENEFICIARY_SERVICES)
    tab = request.GET.get("tab", "cooprogreso")
    kind = dict((t, k) for t, k, _label in TABS).get(tab, Beneficiary.Kind.MEMBER)
    query = request.GET.get("q", "").strip()[:40]
    context = {
        "rows": beneficiaries_of(member, kind=kind, query=query),
        "tabs": TABS,
        "tab": tab,
        "query": query,
    }
    template = "transfers/beneficiaries.html"
    if request.htmx:
        template += "#list"
    return render(request, template, context)


class BeneficiaryMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.beneficiary = get_object_or_404(
                Beneficiary,
                pk=kwargs["pk"],
                owner=member_of(request, BENEFICIARY_SERVICES),
                deleted_at__isnull=True,
            )
        return super().dispatch(request, *args, **kwargs)


class BeneficiaryEditView(BeneficiaryMixin, OtpConfirmView):
    heading = _("Editar beneficiario")
    crumb = _("Administrar beneficiarios")
    otp_purpose = "beneficiary_edit"
    cancel_url = reverse_lazy("transfers:beneficiaries")

    def get_form(self, data=None):
        return BeneficiaryEditForm(
            data=data, initial={"alias": self.beneficiary.alias, "email": self.beneficiary.email}
        )

    def get_context_data(self, **kwargs):
        intro = f"{self.beneficiary.holder_name} · {self.beneficiary.masked_number}"
        return super().get_context_data(intro=intro, **kwargs)

    def otp_operation(self, form):
        return {"beneficiary": self.beneficiary.pk, **form.cleaned_data}

    def otp_description(self, form):
        return gettext("editar el beneficiario %(name)s") % {"name": self.beneficiary}

    def confirmed(self, form, challenge):
        beneficiary_update(
            beneficiary=self.beneficiary,
            alias=form.cleaned_data["alias"],
            email=form.cleaned_data["email"],
            user=self.request.user,
        )
        return self.done(reverse("transfers:beneficiaries"), gettext("Beneficiario actualizado"))


class BeneficiaryDeleteView(BeneficiaryMixin, OtpConfirmView):
    heading = _("Eliminar beneficiario")
    crumb = _("Administrar beneficiarios")
    submit_label = _("Sí, eliminar")
    otp_purpose = "beneficiary_delete"
    cancel_url = reverse_lazy("transfers:beneficiaries")

    def get_form(self, data=None):
        return forms.Form(data=data)

    def get_context_data(self, **kwargs):
        intro = gettext("¿Eliminar a %(name)s (%(account)s) de tus beneficiarios?") % {
            "name": self.beneficiary,
            "account": self.beneficiary.masked_number,
        }
        return super().get_context_data(intro=intro, **kwargs)

    def otp_operation(self, form):
        return {"beneficiary": self.beneficiary.pk}

    def otp_description(self, form):
        return gettext("eliminar el beneficiario %(name)s") % {"name": self.beneficiary}

    def confirmed(self, form, challenge):
        beneficiary_delete(beneficiary=self.beneficiary, user=self.request.user)
        return self.done(reverse("transfers:beneficiaries"), gettext("Beneficiario eliminado"))


# --- Limits ----------------------------------------------------------------------------------


class LimitsView(OtpConfirmView):
    template_name = "transfers/limits.html"
    heading = _("Personalización de cupos")
    otp_purpose = "limits"
    cancel_url = reverse_lazy("transfers:index")

    def current(self):
        member = member_of(self.request)
        result = {}
        for category, _label in LimitCategory.choices:
            daily, weekly, monthly = limits_of(member, category)
            used = used_of(member, category)
            result[category] = {"daily": daily, "weekly": weekly, "monthly": monthly, "used": used}
        return result

    def get_form(self, data=None):
        form = LimitsForm(data=data, limits=self.current())
        original_clean = form.clean

        def clean():
            cleaned = original_clean()
            for category, label in LimitCategory.choices:
                if all(f"{category}_{p}" in cleaned for p in ("daily", "weekly", "monthly")):
                    problem = limits_problem(category, form.values(category))
                    if problem:
                        form.add_error(None, f"{label}: {problem}")
            return cleaned

        form.clean = clean
        return form

    def otp_operation(self, form):
        return {k: str(v) for k, v in sorted(form.cleaned_data.items())}

    def otp_description(self, form):
        return gettext("cambiar tus cupos de transferencias")

    def confirmed(self, form, challenge):
        for category, _label in LimitCategory.choices:
            daily, weekly, monthly = form.values(category)
            limits_set(
                member=member_of(self.request),
                category=category,
                daily=daily,
                weekly=weekly,
                monthly=monthly,
                user=self.request.user,
            )
        return self.done(reverse("transfers:limits"), gettext("Cupos actualizados"))
