"""Who is on the page: access codes (one per zone, one for staff) kept hashed with scrypt and a
salt, a session cookie signed with HMAC-SHA256, and a CSRF token per session.

The codes file and the secret live in `[web] state_dir`, written 0600: the page never stores a code
in clear, and a cookie changed by the browser is simply not a session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

STAFF = "*staff*"  # the codes file's key for the staff code (no zone code has a '*')
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def state_folder(settings) -> Path:
    """[web] state_dir, relative to the folder of heza.toml."""
    return (settings.root / settings.web["state_dir"]).resolve()


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600 from creation, then moved into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)


def hash_code(code: str, salt: bytes | None = None) -> dict:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(code.encode("utf-8"), salt=salt, **_SCRYPT)
    return {"salt": salt.hex(), "scrypt": digest.hex()}


def code_matches(code: str, stored: dict | None) -> bool:
    """Constant-time comparison; an unknown account still costs one scrypt, so timing tells nothing."""
    salt = bytes.fromhex(stored["salt"]) if stored else b"\0" * 16
    attempt = hash_code(code, salt)["scrypt"]
    return bool(stored) and hmac.compare_digest(attempt, stored["scrypt"])


def codes_file(settings) -> Path:
    return state_folder(settings) / "ma_truy_cap.json"


def load_codes(settings) -> dict:
    path = codes_file(settings)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def set_code(settings, account: str, code: str | None = None) -> str:
    """Give `account` (a zone code, or STAFF) a new access code; returns it (shown once, never stored)."""
    code = code or "-".join(secrets.token_hex(2) for _ in range(3))
    codes = load_codes(settings)
    codes[account] = hash_code(code)
    _write_private(codes_file(settings), json.dumps(codes, indent=1, sort_keys=True))
    return code


def session_secret(settings) -> bytes:
    """[web] secret (or HEZA_WEB_SECRET), else a random one generated once into state_dir (0600)."""
    if settings.web["secret"]:
        return settings.web["secret"].encode("utf-8")
    path = state_folder(settings) / "khoa_phien.txt"
    if not path.exists():
        _write_private(path, secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode("ascii")


def sign(payload: dict, secret: bytes) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, sort_keys=True).encode("utf-8")).decode("ascii")
    mac = hmac.new(secret, body.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unsign(cookie: str | None, secret: bytes) -> dict | None:
    """The session in a cookie, or None when it is missing, altered or expired."""
    body, _, mac = (cookie or "").rpartition(".")
    expected = hmac.new(secret, body.encode("ascii", "replace"), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac, expected):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body.encode("ascii")))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) and payload.get("expires", 0) > time.time() else None


def new_session(account: str | None, hours: float) -> dict:
    """A fresh session (a new CSRF token at every login, so a token seen before login is worthless)."""
    return {"account": account, "csrf": secrets.token_urlsafe(24), "expires": time.time() + hours * 3600}


def csrf_ok(session: dict, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(str(session.get("csrf", "")), str(token))
