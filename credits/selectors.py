from django.utils import timezone
from django.utils.translation import gettext

from accounts.registries.position import PositionSection

from .models import Card, Loan


def loans_section(*, member) -> PositionSection:
    today = timezone.localdate()
    rows = list(Loan.objects.filter(owner=member).order_by("-issued_on", "pk"))
    for loan in rows:
        loan.overdue = loan.is_overdue(today)
    return PositionSection(
        key="loans", title=gettext("Créditos"), template="credits/_position_loans.html", rows=rows
    )


def cards_section(*, member) -> PositionSection:
    return PositionSection(
        key="cards",
        title=gettext("Tarjetas"),
        template="credits/_position_cards.html",
        rows=list(Card.objects.filter(owner=member).order_by("pk")),
    )
