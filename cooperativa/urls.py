from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _

from .health import healthz, readyz


def _backoffice_login(request, extra_context=None):
    # Staff sign in like everyone else: password, then the one-time code. The admin's own
    # password-only form is never served.
    return redirect_to_login(
        request.GET.get("next") or reverse("admin:index"), login_url=reverse("identity:login")
    )


admin.site.login = _backoffice_login
admin.site.site_header = _("Cooprogreso · Administración")
admin.site.site_title = _("Cooprogreso · Administración")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("backoffice/", admin.site.urls),
    path("", include("identity.urls")),
    path("", include("accounts.urls")),
    path("", include("transfers.urls")),
    path("", include("payments.urls")),
    path("", include("enterprise.urls")),
    path("", include("payroll.urls")),
    path("", include("support.urls")),
]
