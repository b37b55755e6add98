"""«Historial de pagos»: the period, category, service and status filters (htmx swaps the
results), the shared pager, each payment's receipt and PDF, and the XLSX/PDF of the list."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from accounts.registries.permissions import customer_for

from ..forms.history import HISTORY_MONTHS, HistoryFilterForm
from ..selectors.catalogue import billers_search, categories_active
from ..selectors.payments import CAPABILITY, payment_list
from ..services import documents
from .services import section_links

PAGE_SIZE = 20
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _filter_form(request) -> HistoryFilterForm:
    return HistoryFilterForm(request.GET, categories=categories_active(), billers=billers_search())


@login_required
@require_GET
def history(request):
    customer_for(request.user, CAPABILITY)
    form = _filter_form(request)
    page = filters = None
    if form.is_valid():
        filters = form.filters()
        rows = payment_list(user=request.user, **filters)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "months": HISTORY_MONTHS,
        "section": section_links(request.user),
    }
    template = "payments/history.html#results" if request.htmx else "payments/history.html"
    return render(request, template, context)


@login_required
@require_GET
def history_download(request, fmt: str):
    if fmt not in CONTENT_TYPES:
        raise Http404
    member = customer_for(request.user, CAPABILITY)
    form = _filter_form(request)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(form.non_field_errors()) or gettext("Revisa los filtros de la consulta."),
        )
        return redirect("payments:history")
    filters = form.filters()
    rows = payment_list(user=request.user, **filters)
    if rows.count() > settings.EXPORT_SYNC_MAX_ROWS:
        messages.error(
            request,
            gettext("La consulta tiene demasiados pagos para descargarla: acorta el periodo."),
        )
        return redirect(f"{reverse('payments:history')}?{request.GET.urlencode()}")
    first, last = filters["date_from"], filters["date_to"]
    if fmt == "pdf":
        content = documents.history_pdf(
            payments=list(rows), member=member, date_from=first, date_to=last
        )
    else:
        content = documents.history_xlsx(payments=rows.iterator(), date_from=first, date_to=last)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    name = f"historial_pagos_{first:%Y%m%d}_{last:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
