from django.urls import path

from . import summary_views, views

app_name = "payroll"

urlpatterns = [
    path("empresa/pagos-masivos/", views.index, name="index"),
    path("empresa/pagos-masivos/plantilla/", views.template_download, name="template"),
    path("empresa/pagos-masivos/cargar/", views.upload, name="upload"),
    path("empresa/pagos-masivos/<uuid:pk>/", views.detail, name="detail"),
    path("empresa/pagos-masivos/<uuid:pk>/importacion/", views.import_status, name="import"),
    path("empresa/pagos-masivos/<uuid:pk>/guardar/", views.save, name="save"),
    path("empresa/pagos-masivos/<uuid:pk>/editar/", views.rename, name="rename"),
    path("empresa/pagos-masivos/<uuid:pk>/fila/", views.batch_row, name="batch_row"),
    path("empresa/pagos-masivos/<uuid:pk>/eliminar/", views.delete, name="delete"),
    path("empresa/pagos-masivos/<uuid:pk>/pagar/", views.PayView.as_view(), name="pay"),
    path(
        "empresa/ordenes/<int:pk>/resumen.<str:fmt>",
        summary_views.order_summary,
        name="order_summary",
    ),
]
