from django.urls import path

from . import views

app_name = "transfers"

urlpatterns = [
    path("transferencias/", views.index, name="index"),
    path("transferencias/mis-cuentas/", views.OwnTransferView.as_view(), name="own"),
    path(
        "transferencias/mis-cuentas/confirmar/",
        views.OwnConfirmView.as_view(),
        name="own_confirm",
    ),
    path("transferencias/cooprogreso/", views.MemberTransferView.as_view(), name="member"),
    path(
        "transferencias/cooprogreso/confirmar/",
        views.MemberConfirmView.as_view(),
        name="member_confirm",
    ),
    path("transferencias/cooprogreso/validar/", views.account_holder, name="account_holder"),
    path("transferencias/interbancarias/", views.InterbankTransferView.as_view(), name="interbank"),
    path(
        "transferencias/interbancarias/confirmar/",
        views.InterbankConfirmView.as_view(),
        name="interbank_confirm",
    ),
    path("transferencias/<int:pk>/", views.receipt, name="receipt"),
    path("transferencias/cupos/", views.LimitsView.as_view(), name="limits"),
    path("beneficiarios/", views.beneficiaries, name="beneficiaries"),
    path(
        "beneficiarios/<int:pk>/editar/",
        views.BeneficiaryEditView.as_view(),
        name="beneficiary_edit",
    ),
    path(
        "beneficiarios/<int:pk>/eliminar/",
        views.BeneficiaryDeleteView.as_view(),
        name="beneficiary_delete",
    ),
]
