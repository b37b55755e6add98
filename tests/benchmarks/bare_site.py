"""The baseline site for figure 3: bare Django (no apps, no middleware, no database) rendering a
small template with a 10-row table. Served with ``gunicorn tests.benchmarks.bare_site:application``.
"""

from django.conf import settings
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bare-bench-site",  # serves a static table on 127.0.0.1 only
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[],
    MIDDLEWARE=[],
    DATABASES={},
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
    USE_TZ=True,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402 - needs the settings above
from django.template import engines  # noqa: E402

from tests.benchmarks.bare_table import CONTEXT, TEMPLATE_SOURCE  # noqa: E402

application = get_wsgi_application()

TEMPLATE = engines["django"].from_string(TEMPLATE_SOURCE)


def table(request):
    return HttpResponse(TEMPLATE.render(CONTEXT, request))


urlpatterns = [path("", table)]
