"""Niveles de firma (administrators): limits, levels and the signature rules per operation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ..forms.levels import BandsForm, CompanyLimitsForm, ReasonForm, bands_initial
from ..models import Operation
from ..selectors.access import admin_of
from ..selectors.levels import (
    bands_of,
    last_level,
    level_rows,
    next_level_letter,
    operations_rules,
    signer_letters,
    unsignable_rules,
)
from ..services.levels import bands_set, company_limits_set, level_add, level_remove_last
from ..services.limits import ceiling, limits_of
from .operation import AdminOperation


@login_required
@require_GET
def levels(request):
    profile = admin_of(request)
    company = profile.company
    return render(
        request,
        "enterprise/levels.html",
        {
            "company": company,
            "limits": limits_of(company),
            "ceiling": ceiling(),
            "levels": level_rows(company),
            "rules": operations_rules(company),
            # After a block, a deletion or a change of level: what nobody can sign any more.
            "unsignable": unsignable_rules(company, signer_letters(company)),
        },
    )


class LevelsOperation(AdminOperation):
    crumb = _("Niveles de firma")
    cancel_url = reverse_lazy("enterprise:levels")


class LimitsEditView(LevelsOperation):
    heading = _("Montos máximos de la empresa")
    otp_purpose = "company_limits"

    def get_form(self, data=None):
        current = limits_of(self.company)
        return CompanyLimitsForm(
            data=data,
            initial={"daily": current.daily, "weekly": current.weekly, "monthly": current.monthly},
        )

    def get_context_data(self, **kwargs):
        top = ceiling()
        intro = gettext(
            "Máximos de la cooperativa para empresas: diario $ %(d)s, semanal $ %(w)s, "
            "mensual $ %(m)s."
        ) % {"d": f"{top.daily:,.2f}", "w": f"{top.weekly:,.2f}", "m": f"{top.monthly:,.2f}"}
        return super().get_context_data(intro=intro, **kwargs)

    def otp_operation(self, form):
        data = form.cleaned_data
        return {k: str(data[k]) for k in ("daily", "weekly", "monthly", "reason")}

    def otp_description(self, form):
        return gettext("cambiar los montos máximos de la empresa")

    def apply(self, form):
        data = form.cleaned_data
        company_limits_set(
            user=self.request.user,
            company=self.company,
            daily=data["daily"],
            weekly=data["weekly"],
            monthly=data["monthly"],
            reason=data["reason"],
        )
        return gettext("Montos máximos actualizados.")


class LevelAddView(LevelsOperation):
    heading = _("Agregar nivel")
    submit_label = _("Agregar nivel")
    otp_purpose = "company_level_add"

    def get_form(self, data=None):
        return ReasonForm(data=data)

    def get_context_data(self, **kwargs):
        letter = next_level_letter(self.company)
        intro = gettext("Se agregará el nivel %(l)s, después de los actuales.") % {"l": letter}
        return super().get_context_data(intro=intro, **kwargs)

    def otp_operation(self, form):
        return {"add": True, "reason": form.cleaned_data["reason"]}

    def otp_description(self, form):
        return gettext("agregar un nivel de firma")

    def apply(self, form):
        level = level_add(
            user=self.request.user, company=self.company, reason=form.cleaned_data["reason"]
        )
        return gettext("Nivel %(l)s agregado.") % {"l": level.letter}


class LevelRemoveView(LevelsOperation):
    heading = _("Remover último nivel")
    submit_label = _("Sí, remover")
    otp_purpose = "company_level_remove"

    def get_form(self, data=None):
        return ReasonForm(data=data)

    def get_context_data(self, **kwargs):
        last = last_level(self.company)
        intro = gettext("¿Estás seguro de continuar con esta acción? Se removerá el nivel %(l)s.")
        return super().get_context_data(intro=intro % {"l": last or "-"}, **kwargs)

    def otp_operation(self, form):
        return {"remove": True, "reason": form.cleaned_data["reason"]}

    def otp_description(self, form):
        return gettext("remover el último nivel de firma")

    def apply(self, form):
        letter = level_remove_last(
            user=self.request.user, company=self.company, reason=form.cleaned_data["reason"]
        )
        return gettext("Nivel %(l)s removido.") % {"l": letter}


class BandsEditView(LevelsOperation):
    template_name = "enterprise/rules_edit.html"
    otp_purpose = "company_bands"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["operation"] not in Operation.values:
            raise Http404
        self.operation = Operation(kwargs["operation"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def heading(self):
        return gettext("Reglas de firmas: %(op)s") % {"op": self.operation.label}

    def get_form(self, data=None):
        bands = bands_of(self.company, self.operation)
        levels = [(row.level.letter, row.signers) for row in level_rows(self.company)]
        return BandsForm(
            data=data, company=self.company, levels=levels, initial=bands_initial(bands)
        )

    def get_context_data(self, **kwargs):
        rules = [
            gettext(
                "Marca en cada regla los niveles que deben firmar: una firma de cada nivel "
                "marcado. A es el nivel más alto y su firma sirve por la de un nivel más bajo."
            ),
            gettext("Solo puedes usar niveles que tengan al menos un autorizador activo."),
            gettext("Montos de menor a mayor; la última regla va sin monto y cubre el resto."),
        ]
        return super().get_context_data(rules=rules, **kwargs)

    def otp_operation(self, form):
        bands = [[str(u) if u is not None else None, s] for u, s in form.cleaned_data["bands"]]
        return {
            "operation": self.operation.value,
            "bands": bands,
            "reason": form.cleaned_data["reason"],
        }

    def otp_description(self, form):
        return gettext("cambiar las reglas de firmas de %(op)s") % {"op": self.operation.label}

    def apply(self, form):
        bands_set(
            user=self.request.user,
            company=self.company,
            operation=self.operation,
            bands=form.cleaned_data["bands"],
            reason=form.cleaned_data["reason"],
        )
        return gettext("Reglas de firmas actualizadas.")
