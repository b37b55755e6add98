"""Reads of the catalogue: the categories and billers a person may pay, as the back office
keeps them (only active ones are offered)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from ..models import Biller, Category


def categories_active() -> QuerySet[Category]:
    """The categories that have at least one active biller, in the catalogue's order."""
    return (
        Category.objects.filter(active=True, billers__active=True)
        .distinct()
        .order_by("position", "name")
    )


def billers_search(*, category: str = "", text: str = "") -> QuerySet[Biller]:
    """Active billers of active categories, narrowed by a category code and a text typed in
    «Buscar servicio» (name or category name, any case)."""
    billers = Biller.objects.filter(active=True, category__active=True).select_related("category")
    if category:
        billers = billers.filter(category__code=category)
    text = (text or "").strip()[:60]
    if text:
        billers = billers.filter(Q(name__icontains=text) | Q(category__name__icontains=text))
    return billers.order_by("category__position", "name")


def biller_get(code: str) -> Biller:
    """The biller a URL names: 404 when it does not exist or is not offered now."""
    biller = (
        Biller.objects.filter(code=code, active=True, category__active=True)
        .select_related("category")
        .first()
    )
    if biller is None:
        raise Http404
    return biller
