from django.template import engines
from django.template.response import TemplateResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from tests.benchmarks.bare_table import CONTEXT, TEMPLATE_SOURCE

TEMPLATE = engines["django"].from_string(TEMPLATE_SOURCE)


@require_GET
def bare(request):
    return TemplateResponse(request, TEMPLATE, CONTEXT)


urlpatterns = [path("bench/bare/", bare), path("", include("cooperativa.urls"))]
