"""Pago de servicios, pagos frecuentes, programados e historial (``/pagos/…``)."""

from django.urls import path

from .views import frequent as frequent_views
from .views import history as history_views
from .views import schedules as schedule_views
from .views import services as services_views

app_name = "payments"

urlpatterns: list = [
    # Each page group adds its routes here (services, frequent, history, schedules).
    path("pagos/", services_views.index, name="index"),
    path("pagos/servicio/<slug:code>/", services_views.pay, name="pay"),
    path(
        "pagos/servicio/<slug:code>/confirmar/",
        services_views.PayConfirmView.as_view(),
        name="pay_confirm",
    ),
    path("pagos/comprobante/<int:pk>/", services_views.receipt, name="receipt"),
    path("pagos/comprobante/<int:pk>/pdf/", services_views.receipt_pdf, name="receipt_pdf"),
    path("pagos/frecuentes/", frequent_views.frequent, name="frequent"),
    path("pagos/frecuentes/<int:pk>/alias/", frequent_views.alias_edit, name="saved_alias"),
    path(
        "pagos/frecuentes/<int:pk>/eliminar/",
        frequent_views.SavedDeleteView.as_view(),
        name="saved_delete",
    ),
    path("pagos/programados/", schedule_views.schedules, name="schedules"),
    path(
        "pagos/programados/nuevo/",
        schedule_views.ScheduleNewView.as_view(),
        name="schedule_new",
    ),
    path("pagos/programados/<int:pk>/", schedule_views.schedule_detail, name="schedule"),
    path(
        "pagos/programados/<int:pk>/programado/",
        schedule_views.schedule_done,
        name="schedule_done",
    ),
    path(
        "pagos/programados/<int:pk>/editar/",
        schedule_views.ScheduleEditView.as_view(),
        name="schedule_edit",
    ),
    path(
        "pagos/programados/<int:pk>/pausar/",
        schedule_views.schedule_pause_view,
        name="schedule_pause",
    ),
    path(
        "pagos/programados/<int:pk>/reanudar/",
        schedule_views.schedule_resume_view,
        name="schedule_resume",
    ),
    path(
        "pagos/programados/<int:pk>/cancelar/",
        schedule_views.ScheduleCancelView.as_view(),
        name="schedule_cancel",
    ),
    path("pagos/historial/", history_views.history, name="history"),
    path(
        "pagos/historial/<str:fmt>/",
        history_views.history_download,
        name="history_download",
    ),
]
