from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Account
from accounts.registries.cards import CardAccount
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
        rows=list(Card.objects.filter(owner=member).select_related("account").order_by("pk")),
    )


def card_account_lookup(token: str) -> CardAccount | None:
    """The active credit card with a ledger account whose number has this token (the
    ``accounts.registries.cards`` lookup the card payments use)."""
    if not token:
        return None
    card = (
        Card.objects.select_related("owner", "account")
        .filter(
            number_token=token,
            kind=Card.Kind.CREDIT,
            account__isnull=False,
            account__status=Account.Status.ACTIVE,
        )
        .first()
    )
    if card is None:
        return None
    return CardAccount(
        account_id=card.account_id,
        holder_name=card.owner.full_name,
        masked=card.masked_number,
        owner_id=card.owner_id,
        id_type=card.owner.id_type,
        identification=card.owner.identification,
        minimum=card.minimum_due,
        total=card.used_total,
    )
