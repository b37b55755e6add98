from django import template

from common import formatting

register = template.Library()

register.filter("money", formatting.money)
register.filter("fecha", formatting.date_short)
register.filter("fecha_hora", formatting.datetime_short)
register.filter("mes_anio", formatting.month_year)
register.filter("fecha_larga", formatting.long_date)


@register.filter
def money_signed(value):
    return formatting.money(value, signed=True)


@register.simple_tag(takes_context=True)
def amount(context, value, signed=False):
    """A money amount, or dots when the person chose to hide amounts."""
    if context.get("hide_amounts"):
        return formatting.HIDDEN_AMOUNT
    return formatting.money(value, signed=signed)


@register.filter
def num(value):
    """``1,234.56`` without the currency sign, for dense tables."""
    return formatting.money(value).replace("$ ", "")


@register.filter
def debit_part(value):
    return num(-value) if value < 0 else "0.00"


@register.filter
def credit_part(value):
    return num(value) if value > 0 else "0.00"


@register.filter
def rate(value):
    """``7.25%`` (the manuals print rates with a point)."""
    return f"{value:.2f}%"


@register.filter
def mmss(seconds):
    """``02:59``: the countdown of a one-time code."""
    seconds = max(0, int(seconds or 0))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"
