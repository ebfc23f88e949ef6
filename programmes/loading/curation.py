"""Where a quote stands in a source text, for `manage.py find_quote`: every occurrence, the
shortest prefix picking each out, or the nearest passage and how it differs.

Offsets are code points of the text decoded from UTF-8, end exclusive, as the loader stores them;
sentences are numbered from 1 in the order `coverage.sentences` splits them.
"""

import bisect
from pathlib import Path

from .. import coverage
from .errors import LoadError
from .quotes import differences, nearest_passage, occurrences, shortest_prefix
from .reading import fixture_files, read_document


class CurationError(Exception):
    """A source or a text the curator's command cannot read."""


def read_text(path):
    """A source file's text as the loader reads it: its bytes decoded as UTF-8, line ends kept."""
    try:
        return Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise CurationError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CurationError(f"{path} is not UTF-8 text: {exc}") from None


def fixture_sources(fixtures_dir):
    """Slug -> text file of every source the fixtures describe (a file that cannot be read is
    left out: `check_fixtures` names its problem)."""
    found = {}
    try:
        files = fixture_files(Path(fixtures_dir) / "records")
    except LoadError:
        return found
    for path in files:
        try:
            source = read_document(path, path.name).get("source")
        except LoadError:
            continue
        if isinstance(source, dict) and isinstance(source.get("slug"), str):
            name = source.get("file")
            if isinstance(name, str) and name and name == Path(name).name:
                found[source["slug"]] = Path(fixtures_dir) / "sources" / name
    return found


def resolve_source(fixtures_dir, name):
    """The text file `name` stands for: a source's slug in the fixtures, a file name in
    fixtures/sources/, or the path of any text file."""
    sources = fixture_sources(fixtures_dir)
    if name in sources:
        return sources[name]
    in_folder = Path(fixtures_dir) / "sources" / name
    if name == Path(name).name and in_folder.is_file():
        return in_folder
    if Path(name).is_file():
        return Path(name)
    known = ", ".join(sorted(sources)) or "none"
    raise CurationError(
        f"no source {name!r}: give a source's slug ({known}), a file of fixtures/sources/ or a "
        "text file's path"
    )


def sentence_number(spans, offset):
    """The number (from 1) of the sentence holding `offset`, or None between sentences."""
    i = bisect.bisect_right([start for start, _ in spans], offset) - 1
    if i >= 0 and spans[i][0] <= offset < spans[i][1]:
        return i + 1
    return None


def locate(text, quote):
    """Where `quote` stands in `text`: every occurrence with its offsets, its sentence and the
    shortest prefix that picks it out; if it is nowhere, the nearest passage and how it differs.
    """
    if not quote:
        raise CurationError("a quote is non-empty text")
    spans = coverage.sentences(text)
    starts = occurrences(text, quote)
    found = [
        {
            "occurrence": n,
            "start": start,
            "end": start + len(quote),
            "sentence": sentence_number(spans, start),
            "prefix": shortest_prefix(text, starts, start) if len(starts) > 1 else "",
        }
        for n, start in enumerate(starts, start=1)
    ]
    nearest = None
    if not starts:
        (n_start, n_end), passage, _changes = nearest_passage(text, quote)
        nearest = {
            "start": n_start,
            "end": n_end,
            "sentence": sentence_number(spans, n_start),
            "passage": passage,
            "differences": [
                {"start": n_start + i1, "end": n_start + i2, "source": theirs, "quote": ours}
                for i1, i2, theirs, ours in differences(passage, quote)
            ],
        }
    return {
        "length": len(text),
        "quote": quote,
        "quote_length": len(quote),
        "occurrences": found,
        "nearest": nearest,
    }
