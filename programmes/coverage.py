"""Sentences of a source and which records cite each: every sentence is accounted for.

`sentences(text)` splits a source deterministically into (start, end) spans:

- each non-blank line is a paragraph; a header line (title, event, date, place, speaker) is a
  sentence of its own;
- a paragraph that ends without closing punctuation and whose next paragraph begins in lower case
  (after an opening quotation mark) continues in it: the speech breaks one sentence over a blank
  line ("one or two" / "“model city” was proposed");
- inside a paragraph a sentence ends at ".", "!" or "?" (and a closing quotation mark after it)
  followed by a space and a capital letter, an opening quotation mark or a digit, except after
  an honorific ("Mr.", "Mrs.", "Ms.", "Dr."); in Japanese and Chinese, at "。", "！" or "？"
  (and the closing brackets and quotation marks after it: 」』）”), with or without a space
  after it, since those scripts put none.

`coverage(text, cited, no_fact)` then says, per sentence, which records cite any of its words,
whether their passages cover all of it, or why it carries no catalogued fact. The loader refuses a
source with a sentence neither cited nor marked, and stores the result on `Source.coverage`::

    [{"start": 0, "end": 69, "records": [["programme", "kitakyushu-initiative-network"], …],
      "full": true, "no_fact": ""}, …]
"""

import re

HONORIFICS = ("Mr.", "Mrs.", "Ms.", "Dr.")
_END = re.compile(r"[.!?][”\"’)]?(?= +[A-Z“\"0-9])|[。！？][」』）〕】”’]*")
_CLOSING = '.!?”"’):;。！？」』）'


def _paragraphs(text):
    """(start, end) of each non-blank line, whitespace trimmed."""
    spans, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + (len(line) - len(line.lstrip()))
            spans.append((start, start + len(stripped)))
        pos += len(line) + 1
    return spans


def _continues(text, span, following):
    """Whether the paragraph `span` runs on into `following` (a sentence broken by a blank line)."""
    if text[span[1] - 1] in _CLOSING:
        return False
    head = text[following[0] : following[0] + 2].lstrip('“"‘')
    return bool(head) and head[0].islower()


def sentences(text):
    """The (start, end) spans of the sentences of `text`, in order."""
    paragraphs = _paragraphs(text)
    merged = []
    for span in paragraphs:
        if merged and _continues(text, merged[-1], span):
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    result = []
    for start, end in merged:
        cut = start
        for m in _END.finditer(text, start, end):
            stop = m.end()
            if any(text[cut:stop].endswith(h) for h in HONORIFICS):
                continue
            result.append((cut, stop))
            cut = stop
            while cut < end and text[cut].isspace():
                cut += 1
        if cut < end:
            result.append((cut, end))
    return result


def _covered(span, passages):
    """Whether the passages cover every non-space character of `span`, given (start, end) pairs."""
    start, end = span
    marks = bytearray(end - start)
    for p_start, p_end in passages:
        lo, hi = max(start, p_start), min(end, p_end)
        if lo < hi:
            marks[lo - start : hi - start] = b"\1" * (hi - lo)
    return marks


def coverage(text, cited, no_fact):
    """Per sentence of `text`: its span, the records citing it, whether fully covered, and the
    reason it carries no catalogued fact ("" if none).

    `cited` is [((kind, slug), start, end), …] for every passage of this source a record cites;
    `no_fact` maps a sentence's (start, end) to the fixtures' reason.
    """
    rows = []
    for start, end in sentences(text):
        records, spans = [], []
        for key, p_start, p_end in cited:
            if p_start < end and p_end > start:
                spans.append((p_start, p_end))
                if list(key) not in records:
                    records.append(list(key))
        marks = _covered((start, end), spans)
        full = bool(records) and all(
            marks[i] or not text[start + i].isalnum() for i in range(end - start)
        )
        rows.append(
            {
                "start": start,
                "end": end,
                "records": sorted(records),
                "full": full,
                "no_fact": no_fact.get((start, end), ""),
            }
        )
    return rows


def faults(rows):
    """What keeps a source's coverage rows from accounting for every sentence: the sentences a
    record cites that are also marked as carrying no fact, and those neither cited nor marked."""
    contradicted = [row for row in rows if row["records"] and row["no_fact"]]
    uncovered = [row for row in rows if not row["records"] and not row["no_fact"]]
    return contradicted, uncovered
