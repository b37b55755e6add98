from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from common.periods import last_closed_month
from common.storage import EXPORTS, file_storage
from identity.services.preferences import user_set_hide_amounts

from .forms import MovementFilterForm, StatementForm
from .models import ExportJob
from .registries.position import extra_sections
from .registries.scopes import account_scope
from .selectors import (
    account_get_for_user,
    accounts_for_member,
    customer_of,
    export_job_get_for_user,
    holds_active_for,
    movement_list,
    position_cache_key,
    position_for_member,
    receipt_build,
    receipt_get_for_user,
    term_deposit_get_for_user,
    term_deposit_interest_at_maturity,
    term_deposit_interest_earned,
)
from .services import documents
from .services.exports import export_job_create
from .services.statements import statement_pdf_kept

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def position(request):
    member = customer_of(request.user)
    if member is None:
        return render(request, "accounts/no_products.html")
    scope = account_scope(request.user)
    if scope is not None:
        return _scoped_position(request, member, scope)
    key = position_cache_key(member=member, hide_amounts=request.user.hide_amounts)
    body = caches["local"].get(key) if settings.POSITION_CACHE_SECONDS else None
    if body is None:
        context = {
            "position": position_for_member(member=member),
            "sections": extra_sections(member=member),
            "member": member,
        }
        body = render_to_string("accounts/position.html#body", context, request=request)
        if settings.POSITION_CACHE_SECONDS:
            caches["local"].set(key, str(body), settings.POSITION_CACHE_SECONDS)
    # Our own rendering, cached under a key only the member's data can produce.
    return render(request, "accounts/position.html", {"position_html": mark_safe(body)})  # noqa: S308


def _scoped_position(request, member, scope):
    """A login that sees only some of the customer's accounts (a company user): not cached,
    since each user of the company may see other accounts."""
    context = {
        "position": position_for_member(member=member, only=scope),
        "sections": extra_sections(member=member),
        "member": member,
    }
    body = render_to_string("accounts/position.html#body", context, request=request)
    return render(request, "accounts/position.html", {"position_html": mark_safe(body)})  # noqa: S308


@login_required
@require_POST
def toggle_amounts(request):
    user_set_hide_amounts(user=request.user, hide=not request.user.hide_amounts)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if safe else "accounts:position")


@login_required
@require_GET
def movements(request, number: str):
    account = account_get_for_user(user=request.user, number=number)
    form = MovementFilterForm(request.GET)
    page = filters = None
    if form.is_valid():
        data = form.cleaned_data
        entries = movement_list(
            account=account,
            date_from=data["date_from"],
            date_to=data["date_to"],
            direction=data["tipo"],
        )
        page = Paginator(entries, settings.MOVEMENTS_PAGE_SIZE).get_page(request.GET.get("page"))
        filters = data
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "account": account,
        "holds": holds_active_for(account),
        "form": form,
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
    }
    template = "accounts/movements.html#results" if request.htmx else "accounts/movements.html"
    return render(request, template, context)


@login_required
@require_GET
def movements_download(request, number: str, fmt: str):
    account = account_get_for_user(user=request.user, number=number)
    form = MovementFilterForm(request.GET)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(form.non_field_errors()) or gettext("Revisa los filtros de la consulta."),
        )
        return redirect("accounts:movements", number=number)
    data = form.cleaned_data
    entries = movement_list(
        account=account,
        date_from=data["date_from"],
        date_to=data["date_to"],
        direction=data["tipo"],
    )
    params = {
        "date_from": data["date_from"].isoformat(),
        "date_to": data["date_to"].isoformat(),
        "tipo": data["tipo"],
    }
    kind = ExportJob.Kind.MOVEMENTS_PDF if fmt == "pdf" else ExportJob.Kind.MOVEMENTS_XLSX
    if entries.count() > settings.EXPORT_SYNC_MAX_ROWS:
        job = export_job_create(user=request.user, account=account, kind=kind, params=params)
        return redirect("accounts:export_status", job_id=job.pk)
    stamp = f"{account.number}_{data['date_from']:%Y%m%d}_{data['date_to']:%Y%m%d}"
    if fmt == "pdf":
        content = documents.movements_pdf(
            account=account, entries=entries, date_from=data["date_from"], date_to=data["date_to"]
        )
        return _attachment(content, f"movimientos_{stamp}.pdf", PDF)
    content = documents.movements_xlsx(
        account=account,
        entries=entries.iterator(chunk_size=2000),
        date_from=data["date_from"],
        date_to=data["date_to"],
    )
    return _attachment(content, f"movimientos_{stamp}.xlsx", XLSX)


@login_required
@require_GET
def receipt(request, receipt_number: str):
    txn, entries, own = receipt_get_for_user(user=request.user, receipt_number=receipt_number)
    context = {"receipt": receipt_build(transaction=txn, entries=entries, own=own)}
    if request.GET.get("formato") == "pdf":
        context["cooperative"] = settings.COOPERATIVE
        return _attachment(
            documents.receipt_pdf(context), f"comprobante_{txn.receipt_number}.pdf", PDF
        )
    template = "accounts/receipt.html#receipt" if request.htmx else "accounts/receipt.html"
    return render(request, template, context)


@login_required
@require_GET
def term_deposit(request, number: str):
    deposit = term_deposit_get_for_user(user=request.user, number=number)
    context = {
        "deposit": deposit,
        "interest_earned": term_deposit_interest_earned(deposit),
        "interest_at_maturity": term_deposit_interest_at_maturity(deposit),
    }
    return render(request, "accounts/term_deposit.html", context)


@login_required
@require_GET
def statement(request):
    member = customer_of(request.user)
    if member is None:
        raise Http404
    accounts = accounts_for_member(member=member)
    scope = account_scope(request.user)
    if scope is not None:
        allowed = set(scope.values_list("pk", flat=True))
        accounts = [a for a in accounts if a.pk in allowed]
    form = StatementForm(request.GET or None, accounts=accounts)
    if request.GET and form.is_valid():
        account = account_get_for_user(user=request.user, number=form.cleaned_data["cuenta"])
        month = form.cleaned_data["mes"]
        head = documents.statement_head(account=account, month=month)
        if head["rows"] > settings.EXPORT_SYNC_MAX_ROWS:
            job = export_job_create(
                user=request.user,
                account=account,
                kind=ExportJob.Kind.STATEMENT_PDF,
                params={"month": month.isoformat()},
            )
            return redirect("accounts:export_status", job_id=job.pk)
        # After the owner check above: a kept statement is served only to whom it was made for.
        content = statement_pdf_kept(account=account, month=month, head=head)
        return _attachment(content, f"estado_de_cuenta_{account.number}_{month:%Y%m}.pdf", PDF)
    # The last closed month: the current one is not finished, its statement would be partial.
    default_month = last_closed_month(timezone.localdate())
    return render(
        request,
        "accounts/statement.html",
        {
            "form": form,
            "accounts": accounts,
            "default_month": f"{default_month:%Y-%m}",
        },
    )


@login_required
@require_GET
def export_status(request, job_id: int):
    job = export_job_get_for_user(user=request.user, job_id=job_id)
    context = {"job": job, "download_url": reverse("accounts:export_file", args=[job.pk])}
    template = (
        "accounts/export_status.html#status" if request.htmx else "accounts/export_status.html"
    )
    return render(request, template, context)


@login_required
@require_GET
def export_file(request, job_id: int):
    job = export_job_get_for_user(user=request.user, job_id=job_id)
    if job.status != ExportJob.Status.DONE:
        raise Http404
    # Built by whichever worker ran the job, kept in the exports storage any host can read.
    try:
        handle = file_storage(EXPORTS).open(job.file_name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = XLSX if job.file_name.endswith(".xlsx") else PDF
    return FileResponse(
        handle, as_attachment=True, filename=job.file_name, content_type=content_type
    )
