"""Display choices a user makes for themselves."""

from __future__ import annotations

from ..models import User


def user_set_hide_amounts(*, user: User, hide: bool) -> None:
    user.hide_amounts = hide
    user.save(update_fields=["hide_amounts"])
