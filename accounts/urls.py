from django.urls import path, re_path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.position, name="position"),
    path("preferencias/montos/", views.toggle_amounts, name="toggle_amounts"),
    re_path(r"^cuentas/(?P<number>[0-9]{6,20})/movimientos/$", views.movements, name="movements"),
    re_path(
        r"^cuentas/(?P<number>[0-9]{6,20})/movimientos/descargar\.(?P<fmt>pdf|xlsx)$",
        views.movements_download,
        name="movements_download",
    ),
    re_path(r"^comprobantes/(?P<receipt_number>[0-9]{1,18})/$", views.receipt, name="receipt"),
    re_path(
        r"^inversiones/(?P<number>[0-9A-Za-z-]{1,20})/$", views.term_deposit, name="term_deposit"
    ),
    path("estado-de-cuenta/", views.statement, name="statement"),
    path("descargas/<int:job_id>/", views.export_status, name="export_status"),
    path("descargas/<int:job_id>/archivo/", views.export_file, name="export_file"),
]
