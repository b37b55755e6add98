from django.urls import path

from . import level_views, views
from .query_views import (
    order_approvals,
    order_beneficiaries,
    order_query,
    order_query_download,
)
from .user_views import (
    ActivateView,
    BlockView,
    DeleteView,
    PasswordResetView,
    RoleView,
    ServicesView,
    UserCreateView,
    UsernameSendView,
    audit,
    users,
)

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
    path("empresa/consultas/", order_query, name="queries"),
    path(
        "empresa/consultas/descargar/xlsx/",
        order_query_download,
        {"fmt": "xlsx"},
        name="queries_xlsx",
    ),
    path(
        "empresa/consultas/descargar/pdf/",
        order_query_download,
        {"fmt": "pdf"},
        name="queries_pdf",
    ),
    path(
        "empresa/consultas/<int:pk>/beneficiarios/",
        order_beneficiaries,
        name="query_beneficiaries",
    ),
    path(
        "empresa/consultas/<int:pk>/autorizadores/",
        order_approvals,
        name="query_approvals",
    ),
    path("empresa/usuarios/", users, name="users"),
    path("empresa/usuarios/agregar/", UserCreateView.as_view(), name="user_create"),
    path("empresa/usuarios/<int:pk>/servicios/", ServicesView.as_view(), name="user_services"),
    path("empresa/usuarios/<int:pk>/rol/", RoleView.as_view(), name="user_role"),
    path(
        "empresa/usuarios/<int:pk>/contrasena/",
        PasswordResetView.as_view(),
        name="user_password_reset",
    ),
    path(
        "empresa/usuarios/<int:pk>/enviar-usuario/",
        UsernameSendView.as_view(),
        name="user_username_send",
    ),
    path("empresa/usuarios/<int:pk>/bloquear/", BlockView.as_view(), name="user_block"),
    path("empresa/usuarios/<int:pk>/activar/", ActivateView.as_view(), name="user_activate"),
    path("empresa/usuarios/<int:pk>/eliminar/", DeleteView.as_view(), name="user_delete"),
    path("empresa/auditoria/", audit, name="audit"),
]
