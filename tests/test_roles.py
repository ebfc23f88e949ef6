"""Roles mean what they say in every format: a milestone's and a programme's participants each keep
their role and its evidence on the page, in JSON, CSV and the dump, and JSON-LD uses `funder`,
`attendee` or `location` only where the role is that and stated (never `organizer`)."""

import csv
import io
import json
import re

import pytest

from programmes import kinds
from programmes.formats.schema_org import ROLE_PROPERTIES
from programmes.loading.dump import dump_catalogue
from programmes.models import Milestone, MilestoneParticipation, Programme

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
PARTICIPATING = [kind for kind in kinds.KINDS if kind.participation]


def _json_ld(client, record):
    page = client.get(record.get_absolute_url()).content.decode()
    return json.loads(JSON_LD.search(page).group(1))


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _stated(part, name):
    return (part.evidence or {}).get(name, {}).get("status") == "stated"


def test_every_milestone_participant_has_a_role_resting_on_evidence():
    parts = MilestoneParticipation.objects.all()
    assert parts.exists()
    for part in parts:
        assert part.role, part
        entry = part.evidence["role"]
        assert entry["status"] in ("stated", "interpreted") and entry["passages"], part


def test_a_milestones_cities_and_partners_are_its_participants():
    for milestone in Milestone.objects.prefetch_related("participations", "cities", "partners"):
        parts = milestone.participations.all()
        assert {c.pk for c in milestone.cities.all()} == {p.city_id for p in parts if p.city_id}
        assert {o.pk for o in milestone.partners.all()} == {
            p.partner_id for p in parts if p.partner_id
        }


@pytest.mark.parametrize("kind", PARTICIPATING, ids=lambda k: k.key)
def test_json_ld_uses_a_role_property_only_where_the_role_is_that(client, kind):
    records = kind.model.objects.filter(participations__isnull=False).distinct()
    assert records.exists()
    for record in records:
        data = _json_ld(client, record)
        assert "organizer" not in data, record.slug
        for part in record.participations.select_related("city", "partner"):
            name = part.participant.name
            prop, wanted = ROLE_PROPERTIES.get(part.role, (None, None))
            node_type = "Place" if part.city_id else "Organization"
            if prop and node_type == wanted and _stated(part, "role"):
                assert name in {n["name"] for n in _as_list(data[prop])}, (record.slug, name)
                continue
            # Anywhere else it is no funder, attendee or venue of the record …
            for other, _ in ROLE_PROPERTIES.values():
                names = {n.get("name") for n in _as_list(data.get(other, []))}
                assert name not in names or any(
                    p.participant.name == name and ROLE_PROPERTIES.get(p.role, ("",))[0] == other
                    for p in record.participations.all()
                    if p.pk != part.pk
                ), (record.slug, name, other)
            # … and a milestone names it `about` itself, in a Role giving the role's words, with
            # the catalogue's note where the role is a reading.
            if kind.model is Milestone:
                roles = [
                    r
                    for r in _as_list(data.get("about", []))
                    if r.get("@type") == "Role" and r["about"]["name"] == name
                ]
                assert [r["roleName"] for r in roles] == [part.get_role_display()], record.slug
                described = roles[0].get("description", "")
                assert described.startswith("The catalogue's interpretation") == (
                    not _stated(part, "role")
                ), (record.slug, name)


def test_an_interpreted_funder_is_no_json_ld_funder(client):
    """JICA "sent our city" the equipment: the catalogue reads it as the funder, so JSON-LD does not
    assert it."""
    readings = [
        p for p in MilestoneParticipation.objects.filter(role="funder") if not _stated(p, "role")
    ]
    assert readings
    for part in readings:
        data = _json_ld(client, part.milestone)
        funders = {n["name"] for n in _as_list(data.get("funder", []))}
        assert part.partner.name not in funders
        assert part.partner.name in {r["about"]["name"] for r in data["about"]}


def test_the_milestone_page_says_each_participants_role_in_words(client):
    for milestone in Milestone.objects.filter(participations__isnull=False).distinct():
        page = client.get(milestone.get_absolute_url()).content.decode()
        who = page[page.index("<dt>Who</dt>") : page.index("</dl>")]
        for part in milestone.participations.all():
            item = re.search(
                rf'<li><a href="{re.escape(part.participant.get_absolute_url())}">'
                rf"{re.escape(part.participant.name)}</a>(.*?)</li>",
                who,
                re.S,
            )
            assert item, (milestone.slug, part.participant.name)
            assert f"— {part.get_role_display()}" in item.group(1)
            interpreted = 'data-status="interpreted" data-field="role"' in item.group(1)
            assert interpreted == (not _stated(part, "role")), (milestone.slug, part)


@pytest.mark.parametrize("kind", PARTICIPATING, ids=lambda k: k.key)
def test_json_and_csv_give_each_participants_role_and_its_status(client, kind):
    records = list(kind.model.objects.filter(participations__isnull=False).distinct())
    data = client.get(f"/{kind.prefix}.json?page_size=100").json()
    by_slug = {row["slug"]: row for row in data["results"]}
    response = client.get(f"/{kind.prefix}.csv")
    text = b"".join(response.streaming_content).decode()
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(text))}
    for record in records:
        parts = list(record.participations.all())
        given = by_slug[record.slug]["participants"]
        assert [(p["role"], p["evidence"]["role"]["status"]) for p in given] == [
            (p.role, p.evidence["role"]["status"]) for p in parts
        ]
        cell = rows[record.slug]["participants__evidence"]
        for part in parts:
            assert f"({part.role}): {part.evidence['role']['status']}" in cell


def test_the_dump_gives_milestone_participants_once_with_their_roles():
    data = dump_catalogue()
    rows = data["milestone_participations"]
    assert len(rows) == MilestoneParticipation.objects.count()
    assert all(row["role"] and row["citations"] and row["milestone"] for row in rows)
    # The milestones' cities and partners are not written a second time.
    assert not {"cities", "partners"} & set(data["milestones"][0])
    assert Programme.objects.exists() and data["participations"]
