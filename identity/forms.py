import copy

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum.ec import ci

from .models import IdType, SecurityImage
from .services.credentials import (
    MIN_SECURITY_QUESTIONS,
    SECURITY_QUESTIONS,
    username_validate,
)
from .services.security import factors_available

# The sign-in takes staff and legacy logins too, so these are the model's and a generous
# ceiling, not the members' 15-character rules (hashing an unbounded password costs time).
USERNAME_MAX_LENGTH = 150
PASSWORD_MAX_LENGTH = 128


class SignInForm(AuthenticationForm):
    # One message for every failure: it must not reveal whether the username exists.
    error_messages = {
        "invalid_login": _("Usuario o contraseña incorrectos."),
        "inactive": _("Usuario o contraseña incorrectos."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext("Usuario")
        self.fields["password"].label = gettext("Contraseña")
        self.fields["username"].widget.attrs.update(
            autocomplete="username",
            autocapitalize="none",
            placeholder=gettext("Ingresa tu usuario"),
        )
        self.fields["password"].widget.attrs.update(placeholder=gettext("Ingresa tu contraseña"))
        self.fields["username"].error_messages["required"] = gettext("Ingresa tu usuario.")
        self.fields["password"].error_messages["required"] = gettext("Ingresa tu contraseña.")
        # AuthenticationForm sets max_length after the field exists, which adds no validator:
        # without these, any length reached authenticate() and the lockout's records.
        self.fields["username"].validators.append(
            MaxLengthValidator(
                USERNAME_MAX_LENGTH,
                gettext("El usuario no puede tener más de %(n)s caracteres.")
                % {"n": USERNAME_MAX_LENGTH},
            )
        )
        self.fields["password"].max_length = PASSWORD_MAX_LENGTH
        self.fields["password"].widget.attrs["maxlength"] = PASSWORD_MAX_LENGTH
        self.fields["password"].validators.append(
            MaxLengthValidator(
                PASSWORD_MAX_LENGTH,
                gettext("La contraseña no puede tener más de %(n)s caracteres.")
                % {"n": PASSWORD_MAX_LENGTH},
            )
        )


def identification_clean(id_type: str, value: str) -> str:
    value = (value or "").strip().upper()
    if id_type == IdType.CEDULA:
        if not ci.is_valid(value):
            raise ValidationError(
                gettext("La cédula no es válida: revisa los 10 dígitos."), code="cedula"
            )
        return ci.compact(value)
    if not (5 <= len(value) <= 20 and value.isalnum()):
        raise ValidationError(
            gettext("El pasaporte debe tener de 5 a 20 letras o números."), code="passport"
        )
    return value


class IdentificationForm(forms.Form):
    id_type = forms.ChoiceField(
        label=_("Tipo de identificación"),
        choices=[(IdType.CEDULA, _("Cédula")), (IdType.PASSPORT, _("Pasaporte"))],
        initial=IdType.CEDULA,
    )
    identification = forms.CharField(
        label=_("Ingresa tu número de identificación"),
        max_length=20,
        error_messages={"required": _("Ingresa tu número de identificación.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )

    def clean(self):
        data = super().clean()
        if "identification" in data:
            try:
                data["identification"] = identification_clean(
                    data.get("id_type", IdType.CEDULA), data["identification"]
                )
            except ValidationError as exc:
                self.add_error("identification", exc)
        return data


class IdentificationUsernameForm(IdentificationForm):
    username = forms.CharField(
        label=_("Ingresa tu usuario"),
        max_length=150,
        error_messages={"required": _("Ingresa tu usuario.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )


class TermsForm(forms.Form):
    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = list(documents)
        for document in self.documents:
            self.fields[f"accept_{document.pk}"] = forms.BooleanField(
                label=gettext("Acepto %(title)s (versión %(v)s)")
                % {"title": document.get_kind_display(), "v": document.version},
                error_messages={
                    "required": gettext("Debes aceptar este documento para continuar.")
                },
            )

    def accepted_ids(self) -> list[int]:
        return [document.pk for document in self.documents]


class UsernameForm(forms.Form):
    username = forms.CharField(
        label=_("Nuevo nombre de usuario"),
        max_length=30,
        error_messages={"required": _("Ingresa tu nuevo nombre de usuario.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_username(self):
        return username_validate(self.cleaned_data["username"], user=self.user)


class PasswordChoiceForm(forms.Form):
    """Current (or temporary) password, the new one twice."""

    current = forms.CharField(
        label=_("Ingresa tu contraseña actual o temporal"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Ingresa tu contraseña actual.")},
    )
    new = forms.CharField(
        label=_("Nueva contraseña"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Ingresa la nueva contraseña.")},
    )
    confirm = forms.CharField(
        label=_("Confirmar contraseña"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Confirma la nueva contraseña.")},
    )

    def __init__(self, *args, user, username=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.username = username

    def clean_current(self):
        if not check_password(self.cleaned_data["current"], self.user.password):
            raise ValidationError(gettext("La contraseña actual no es correcta."))
        return self.cleaned_data["current"]

    def clean(self):
        data = super().clean()
        new, confirm = data.get("new"), data.get("confirm")
        if self.has_error("current"):
            # Nothing about the new password (e.g. "you used it before") for a wrong current one.
            return data
        if new and confirm and new != confirm:
            self.add_error("confirm", gettext("Las contraseñas no coinciden."))
        elif new:
            # Judged against the username being chosen in this same sign-in, when there is one.
            subject = copy.copy(self.user)
            if self.username:
                subject.username = self.username
            try:
                password_validation.validate_password(new, subject)
            except ValidationError as exc:
                self.add_error("new", exc)
        return data


class SecurityForm(forms.Form):
    image = forms.ChoiceField(
        label=_("Imagen de seguridad"),
        choices=SecurityImage.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Elige tu imagen de seguridad.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", gettext("Elige una pregunta"))] + [
            (key, str(text)) for key, text in SECURITY_QUESTIONS.items()
        ]
        for i in range(1, MIN_SECURITY_QUESTIONS + 1):
            self.fields[f"question_{i}"] = forms.ChoiceField(
                label=gettext("Pregunta %(n)s") % {"n": i},
                choices=choices,
                error_messages={"required": gettext("Elige una pregunta.")},
            )
            self.fields[f"answer_{i}"] = forms.CharField(
                label=gettext("Respuesta %(n)s") % {"n": i},
                max_length=60,
                error_messages={"required": gettext("Escribe tu respuesta.")},
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )

    def question_rows(self):
        return [
            (self[f"question_{i}"], self[f"answer_{i}"])
            for i in range(1, MIN_SECURITY_QUESTIONS + 1)
        ]

    def clean(self):
        data = super().clean()
        questions = [data.get(f"question_{i}") for i in range(1, MIN_SECURITY_QUESTIONS + 1)]
        if all(questions) and len(set(questions)) != len(questions):
            raise ValidationError(gettext("Elige preguntas distintas."))
        for i in range(1, MIN_SECURITY_QUESTIONS + 1):
            answer = data.get(f"answer_{i}", "")
            if answer and len(answer.strip()) < 2:
                self.add_error(f"answer_{i}", gettext("La respuesta es demasiado corta."))
        return data

    def pairs(self):
        return [
            (self.cleaned_data[f"question_{i}"], self.cleaned_data[f"answer_{i}"])
            for i in range(1, MIN_SECURITY_QUESTIONS + 1)
        ]


class ImagePickForm(forms.Form):
    image = forms.ChoiceField(
        label=_("Selecciona la imagen que seleccionaste previamente"),
        choices=SecurityImage.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Selecciona tu imagen de seguridad.")},
    )


class DeviceForm(forms.Form):
    register = forms.ChoiceField(
        label=_("Estás ingresando desde un nuevo dispositivo, ¿Deseas registrarlo?"),
        choices=[("si", _("Sí, guardar")), ("no", _("No"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Elige si deseas registrar el dispositivo.")},
    )
    alias = forms.CharField(label=_("Alias del dispositivo"), max_length=40, required=False)

    def clean(self):
        data = super().clean()
        if data.get("register") == "si" and not (data.get("alias") or "").strip():
            self.add_error("alias", gettext("Escribe un nombre para el dispositivo."))
        return data


class DeviceRemoveForm(forms.Form):
    device = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=200,
        error_messages={"required": _("Ingresa el motivo por el cual eliminas el dispositivo.")},
    )


class FactorForm(forms.Form):
    factor = forms.ChoiceField(
        label=_("Factor de seguridad predeterminado"), widget=forms.RadioSelect
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["factor"].choices = factors_available(user)
        self.fields["factor"].initial = user.otp_factor


class ConfirmForm(forms.Form):
    """Operations with nothing to fill in: the code approves the button."""


class PasskeyNameForm(forms.Form):
    name = forms.CharField(
        label=_("Nombre de la llave (ej.: Mi teléfono)"),
        max_length=40,
        error_messages={"required": _("Escribe un nombre para reconocer la llave.")},
    )
