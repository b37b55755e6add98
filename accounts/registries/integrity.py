"""Invariants of the money higher apps keep in the cooperative's accounts (what is in a
transit account must be what their rows say is on its way), checked with the ledger's own by
``ledger_check``. An app registers ``check(limit) → list of problems in words`` from its
``AppConfig.ready``."""

from __future__ import annotations

from collections.abc import Callable

_checks: list[Callable[[int], list[str]]] = []


def register_ledger_check(check: Callable[[int], list[str]]) -> None:
    if check not in _checks:
        _checks.append(check)


def registered_problems(limit: int) -> list[str]:
    return [problem for check in _checks for problem in check(limit)]
