"""Finding a quote in its source: where it is, or the nearest passage and how the two differ."""

import difflib

from .errors import LoadError


def nearest_passage(text, quote):
    """The slice of `text` most like `quote`, and how the two differ (for an editor's fix)."""
    matcher = difflib.SequenceMatcher(None, text, quote, autojunk=False)
    block = max(matcher.get_matching_blocks(), key=lambda b: b.size)
    anchor = max(0, block.a - block.b)
    slack = min(60, max(8, len(quote) // 3))

    def ratio(start, end):
        return difflib.SequenceMatcher(None, text[start:end], quote, autojunk=False).ratio()

    # First the start (at the quote's length), then the end: linear in the slack, not square.
    starts = range(max(0, anchor - slack), min(len(text), anchor + slack) + 1)
    start = max(starts, key=lambda s: (ratio(s, s + len(quote)), -abs(s - anchor)))
    ends = range(start + max(1, len(quote) - slack), min(len(text), start + len(quote) + slack) + 1)
    end = max(ends, key=lambda e: (ratio(start, e), -abs(e - start - len(quote))))
    best = (start, end)
    found = text[best[0] : best[1]]
    changes = []
    ops = difflib.SequenceMatcher(None, found, quote, autojunk=False).get_opcodes()
    for op, i1, i2, j1, j2 in ops:
        if op != "equal":
            changes.append(f"source {found[i1:i2]!r} where the quote has {quote[j1:j2]!r}")
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
    starts, i = [], text.find(quote)
    while i != -1:
        starts.append(i)
        i = text.find(quote, i + 1)
    if not starts:
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
