"""Sections other apps add to the consolidated position (loans, cards …) without this app
importing them: the dependency points from them to us."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class PositionSection:
    key: str
    title: str
    template: str
    rows: list = field(default_factory=list)


_sections: list[Callable[..., PositionSection]] = []


def register_section(provider: Callable[..., PositionSection]) -> None:
    if provider not in _sections:
        _sections.append(provider)


def extra_sections(*, member) -> list[PositionSection]:
    return [provider(member=member) for provider in _sections]
