"""A markdown-it plugin that keeps link parsing linear in the text.

markdown-it scans ahead from every '[' for its closing ']' to see whether a link starts there, so a
text with many unclosed '[' (say, "[[cijfer:" typed a thousand times) takes quadratic time. A '[' cannot
start a link when the document defines no link references and no "](" follows it in the same text:
such a '[' is plain text, and this rule says so without scanning ahead. The output is unchanged.
"""
from __future__ import annotations

_CACHE_KEY = "briefings_last_link_close"


def _plain_bracket(state, silent: bool) -> bool:
    src, pos = state.src, state.pos
    width = 2 if src.startswith("![", pos) else 1 if src[pos] == "[" else 0
    if not width or state.env.get("references"):
        return False
    closes = state.env.setdefault(_CACHE_KEY, {})
    last = closes.get(src)
    if last is None:
        last = closes[src] = src.rfind("](")
    if last > pos:
        return False  # may be a link: markdown-it decides
    if not silent:
        state.append_pending(src[pos:pos + width])  # not `pending +=`: that copies the text so far
    state.pos += width
    return True


def linear_links(md) -> None:
    md.inline.ruler.before("link", "plain_bracket", _plain_bracket)
