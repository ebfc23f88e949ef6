"""check_fixtures and load_catalogue answer any fixtures within seconds and bounded memory: each
bound (`programmes/loading/limits.py`) is named in one line with the size found. The bad fixtures
are the real ones, copied to a temporary folder and spoiled."""

import hashlib
import json
import random
import shutil
import time

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from programmes.loading import limits
from programmes.loading.errors import LoadError
from programmes.loading.loader import check_fixtures, load_catalogue

# Any fixtures, however bad, are answered within this many seconds.
SECONDS = 5


@pytest.fixture
def fixtures(tmp_path):
    folder = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, folder)
    return folder


def _files(folder):
    return sorted((folder / "records").glob("*.json"))


def _spoil(path, change):
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False))
    return doc


def _cited(doc):
    """The first record citing a passage by a list of quotes."""
    return next(r for r in doc["records"] if isinstance(r.get("cite"), list) and r["cite"])


def _garbage(n, seed=1):
    rng = random.Random(seed)
    return "".join(rng.choice("qxzjv wk") for _ in range(n))


def _checked(folder):
    began = time.monotonic()
    problems = check_fixtures(folder)
    took = time.monotonic() - began
    assert took < SECONDS, f"check_fixtures took {took:.1f} s"
    return [str(p) for p in problems]


def test_the_real_fixtures_are_within_every_limit():
    assert check_fixtures(settings.FIXTURES_DIR) == []


def test_an_unmatched_30_kb_quote_is_named_as_over_the_quote_limit(fixtures):
    path = _files(fixtures)[0]
    _spoil(path, lambda doc: _cited(doc)["cite"].insert(0, _garbage(30_000)))
    problems = _checked(fixtures)
    (problem,) = [p for p in problems if "quote of" in p]
    assert f"30,000 characters: over the limit of {limits.MAX_QUOTE_CHARS:,}" in problem
    assert path.name in problem


def test_the_search_for_near_misses_stops_early(fixtures):
    """Two hundred missing quotes, each as long as a quote may be: the first are given their
    nearest passage, the rest only named, all within the time."""
    path = _files(fixtures)[0]
    missing = [_garbage(limits.MAX_QUOTE_CHARS, seed=n) for n in range(200)]
    _spoil(path, lambda doc: _cited(doc)["cite"].extend(missing))
    problems = [p for p in _checked(fixtures) if "quote not found" in p]
    assert len(problems) == len(missing)
    assert "nearest passage [" in problems[0]
    assert limits.NO_NEAR_MISS in problems[-1]


def test_a_4_mb_file_of_a_million_empty_records_is_named_as_over_the_file_limit(fixtures):
    path = _files(fixtures)[0]
    doc = json.loads(path.read_text())
    doc["records"] += [{}] * 1_000_000
    path.write_text(json.dumps(doc, separators=(", ", ": ")))
    assert path.stat().st_size > 4_000_000
    problems = _checked(fixtures)
    assert f"{path.name}: the file is " in problems[0]
    assert "over the limit of 1.0 MB" in problems[0]


def test_records_past_the_limit_in_all_stop_the_reading(fixtures):
    """A file within its size that holds more records than the catalogue may: reading stops
    there, with one line naming the limit."""
    path = _files(fixtures)[0]
    doc = _spoil(path, lambda doc: doc["records"].extend([{}] * (limits.MAX_RECORDS + 1)))
    assert path.stat().st_size < limits.MAX_FIXTURE_BYTES
    problems = _checked(fixtures)
    assert problems[-1].endswith(f"over the limit of {limits.MAX_RECORDS:,} in all")
    assert f"{len(doc['records']):,} records up to here" in problems[-1]
    assert len(problems) == 1


def _grown_source(fixtures, size):
    """The first fixture file's source grown to `size` bytes, its SHA-256 to match."""
    path = _files(fixtures)[0]
    doc = json.loads(path.read_text())
    source = fixtures / "sources" / doc["source"]["file"]
    text = source.read_bytes()
    data = text * (size // len(text) + 1)
    source.write_bytes(data)
    _spoil(path, lambda doc: doc["source"].update(sha256=hashlib.sha256(data).hexdigest()))
    return doc["source"]["file"]


def test_a_50_mb_source_is_named_as_over_the_source_limit(fixtures):
    name = _grown_source(fixtures, 50_000_000)
    problems = _checked(fixtures)
    assert f"field 'file': {name} is 47.7 MB: over the limit of 1.0 MB" in problems[0]


def test_load_catalogue_stops_at_the_same_limit(fixtures):
    name = _grown_source(fixtures, 50_000_000)
    began = time.monotonic()
    with pytest.raises(LoadError, match=f"{name} is 47.7 MB: over the limit"):
        load_catalogue(fixtures)
    assert time.monotonic() - began < SECONDS


def test_check_fixtures_says_it_in_one_line_per_problem(fixtures, capsys):
    _grown_source(fixtures, 50_000_000)
    with pytest.raises(CommandError):
        call_command("check_fixtures", fixtures=str(fixtures))
    first = capsys.readouterr().out.splitlines()[0]
    assert "over the limit of 1.0 MB" in first
