"""Registrar pago masivo: download the template, upload a sheet and follow its import, check
and save it, then rename, delete, search and pay the saved batches."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from enterprise.access import profile_of
from enterprise.errors import ApprovalError
from enterprise.models import ApprovalOrder, Service
from identity.otp_views import OtpConfirmView

from .errors import PayrollError
from .forms import (
    PayForm,
    RenameForm,
    UploadForm,
    max_megabytes,
    max_rows,
    row_ids_from,
    rows_param,
)
from .models import PayrollBatch, PayrollRow
from .selectors import batch_get_for_user, batch_rows, batches_for, payable_rows
from .services import (
    Preview,
    batch_create,
    batch_delete,
    batch_order_registered,
    batch_pay,
    batch_payment_preview,
    batch_rename,
    batch_save,
)
from .sheets import template_workbook

Status = PayrollBatch.Status
ROWS_PER_PAGE = 50
BATCHES_PER_PAGE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _profile(request):
    return profile_of(request, Service.PAYROLL_REGISTER)


def _batch(request, pk):
    """The user's company's batch (the service checked first: 403 before 404)."""
    _profile(request)
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
    profile = _profile(request)
    return _index_page(request, profile, UploadForm())


@login_required
@require_GET
def template_download(request):
    _profile(request)
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="plantilla_pago_masivo.xlsx"'
    return response


@login_required
@require_POST
def upload(request):
    profile = _profile(request)
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


class PayView(OtpConfirmView):
    """Pagar: the debit account and the reason for the rows ticked (or all), the total with
    the interbank rows' fees shown, then a code bound to the batch, its payees and amounts."""

    template_name = "payroll/pay.html"
    otp_purpose = "payroll_pay"
    heading = _("Pagar nómina")
    submit_label = _("Pagar")
    crumb = _("Pagos masivos")
    cancel_url = reverse_lazy("payroll:index")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.profile = _profile(request)
            self.batch = batch_get_for_user(user=request.user, pk=kwargs["pk"])
            self.cancel_url = reverse("payroll:detail", args=[self.batch.pk])
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        initial = {}
        if data is None:
            initial["rows"] = rows_param(
                self.request.GET.getlist("filas"), bool(self.request.GET.get("todos"))
            )
        return PayForm(data=data, initial=initial, profile=self.profile, batch=self.batch)

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        form.preview, problem = self._preview(form)
        if problem:
            messages.error(request, problem)
            return redirect(self.cancel_url)
        return self.render_form(form)

    def post(self, request, *args, **kwargs):
        # A confirm sent again (double click, reload, back button) shows the first order: its
        # rows are no longer payable, so the form would refuse them.
        first = self._registered(request.POST.get("key", ""))
        if first is not None:
            return self.done(reverse("enterprise:order", args=[first.pk]), "")
        return super().post(request, *args, **kwargs)

    def _registered(self, key: str) -> ApprovalOrder | None:
        try:
            key = uuid.UUID(key).hex
        except ValueError:
            return None
        return batch_order_registered(batch=self.batch, key=key)

    def _preview(self, form) -> tuple[Preview | None, str]:
        """What the page shows above the form: the form's own once it was checked, else the
        selection's (a problem with it is said instead)."""
        if form.preview is not None:
            return form.preview, ""
        text = form.data.get("rows") if form.is_bound else form.initial.get("rows")
        try:
            return batch_payment_preview(batch=self.batch, row_ids=row_ids_from(text)), ""
        except PayrollError as exc:
            return None, exc.message
        except ValidationError as exc:
            return None, exc.messages[0]

    def get_context_data(self, **kwargs):
        preview, problem = self._preview(kwargs["form"])
        return super().get_context_data(
            batch=self.batch, preview=preview, preview_problem=problem, **kwargs
        )

    def otp_operation(self, form):
        preview = form.preview
        return {
            "batch": str(self.batch.pk),
            "rows": preview.digest,
            "count": preview.count,
            "total": str(preview.total),
            "charges": str(preview.charges),
            "debit_account": form.cleaned_data["debit_account"].pk,
            "memo": form.cleaned_data["memo"],
            "key": str(form.cleaned_data["key"]),
        }

    def otp_description(self, form):
        preview = form.preview
        return gettext("pagar %(n)s filas de la nómina «%(name)s» por $ %(total)s") % {
            "n": preview.count,
            "name": self.batch.name,
            "total": f"{preview.debit:,.2f}",
        }

    def confirmed(self, form, challenge):
        data = form.cleaned_data
        try:
            order = batch_pay(
                user=self.request.user,
                batch=self.batch,
                row_ids=data["rows"],
                debit_account=data["debit_account"],
                memo=data["memo"],
                key=form.idempotency_key(),
                expected_digest=form.preview.digest,
            )
        except ApprovalError as exc:
            messages.error(self.request, exc.message)
            return self.done(self.cancel_url, "")
        url = reverse("enterprise:order", args=[order.pk])
        if order.status == ApprovalOrder.Status.EXECUTED:
            return self.done(url, gettext("Orden N.º %(n)s ejecutada.") % {"n": order.pk})
        if order.status == ApprovalOrder.Status.FAILED:
            messages.error(self.request, order.failure_reason)
            return self.done(url, "")
        return self.done(
            url,
            gettext("Orden N.º %(n)s registrada: queda pendiente de autorización.")
            % {"n": order.pk},
        )
