from django.urls import path

from . import views

app_name = "identity"


def _flow(prefix, view, name):
    return [
        path(f"{prefix}/", view.as_view(), name=name),
        path(f"{prefix}/<slug:step>/", view.as_view(), name=name),
    ]


urlpatterns = [
    path("ingresar/", views.SignInView.as_view(), name="login"),
    path("ingresar/<slug:step>/", views.SignInStepView.as_view(), name="sign_in_step"),
    path("salir/", views.SignOutView.as_view(), name="logout"),
    path("sesion/aviso/", views.idle_warning, name="idle_warning"),
    path("sesion/mantener/", views.keep_alive, name="keep_alive"),
    path("sesion/expirada/", views.idle_expired, name="idle_expired"),
    path("perfil/", views.profile, name="profile"),
    path("perfil/contrasena/", views.PasswordChangeView.as_view(), name="password_change"),
    path("perfil/usuario/", views.UsernameChangeView.as_view(), name="username_change"),
    path("perfil/dispositivos/", views.devices, name="devices"),
    path("perfil/dispositivos/<int:pk>/", views.device_detail, name="device_detail"),
    path(
        "perfil/dispositivos/<int:pk>/eliminar/",
        views.DeviceRemoveView.as_view(),
        name="device_remove",
    ),
    path("perfil/seguridad/", views.security, name="security"),
    path(
        "perfil/seguridad/preguntas/",
        views.SecurityQuestionsView.as_view(),
        name="security_questions",
    ),
    path("perfil/seguridad/factor/", views.FactorView.as_view(), name="factor"),
    path("perfil/seguridad/autenticador/", views.TotpAddView.as_view(), name="totp_add"),
    path("perfil/seguridad/autenticador/qr/", views.totp_scan, name="totp_scan"),
    path(
        "perfil/seguridad/autenticador/eliminar/",
        views.TotpRemoveView.as_view(),
        name="totp_remove",
    ),
    path("perfil/seguridad/llave/", views.PasskeyAddView.as_view(), name="passkey_add"),
    path(
        "perfil/seguridad/llave/registrar/",
        views.passkey_register_view,
        name="passkey_register",
    ),
    path(
        "perfil/seguridad/llave/<int:pk>/eliminar/",
        views.PasskeyRemoveView.as_view(),
        name="passkey_remove",
    ),
    path("perfil/seguridad/sesiones/", views.sessions_close, name="sessions_close"),
    path("perfil/terminos/", views.terms_accepted, name="terms_accepted"),
    *_flow("registro", views.EnrolView, "enrol"),
    *_flow("olvide-usuario", views.ForgotUsernameView, "forgot_username"),
    *_flow("desbloquear", views.UnlockView, "unlock"),
    *_flow("olvide-contrasena", views.ForgotPasswordView, "forgot_password"),
]
