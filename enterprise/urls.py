from django.urls import path

from .views import levels, orders, queries, users

app_name = "enterprise"

urlpatterns = [
    path("empresa/autorizar/", orders.PendingView.as_view(), name="pending"),
    path("empresa/ordenes/<int:pk>/", orders.order_detail, name="order"),
    path("empresa/ordenes/<int:pk>/autorizar/", orders.ApproveView.as_view(), name="approve"),
    path("empresa/ordenes/<int:pk>/rechazar/", orders.RejectView.as_view(), name="reject"),
    path("empresa/ordenes/<int:pk>/retirar/", orders.withdraw, name="withdraw"),
    path(
        "empresa/beneficiarios/<int:pk>/aprobar/",
        orders.PayeeApproveView.as_view(),
        name="payee_approve",
    ),
    path(
        "empresa/beneficiarios/<int:pk>/rechazar/",
        orders.PayeeRejectView.as_view(),
        name="payee_reject",
    ),
    path("empresa/niveles-de-firma/", levels.levels, name="levels"),
    path(
        "empresa/niveles-de-firma/montos/",
        levels.LimitsEditView.as_view(),
        name="limits_edit",
    ),
    path("empresa/niveles-de-firma/agregar/", levels.LevelAddView.as_view(), name="level_add"),
    path(
        "empresa/niveles-de-firma/remover/",
        levels.LevelRemoveView.as_view(),
        name="level_remove",
    ),
    path(
        "empresa/niveles-de-firma/reglas/<str:operation>/",
        levels.BandsEditView.as_view(),
        name="bands_edit",
    ),
    path("empresa/consultas/", queries.order_query, name="queries"),
    path(
        "empresa/consultas/descargar/xlsx/",
        queries.order_query_download,
        {"fmt": "xlsx"},
        name="queries_xlsx",
    ),
    path(
        "empresa/consultas/descargar/pdf/",
        queries.order_query_download,
        {"fmt": "pdf"},
        name="queries_pdf",
    ),
    path(
        "empresa/consultas/<int:pk>/beneficiarios/",
        queries.order_beneficiaries,
        name="query_beneficiaries",
    ),
    path(
        "empresa/consultas/<int:pk>/autorizadores/",
        queries.order_approvals,
        name="query_approvals",
    ),
    path("empresa/usuarios/", users.users, name="users"),
    path("empresa/usuarios/agregar/", users.UserCreateView.as_view(), name="user_create"),
    path(
        "empresa/usuarios/<int:pk>/servicios/", users.ServicesView.as_view(), name="user_services"
    ),
    path("empresa/usuarios/<int:pk>/rol/", users.RoleView.as_view(), name="user_role"),
    path(
        "empresa/usuarios/<int:pk>/contrasena/",
        users.PasswordResetView.as_view(),
        name="user_password_reset",
    ),
    path(
        "empresa/usuarios/<int:pk>/enviar-usuario/",
        users.UsernameSendView.as_view(),
        name="user_username_send",
    ),
    path("empresa/usuarios/<int:pk>/bloquear/", users.BlockView.as_view(), name="user_block"),
    path("empresa/usuarios/<int:pk>/activar/", users.ActivateView.as_view(), name="user_activate"),
    path("empresa/usuarios/<int:pk>/eliminar/", users.DeleteView.as_view(), name="user_delete"),
    path("empresa/auditoria/", users.audit, name="audit"),
    path("empresa/auditoria/descargar/xlsx/", users.audit_download, name="audit_xlsx"),
]
