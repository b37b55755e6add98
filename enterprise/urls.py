from django.urls import path

from . import level_views, views

app_name = "enterprise"

urlpatterns = [
    path("empresa/autorizar/", views.PendingView.as_view(), name="pending"),
    path("empresa/ordenes/<int:pk>/", views.order_detail, name="order"),
    path("empresa/ordenes/<int:pk>/autorizar/", views.ApproveView.as_view(), name="approve"),
    path("empresa/ordenes/<int:pk>/rechazar/", views.RejectView.as_view(), name="reject"),
    path("empresa/ordenes/<int:pk>/retirar/", views.withdraw, name="withdraw"),
    path(
        "empresa/beneficiarios/<int:pk>/aprobar/",
        views.PayeeApproveView.as_view(),
        name="payee_approve",
    ),
    path(
        "empresa/beneficiarios/<int:pk>/rechazar/",
        views.PayeeRejectView.as_view(),
        name="payee_reject",
    ),
    path("empresa/niveles-de-firma/", level_views.levels, name="levels"),
    path(
        "empresa/niveles-de-firma/montos/",
        level_views.LimitsEditView.as_view(),
        name="limits_edit",
    ),
    path("empresa/niveles-de-firma/agregar/", level_views.LevelAddView.as_view(), name="level_add"),
    path(
        "empresa/niveles-de-firma/remover/",
        level_views.LevelRemoveView.as_view(),
        name="level_remove",
    ),
    path(
        "empresa/niveles-de-firma/reglas/<str:operation>/",
        level_views.BandsEditView.as_view(),
        name="bands_edit",
    ),
]
