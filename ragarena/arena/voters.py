"""Who is voting, as far as the daily cap needs to know: salted digests of the IP and the user.

Nothing here is stored in the clear. ``ip_hash`` and ``user_hash`` (columns of
`ragarena.arena.votes`) are HMAC-SHA256 digests keyed with a secret salt, so they can be compared
(the cap counts a voter's votes over 24 hours) but not reversed, and they differ from one
deployment to another. The salt is ``RAGARENA_HASH_SALT`` (set it as a secret on a Space),
else a random one kept in ``RAGARENA_DATA_DIR/hash-salt`` (created on first use, mode 0600).

* IP: the client address of the request. Behind ``RAGARENA_TRUSTED_PROXIES`` = N proxies (default
  1 on a Hugging Face Space, 0 elsewhere; ``RAGARENA_TRUST_PROXY=1`` is the same as N = 1), each
  proxy appends the address it received from to ``X-Forwarded-For``, so the client's address is
  the N-th entry from the right: entries further left were written by the client and are
  ignored, since anyone can forge them. With N = 0 the header is ignored altogether: the address is
  the socket's peer (`ragarena.launch.keep_the_socket_peer` stops uvicorn rewriting it from the header).
* User: with OAuth (``hf_oauth: true`` in the README front matter of a Space, which sets
  ``OAUTH_CLIENT_ID``), the arena shows a `gr.LoginButton` and a signed-in Hugging Face user's
  votes carry ``user_hash``; the cap then applies per user. Without OAuth there is no button
  (Gradio's local mock of the login needs a Hugging Face token and the network) and votes are
  capped per session and per IP. ``RAGARENA_LOGIN=1`` forces the button (locally: Gradio's mock,
  which signs you in as the owner of the local Hugging Face token), ``0`` hides it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from ragarena import settings

_SALT: bytes | None = None
_SALT_LOCK = threading.Lock()


def salt() -> bytes:
    """The secret key of the digests (see the module docstring)."""
    global _SALT
    if _SALT is not None:
        return _SALT
    with _SALT_LOCK:
        if _SALT is None:
            configured = settings.raw("RAGARENA_HASH_SALT")
            _SALT = configured.encode() if configured else _stored_salt(settings.data_dir() / "hash-salt")
    return _SALT


def _stored_salt(path: Path) -> bytes:
    try:
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value.encode()
    except (OSError, UnicodeDecodeError):
        pass
    value = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(value + "\n")
    except FileExistsError:  # another process wrote it first: use theirs
        return path.read_text(encoding="ascii").strip().encode()
    except OSError:
        pass  # a read-only disk: the salt lives as long as the process (the cap then resets on restart)
    return value.encode()


def digest(kind: str, value: str) -> str:
    return hmac.new(salt(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:24]


def client_ip(request: Any) -> str | None:
    """The client's address from a `gr.Request` (see the module docstring), or None."""
    if request is None:
        return None
    hops = settings.trusted_proxies()
    if hops:
        headers = getattr(request, "headers", None) or {}
        forwarded = headers.get("x-forwarded-for") if hasattr(headers, "get") else None
        if forwarded:
            entries = [entry.strip() for entry in forwarded.split(",")]
            # Fewer entries than proxies: the request did not come through all of them; the
            # leftmost is then the best we know (never an entry the client could have added).
            chosen = entries[-hops] if len(entries) >= hops else entries[0]
            if chosen:
                return chosen
    client = getattr(request, "client", None)
    host = getattr(client, "host", None) if client is not None else None
    return str(host) if host else None


def ip_hash(request: Any) -> str | None:
    ip = client_ip(request)
    return digest("ip", ip) if ip else None


def user_hash(profile: Any) -> str | None:
    """Digest of a signed-in Hugging Face user (`gr.OAuthProfile`), None when not signed in."""
    if not profile:
        return None
    get = profile.get if hasattr(profile, "get") else lambda key, default=None: getattr(profile, key, default)
    ident = get("sub") or get("preferred_username") or get("username")
    return digest("hf-user", str(ident)) if ident else None


def login_enabled() -> bool:
    """Whether the arena offers a Hugging Face login button (see the module docstring)."""
    return settings.login_enabled()
