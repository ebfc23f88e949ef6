"""The fixture skeleton of a new source, for `manage.py draft_source`: its SHA-256, every
sentence with its number and offsets (split as `coverage.sentences` splits them, so 。！？ end
Japanese and Chinese ones), a stub record citing each sentence, and the allowed values of every
field (`schema.choices`). It is in the shorthand the loader reads (`shorthand.py`: named
`quotes` and `notes`, an interpreted value's `from` defaulting to its record's `cite`);
`check_fixtures` names what is left to fill in.
"""

import hashlib
from pathlib import Path

from django.utils.text import slugify

from .. import coverage
from ..models import Source
from .curation import CurationError, read_text
from .quotes import occurrences, shortest_prefix
from .reading import SLUG
from .schema import SCHEMA_FILE, choices
from .shorthand import FORMAT

SLUG_LENGTH = 60
DRAFT_NOTE = (
    "Written by manage.py draft_source for the curator; the loader ignores this object. Each "
    "stub record cites one sentence: give it its model (one of choices.model), a slug of its "
    "own, its fields and their evidence ([quotes] for a stated value, [] for one its cite "
    "states, a note or a name of 'notes' for an interpretation resting on its cite); or cite "
    "the sentence from another record, or move it "
    "to the source's 'uncatalogued' with a reason. Delete this object when check_fixtures is "
    "clean."
)


def draft(path, slug=None, language="en", **described):
    """The fixture skeleton of the text file `path`: its source object (file name, SHA-256 and
    whatever `described` gives: title, kind, author…), every sentence with its number and
    offsets, a stub record citing each sentence, and the allowed values of every field."""
    text = read_text(path)
    raw = Path(path).read_bytes()
    name = Path(path).name
    if not slug:
        words = slugify(described.get("title") or "") or slugify(Path(name).stem)
        slug = _shortened(words.replace("_", "-").strip("-"))
    if not SLUG.fullmatch(slug):
        raise CurationError(f"a source's slug is lower-case words joined by '-', not {slug!r}")
    spans = coverage.sentences(text)
    described = {k: v for k, v in described.items() if v}
    evidence = {}
    for field_name, value in described.items():
        # A value the text holds once is stated by those words (a classification never is).
        if Source._meta.get_field(field_name).choices:
            continue
        if isinstance(value, str) and len(occurrences(text, value)) == 1:
            evidence[field_name] = {"stated": [value]}
    source = {
        "slug": slug,
        "file": name,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "title": "",
        "kind": "",
        **described,
        "language": language,
        "date_precision": "unknown",
        "evidence": evidence,
        "uncatalogued": [],
    }
    return {
        "$schema": f"../{SCHEMA_FILE}",
        "format": FORMAT,
        "notes": {},
        "quotes": {},
        "draft": {
            "note": DRAFT_NOTE,
            "sentences": [
                {"sentence": n, "start": start, "end": end, "text": text[start:end]}
                for n, (start, end) in enumerate(spans, start=1)
            ],
            "choices": choices(),
        },
        "source": source,
        "records": [
            {"model": "", "slug": f"sentence-{n}", "cite": [_quote(text, start, end)]}
            for n, (start, end) in enumerate(spans, start=1)
        ],
    }


def _shortened(slug, limit=SLUG_LENGTH):
    """A slug of whole words, at most `limit` characters (a title's may be far longer)."""
    words, kept = slug.split("-"), []
    for word in words:
        if kept and len("-".join([*kept, word])) > limit:
            break
        kept.append(word)
    return "-".join(kept)


def _quote(text, start, end):
    """A sentence as a quote the loader finds: with the shortest prefix if it occurs again."""
    sentence = text[start:end]
    starts = occurrences(text, sentence)
    if len(starts) == 1:
        return sentence
    prefix = shortest_prefix(text, starts, start)
    if prefix is None:
        return {"quote": sentence, "occurrence": starts.index(start) + 1}
    return {"quote": sentence, "prefix": prefix}
