"""Registrar pago masivo: download the template, upload a sheet and follow its import, check
and save it, then rename, delete and search the saved batches (paying them is ``pay``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from enterprise.models import Service
from enterprise.selectors.access import profile_of

from ..forms import RenameForm, UploadForm, max_megabytes, max_rows
from ..models import PayrollBatch, PayrollRow
from ..selectors import batch_get_for_user, batch_rows, batches_for, payable_rows
from ..services.batches import (
    PayrollError,
    batch_create,
    batch_delete,
    batch_rename,
    batch_save,
)
from ..services.sheets import template_workbook

Status = PayrollBatch.Status
ROWS_PER_PAGE = 50
BATCHES_PER_PAGE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def payroll_profile(request):
    """The company profile of a user with the bulk-payment service (403 without it)."""
    return profile_of(request, Service.PAYROLL_REGISTER)


def _batch(request, pk):
    """The user's company's batch (the service checked first: 403 before 404)."""
    payroll_profile(request)
    return batch_get_for_user(user=request.user, pk=pk)


def _page(rows, request, size=ROWS_PER_PAGE):
    return Paginator(rows, size).get_page(request.GET.get("page"))


def _index_page(request, profile, form):
    return render(
        request,
        "payroll/index.html",
        {
            "form": form,
            "page": _page(batches_for(profile), request, BATCHES_PER_PAGE),
            "max_size": max_megabytes(),
            "max_rows": max_rows(),
        },
    )


@login_required
@require_GET
def index(request):
    profile = payroll_profile(request)
    return _index_page(request, profile, UploadForm())


@login_required
@require_GET
def template_download(request):
    payroll_profile(request)
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="plantilla_pago_masivo.xlsx"'
    return response


@login_required
@require_POST
def upload(request):
    profile = payroll_profile(request)
    form = UploadForm(data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            batch = batch_create(
                user=request.user, name=form.cleaned_data["name"], upload=form.cleaned_data["file"]
            )
        except PayrollError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("payroll:import", pk=batch.pk)
    return _index_page(request, profile, form)


@login_required
@require_GET
def import_status(request, pk):
    """While the task reads the sheet, a progress bar polled every second; then the file's
    error, every row's errors, or the valid rows to save ("Visualizar plantilla")."""
    batch = _batch(request, pk)
    if batch.status == Status.SAVED:
        return redirect("payroll:detail", pk=batch.pk)
    if request.htmx and request.GET.get("progreso"):
        if batch.status != Status.IMPORTING:
            # Done: the whole page again, now with the result.
            return HttpResponseClientRefresh()
        return render(request, "payroll/import.html#progress", {"batch": batch})
    context = {"batch": batch, "max_size": max_megabytes(), "max_rows": max_rows()}
    rows = batch_rows(batch)
    if batch.status == Status.INVALID:
        # Every row in order: the valid ones as such, the others with all their problems.
        context["page"] = _page(rows, request)
    elif batch.status == Status.VALID:
        context["page"] = _labelled(_page(rows, request))
    return render(request, "payroll/import.html", context)


def _labelled(page):
    """The rows' identification and account types as people read them (Cédula, Ahorros)."""
    labels = {**dict(PayrollRow.IdType.choices), **dict(PayrollRow.AccountType.choices)}
    for row in page.object_list:
        row.id_type_label = labels.get(row.id_type, row.id_type)
        row.account_type_label = labels.get(row.account_type, row.account_type)
    return page


@login_required
@require_POST
def save(request, pk):
    batch = _batch(request, pk)
    try:
        batch_save(user=request.user, batch=batch)
    except PayrollError as exc:
        messages.error(request, exc.message)
        return redirect("payroll:import", pk=batch.pk)
    messages.success(request, gettext("Nómina «%(name)s» guardada.") % {"name": batch.name})
    return redirect("payroll:detail", pk=batch.pk)


@login_required
@require_http_methods(["GET", "POST"])
def rename(request, pk):
    """Editar: inline in the list's row with htmx, a small page without it."""
    batch = _batch(request, pk)
    if batch.status != Status.SAVED:
        return redirect("payroll:import", pk=batch.pk)
    form = RenameForm(data=request.POST or None, initial={"name": batch.name})
    if request.method == "POST" and form.is_valid():
        try:
            batch = batch_rename(user=request.user, batch=batch, name=form.cleaned_data["name"])
        except PayrollError as exc:
            form.add_error("name", exc.message)
        else:
            if request.htmx:
                return render(request, "payroll/index.html#batch-row", {"batch": batch})
            messages.success(request, gettext("Nombre actualizado."))
            return redirect("payroll:index")
    template = "payroll/index.html#rename-row" if request.htmx else "payroll/rename.html"
    return render(request, template, {"batch": batch, "form": form})


@login_required
@require_GET
def batch_row(request, pk):
    """The list's row again ("Cancelar" of the inline rename)."""
    batch = _batch(request, pk)
    return render(request, "payroll/index.html#batch-row", {"batch": batch})


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    """Eliminar nómina: a confirmation (a dialog with htmx), then the batch is gone from the
    list; refused while some of its rows wait in an order."""
    batch = _batch(request, pk)
    if request.method == "GET":
        context = {"batch": batch, "as_modal": bool(request.htmx)}
        template = "payroll/delete.html#dialog" if request.htmx else "payroll/delete.html"
        return render(request, template, context)
    try:
        batch_delete(user=request.user, batch=batch)
    except PayrollError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("Nómina «%(name)s» eliminada.") % {"name": batch.name})
    url = reverse("payroll:index")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_GET
def detail(request, pk):
    """Ver detalle: the rows, searched by identification, name, account or institution, to
    tick and pay."""
    batch = _batch(request, pk)
    if batch.status != Status.SAVED:
        return redirect("payroll:import", pk=batch.pk)
    query = request.GET.get("q", "").strip()[:60]
    context = {
        "batch": batch,
        "query": query,
        "page": _page(batch_rows(batch, query), request),
        "payable": payable_rows(batch).count(),
    }
    template = "payroll/detail.html#rows" if request.htmx else "payroll/detail.html"
    return render(request, template, context)
