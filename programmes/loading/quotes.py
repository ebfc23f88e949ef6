"""Finding a quote in its source: where it is, or the nearest passage and how the two differ."""

import difflib

from . import limits
from .errors import LoadError

# The characters of a long quote's head and tail that place its nearest passage.
EDGE = 300


def occurrences(text, quote):
    """The start of every occurrence of `quote` in `text`, overlapping ones included (as the
    loader counts them for `occurrence`)."""
    starts, i = [], text.find(quote)
    while i != -1:
        starts.append(i)
        i = text.find(quote, i + 1)
    return starts


def shortest_prefix(text, starts, start):
    """The shortest `prefix` (the words just before an occurrence) that picks the occurrence at
    `start` out of `starts`, as the loader reads a quote's `prefix`; None if none does (an
    occurrence at the very start of the text, or one whose whole preceding text ends another's)."""
    length = 0
    for other in starts:
        if other == start:
            continue
        # How far back the text before `start` and the text before `other` agree.
        same = 0
        while same < min(start, other) and text[start - same - 1] == text[other - same - 1]:
            same += 1
        if same >= start:
            return None
        length = max(length, same + 1)
    return text[start - length : start]


def differences(found, quote):
    """How `found` (a slice of the source) differs from `quote`: (offset in `found`, end offset in
    `found`, the source's characters there, the quote's), in order."""
    ops = difflib.SequenceMatcher(None, found, quote, autojunk=False).get_opcodes()
    return [(i1, i2, found[i1:i2], quote[j1:j2]) for op, i1, i2, j1, j2 in ops if op != "equal"]


def _anchor(text, quote):
    """Where the quote would start if the longest block it shares with `text` is in place: found
    from its first and last `EDGE` characters, so that a long quote costs no more."""
    blocks = []
    for offset in sorted({0, max(0, len(quote) - EDGE)}):
        piece = quote[offset : offset + EDGE]
        block = difflib.SequenceMatcher(None, text, piece, autojunk=False).find_longest_match()
        blocks.append((block.size, -(offset + block.b), block.a - block.b - offset))
    return max(0, max(blocks)[2])


def _ratio(a, b):
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def nearest_passage(text, quote):
    """The slice of `text` most like `quote`, and how the two differ (for an editor's fix).

    Each candidate start and end near the longest block the two share is scored by how like the
    quote's first (or last) `EDGE` characters the text there is: a paragraph-long quote costs
    what one of that length does (scored whole, one of 2,000 characters took ten seconds)."""
    anchor = _anchor(text, quote)
    slack = min(60, max(8, len(quote) // 3))
    size = min(len(quote), EDGE)
    # First the start (at the quote's length), then the end: linear in the slack, not square.
    starts = range(max(0, anchor - slack), min(len(text), anchor + slack) + 1)
    start = max(starts, key=lambda s: (_ratio(text[s : s + size], quote[:size]), -abs(s - anchor)))
    ends = range(start + max(1, len(quote) - slack), min(len(text), start + len(quote) + slack) + 1)

    def tail(e):
        if len(quote) <= EDGE:
            return _ratio(text[start:e], quote)
        return _ratio(text[max(start, e - EDGE) : e], quote[-EDGE:])

    end = max(ends, key=lambda e: (tail(e), -abs(e - start - len(quote))))
    # A differing first or last character scores better left out; take it in, so that the
    # passage shows the source's character where the quote has another (（ for "(").
    ops = difflib.SequenceMatcher(None, text[start:end], quote, autojunk=False).get_opcodes()
    if ops and ops[0][0] == "insert":
        start = max(0, start - (ops[0][4] - ops[0][3]))
    if ops and ops[-1][0] == "insert":
        end = min(len(text), end + (ops[-1][4] - ops[-1][3]))
    best = (start, end)
    found = text[best[0] : best[1]]
    changes = [
        f"source {theirs!r} where the quote has {ours!r}"
        for _i1, _i2, theirs, ours in differences(found, quote)
    ]
    return best, found, changes


def find_quote(text, spec, where, field_name="cite"):
    """Locate a quote in a source text: (start, end); `occurrence` or `prefix` disambiguate."""
    file, record = where
    if isinstance(spec, str):
        spec = {"quote": spec}
    quote = spec.get("quote") if isinstance(spec, dict) else None
    if not quote or not isinstance(quote, str):
        raise LoadError(
            file, record, field_name, "a quote is non-empty text, or {'quote': text, …}"
        )
    if len(quote) > limits.MAX_QUOTE_CHARS:
        raise LoadError(
            file,
            record,
            field_name,
            f"a quote of {len(quote):,} characters: over the limit of "
            f"{limits.MAX_QUOTE_CHARS:,}; cite a long passage as several quotes",
        )
    starts = occurrences(text, quote)
    if not starts and not limits.may_look_for_near_miss(quote):
        raise LoadError(
            file,
            record,
            field_name,
            f"quote not found in source: {quote[:80]!r} {limits.NO_NEAR_MISS}",
        )
    if not starts:
        with limits.near_miss():
            (n_start, n_end), found, changes = nearest_passage(text, quote)
        raise LoadError(
            file,
            record,
            field_name,
            f"quote not found in source: {quote[:80]!r}; nearest passage "
            f"[{n_start}:{n_end}] {found[:80]!r} differs: {'; '.join(changes[:5]) or 'in length'}",
        )
    if "prefix" in spec:
        if not isinstance(spec["prefix"], str):
            raise LoadError(file, record, field_name, "a quote's 'prefix' is text")
        starts = [s for s in starts if text[:s].endswith(spec["prefix"])]
        if not starts:
            raise LoadError(
                file, record, field_name, f"no occurrence of {quote[:60]!r} has that prefix"
            )
    if "occurrence" in spec:
        n = spec["occurrence"]
        # `true` is an int to Python (bool subclasses int); an occurrence is a count.
        if type(n) is not int or not 1 <= n <= len(starts):
            raise LoadError(
                file,
                record,
                field_name,
                f"occurrence {n!r} of {quote[:60]!r}: found {len(starts)}",
            )
        starts = [starts[n - 1]]
    if len(starts) > 1:
        raise LoadError(
            file,
            record,
            field_name,
            f"ambiguous quote {quote[:60]!r} occurs {len(starts)} times; "
            "give 'occurrence' or 'prefix'",
        )
    return starts[0], starts[0] + len(quote)


def holds_wording(text, wording):
    """Whether `text` holds `wording`, where "…" marks words left out (the rest in order)."""
    pos = 0
    for part in (p.strip() for p in wording.split("…")):
        if not part:
            continue
        pos = text.find(part, pos)
        if pos == -1:
            return False
        pos += len(part)
    return True
