"""Gestión de usuarios and Auditoría, for the company's administrators. Every change is a form
whose data, reason included, the administrator's one-time code approves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ..forms.audit import AuditFilterForm
from ..forms.users import LookupForm, ReasonForm, RoleForm, ServicesForm, UserCreateForm
from ..models import CompanyRole, CompanyUser
from ..selectors.access import admin_of, services_of
from ..selectors.audit import (
    audit_description,
    audit_entries,
    audit_entries_all,
    company_audit_events,
)
from ..selectors.users import (
    company_accounts,
    company_user_get_for_admin,
    company_user_list,
    display_name,
)
from ..services.exports import audit_xlsx
from ..services.users import (
    change_problem,
    company_user_activate,
    company_user_block,
    company_user_create,
    company_user_delete,
    company_user_password_reset,
    company_user_role_set,
    company_user_services_set,
    company_user_username_send,
    credentials_problem,
    signing_gap_warning,
)
from .operation import AdminOperation

AUDIT_PAGE_SIZE = 50
# A download is built while the administrator waits: above this the filter must be narrowed.
AUDIT_EXPORT_MAX_ROWS = 10_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Status = CompanyUser.Status


@login_required
@require_GET
def users(request):
    admin = admin_of(request)
    query = request.GET.get("q", "").strip()[:60]
    show_deleted = request.GET.get("eliminados") == "1"
    context = {
        "rows": company_user_list(company=admin.company, query=query, include_deleted=show_deleted),
        "query": query,
        "show_deleted": show_deleted,
        "me": admin.pk,
    }
    template = "enterprise/users/list.html"
    if request.htmx:
        template += "#rows"
    return render(request, template, context)


def _audit_query(request) -> str:
    """The audit filter for links (pages, download), without the page and empty fields."""
    query = request.GET.copy()
    query.pop("page", None)
    for name in [name for name, value in query.items() if not value]:
        query.pop(name)
    return query.urlencode()


@login_required
@require_GET
def audit(request):
    admin = admin_of(request)
    form = AuditFilterForm(request.GET, company=admin.company)
    context = {"form": form, "page": None, "entries": [], "query": _audit_query(request)}
    if form.is_valid():
        events = company_audit_events(company=admin.company, **form.filters())
        page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            page=page,
            entries=audit_entries(page.object_list, company=admin.company),
            description=audit_description(company=admin.company, **form.filters()),
        )
    return render(request, "enterprise/users/audit.html", context)


@login_required
@require_GET
def audit_download(request):
    """The filtered records as XLSX: real dates, amounts as numbers, every action in words."""
    admin = admin_of(request)
    back = f"{reverse('enterprise:audit')}?{_audit_query(request)}"
    form = AuditFilterForm(request.GET, company=admin.company)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or gettext("Revisa los filtros."))
        return redirect(back)
    events = company_audit_events(company=admin.company, **form.filters())
    count = events.count()
    if count > AUDIT_EXPORT_MAX_ROWS:
        messages.error(
            request,
            gettext(
                "La consulta tiene %(count)s registros y la descarga admite hasta %(limit)s: "
                "acota las fechas, el usuario o el tipo de acción."
            )
            % {"count": f"{count:,}", "limit": f"{AUDIT_EXPORT_MAX_ROWS:,}"},
        )
        return redirect(back)
    data = form.cleaned_data
    content = audit_xlsx(
        company=admin.company.name,
        description=audit_description(company=admin.company, **form.filters()),
        generated_at=timezone.now(),
        entries=audit_entries_all(events, company=admin.company),
    )
    response = HttpResponse(content, content_type=XLSX)
    stamp = f"{data['date_from']:%Y%m%d}_{data['date_to']:%Y%m%d}"
    response["Content-Disposition"] = f'attachment; filename="auditoria_{stamp}.xlsx"'
    return response


class UserAdminOperation(AdminOperation):
    template_name = "enterprise/users/operation.html"
    crumb = _("Gestión de usuarios")
    cancel_url = reverse_lazy("enterprise:users")
    form_class = ReasonForm

    def problem(self, data: dict) -> str | None:
        return None

    def get_form_kwargs(self) -> dict:
        return {"check": self.problem}

    def otp_operation(self, form) -> dict:
        return {**self.operation(form), "reason": form.cleaned_data["reason"]}

    def operation(self, form) -> dict:
        raise NotImplementedError


class UserOperation(UserAdminOperation):
    """An action on one user of the administrator's company (another id is a 404)."""

    status_change: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.target = company_user_get_for_admin(admin=admin_of(request), pk=kwargs["pk"])
            if self.target.status == Status.DELETED:
                messages.error(
                    request, gettext("Este usuario fue eliminado: ya no admite cambios.")
                )
                return redirect("enterprise:users")
        return super().dispatch(request, *args, **kwargs)

    @property
    def name(self) -> str:
        return display_name(self.target)

    def problem(self, data: dict) -> str | None:
        return change_problem(
            actor=self.request.user, target=self.target, status=self.status_change
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(target=self.target, **kwargs)

    def operation(self, form) -> dict:
        return {"user": self.target.pk}


class ServicesView(UserOperation):
    heading = _("Servicios por rol")
    intro = _("Marca los servicios que el usuario podrá ver y usar.")
    submit_label = _("Guardar")
    otp_purpose = "company_user_services"
    success_message = _("Servicios actualizados.")

    def get_form(self, data=None):
        return ServicesForm(
            data=data,
            role=self.target.role,
            check=self.problem,
            initial={"services": sorted(services_of(self.target))},
        )

    def operation(self, form):
        return {"user": self.target.pk, "services": sorted(form.cleaned_data["services"])}

    def otp_description(self, form):
        return gettext("editar los servicios de %(name)s") % {"name": self.name}

    def apply(self, form):
        company_user_services_set(
            actor=self.request.user,
            company_user=self.target,
            services=form.cleaned_data["services"],
            reason=form.cleaned_data["reason"],
        )


class RoleView(UserOperation):
    heading = _("Actualizar datos de usuario")
    submit_label = _("Guardar")
    otp_purpose = "company_user_role"
    success_message = _("Rol y firma actualizados.")

    def get_form(self, data=None):
        granted = list(self.target.accounts.all())
        return RoleForm(
            data=data,
            company=self.company,
            check=self.problem,
            initial={
                # No list means every account: show them all marked.
                "accounts": granted or list(company_accounts(self.company)),
                "role": self.target.role,
                "signature_level": self.target.signature_level_id,
            },
        )

    def problem(self, data):
        return change_problem(actor=self.request.user, target=self.target, role=data.get("role"))

    def operation(self, form):
        return {"user": self.target.pk, **form.access_operation()}

    def otp_description(self, form):
        return gettext("cambiar el rol y la firma de %(name)s") % {"name": self.name}

    def apply(self, form):
        data = form.cleaned_data
        gap = signing_gap_warning(
            company_user=self.target, role=data["role"], signature_level=data["signature_level"]
        )
        company_user_role_set(
            actor=self.request.user,
            company_user=self.target,
            role=data["role"],
            signature_level=data["signature_level"],
            accounts=data["accounts"],
            reason=data["reason"],
        )
        if gap:
            messages.warning(self.request, gap)


class PasswordResetView(UserOperation):
    heading = _("Restablecer contraseña")
    submit_label = _("Sí, establecer")
    otp_purpose = "company_user_password_reset"
    success_message = _("Credenciales temporales enviadas al correo del usuario.")

    def get_context_data(self, **kwargs):
        intro = gettext(
            "¿Estás seguro de restablecer la contraseña del usuario: %(name)s? Le enviaremos "
            "credenciales temporales a %(email)s."
        ) % {"name": self.name, "email": self.target.user.email}
        return super().get_context_data(intro=intro, **kwargs)

    def problem(self, data):
        if self.target.user_id == self.request.user.pk:
            return gettext("Para cambiar tu propia contraseña usa «Perfil» › «Cambiar contraseña».")
        return credentials_problem(actor=self.request.user, target=self.target)

    def otp_description(self, form):
        return gettext("restablecer la contraseña de %(name)s") % {"name": self.name}

    def apply(self, form):
        company_user_password_reset(
            actor=self.request.user,
            company_user=self.target,
            reason=form.cleaned_data["reason"],
            request=self.request,
        )


class UsernameSendView(UserOperation):
    heading = _("Enviar usuario")
    submit_label = _("Sí, enviar")
    otp_purpose = "company_user_username_send"
    success_message = _("Usuario enviado al correo del usuario.")

    def get_context_data(self, **kwargs):
        intro = gettext(
            "¿Estás seguro de enviar el usuario de inicio de sesión al usuario: %(name)s?"
        ) % {"name": self.name}
        return super().get_context_data(intro=intro, **kwargs)

    def problem(self, data):
        return credentials_problem(actor=self.request.user, target=self.target)

    def otp_description(self, form):
        return gettext("enviar el usuario a %(name)s") % {"name": self.name}

    def apply(self, form):
        company_user_username_send(
            actor=self.request.user,
            company_user=self.target,
            reason=form.cleaned_data["reason"],
            request=self.request,
        )


class BlockView(UserOperation):
    heading = _("Bloquear usuario")
    submit_label = _("Sí, bloquear")
    otp_purpose = "company_user_block"
    status_change = Status.BLOCKED
    success_message = _("Usuario bloqueado: ya no puede ingresar.")

    def get_context_data(self, **kwargs):
        intro = gettext(
            "¿Estás seguro de bloquear al usuario: %(name)s? No podrá ingresar hasta que lo "
            "actives."
        ) % {"name": self.name}
        warning = signing_gap_warning(company_user=self.target, status=self.status_change)
        return super().get_context_data(intro=intro, warning=warning, **kwargs)

    def otp_description(self, form):
        return gettext("bloquear a %(name)s") % {"name": self.name}

    def apply(self, form):
        gap = signing_gap_warning(company_user=self.target, status=self.status_change)
        company_user_block(
            actor=self.request.user, company_user=self.target, reason=form.cleaned_data["reason"]
        )
        if gap:
            messages.warning(self.request, gap)


class ActivateView(UserOperation):
    heading = _("Activar usuario")
    submit_label = _("Sí, activar")
    otp_purpose = "company_user_activate"
    status_change = Status.ACTIVE
    success_message = _("Usuario activado.")

    def get_context_data(self, **kwargs):
        intro = gettext("¿Estás seguro de activar al usuario: %(name)s?") % {"name": self.name}
        return super().get_context_data(intro=intro, **kwargs)

    def otp_description(self, form):
        return gettext("activar a %(name)s") % {"name": self.name}

    def apply(self, form):
        company_user_activate(
            actor=self.request.user, company_user=self.target, reason=form.cleaned_data["reason"]
        )


class DeleteView(UserOperation):
    heading = _("Eliminar usuario")
    intro = _("¿Estás seguro de continuar con esta acción?")
    submit_label = _("Sí, eliminar")
    otp_purpose = "company_user_delete"
    status_change = Status.DELETED
    success_message = _("Usuario eliminado.")

    def get_context_data(self, **kwargs):
        warning = gettext(
            "Vas a eliminar al usuario: %(name)s. Esta acción no se puede deshacer."
        ) % {"name": self.name}
        gap = signing_gap_warning(company_user=self.target, status=self.status_change)
        warning = f"{warning} {gap}" if gap else warning
        return super().get_context_data(warning=warning, **kwargs)

    def otp_description(self, form):
        return gettext("eliminar a %(name)s") % {"name": self.name}

    def apply(self, form):
        gap = signing_gap_warning(company_user=self.target, status=self.status_change)
        company_user_delete(
            actor=self.request.user, company_user=self.target, reason=form.cleaned_data["reason"]
        )
        if gap:
            messages.warning(self.request, gap)


class UserCreateView(UserAdminOperation):
    """Agregar usuario: first the cédula ("Consultar usuario"), then the person's data."""

    heading = _("Agregar usuario")
    submit_label = _("Guardar")
    otp_purpose = "company_user_create"
    success_message = _("Usuario agregado: le enviamos sus credenciales temporales por correo.")
    lookup_template = "enterprise/users/lookup.html"

    def get_form(self, data=None, initial=None):
        return UserCreateForm(data=data, company=self.company, initial=initial)

    def lookup_page(self, form):
        return TemplateResponse(
            self.request,
            self.lookup_template,
            {"form": form, "heading": gettext("Consultar usuario"), "back_url": self.cancel_url},
        )

    def get(self, request, *args, **kwargs):
        return self.lookup_page(LookupForm(company=self.company))

    def post(self, request, *args, **kwargs):
        # The lookup posts (a cédula stays out of addresses and logs) with its own marker.
        if "lookup" in request.POST:
            lookup = LookupForm(data=request.POST, company=self.company)
            if not lookup.is_valid():
                return self.lookup_page(lookup)
            identification = lookup.cleaned_data["identification"]
            return self.render_form(self.get_form(initial={"identification": identification}))
        return super().post(request, *args, **kwargs)

    def operation(self, form):
        data = form.cleaned_data
        return {
            **{
                name: data[name]
                for name in (
                    "identification",
                    "first_names",
                    "first_surname",
                    "second_surname",
                    "sex",
                    "phone",
                    "email",
                )
            },
            **form.access_operation(),
        }

    def otp_description(self, form):
        data = form.cleaned_data
        return gettext("agregar a %(name)s (%(id)s) como %(role)s") % {
            "name": f"{data['first_names']} {data['first_surname']}",
            "id": data["identification"],
            "role": dict(CompanyRole.choices)[data["role"]],
        }

    def apply(self, form):
        data = form.cleaned_data
        company_user_create(
            actor=self.request.user,
            company=self.company,
            identification=data["identification"],
            sex=data["sex"],
            phone=data["phone"],
            first_names=data["first_names"],
            first_surname=data["first_surname"],
            second_surname=data["second_surname"],
            email=data["email"],
            role=data["role"],
            signature_level=data["signature_level"],
            accounts=data["accounts"],
            reason=data["reason"],
            request=self.request,
        )
