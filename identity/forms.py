from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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
        self.fields["username"].widget.attrs.update(autocomplete="username", autocapitalize="none")
        self.fields["username"].error_messages["required"] = gettext("Ingresa tu usuario.")
        self.fields["password"].error_messages["required"] = gettext("Ingresa tu contraseña.")
