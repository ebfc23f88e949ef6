"""No input makes a loader fail with a traceback: malformed fixtures and dumps are refused with a
message naming the file, the record and the field, and the catalogue is unchanged afterwards.

Hypothesis mutates the real fixtures and a real dump (replace any value by a value of another
shape, drop a key, nest a value in a list); the cases the loaders once answered with a traceback
are listed by hand as well.
"""

import copy
import json
import os
import shutil

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from programmes.loading.dump import content_version
from programmes.models import CatalogueVersion, City, FundedProject, Passage
from tests.fixture_figures import full_form

pytestmark = pytest.mark.django_db

EXAMPLES = 60 if os.environ.get("CI") else 25
FIXTURES = settings.FIXTURES_DIR
FUZZ = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
RECORD_FILES = sorted(p.name for p in (FIXTURES / "records").glob("*.json"))


def _state():
    """What a refused load must leave as it was."""
    version = CatalogueVersion.objects.order_by("-loaded_at", "-pk").first()
    return (
        version and (version.pk, version.version),
        City.objects.count(),
        FundedProject.objects.count(),
        Passage.objects.count(),
        tuple(FundedProject.objects.order_by("pk").values_list("amount", flat=True)),
    )


def _copy_fixtures(tmp_path):
    target = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, target)
    return target


def _load_fixtures(folder):
    call_command("load_catalogue", fixtures=str(folder), verbosity=0)


def _assert_refused_cleanly(action, before, *names):
    """Either the load succeeds, or it is refused with a CommandError naming what is wrong; any
    other exception is the traceback this test exists to prevent."""
    try:
        action()
    except CommandError as exc:
        message = str(exc)
        assert "database unchanged" in message, message
        for name in names:
            assert name in message, (name, message)
        assert _state() == before
        return message
    return None


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _paths(item, (*prefix, n))


def _get(value, path):
    for step in path:
        value = value[step]
    return value


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "NaN", "Infinity", "-1", "1e400", "x" * 5000, "../../../etc/passwd",
                     "/etc/os-release", "\x00", "XXZ", "2003-02-30", "dalian"]),
    st.text(max_size=30),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)  # fmt: skip


@st.composite
def mutations(draw, document):
    doc = copy.deepcopy(document)
    paths = [p for p in _paths(doc) if p]
    path = draw(st.sampled_from(paths))
    parent, key = _get(doc, path[:-1]), path[-1]
    operation = draw(st.sampled_from(["replace", "delete", "nest"]))
    if operation == "replace":
        parent[key] = draw(JSON_VALUES)
    elif operation == "delete":
        del parent[key]
    else:
        parent[key] = [parent[key]]
    return path, operation, doc


@pytest.mark.parametrize("filename", RECORD_FILES)
def test_no_mutation_of_a_fixture_file_gives_a_traceback(filename, tmp_path_factory):
    original = full_form(FIXTURES / "records" / filename)

    @FUZZ
    @given(mutations(original))
    def check(mutation):
        path, operation, doc = mutation
        note(f"{operation} at {path!r}")
        folder = _copy_fixtures(tmp_path_factory.mktemp("fuzz"))
        (folder / "records" / filename).write_text(json.dumps(doc), encoding="utf-8")
        before = _state()
        _assert_refused_cleanly(lambda: _load_fixtures(folder), before)
        shutil.rmtree(folder)

    check()


def _write(folder, filename, doc):
    (folder / "records" / filename).write_text(json.dumps(doc), encoding="utf-8")


def _speech(folder):
    return full_form(folder / "records" / RECORD_FILES[0])


def _first_project(doc):
    return next(r for r in doc["records"] if r.get("model") == "project" and "amount" in r)


def _break_top_level(doc):
    return [doc]


def _break_quote_type(doc):
    doc["records"][0]["cite"] = [{"quote": 42}]
    return doc


def _break_prefix_type(doc):
    doc["records"][0]["cite"] = [{"quote": "Dalian", "prefix": ["x"]}]
    return doc


def _break_cite_without_quote(doc):
    doc["records"][0]["cite"] = [{"occurrence": 1}]
    return doc


def _break_slug_list(doc):
    doc["records"][0]["slug"] = ["dalian"]
    return doc


def _break_amount_nan(doc):
    _first_project(doc)["amount"] = "NaN"
    return doc


def _break_currency(doc):
    _first_project(doc)["currency"] = "XXZ"
    return doc


def _break_occurrence_true(doc):
    doc["records"][0]["cite"] = [{"quote": "Dalian", "occurrence": True}]
    return doc


def _break_source_outside(doc):
    doc["source"]["file"] = "/etc/os-release"
    return doc


def _break_source_parent(doc):
    doc["source"]["file"] = "../TRANSCRIPTION.md"
    return doc


def _break_country(doc):
    next(r for r in doc["records"] if r.get("model") == "partner")["country"] = "XX"
    return doc


@pytest.mark.parametrize(
    "breaker, names",
    [
        (_break_top_level, ["000_"]),
        (_break_quote_type, ["000_", "cite"]),
        (_break_prefix_type, ["000_", "cite"]),
        (_break_cite_without_quote, ["000_", "cite"]),
        (_break_slug_list, ["000_", "slug"]),
        (_break_amount_nan, ["000_", "amount"]),
        (_break_currency, ["000_", "currency"]),
        (_break_occurrence_true, ["000_", "cite"]),
        (_break_source_outside, ["000_", "file"]),
        (_break_source_parent, ["000_", "file"]),
        (_break_country, ["000_", "country"]),
    ],
)
def test_it_refuses_each_known_malformed_fixture_naming_it(breaker, names, tmp_path):
    folder = _copy_fixtures(tmp_path)
    _write(folder, RECORD_FILES[0], breaker(_speech(folder)))
    before = _state()
    message = _assert_refused_cleanly(lambda: _load_fixtures(folder), before, *names)
    assert message is not None, "the malformed fixture loaded"


def test_it_refuses_a_source_that_is_not_utf8(tmp_path):
    folder = _copy_fixtures(tmp_path)
    doc = _speech(folder)
    path = folder / "sources" / doc["source"]["file"]
    raw = path.read_bytes().replace(b"Dalian", b"Dal\xffan", 1)
    path.write_bytes(raw)
    import hashlib

    doc["source"]["sha256"] = hashlib.sha256(raw).hexdigest()
    _write(folder, RECORD_FILES[0], doc)
    message = _assert_refused_cleanly(lambda: _load_fixtures(folder), _state(), "UTF-8")
    assert message is not None


def test_it_refuses_a_sectors_file_with_a_renamed_header(tmp_path):
    folder = _copy_fixtures(tmp_path)
    csv_path = folder / "sectors.csv"
    lines = csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].replace("category_code", "category")
    csv_path.write_text("".join(lines), encoding="utf-8")
    message = _assert_refused_cleanly(lambda: _load_fixtures(folder), _state(), "sectors.csv")
    assert message is not None


def test_it_refuses_deeply_nested_json(tmp_path):
    folder = _copy_fixtures(tmp_path)
    (folder / "records" / RECORD_FILES[0]).write_text("[" * 10_000 + "]" * 10_000)
    message = _assert_refused_cleanly(lambda: _load_fixtures(folder), _state(), "000_")
    assert message is not None


# --- dumps -------------------------------------------------------------------------------------


def _dump(tmp_path):
    out = tmp_path / "catalogue.json"
    call_command("dump_catalogue", output=str(out), verbosity=0)
    return json.loads(out.read_text(encoding="utf-8"))


def _load_dump(tmp_path, data, name="mutated.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    call_command("load_dump", str(path), verbosity=0)


def test_no_mutation_of_a_dump_gives_a_traceback(tmp_path_factory):
    original = _dump(tmp_path_factory.mktemp("dump"))

    @FUZZ
    @given(mutations(original))
    def check(mutation):
        path, operation, data = mutation
        note(f"{operation} at {path!r}")
        folder = tmp_path_factory.mktemp("fuzz-dump")
        before = _state()
        message = _assert_refused_cleanly(lambda: _load_dump(folder, data), before)
        if message is None:
            # A dump loads under the version its content hashes to: a changed table under a new
            # version, a changed label (its own `catalogue_version`, `counts`) under the original.
            loaded = CatalogueVersion.objects.latest().version
            assert loaded == content_version(data)
            same = content_version(data) == content_version(original)
            assert (loaded == original["catalogue_version"]) == same

    check()


@pytest.mark.parametrize(
    "change",
    [
        "amounts_times_1000",
        "source_text_edited_with_its_hash",
        "every_table_empty",
        "duplicate_slug",
        "over_long_version",
    ],
)
def test_a_changed_dump_never_loads_under_the_genuine_version(change, tmp_path):
    import hashlib

    data = _dump(tmp_path)
    genuine = data["catalogue_version"]
    if change == "amounts_times_1000":
        for row in data["funded_projects"]:
            if row.get("amount"):
                row["amount"] = str(float(row["amount"]) * 1000)
    elif change == "source_text_edited_with_its_hash":
        source = data["sources"][0]
        source["text"] = source["text"].replace("Thank you.", "Thank you all.")
        source["sha256"] = hashlib.sha256(source["text"].encode()).hexdigest()
    elif change == "every_table_empty":
        for key, value in data.items():
            if isinstance(value, list):
                data[key] = []
    elif change == "duplicate_slug":
        data["cities"].append(copy.deepcopy(data["cities"][0]))
    elif change == "over_long_version":
        data["catalogue_version"] = "f" * 5000
    before = _state()
    message = _assert_refused_cleanly(lambda: _load_dump(tmp_path, data), before)
    if message is None:
        assert CatalogueVersion.objects.latest().version != genuine


def test_the_genuine_dump_loads_under_its_own_version(tmp_path):
    data = _dump(tmp_path)
    _load_dump(tmp_path, data)
    assert CatalogueVersion.objects.latest().version == data["catalogue_version"]


def test_load_dump_names_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_bytes(b"\xff\xfe not json")
    with pytest.raises(CommandError, match="broken.json"):
        call_command("load_dump", str(path), verbosity=0)
