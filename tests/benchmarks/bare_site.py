"""The baseline site for figure 3: bare Django (no apps, no middleware, no database) rendering a
small template with a 10-row table. Served with ``gunicorn tests.benchmarks.bare_site:application``.
"""

from decimal import Decimal

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

application = get_wsgi_application()

TEMPLATE = engines["django"].from_string(
    """<!DOCTYPE html><html lang="es"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>
<table><thead><tr><th>N.º Cta.</th><th>Tipo de cuenta</th><th>Saldo disponible</th>
<th>Saldo contable</th><th>Estado</th></tr></thead>
<tbody>{% for row in rows %}<tr><td>{{ row.number }}</td><td>{{ row.product }}</td>
<td>{{ row.available|floatformat:2 }}</td><td>{{ row.balance|floatformat:2 }}</td>
<td>{{ row.status }}</td></tr>{% endfor %}</tbody></table></body></html>"""
)
ROWS = [
    {
        "number": f"41010000{i:04d}",
        "product": "CUENTA DE AHORROS",
        "available": Decimal(1000 + 37 * i).scaleb(-2) * 100,
        "balance": Decimal(1200 + 41 * i).scaleb(-2) * 100,
        "status": "ACTIVA",
    }
    for i in range(10)
]


def table(request):
    return HttpResponse(TEMPLATE.render({"title": "Posición consolidada", "rows": ROWS}, request))


urlpatterns = [path("", table)]
