"""Administrar beneficiarios: the list by tab (htmx swaps the list), edit and delete with a
code."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.registries.permissions import customer_for
from identity.views.otp import OtpConfirmView

from ..forms import BeneficiaryEditForm
from ..models import Beneficiary
from ..selectors import BENEFICIARY_CAPABILITIES, beneficiary_get_for_user
from ..services.beneficiaries import beneficiaries_of, beneficiary_delete, beneficiary_update

TABS = [
    ("cooprogreso", Beneficiary.Kind.MEMBER, _("Cooprogreso")),
    ("otros", Beneficiary.Kind.INTERBANK, _("Otros bancos")),
    ("tarjetas", Beneficiary.Kind.CARD, _("Tarjetas")),
]


@login_required
@require_GET
def beneficiaries(request):
    member = customer_for(request.user, *BENEFICIARY_CAPABILITIES)
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
