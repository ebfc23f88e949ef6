"""The registry of record kinds is the one list of them: every kind has its URLs, templates,
exports, JSON-LD and share card, and every module that lists kinds takes them from it."""

import pytest
from django.template.loader import get_template
from django.urls import reverse

from programmes import kinds
from programmes.loading import dump, loader
from programmes.search import SEARCHED

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


def test_the_loader_the_dump_and_search_take_their_kinds_from_the_registry():
    assert list(loader.RECORD_KINDS) == [kind.fixture for kind in kinds.LOADED]
    assert {kind.model for kind in kinds.KINDS} <= set(dump.TABLES.values())
    assert {kind.key for kind in SEARCHED} == {k.key for k in kinds.KINDS if k.search_fields}
    # Search results come in the order readers met them before the registry: programmes and
    # projects right after cities.
    assert [kind.key for kind in SEARCHED] == [
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
