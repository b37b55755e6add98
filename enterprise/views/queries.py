"""Consultas → Transacciones generales: the company's orders by tab and filter, each order's
beneficiaries and signers (a dialog, or a page without JavaScript), and the downloads."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from django_htmx.http import push_url, reswap, retarget

from ..forms.queries import OrderQueryForm
from ..selectors import queries
from ..selectors.access import company_profile_of
from ..services.exports import orders_pdf, orders_xlsx

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_TEMPLATE = "enterprise/queries/list.html"


def _forbidden(request, message: str) -> HttpResponse:
    raise PermissionDenied(message)


def query_access(view):
    """Company users with a Consultas service; the view gets their profile and tabs."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        profile = company_profile_of(request)
        tabs = queries.tabs_for_profile(profile)
        if not tabs:
            return _forbidden(request, gettext("Tu usuario no tiene el servicio de Consultas."))
        return view(request, profile, tabs, *args, **kwargs)

    return wrapper


def _tab(request, tabs: list[str]) -> str:
    tab = request.GET.get("tab", "")
    return tab if tab in queries.TABS else tabs[0]


def _tab_refused(request) -> HttpResponse:
    return _forbidden(
        request, gettext("Tu usuario solo puede consultar las transacciones pendientes.")
    )


def _query_string(request, *drop: str) -> str:
    """The request's filter for links (pages, tabs, downloads), without empty fields."""
    query = request.GET.copy()
    for name in ("page", *drop):
        query.pop(name, None)
    for name in [name for name, value in query.items() if not value]:
        query.pop(name)
    return query.urlencode()


def _orders(profile, tab: str, data: dict):
    return queries.order_list_for_profile(
        profile=profile,
        tab=tab,
        date_from=data["date_from"],
        date_to=data["date_to"],
        status=data["estado"],
    )


def _description(tab: str, data: dict) -> str:
    return queries.query_description(
        tab=tab, date_from=data["date_from"], date_to=data["date_to"], status=data["estado"]
    )


@login_required
@require_GET
@query_access
def order_query(request, profile, tabs):
    tab = _tab(request, tabs)
    if tab not in tabs:
        return _tab_refused(request)
    form = OrderQueryForm(request.GET)
    context = {
        "form": form,
        "tab": tab,
        "tabs": [(key, queries.TABS[key][0]) for key in tabs],
        "show_status": queries.TABS[tab][1] is None,
        "max_months": queries.MAX_RANGE_MONTHS,
        "queries_url": reverse("enterprise:queries"),
        "query": _query_string(request),
        "filter_query": _query_string(request, "tab", "estado"),
        "page": None,
    }
    if form.is_valid():
        page = Paginator(_orders(profile, tab, form.cleaned_data), queries.PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context.update(
            page=page,
            lines=[queries.order_line(order) for order in page.object_list],
            description=_description(tab, form.cleaned_data),
        )
    if not request.htmx:
        return render(request, LIST_TEMPLATE, context)
    if not form.is_valid() and request.htmx.trigger == "query-filter":
        # The errors go above the table; the rows shown stay as they were.
        response = render(request, f"{LIST_TEMPLATE}#errors", context)
        return push_url(reswap(retarget(response, "#query-errors"), "innerHTML"), False)
    if request.htmx.target == "results":  # another page of the same query
        return render(request, f"{LIST_TEMPLATE}#rows", context)
    # The filter or a tab: the tabs, the form and the rows (tab links carry the filter).
    return render(request, f"{LIST_TEMPLATE}#panel", context)


def _order_dialog(request, profile, pk: int, template: str, extra: dict) -> HttpResponse:
    order = queries.order_get_for_profile(profile=profile, order_id=pk)
    context = {
        "order": order,
        "line": queries.order_line(order),
        "back_url": reverse("enterprise:queries"),
        **{name: build(order) for name, build in extra.items()},
    }
    if request.htmx:
        return render(request, f"{template}#dialog", {**context, "as_modal": True})
    return render(request, template, context)


@login_required
@require_GET
@query_access
def order_beneficiaries(request, profile, tabs, pk: int):
    return _order_dialog(
        request,
        profile,
        pk,
        "enterprise/queries/beneficiaries.html",
        {"rows": queries.beneficiary_list_for_order},
    )


@login_required
@require_GET
@query_access
def order_approvals(request, profile, tabs, pk: int):
    return _order_dialog(
        request,
        profile,
        pk,
        "enterprise/queries/approvals.html",
        {"approvals": queries.approval_list_for_order},
    )


@login_required
@require_GET
@query_access
def order_query_download(request, profile, tabs, fmt: str):
    tab = _tab(request, tabs)
    if tab not in tabs:
        return _tab_refused(request)
    back = f"{reverse('enterprise:queries')}?{_query_string(request)}"
    form = OrderQueryForm(request.GET)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(form.non_field_errors()) or gettext("Revisa los filtros de la consulta."),
        )
        return redirect(back)
    data = form.cleaned_data
    orders = _orders(profile, tab, data)
    count, limit = orders.count(), queries.export_limit(fmt)
    if count > limit:
        message = gettext(
            "La consulta tiene %(count)s operaciones y la descarga en %(format)s admite hasta "
            "%(limit)s: acota las fechas o el estado."
        ) % {"count": f"{count:,}", "format": fmt.upper(), "limit": f"{limit:,}"}
        if fmt == "pdf" and count <= queries.export_limit("xlsx"):
            message += " " + gettext("También puedes descargarla en XLSX.")
        messages.error(request, message)
        return redirect(back)
    arguments = {
        "company": profile.company.name,
        "description": _description(tab, data),
        "generated_at": timezone.now(),
        "lines": (queries.order_line(order) for order in orders.iterator(chunk_size=2000)),
    }
    stamp = f"{tab}_{data['date_from']:%Y%m%d}_{data['date_to']:%Y%m%d}"
    if fmt == "pdf":
        content, content_type = orders_pdf(**arguments), PDF
    else:
        content, content_type = orders_xlsx(**arguments), XLSX
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="transacciones_{stamp}.{fmt}"'
    return response
