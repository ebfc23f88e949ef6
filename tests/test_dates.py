"""Dates at their precision in every channel: EDTF in the JSON and CSV twins (judged by the `edtf`
package), JSON-LD no more precise than the words, inferred dates flagged as their evidence says."""

import csv
import io
import json
import re

import pytest
from edtf import parse_edtf

from programmes import dates, kinds
from programmes import evidence as ev
from programmes.models import DatePrecision, Milestone

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
DATED = [kind for kind in kinds.KINDS if any(f.name.endswith("_edtf") for f in kind.json_fields)]
IDS = [kind.key for kind in DATED]
# schema.org properties that give a date, and the model date each kind's JSON-LD reads for it.
DATE_PROPERTIES = {"startDate": "date", "foundingDate": "date", "dissolutionDate": "end_date"}
DATE_PROPERTIES |= {"datePublished": "date", "dateCreated": "date"}
LENGTH = {DatePrecision.DAY: 10, DatePrecision.MONTH: 7, DatePrecision.YEAR: 4}


def _edtf_fields(kind):
    return [f for f in kind.json_fields if f.name.endswith("_edtf")]


def _csv(client, kind):
    response = client.get(f"/{kind.prefix}.csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return {row["slug"]: row for row in csv.DictReader(io.StringIO(body.decode()))}


def _date_name(field):
    return "end_date" if field.name.startswith("end_") else "date"


@pytest.mark.parametrize("kind", DATED, ids=IDS)
def test_every_json_and_csv_date_is_edtf_the_edtf_package_parses(client, kind):
    rows = _csv(client, kind)
    listed = client.get(f"/{kind.prefix}.json?page_size=500").json()["results"]
    assert listed
    for data in listed:
        record = kind.model.objects.get(slug=data["slug"])
        for field in _edtf_fields(kind):
            value = data[field.name]
            assert rows[data["slug"]][field.name] == (value or "")
            expected = dates.of(record, _date_name(field))
            assert value == expected.edtf, (data["slug"], field.name)
            if value is None:
                assert getattr(record, _date_name(field)) is None
                continue
            parse_edtf(value)  # raises on anything that is not EDTF
            assert value.endswith("?") == expected.inferred, (data["slug"], value)


def test_edtf_says_decades_deadlines_bounds_and_inferences():
    """Each shape of date the sources use, read from the records that have it."""
    for milestone in Milestone.objects.all():
        when = dates.of(milestone)
        status = (milestone.evidence or {}).get("date", {}).get("status")
        assert when.inferred == (status == ev.INTERPRETED) or milestone.date is None
        if milestone.date is None:
            if milestone.date_not_after:
                assert when.edtf.startswith("../")
            else:
                assert when.edtf is None
        elif milestone.is_target:
            assert when.edtf.startswith(f"../{milestone.date_end.isoformat()}")
        elif milestone.date_precision == DatePrecision.DECADE:
            assert re.fullmatch(r"\d{3}X\??", when.edtf)
        else:
            assert len(when.edtf.rstrip("?")) == LENGTH[milestone.date_precision]
    # The shapes occur in the fixtures (a curator's new source may add more, never fewer).
    shapes = {dates.of(m).edtf for m in Milestone.objects.all()}
    assert any(s and s.endswith("X") for s in shapes)
    assert any(s and s.startswith("../") for s in shapes)
    assert any(s and s.endswith("?") for s in shapes)


def test_the_date_inferred_flag_is_what_the_dates_evidence_says():
    for milestone in Milestone.objects.all():
        interpreted = any(
            (milestone.evidence or {}).get(name, {}).get("status") == ev.INTERPRETED
            for name in ("date", "date_not_after")
        )
        assert milestone.date_inferred == interpreted, milestone.slug


def _json_ld(client, record):
    page = client.get(record.get_absolute_url()).content.decode()
    return json.loads(JSON_LD.search(page).group(1))


def _date_values(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in DATE_PROPERTIES:
                found.append((key, value))
            _date_values(value, found)
    elif isinstance(node, list):
        for value in node:
            _date_values(value, found)
    return found


@pytest.mark.parametrize("kind", DATED, ids=IDS)
def test_no_json_ld_date_is_more_precise_than_its_words(client, kind):
    for record in kind.detail_queryset().order_by("pk"):
        data = _json_ld(client, record)
        main = [(k, v) for k, v in data.items() if k in DATE_PROPERTIES]
        for key, value in main:
            when = dates.of(record, DATE_PROPERTIES[key])
            assert not when.inferred and not when.deadline, (record.slug, key)
            assert when.precision in LENGTH, (record.slug, key, when.precision)
            assert len(value) == LENGTH[when.precision], (record.slug, key, value)
        # No date anywhere in the description stands for a decade or a deadline.
        for _key, value in _date_values(data, []):
            assert isinstance(value, str) and re.fullmatch(r"\d{4}(-\d\d){0,2}", value), value


def test_a_decade_and_a_deadline_give_no_json_ld_date(client):
    decade = Milestone.objects.filter(date_precision=DatePrecision.DECADE).first()
    target = Milestone.objects.filter(kind=Milestone.Kind.TARGET, date__isnull=False).first()
    for milestone in (decade, target):
        assert milestone is not None
        assert "startDate" not in _json_ld(client, milestone), milestone.slug


def test_the_timeline_draws_each_date_as_its_evidence_says(client):
    """On the timeline an inferred date is drawn as inferred (dashed, and its title says so) and a
    target as a deadline; a stated date is drawn plain."""
    page = client.get("/milestones/").content.decode()
    found = re.findall(r'<a href="[^"]*" class="(mark [^"]*)" data-milestone="([^"]+)"', page)
    marks = {slug: classes.split() for classes, slug in found}
    dated = Milestone.objects.filter(date__isnull=False)
    assert dated and set(marks) == {m.slug for m in dated}
    for milestone in dated:
        when = dates.of(milestone)
        assert ("inferred" in marks[milestone.slug]) == when.inferred, milestone.slug
        assert ("target" in marks[milestone.slug]) == when.deadline, milestone.slug
