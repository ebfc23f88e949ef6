"""Generated query strings on every list in every format: never a 5xx, and JSON errors are JSON.

The names mix every filter the FilterSets declare with pagination and made-up names; the values
mix real slugs and codes with text, control characters, huge numbers and raw bytes that are not
UTF-8; names repeat. CI=true runs the larger profile.
"""

import json
import os
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmes.models import City, FundedProject, Partner, Programme, Sector
from programmes.urls import urlpatterns

from .test_hardening import LIST_URLS, SEARCH_URLS

pytestmark = pytest.mark.django_db

for _profile, _examples in (("catalogue-ci", 60), ("catalogue-dev", 15)):
    settings.register_profile(
        _profile,
        max_examples=_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
PROFILE = settings.get_profile(
    "catalogue-ci" if os.environ.get("CI") == "true" else "catalogue-dev"
)


def _filter_names():
    from programmes.lists import filters

    return sorted(
        {
            name
            for value in vars(filters).values()
            if isinstance(value, type) and isinstance(getattr(value, "base_filters", None), dict)
            for name in value.base_filters
        }
    )


NAMES = [*_filter_names(), "page", "page_size", "format", "sort", "q"]

# Values that a filter accepts, so that generated queries also reach the filtering and paging.
REAL_VALUES = [
    "dalian",
    "kitakyushu",
    "loan",
    "grant",
    "14022",
    "140",
    "2001",
    "1",
    "2",
    "name",
    "-year",
    "amount,-title",
    "CN",
    "JP",
    "municipal-government",
    "loan-programme",
    "water",
]

text_values = st.text(max_size=40)
control_values = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x20), min_size=1, max_size=5
)
number_values = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=10**9, max_value=10**40),
    st.integers(max_value=-(10**9)),
).map(str)
special_values = st.sampled_from(
    ["", " ", "%", "+", "0", "-0", "1e9", "NaN", "inf", "9" * 199, "x" * 300, "'", '"', "\\"]
)
encoded_values = st.one_of(
    st.sampled_from(REAL_VALUES), text_values, control_values, number_values, special_values
).map(lambda v: quote(v, safe=""))
raw_byte_values = st.binary(max_size=12).map(lambda b: quote_from_bytes(b, safe=""))

names = st.one_of(
    st.sampled_from(NAMES),
    st.text(min_size=1, max_size=12).map(lambda v: quote(v, safe="")),
    st.binary(min_size=1, max_size=4).map(lambda b: quote_from_bytes(b, safe="")),
)
pairs = st.tuples(names, st.one_of(encoded_values, raw_byte_values))
query_strings = st.lists(pairs, max_size=8).map(lambda ps: "&".join(f"{n}={v}" for n, v in ps))


def _check(response, url):
    assert response.status_code < 500, (url, response.status_code)
    if url.endswith(".json") and response.status_code != 301:
        json.loads(response.content)
    if url.endswith((".json", ".csv")) and response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        body = json.loads(response.content)
        assert body["status"] == response.status_code
        assert isinstance(body["title"], str)


@pytest.mark.parametrize("url", LIST_URLS + SEARCH_URLS)
@settings(PROFILE)
@given(query=query_strings)
def test_no_generated_query_string_gets_a_server_error(client, url, query):
    _check(client.generic("GET", url, QUERY_STRING=query), url)


@pytest.mark.parametrize("url", ["/projects/", "/projects.json"])
@settings(PROFILE)
@given(query=query_strings)
def test_a_head_request_with_any_query_string_gets_no_server_error(client, url, query):
    assert client.generic("HEAD", url, QUERY_STRING=query).status_code < 500


DETAIL_PREFIXES = sorted(
    {f"/{str(p.pattern).split('<')[0]}" for p in urlpatterns if "<slug:slug>" in str(p.pattern)}
)
segments = st.one_of(
    st.sampled_from(["dalian", "kitakyushu", "-", "a" * 300, "..", "%2F", "%00", "%FF"]),
    st.text(min_size=1, max_size=30).map(lambda v: quote(v, safe="")),
    st.binary(min_size=1, max_size=8).map(lambda b: quote_from_bytes(b, safe="")),
)


@pytest.mark.parametrize("prefix", DETAIL_PREFIXES)
@settings(PROFILE)
@given(segment=segments, suffix=st.sampled_from(["/", ".json", ".csv", ""]))
def test_no_generated_record_address_gets_a_server_error(client, prefix, segment, suffix):
    url = prefix + segment + suffix
    _check(client.get(url), url)


def test_the_generated_values_include_real_records():
    # Otherwise the fuzzing would only ever exercise the refusals.
    assert City.objects.filter(slug__in=REAL_VALUES).count() == 2
    assert Sector.objects.filter(code__in=REAL_VALUES).exists()
    assert FundedProject.objects.filter(instrument__in=REAL_VALUES).exists()
    assert Programme.objects.filter(kind__in=REAL_VALUES).exists()
    assert Partner.objects.filter(kind__in=REAL_VALUES).exists()
    assert {"city", "sector", "instrument", "year_from"} <= set(NAMES)
