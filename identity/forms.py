from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    # One message for every failure: it must not reveal whether the username exists.
    error_messages = {
        "invalid_login": "Usuario o contraseña incorrectos.",
        "inactive": "Usuario o contraseña incorrectos.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Usuario"
        self.fields["password"].label = "Contraseña"
        self.fields["username"].widget.attrs.update(autocomplete="username", autocapitalize="none")
        self.fields["username"].error_messages["required"] = "Ingresa tu usuario."
        self.fields["password"].error_messages["required"] = "Ingresa tu contraseña."
