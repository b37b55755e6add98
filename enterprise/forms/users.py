"""Forms of "Gestión de usuarios". Each takes ``check``: the view's question "would the rules
refuse this?", asked before a code is sent (the services ask again under their locks)."""

from __future__ import annotations

import re
from collections.abc import Callable

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum.ec import ci

from ..models import CompanyRole, CompanyUser, Service, SignatureLevel
from ..selectors.access import OFFERED_SERVICES
from ..selectors.users import company_accounts, role_services
from ..services.users import identification_problem

PHONE_RE = re.compile(r"^0\d{8,9}$")
NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '.-][^\W\d_]+)*$")

Check = Callable[[dict], "str | None"]


def _words(value: str) -> str:
    return " ".join((value or "").split())


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=200,
        error_messages={"required": _("Ingresa el motivo de esta acción.")},
        widget=forms.TextInput(
            attrs={"placeholder": _("Escribe un motivo"), "autocomplete": "off"}
        ),
    )

    def __init__(self, *args, check: Check | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.check = check
        # The reason goes last, as in the manual's dialogs.
        self.order_fields([name for name in self.fields if name != "reason"] + ["reason"])

    def clean(self):
        data = super().clean()
        if self.check is not None and not self.errors:
            problem = self.check(data)
            if problem:
                raise forms.ValidationError(problem)
        return data


class ServiceChoiceField(forms.MultipleChoiceField):
    """The services a role allows; one it does not, or one the portal does not offer yet (a
    tampered form), is refused by its name, never by its code."""

    def validate(self, value):
        try:
            super().validate(value)
        except forms.ValidationError as error:
            if getattr(error, "code", None) != "invalid_choice":
                raise
            offered = {str(code) for code, _label in self.choices}
            raise forms.ValidationError(
                [self._refusal(code) for code in value if code not in offered][:1]
            ) from error

    @staticmethod
    def _refusal(code: str) -> str:
        labels = dict(Service.choices)
        if code not in labels:
            return gettext("Elige los servicios de la lista.")
        if code not in OFFERED_SERVICES:
            return gettext("El servicio «%(service)s» aún no está disponible.") % {
                "service": labels[code]
            }
        return gettext("El rol del usuario no permite el servicio «%(service)s».") % {
            "service": labels[code]
        }


class ServicesForm(ReasonForm):
    services = ServiceChoiceField(
        label=_("Servicios"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Marca al menos un servicio.")},
    )

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Service.choices)
        self.fields["services"].choices = [(code, labels[code]) for code in role_services(role)]


class AccessForm(ReasonForm):
    """Accounts, role and signature level, as "Editar rol y firma" and "Agregar usuario" ask."""

    accounts = forms.ModelMultipleChoiceField(
        label=_("Acceso a cuentas"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Los administradores operan todas las cuentas de la empresa."),
        error_messages={
            "invalid_choice": _("La cuenta elegida no es de la empresa."),
            "invalid_pk_value": _("La cuenta elegida no es de la empresa."),
        },
    )
    role = forms.ChoiceField(
        label=_("Rol"),
        choices=[("", _("Selecciona un rol")), *CompanyRole.choices],
        error_messages={"required": _("Elige el rol del usuario.")},
    )
    signature_level = forms.ModelChoiceField(
        label=_("Nivel de firma"),
        queryset=None,
        required=False,
        empty_label=_("Sin nivel"),
        help_text=_("Solo para autorizadores."),
        error_messages={"invalid_choice": _("El nivel de firma no es de la empresa.")},
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        accounts = self.fields["accounts"]
        accounts.queryset = company_accounts(company)
        accounts.label_from_instance = lambda a: f"{a.get_product_display()} · {a.number}"
        self.fields["signature_level"].queryset = SignatureLevel.objects.filter(company=company)

    def clean(self):
        role = self.cleaned_data.get("role")
        if role == CompanyRole.APPROVER:
            if (
                not self.cleaned_data.get("signature_level")
                and "signature_level" not in self.errors
            ):
                self.add_error(
                    "signature_level", gettext("Elige el nivel de firma del autorizador.")
                )
        elif role:
            self.cleaned_data["signature_level"] = None
        if role == CompanyRole.ADMIN:
            self.cleaned_data["accounts"] = []
        elif role and "accounts" not in self.errors and not self.cleaned_data.get("accounts"):
            self.add_error("accounts", gettext("Elige al menos una cuenta para el usuario."))
        return super().clean()

    def access_operation(self) -> dict:
        """What the code approves: the ids, sorted, so the same choice gives the same data."""
        data = self.cleaned_data
        return {
            "role": data["role"],
            "level": data["signature_level"].pk if data["signature_level"] else None,
            "accounts": sorted(account.pk for account in data["accounts"]),
        }


class RoleForm(AccessForm):
    field_order = ["accounts", "role", "signature_level"]


class LookupForm(forms.Form):
    identification = forms.CharField(
        label=_("Identificación"),
        max_length=13,
        error_messages={"required": _("Ingresa el número de cédula del usuario.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company

    def clean_identification(self):
        value = self.cleaned_data["identification"].strip()
        problem = identification_problem(self.company, value)
        if problem:
            raise forms.ValidationError(problem)
        return ci.compact(value)


class UserCreateForm(AccessForm):
    identification = forms.CharField(
        label=_("Identificación"),
        max_length=13,
        widget=forms.TextInput(attrs={"readonly": True}),
        error_messages={"required": _("Ingresa el número de cédula del usuario.")},
    )
    first_names = forms.CharField(
        label=_("Nombres"),
        max_length=100,
        error_messages={"required": _("Ingresa los nombres.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    first_surname = forms.CharField(
        label=_("Primer apellido"),
        max_length=40,
        error_messages={"required": _("Ingresa el primer apellido.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    second_surname = forms.CharField(
        label=_("Segundo apellido"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    sex = forms.ChoiceField(
        label=_("Sexo"),
        choices=CompanyUser.Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Elige el sexo.")},
    )
    phone = forms.CharField(
        label=_("Teléfono"),
        max_length=15,
        error_messages={"required": _("Ingresa el teléfono.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("Aquí llegarán sus credenciales temporales."),
        error_messages={
            "required": _("Ingresa el correo: allí llegan sus credenciales."),
            "invalid": _("Ingresa un correo válido, ej: nombre@empresa.com"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    field_order = [
        "identification",
        "first_names",
        "first_surname",
        "second_surname",
        "sex",
        "phone",
        "email",
        "accounts",
        "role",
        "signature_level",
    ]

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, company=company, **kwargs)
        self.company = company

    def clean_identification(self):
        value = self.cleaned_data["identification"].strip()
        problem = identification_problem(self.company, value)
        if problem:
            raise forms.ValidationError(problem)
        return ci.compact(value)

    def _name(self, field: str) -> str:
        value = _words(self.cleaned_data.get(field, ""))
        if value and not NAME_RE.match(value):
            raise forms.ValidationError(gettext("Escribe solo letras y espacios."))
        return value

    def clean_first_names(self):
        return self._name("first_names")

    def clean_first_surname(self):
        return self._name("first_surname")

    def clean_second_surname(self):
        return self._name("second_surname")

    def clean_phone(self):
        value = re.sub(r"[\s-]", "", self.cleaned_data["phone"])
        if not PHONE_RE.match(value):
            raise forms.ValidationError(
                gettext("Ingresa un teléfono de 9 o 10 dígitos que empiece con 0, ej: 0991234567")
            )
        return value

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()
