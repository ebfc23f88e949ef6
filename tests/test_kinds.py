"""The registry of record kinds is the one list of them: every kind has its URLs, templates,
exports, JSON-LD and share card, every model that cites passages is one of them, and every name an
entry gives (a QuerySet method, a template, a page's function, a picture) is found."""

import re
from html import unescape

import pytest
from django.apps import apps
from django.db import models
from django.template.loader import get_template
from django.urls import get_script_prefix, reverse, set_script_prefix

from programmes import kinds
from programmes.loading import dump, loader
from programmes.models import CitedRecord, Passage
from programmes.views import lists, related

pytestmark = pytest.mark.django_db

IDS = [kind.key for kind in kinds.KINDS]


@pytest.mark.parametrize("kind", kinds.KINDS, ids=IDS)
def test_every_kind_has_its_five_urls_and_two_templates(kind):
    prefix = f"/{kind.prefix}"
    assert reverse(f"programmes:{kind.key}-list") == f"{prefix}/"
    assert reverse(f"programmes:{kind.key}-list-json") == f"{prefix}.json"
    assert reverse(f"programmes:{kind.key}-list-csv") == f"{prefix}.csv"
    assert reverse(f"programmes:{kind.key}-detail", args=["x"]) == f"{prefix}/x/"
    assert reverse(f"programmes:{kind.key}-detail-json", args=["x"]) == f"{prefix}/x.json"
    get_template(kind.list_template)
    get_template(kind.detail_template)


@pytest.mark.parametrize("kind", kinds.KINDS, ids=IDS)
def test_every_kind_exports_describes_and_draws_its_records(client, kind):
    record = kind.detail_queryset().order_by("pk").first()
    assert kinds.of(record) is kind
    assert record.get_absolute_url() == reverse(f"programmes:{kind.key}-detail", args=[record.slug])
    data = client.get(record.get_absolute_url().rstrip("/") + ".json").json()
    assert {f.name for f in kind.json_fields} <= set(data)
    html = client.get(record.get_absolute_url()).content.decode()
    # A funded project's type follows its stated instrument (Describer.project): a grant is a
    # MonetaryGrant, a loan a LoanOrCredit, anything else, or an instrument read, a Thing.
    types = {"project": ("MonetaryGrant", "LoanOrCredit", "Thing")}.get(
        kind.key, (kind.schema_type,)
    )
    assert any(f'"@type": "{t}"' in html for t in types) or kind.key == "source"
    assert f"/share/{kind.key}/{record.slug}.png" in html
    # Its meta description is its own entry's, written from this page.
    description = re.search(r'<meta name="description" content="([^"]*)"', html)
    assert description and unescape(description[1]).strip()


def _citing_models():
    """Every model with a many-to-many relation to Passage: whatever cites passages."""
    return {
        field.related_model
        for field in Passage._meta.get_fields()
        if field.many_to_many and field.auto_created and not field.concrete
    }


def test_every_model_citing_passages_is_a_cited_kind_or_part_of_one():
    cited = {kind.model for kind in kinds.CITED}
    for model in _citing_models() - cited:
        # A part of a record (a programme's participation): deleted with it, shown on its page.
        owners = [
            f.related_model
            for f in model._meta.get_fields()
            if f.many_to_one and f.remote_field.on_delete is models.CASCADE
        ]
        assert set(owners) & cited, f"{model.__name__} cites passages but is no kind's"
    assert cited <= _citing_models()


def test_every_catalogued_model_is_a_kind():
    catalogued = {
        model
        for model in apps.get_app_config("programmes").get_models()
        if issubclass(model, CitedRecord)
    }
    assert catalogued == {kind.model for kind in kinds.CITED}
    assert all(kind.cited == (kind.model in catalogued) for kind in kinds.KINDS)


@pytest.mark.parametrize("kind", kinds.KINDS, ids=IDS)
def test_every_name_an_entry_gives_is_found(kind):
    manager = kind.model.objects
    for method in (kind.list_method, kind.export_method, kind.detail_method):
        assert callable(getattr(manager, method, None)), f"{kind.model.__name__}.{method}"
    assert callable(kind.page_description)
    if kind.related:
        assert callable(getattr(related, kind.related, None)), kind.related
    if kind.picture:
        assert kind.picture in lists.PICTURES
    for name in kind.unread:
        kind.model._meta.get_field(name)
    fields = {f.name for f in kind.model._meta.get_fields()}
    assert kind.title_field in fields
    assert set(kind.fixture_references) | set(kind.fixture_many) <= fields
    assert {param for param, _ in kind.example_filters} <= set(kind.filterset.base_filters)


@pytest.mark.parametrize("kind", kinds.KINDS, ids=IDS)
def test_every_parameter_of_every_list_has_its_phrase(kind):
    params = set(kind.filterset.base_filters) - {"sort"}
    assert params - set(kind.filterset.phrases) == set()


def test_a_statements_list_says_its_topic_in_its_title(client):
    html = client.get("/statements/?topic=outcome").content.decode()
    title = re.search(r"<title>([^<]*)</title>", html)[1]
    assert "Statements on topic outcome" in unescape(title)


def test_the_loader_the_dump_and_search_take_their_kinds_from_the_registry():
    assert list(loader.RECORD_KINDS) == [kind.fixture for kind in kinds.LOADED]
    assert {kind.model for kind in kinds.KINDS} <= set(dump.TABLES.values())
    # Every kind whose records cite passages is searched by its fields; the sources, which are
    # what they cite, are searched as text (programmes.search).
    assert {kind.key for kind in kinds.SEARCHED} == {kind.key for kind in kinds.CITED}
    for kind in kinds.SEARCHED:
        assert kind.search_fields and set(kind.search_fields) <= set(kind.fields), kind.key
        assert "search_text" in {f.name for f in kind.model._meta.get_fields()}, kind.key
    # Search results come in the order readers met them before the registry: programmes and
    # projects right after cities.
    assert [kind.key for kind in kinds.SEARCHED] == [
        "city",
        "programme",
        "project",
        "partner",
        "person",
        "award",
        "milestone",
        "statement",
    ]


def test_the_counts_name_every_table_but_the_fixed_sector_categories():
    counts = kinds.counts()
    assert set(counts) == set(dump.TABLES) - {"sector_categories"}
    assert counts["funded_projects"] == 12


@pytest.mark.parametrize("prefix", ["/", "/catalogue/"])
def test_a_records_url_is_what_reversing_its_pattern_gives(prefix):
    """`get_absolute_url` skips resolving the URL pattern per call (a list links hundreds of
    records): it must give what `reverse` gives, under any script prefix, for every record."""
    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        for kind in kinds.KINDS:
            records = kind.model.objects.all()
            assert records.exists(), kind.key
            for record in records:
                expected = reverse(f"programmes:{kind.key}-detail", args=[record.slug])
                assert expected.startswith(prefix)
                assert record.get_absolute_url() == expected, record.slug
    finally:
        set_script_prefix(before)


def test_a_choice_is_displayed_by_its_label():
    """`get_<field>_display` reads labels cached per field: the label of the value's choice."""
    checked = 0
    for model in apps.get_app_config("programmes").get_models():
        for field in (f for f in model._meta.concrete_fields if f.choices):
            labels = {value: str(label) for value, label in field.flatchoices}
            for record in model.objects.all():
                value = getattr(record, field.attname)
                assert getattr(record, f"get_{field.name}_display")() == labels.get(value, value)
                checked += 1
    assert checked
