"""The steps between a right password and a signed-in session, kept in the (pre-login)
session: texts to accept, first-sign-in choices, device registration, the one-time code."""

from __future__ import annotations

import secrets
import time

from ..models import User
from .devices import _hash as device_token_hash
from .devices import device_for_request, device_token
from .otp import SIGN_IN_PURPOSE, code_budget_message
from .terms import terms_pending

KEY = "pending_sign_in"
# A right password buys this long to finish the remaining steps.
MAX_AGE_SECONDS = 15 * 60

STEP_TERMS = "terminos"
STEP_USERNAME = "usuario"
STEP_PASSWORD = "contrasena"  # noqa: S105 - a step name
STEP_SECURITY = "seguridad"
STEP_DEVICE = "dispositivo"
STEP_CODE = "codigo"
CREDENTIAL_STEPS = {STEP_USERNAME, STEP_PASSWORD, STEP_SECURITY}


def steps_for(user: User, *, device_known: bool) -> list[str]:
    steps = []
    if terms_pending(member=user.customer):
        steps.append(STEP_TERMS)
    if user.needs_setup:
        steps += [STEP_USERNAME, STEP_PASSWORD]
        if user.customer_id and not user.is_company_user:
            steps.append(STEP_SECURITY)
    elif user.must_change_password:
        steps.append(STEP_PASSWORD)
    if not device_known:
        steps.append(STEP_DEVICE)
    steps.append(STEP_CODE)
    return steps


def pending_start(request, *, user: User, backend: str, next_url: str) -> dict:
    device = device_for_request(user=user, request=request)
    # A fresh key: whatever the session held before the password is not carried into it.
    request.session.cycle_key()
    pending = {
        "user": user.pk,
        "backend": backend,
        "started": time.time(),
        "next": next_url,
        "nonce": secrets.token_hex(8),
        "device": device.pk if device else None,
        "steps": steps_for(user, device_known=device is not None),
        "done": [],
        "choices": {},
        "challenge": None,
    }
    request.session[KEY] = pending
    return pending


def pending_get(request) -> dict | None:
    pending = request.session.get(KEY)
    if not pending or time.time() - pending["started"] > MAX_AGE_SECONDS:
        return None
    return pending


def pending_save(request, pending: dict) -> None:
    request.session[KEY] = pending
    request.session.modified = True


def pending_clear(request) -> None:
    request.session.pop(KEY, None)


def pending_user(pending: dict) -> User | None:
    return (
        User.objects.select_related("customer").filter(pk=pending["user"], is_active=True).first()
    )


def next_step(pending: dict) -> str:
    for step in pending["steps"]:
        if step not in pending["done"]:
            return step
    return STEP_CODE


def step_complete(request, pending: dict, step: str, **choices) -> None:
    if step not in pending["done"]:
        pending["done"].append(step)
    pending["choices"].update(choices)
    pending_save(request, pending)


def changes_credentials(pending: dict) -> bool:
    return bool(CREDENTIAL_STEPS & set(pending["steps"]))


def browser_budget_notice(request) -> str:
    """On the sign-in page, before anything is typed: the sign-in codes budget's message for
    the login that registered this browser, when it is spent. Only the browser's device cookie
    decides, never a typed username, so the page tells a stranger nothing about whether a
    username exists. A browser several logins registered (a shared computer) shows nothing:
    whose budget would it be? They learn it after the password, before any other step."""
    token = device_token(request)
    if not token:
        return ""
    users = list(
        User.objects.select_related("customer")
        .filter(
            is_active=True,
            devices__token_hash=device_token_hash(token),
            devices__removed_at__isnull=True,
        )
        .distinct()[:2]
    )
    if len(users) != 1:
        return ""
    return code_budget_message(user=users[0], purpose=SIGN_IN_PURPOSE)
