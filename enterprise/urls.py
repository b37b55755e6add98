from django.urls import path

from . import views

app_name = "enterprise"

urlpatterns = [
    path("empresa/autorizar/", views.pending, name="pending"),
    path("empresa/ordenes/<int:pk>/", views.order_detail, name="order"),
    path("empresa/ordenes/<int:pk>/autorizar/", views.ApproveView.as_view(), name="approve"),
    path("empresa/ordenes/<int:pk>/rechazar/", views.RejectView.as_view(), name="reject"),
    path("empresa/ordenes/<int:pk>/retirar/", views.withdraw, name="withdraw"),
]
