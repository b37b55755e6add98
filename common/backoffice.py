"""The back office (Django's admin) in the portal's formats.

Django shows a DecimalField in es-EC as "16721,07"; staff read the same amounts members see,
"$ 16,721.07". A money field is listed and shown read-only through ``money_column`` instead of
by its name (``formatting.money``, the portal's one money format).
"""

from __future__ import annotations

from django.contrib import admin

from . import formatting


def money_column(model, field: str):
    """A ModelAdmin (or inline) method showing ``field`` as money, titled with the field's
    own verbose name and sorted by the field. Put it in ``list_display`` or ``readonly_fields``
    under a name of its own (and the field itself in ``exclude`` where the form would edit it)::

        balance_shown = money_column(Account, "balance")
    """

    @admin.display(description=model._meta.get_field(field).verbose_name, ordering=field)
    def column(modeladmin, obj) -> str:
        value = getattr(obj, field)
        if value is None:
            return modeladmin.get_empty_value_display()
        return formatting.money(value)

    column.__name__ = f"{field}_shown"
    return column
