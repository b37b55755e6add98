"""Passkeys (WebAuthn) as a second factor, through py_webauthn.

Signing in or approving an operation with a passkey signs a challenge derived from the
operation's digest, so, like a typed code, the signature approves only that operation.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from common.refusal import Refusal

from ..models import OtpFactor, Passkey, User
from .audit import audit_record, client_ip

SESSION_KEY = "passkey_registration"


class PasskeyError(Refusal):
    pass


def relying_party(request) -> tuple[str, str]:
    """(RP ID, origin): the host the person sees (validated by ALLOWED_HOSTS)."""
    host = request.get_host()
    rp_id = settings.WEBAUTHN_RP_ID or host.rsplit(":", 1)[0].strip("[]")
    return rp_id, f"{request.scheme}://{host}"


def challenge_for(digest: str) -> str:
    """A fresh WebAuthn challenge that also commits to the operation's digest."""
    raw = hashlib.sha256(bytes.fromhex(digest) + secrets.token_bytes(16)).digest()
    return bytes_to_base64url(raw)


def registration_options(*, request, user: User) -> str:
    rp_id, _origin = relying_party(request)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=settings.COOPERATIVE["name"],
        user_name=user.username,
        user_id=hashlib.sha256(f"{settings.SECRET_KEY}:{user.pk}".encode()).digest()[:16],
        user_display_name=user.get_full_name() or user.username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in user.passkeys.all()
        ],
    )
    request.session[SESSION_KEY] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def passkey_register(*, request, user: User, credential_json: str, name: str) -> Passkey:
    expected = request.session.pop(SESSION_KEY, None)
    if not expected:
        raise PasskeyError(gettext("La solicitud expiró. Vuelve a intentarlo."))
    rp_id, origin = relying_party(request)
    try:
        verified = verify_registration_response(
            credential=credential_json,
            expected_challenge=base64url_to_bytes(expected),
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise PasskeyError(gettext("No se pudo registrar la llave de acceso.")) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    with transaction.atomic():
        if Passkey.objects.filter(credential_id=credential_id).exists():
            raise PasskeyError(gettext("Esta llave de acceso ya está registrada."))
        passkey = Passkey.objects.create(
            user=user,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            name=name[:40],
        )
        user.otp_factor = OtpFactor.PASSKEY
        user.save(update_fields=["otp_factor"])
        audit_record(
            actor=user,
            action="security.passkey_add",
            target=passkey,
            after={"name": passkey.name},
            ip=client_ip(request),
        )
    return passkey


def assertion_options(*, request, user: User, challenge: str) -> str:
    rp_id, _origin = relying_party(request)
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=base64url_to_bytes(challenge),
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in user.passkeys.all()
        ],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options)


def assertion_verify(*, request, user: User, challenge: str, credential_json: str) -> bool:
    try:
        credential_id = json.loads(credential_json)["id"]
    except (ValueError, KeyError, TypeError):
        return False
    passkey = (
        Passkey.objects.select_for_update().filter(user=user, credential_id=credential_id).first()
    )
    if passkey is None:
        return False
    rp_id, origin = relying_party(request)
    try:
        verified = verify_authentication_response(
            credential=credential_json,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
        return False
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = timezone.now()
    passkey.save(update_fields=["sign_count", "last_used_at"])
    return True


def passkey_remove(*, request, user: User, passkey_id: int) -> None:
    with transaction.atomic():
        passkey = Passkey.objects.get(pk=passkey_id, user=user)
        audit_record(
            actor=user,
            action="security.passkey_remove",
            target=passkey,
            before={"name": passkey.name},
            ip=client_ip(request),
        )
        passkey.delete()
        if user.otp_factor == OtpFactor.PASSKEY and not user.passkeys.exists():
            user.otp_factor = OtpFactor.EMAIL
            user.save(update_fields=["otp_factor"])
