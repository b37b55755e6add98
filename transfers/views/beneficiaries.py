"""Administrar beneficiarios: the list by tab (htmx swaps the list), «Nuevo beneficiario», edit
and delete, each with a code."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.registries.permissions import customer_for, permitted
from identity.models import Member
from identity.views.otp import OtpConfirmView

from ..forms import BeneficiaryEditForm, NewInterbankBeneficiaryForm, NewMemberBeneficiaryForm
from ..models import Beneficiary
from ..selectors import (
    BENEFICIARIES_CARD,
    BENEFICIARIES_INTERBANK,
    BENEFICIARIES_MEMBER,
    BENEFICIARY_CAPABILITIES,
    CARD_CAPABILITIES,
    beneficiary_get_for_user,
)
from ..services.beneficiaries import (
    beneficiaries_of,
    beneficiary_delete,
    beneficiary_save,
    beneficiary_update,
    payee_needs_approval,
    payee_waits,
)
from ..services.operations import SPECS

#: the tabs of the page: slug, the payees it lists, its label, and the capability that lets a
#: login manage them. Cards are added and paid in Pago de tarjetas.
TABS = [
    ("cooprogreso", Beneficiary.Kind.MEMBER, _("Cooprogreso"), BENEFICIARIES_MEMBER),
    ("otros", Beneficiary.Kind.INTERBANK, _("Otros bancos"), BENEFICIARIES_INTERBANK),
    ("tarjetas", Beneficiary.Kind.CARD, _("Tarjetas"), BENEFICIARIES_CARD),
]
#: the tabs whose payees «Nuevo beneficiario» adds: its form and the capability it needs
NEW = {
    "cooprogreso": (NewMemberBeneficiaryForm, BENEFICIARIES_MEMBER),
    "otros": (NewInterbankBeneficiaryForm, BENEFICIARIES_INTERBANK),
}
#: the operations that pay a payee of each kind: "Transferir" / "Pagar" shows only to a login
#: offered one of them
PAYS = {
    Beneficiary.Kind.MEMBER: (SPECS["member"].code,),
    Beneficiary.Kind.INTERBANK: (SPECS["interbank"].code,),
    Beneficiary.Kind.CARD: CARD_CAPABILITIES,
}


@login_required
@require_GET
def beneficiaries(request):
    member = customer_for(request.user, *BENEFICIARY_CAPABILITIES)
    # Only the tabs this login may manage; an old or foreign ?tab= lands on the first one.
    tabs = [(t, k, label) for t, k, label, need in TABS if permitted(request.user, need)]
    tab = request.GET.get("tab", tabs[0][0])
    kind = dict((t, k) for t, k, _label in tabs).get(tab)
    if kind is None:
        return redirect(f"{reverse('transfers:beneficiaries')}?tab={tabs[0][0]}")
    query = request.GET.get("q", "").strip()[:40]
    new = NEW.get(tab)
    new_url = ""
    if new and permitted(request.user, new[1]):
        new_url = reverse("transfers:beneficiary_new", args=[tab])
    elif kind == Beneficiary.Kind.CARD and any(permitted(request.user, c) for c in PAYS[kind]):
        new_url = reverse("transfers:card_pay")  # «Agregar nueva tarjeta»
    context = {
        "rows": beneficiaries_of(member, kind=kind, query=query),
        "tabs": tabs,
        "tab": tab,
        "query": query,
        # Only a company's payees wait for an authorizer; a member's are usable once saved.
        "company": member.kind == Member.Kind.COMPANY,
        "new_url": new_url,
        "can_pay": any(permitted(request.user, capability) for capability in PAYS[kind]),
    }
    template = "transfers/beneficiaries.html"
    if request.htmx:
        template += "#list"
    return render(request, template, context)


class BeneficiaryNewView(OtpConfirmView):
    """«Nuevo beneficiario»: the payee part of the transfer form, checked the same way, saved
    with a code bound to exactly that payee; a company's waits for an authorizer where the
    company requires it, as one saved from a transfer does."""

    heading = _("Nuevo beneficiario")
    crumb = _("Administrar beneficiarios")
    submit_label = _("Guardar")
    otp_purpose = "beneficiary_add"
    tab = ""

    def dispatch(self, request, *args, **kwargs):
        self.tab = kwargs["tab"]
        if self.tab not in NEW:
            raise Http404
        self.form_class, capability = NEW[self.tab]
        if request.user.is_authenticated:
            self.member = customer_for(request.user, capability)
        return super().dispatch(request, *args, **kwargs)

    @property
    def cancel_url(self) -> str:
        return f"{reverse('transfers:beneficiaries')}?tab={self.tab}"

    def get_form_kwargs(self) -> dict:
        return {"member": self.member, "user": self.request.user}

    def get_context_data(self, **kwargs):
        rules = [gettext("Te pediremos un código de verificación para guardarlo.")]
        if payee_needs_approval(self.member, self.request.user):
            rules.append(
                gettext(
                    "Un autorizador de tu empresa debe aprobarlo: hasta entonces no podrás "
                    "transferirle."
                )
            )
        if self.member.kind == Member.Kind.COMPANY:
            rules.append(
                gettext(
                    "Durante los primeros %(m)s minutos después de su aprobación, cada pago "
                    "puede ser de máximo $ %(cap)s."
                )
                % {
                    "m": settings.BENEFICIARY_COOLING_MINUTES,
                    "cap": f"{settings.BENEFICIARY_COOLING_CAP:,.2f}",
                }
            )
        return super().get_context_data(rules=rules, **kwargs)

    def otp_operation(self, form):
        data = form.payee_data()
        if "institution" in data:
            data = {**data, "institution": data["institution"].code}
        return {"tab": self.tab, **data}

    def otp_description(self, form):
        data = form.cleaned_data
        name = data["payee"].name if "payee" in data else data["holder"]
        return gettext("guardar a %(name)s ****%(last)s como beneficiario") % {
            "name": name.split()[0] if name else "",
            "last": form.payee_data()["account_number"][-4:],
        }

    def confirmed(self, form, challenge):
        beneficiary = beneficiary_save(
            member=self.member, user=self.request.user, data=form.payee_data()
        )
        if payee_waits(beneficiary):
            message = gettext(
                "Beneficiario guardado: podrás transferirle cuando un autorizador de tu empresa "
                "lo apruebe."
            )
        else:
            message = gettext("Beneficiario guardado")
        return self.done(self.cancel_url, message)


class BeneficiaryMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.beneficiary = beneficiary_get_for_user(request.user, kwargs["pk"])
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
