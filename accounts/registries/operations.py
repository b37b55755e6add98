"""Operations: what a customer orders that moves money, each defined once by the app it belongs
to (transfers today; bill, card and loan payments and deposit openings next).

An app describes an operation with an ``OperationSpec``: its typed payload, the service that
executes it, its label, the operation type whose amount bands apply and what it holds. It
registers the spec from its ``AppConfig.ready`` and submits through ``operation_submit``, never
knowing who will run it:

- a member's submission, confirmed with their code, executes at once;
- a submission a registered *channel* claims becomes what that channel makes of it. The
  enterprise app registers one: a company user's submission becomes an approval order, whose
  funds are held and which later runs ``spec.execute`` itself, once, with the same payload.

Before the code, the form asks ``operation_precheck`` what the channel would refuse now (shown
on the form, its data kept) and whether the submission will wait for signatures, and
``operation_hints`` what to tell on the form before it is filled (the limits left).

docs/ARCHITECTURE.md walks through the recipe with the transfer as the example.
"""

from __future__ import annotations

import dataclasses
import types
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from common.refusal import Refusal
from identity.models import Member


@dataclass(frozen=True)
class Payload:
    """The data of one operation. Subclasses are frozen dataclasses whose fields are ``Decimal``
    money, ``int`` or ``UUID`` ids, ``str``, ``bool``, ``None`` or nested payloads;
    ``to_json`` writes them losslessly (money as text) and ``from_json`` reads them back with
    their types.

    ``amount`` and ``origin`` are every operation's: what it debits, from which account."""

    origin: int
    amount: Decimal

    def to_json(self, *, exclude: frozenset[str] = frozenset()) -> dict:
        return {
            f.name: _dump(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name not in exclude
        }

    @classmethod
    def from_json(cls, data: dict, **override):
        hints = typing.get_type_hints(cls)
        values = {}
        for f in dataclasses.fields(cls):
            if f.name in override:
                values[f.name] = override[f.name]
            elif f.name in data:
                values[f.name] = _load(hints[f.name], data[f.name])
        return cls(**values)


def _dump(value):
    if isinstance(value, Payload | NestedPayload):
        return value.to_json()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def _load(hint, value):
    if value is None:
        return None
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(h for h in typing.get_args(hint) if h is not type(None))
    if isinstance(hint, type) and issubclass(hint, NestedPayload):
        return hint.from_json(value)
    if hint is Decimal:
        return Decimal(value)
    if hint is int:
        return int(value)
    if hint is uuid.UUID:
        return uuid.UUID(str(value))
    return value


@dataclass(frozen=True)
class NestedPayload:
    """A group of fields inside a payload (another bank's payee): same rules, no amount."""

    def to_json(self) -> dict:
        return {f.name: _dump(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, data: dict):
        hints = typing.get_type_hints(cls)
        return cls(
            **{
                f.name: _load(hints[f.name], data[f.name])
                for f in dataclasses.fields(cls)
                if f.name in data
            }
        )


@dataclass(frozen=True)
class Context:
    """Who orders, for whom, through what, under which key: what every execution needs besides
    the payload. ``holds`` are the funds an approval order reserved, used up by the posting."""

    user: Any
    member: Member
    channel: str
    key: str
    holds: tuple[int, ...] = ()
    #: the record that runs it, when one does (an approval order's id); None when it runs at once
    reference: int | None = None


@dataclass(frozen=True)
class OperationSpec:
    #: stored with an order (``ApprovalOrder.kind``) and used as the permission name.
    code: str
    label: str
    #: the operation type whose amount bands and signatures apply (``ApprovalBand.operation``).
    band: str
    payload: type[Payload]
    #: execute(payload, context) → result (ids the receipt needs); raises a ``Refusal``.
    execute: Callable[[Payload, Context], dict]
    #: fee and VAT the operation adds to its amount: the hold covers amount + charges.
    charges: Callable[[Payload], Decimal] = lambda payload: Decimal("0.00")
    #: where its receipt is read, from the result.
    receipt_url: Callable[[dict], str] | None = None
    #: released(payload, reference): gives back what the submission reserved while it waited
    #: (``on_registered``), when it will never run (rejected, expired, withdrawn, failed).
    released: Callable[[Payload, int], None] | None = None
    #: whether a submission that waits for signatures holds amount + charges on ``origin``.
    #: A scheduled payment's order approves a maximum for bills still to come: nothing to hold.
    holds_funds: bool = True


@dataclass(frozen=True)
class Outcome:
    """What became of a submission: executed (``result``), waiting for signatures, or failed
    after it was registered (``message``); ``url`` is where the person follows it."""

    EXECUTED: ClassVar[str] = "executed"
    PENDING: ClassVar[str] = "pending"
    FAILED: ClassVar[str] = "failed"

    status: str
    result: dict = dataclasses.field(default_factory=dict)
    message: str = ""
    url: str = ""
    reference: int | None = None


@dataclass(frozen=True)
class Precheck:
    """What the channel that will claim a submission says of it before the person's code:
    the refusals it would make now (each on its field, the numbers in its message), and the
    signatures it will wait for — empty when it runs as soon as it is confirmed. The channel
    checks it all again when the submission is made, and when it runs."""

    refusals: tuple[Refusal, ...] = ()
    signatures: tuple[str, ...] = ()

    @property
    def waits(self) -> bool:
        return bool(self.signatures)


_specs: dict[str, OperationSpec] = {}
# channel(spec=, payload=, context=, concept=, on_registered=) → Outcome, or None when it is
# not theirs.
_channels: list[Callable[..., Outcome | None]] = []
# precheck(spec=, payload=, user=, member=) → Precheck, or None when it is not theirs.
_prechecks: list[Callable[..., Precheck | None]] = []
# hints(spec=, user=, member=) → list of sentences, or None when it is not theirs.
_hints: list[Callable[..., list[str] | None]] = []


def register_operation(spec: OperationSpec) -> OperationSpec:
    _specs[spec.code] = spec
    return spec


def operation_spec(code: str) -> OperationSpec | None:
    return _specs.get(code)


def operation_specs() -> list[OperationSpec]:
    return list(_specs.values())


def register_channel(channel: Callable[..., Outcome | None]) -> None:
    if channel not in _channels:
        _channels.append(channel)


def register_precheck(
    precheck: Callable[..., Precheck | None],
    hints: Callable[..., list[str] | None] | None = None,
) -> None:
    """A channel's checks before the code (and, optionally, what its forms tell beforehand)."""
    if precheck not in _prechecks:
        _prechecks.append(precheck)
    if hints is not None and hints not in _hints:
        _hints.append(hints)


def operation_precheck(*, spec: OperationSpec, payload: Payload, user, member) -> Precheck:
    """What the channel that will claim this submission would refuse now, and whether it will
    wait for signatures; nothing for a submission no channel claims (it runs at once)."""
    for precheck in _prechecks:
        verdict = precheck(spec=spec, payload=payload, user=user, member=member)
        if verdict is not None:
            return verdict
    return Precheck()


def operation_hints(*, spec: OperationSpec, user, member) -> list[str]:
    """What the form of ``spec`` tells this login before it is filled (a company's limits
    left, that its orders wait for signatures)."""
    for hints in _hints:
        said = hints(spec=spec, user=user, member=member)
        if said is not None:
            return said
    return []


def operation_submit(
    *,
    spec: OperationSpec,
    payload: Payload,
    context: Context,
    concept: str = "",
    on_registered: Callable[[int], None] | None = None,
) -> Outcome:
    """Runs what the person confirmed with their code: through the channel that claims it (a
    company's approval engine), or at once. A ``Refusal`` raised before anything was
    registered propagates: the form shows it and nothing changed.

    ``on_registered(reference)`` runs in the channel's transaction once the submission is
    registered to run later, to reserve what it will use (a bulk payment ties its rows to the
    order); ``spec.released`` gives that back if it never runs."""
    for channel in _channels:
        outcome = channel(
            spec=spec,
            payload=payload,
            context=context,
            concept=concept,
            on_registered=on_registered,
        )
        if outcome is not None:
            return outcome
    return Outcome(status=Outcome.EXECUTED, result=spec.execute(payload, context))
