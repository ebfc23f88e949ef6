"""The fixtures' transcription notes (a Markdown file) as safe HTML for `/about/transcription/`.

Only what the notes use: headings, paragraphs, bullet lists, pipe tables, `code`, *emphasis* and
**strong**. Every character of the file is escaped before any of these is applied, so the page can
hold no markup the file did not spell out in these forms.
"""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])"), r"<em>\1</em>"),
]


def inline(text):
    html = escape(text)
    for pattern, replacement in INLINE:
        html = pattern.sub(replacement, html)
    return html


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def render(text):
    """The notes as HTML; the file's own title (its `#` heading) is left to the page's h1."""
    out, block, kind = [], [], None

    def flush():
        nonlocal block, kind
        if kind == "p":
            out.append(f"<p>{inline(' '.join(block))}</p>")
        elif kind == "ul":
            items = "".join(f"<li>{inline(item)}</li>" for item in block)
            out.append(f"<ul>{items}</ul>")
        elif kind == "table":
            head, *rows = [_cells(line) for line in block if not re.fullmatch(r"[|\s:-]+", line)]
            ths = "".join(f'<th scope="col">{inline(c)}</th>' for c in head)
            trs = "".join(
                "<tr>" + "".join(f"<td>{inline(c)}</td>" for c in row) + "</tr>" for row in rows
            )
            out.append(
                f'<div class="table-scroll"><table class="notes-table"><thead><tr>{ths}</tr>'
                f"</thead><tbody>{trs}</tbody></table></div>"
            )
        block, kind = [], None

    for line in text.splitlines():
        stripped = line.strip()
        heading = re.match(r"(#{1,5})\s+(.*)", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1))
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif stripped.startswith("|"):
            if kind != "table":
                flush()
                kind = "table"
            block.append(stripped)
        elif re.match(r"[-*]\s+", stripped):
            if kind != "ul":
                flush()
                kind = "ul"
            block.append(re.sub(r"^[-*]\s+", "", stripped))
        elif kind == "ul" and line.startswith((" ", "\t")):
            block[-1] += " " + stripped
        else:
            if kind != "p":
                flush()
                kind = "p"
            block.append(stripped)
    flush()
    if out and out[0].startswith("<h1>"):
        out = out[1:]
    return mark_safe("\n".join(out))  # noqa: S308 - every text above went through escape()
