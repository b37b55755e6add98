"""«Pagos frecuentes»: the saved services, filtered by category or service (htmx swaps the
list), «Pagar» from the row, the alias, and deleting one with a code."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.registries.permissions import customer_for
from identity.views.otp import OtpConfirmView

from ..forms.frequent import AliasForm, FrequentFilterForm
from ..selectors.catalogue import categories_active
from ..selectors.payments import CAPABILITY, saved_service_get_for_user, saved_services_of
from ..services.saved import saved_service_delete, saved_service_rename
from .services import section_links


@login_required
@require_GET
def frequent(request):
    member = customer_for(request.user, CAPABILITY)
    form = FrequentFilterForm(request.GET or None, categories=categories_active())
    filters = form.filters() if form.is_bound else {"category": "", "text": ""}
    context = {
        "form": form,
        "rows": saved_services_of(member, **filters),
        "filtered": any(filters.values()),
        "section": section_links(request.user),
    }
    template = "payments/frequent.html#list" if request.htmx else "payments/frequent.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def alias_edit(request, pk):
    """The alias of a saved service: a small form (inline in the list with htmx)."""
    saved = saved_service_get_for_user(request.user, pk)
    if request.method == "GET":
        form = AliasForm(initial={"alias": saved.alias})
    else:
        form = AliasForm(request.POST)
        if form.is_valid():
            saved_service_rename(saved=saved, alias=form.cleaned_data["alias"], user=request.user)
            messages.success(request, gettext("Alias actualizado"))
            return redirect("payments:frequent")
    template = "payments/frequent_alias.html"
    if request.htmx:
        template += "#form"
    return render(request, template, {"form": form, "saved": saved})


class SavedDeleteView(OtpConfirmView):
    """Deleting a saved service, with a code bound to it."""

    heading = _("Eliminar servicio guardado")
    crumb = _("Pagos frecuentes")
    submit_label = _("Sí, eliminar")
    otp_purpose = "saved_service_delete"
    cancel_url = reverse_lazy("payments:frequent")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.saved = saved_service_get_for_user(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        return forms.Form(data=data)

    def get_context_data(self, **kwargs):
        intro = gettext(
            "¿Eliminar %(name)s (%(biller)s, %(reference)s) de tus pagos frecuentes?"
        ) % {
            "name": self.saved.alias or self.saved.biller.name,
            "biller": self.saved.biller.name,
            "reference": self.saved.reference,
        }
        return super().get_context_data(intro=intro, **kwargs)

    def otp_operation(self, form):
        return {"saved_service": self.saved.pk}

    def otp_description(self, form):
        return gettext("eliminar el servicio guardado %(name)s") % {"name": self.saved}

    def confirmed(self, form, challenge):
        saved_service_delete(saved=self.saved, user=self.request.user)
        return self.done(reverse("payments:frequent"), gettext("Servicio eliminado"))
