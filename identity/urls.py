from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("ingresar/", views.SignInView.as_view(), name="login"),
    path("salir/", views.SignOutView.as_view(), name="logout"),
]
