"""The company's summary of a bulk payment (PDF or XLSX), from the order's page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from enterprise.selectors.access import company_profile_of, order_readable_or_403

from ..selectors import payroll_order_get_for_profile
from ..services.reports import summary_pdf, summary_xlsx

TYPES = {
    "pdf": ("application/pdf", summary_pdf),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", summary_xlsx),
}


@login_required
@require_GET
def order_summary(request, pk: int, fmt: str):
    profile = company_profile_of(request)
    if fmt not in TYPES:
        raise Http404
    order = payroll_order_get_for_profile(profile=profile, pk=pk)
    order_readable_or_403(profile, order, request.user)
    content_type, build = TYPES[fmt]
    response = HttpResponse(build(order), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="pago_masivo_{order.pk}.{fmt}"'
    return response
