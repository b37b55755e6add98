from django.urls import path, re_path

from . import views

app_name = "support"

urlpatterns = [
    path("soporte/", views.index, name="index"),
    path("soporte/preguntas-frecuentes/", views.faq, name="faq"),
    path("soporte/contacto/", views.contact, name="contact"),
    path("soporte/reclamos/", views.complaint, name="complaint"),
    re_path(
        r"^soporte/reclamos/(?P<tracking_number>RC-[0-9]{4}-[0-9]{6,})/$",
        views.complaint_done,
        name="complaint_done",
    ),
]
