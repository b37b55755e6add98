from django.urls import path

from .views import batches, pay, summary

app_name = "payroll"

urlpatterns = [
    path("empresa/pagos-masivos/", batches.index, name="index"),
    path("empresa/pagos-masivos/plantilla/", batches.template_download, name="template"),
    path("empresa/pagos-masivos/cargar/", batches.upload, name="upload"),
    path("empresa/pagos-masivos/<uuid:pk>/", batches.detail, name="detail"),
    path("empresa/pagos-masivos/<uuid:pk>/importacion/", batches.import_status, name="import"),
    path("empresa/pagos-masivos/<uuid:pk>/guardar/", batches.save, name="save"),
    path("empresa/pagos-masivos/<uuid:pk>/editar/", batches.rename, name="rename"),
    path("empresa/pagos-masivos/<uuid:pk>/fila/", batches.batch_row, name="batch_row"),
    path("empresa/pagos-masivos/<uuid:pk>/eliminar/", batches.delete, name="delete"),
    path("empresa/pagos-masivos/<uuid:pk>/pagar/", pay.PayView.as_view(), name="pay"),
    path(
        "empresa/ordenes/<int:pk>/resumen.<str:fmt>",
        summary.order_summary,
        name="order_summary",
    ),
]
