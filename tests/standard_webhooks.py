"""The receiver's side of Standard Webhooks, written from the spec for the tests
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md),
independently of the library the monitor signs with."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


class InvalidSignature(Exception):
    pass


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance_s: int = 300) -> None:
    """Raise InvalidSignature unless one v1 signature matches and the timestamp is fresh."""
    try:
        msg_id = headers["webhook-id"]
        timestamp = headers["webhook-timestamp"]
        signatures = headers["webhook-signature"].split(" ")
    except KeyError as missing:
        raise InvalidSignature(f"missing header {missing}") from None
    if abs(time.time() - int(timestamp)) > tolerance_s:
        raise InvalidSignature("timestamp outside the tolerance")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for signature in signatures:
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return
    raise InvalidSignature("no signature matches")
