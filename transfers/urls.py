from django.urls import path

from .views import beneficiaries, cards, limits, orders

app_name = "transfers"

urlpatterns = [
    path("transferencias/", orders.index, name="index"),
    path("transferencias/mis-cuentas/", orders.transfer_form, {"kind": "own"}, name="own"),
    path(
        "transferencias/mis-cuentas/confirmar/",
        orders.TransferConfirmView.as_view(kind="own"),
        name="own_confirm",
    ),
    path("transferencias/cooprogreso/", orders.transfer_form, {"kind": "member"}, name="member"),
    path(
        "transferencias/cooprogreso/confirmar/",
        orders.TransferConfirmView.as_view(kind="member"),
        name="member_confirm",
    ),
    path("transferencias/cooprogreso/validar/", orders.account_holder, name="account_holder"),
    path(
        "transferencias/interbancarias/",
        orders.transfer_form,
        {"kind": "interbank"},
        name="interbank",
    ),
    path(
        "transferencias/interbancarias/confirmar/",
        orders.TransferConfirmView.as_view(kind="interbank"),
        name="interbank_confirm",
    ),
    path("transferencias/<int:pk>/", orders.receipt, name="receipt"),
    path("transferencias/cupos/", limits.LimitsView.as_view(), name="limits"),
    path("pago-tarjetas/", cards.cards, name="cards"),
    path("pago-tarjetas/pagar/", cards.card_pay, name="card_pay"),
    path("pago-tarjetas/pagar/confirmar/", cards.CardConfirmView.as_view(), name="card_confirm"),
    path("pago-tarjetas/<int:pk>/", cards.card_receipt, name="card_receipt"),
    path("beneficiarios/", beneficiaries.beneficiaries, name="beneficiaries"),
    path(
        "beneficiarios/nuevo/<slug:tab>/",
        beneficiaries.BeneficiaryNewView.as_view(),
        name="beneficiary_new",
    ),
    path(
        "beneficiarios/<int:pk>/editar/",
        beneficiaries.BeneficiaryEditView.as_view(),
        name="beneficiary_edit",
    ),
    path(
        "beneficiarios/<int:pk>/eliminar/",
        beneficiaries.BeneficiaryDeleteView.as_view(),
        name="beneficiary_delete",
    ),
]
