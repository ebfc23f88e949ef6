"""The source reader: a document's text as paragraphs with every cited passage marked and anchored.

Passages may nest, cross each other or run over a paragraph break ("one or two" / "“model city”").
Each character run is wrapped in the passages covering it, outermost first; a passage interrupted by
a paragraph break or a crossing passage continues as further fragments. The first fragment carries
the anchor id (`passage-<start>-<end>`), so `:target` highlights it without JavaScript; every
fragment carries `data-passage` so the reader script can highlight the rest.
"""

import bisect
import re
from dataclasses import dataclass
from html import escape as html_escape

from django.utils.safestring import mark_safe

PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


@dataclass
class Paragraph:
    start: int
    end: int
    html: str


def paragraphs(text):
    """(start, end) of each non-blank paragraph, in code points. The line breaks and spaces
    before the first and after the last are no paragraph's: a text ending in "\n" shows no
    empty line after its last word."""
    first, last = len(text) - len(text.lstrip()), len(text.rstrip())
    spans, pos = [], first
    for match in PARAGRAPH_BREAK.finditer(text, first, last):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, last))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _text(chunk):
    # The standard library's escape, as Django's `escape` is, without its lazy-string wrapper.
    return html_escape(chunk, quote=True).replace("\n", "<br>\n")


def _order(passage):
    return (passage.start, -passage.end)


def render(text, passages):
    """The document as a list of Paragraphs whose html marks every passage.

    One sweep along each paragraph: the passages covering a run are kept, in order, as the sweep
    enters and leaves them, so a source of a thousand passages costs a thousand steps, not a
    million comparisons."""
    anchored = set()
    out = []
    ordered = sorted(passages, key=_order)
    for p_start, p_end in paragraphs(text):
        inside = [p for p in ordered if p.start < p_end and p.end > p_start]
        enters, leaves = {}, {}
        for p in inside:
            enters.setdefault(max(p.start, p_start), []).append(p)
            leaves.setdefault(min(p.end, p_end), []).append(p)
        points = sorted({p_start, p_end} | enters.keys() | leaves.keys())
        html, stack, covering = [], [], []
        for a, b in zip(points, points[1:], strict=False):
            # Entering first: a passage of no length enters and leaves at the same point.
            for p in enters.get(a, ()):
                bisect.insort(covering, p, key=_order)
            for p in leaves.get(a, ()):
                covering.remove(p)
            keep = 0
            while keep < len(stack) and keep < len(covering) and stack[keep] is covering[keep]:
                keep += 1
            for _ in range(len(stack) - keep):
                html.append("</span>")
                stack.pop()
            for p in covering[keep:]:
                anchor = p.anchor
                id_attr = "" if anchor in anchored else f' id="{anchor}"'
                anchored.add(anchor)
                html.append(f'<span class="passage"{id_attr} data-passage="{anchor}">')
                stack.append(p)
            html.append(_text(text[a:b]))
        html.extend("</span>" for _ in stack)
        out.append(Paragraph(p_start, p_end, mark_safe("".join(html))))
    return out
