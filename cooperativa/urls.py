from django.contrib import admin
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


admin.site.site_header = _("Cooprogreso · Back office")
admin.site.site_title = _("Cooprogreso")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("backoffice/", admin.site.urls),
    path("", include("identity.urls")),
    path("", include("accounts.urls")),
    path("", include("support.urls")),
]
