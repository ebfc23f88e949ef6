"""Query discipline: every page type makes the same number of queries with 10 or 200 more rows."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmes.models import (
    CITED_MODELS,
    Award,
    City,
    FundedProject,
    Milestone,
    Partner,
    Passage,
    Programme,
    Source,
)

pytestmark = pytest.mark.django_db

LISTS = [
    "/",
    "/cities/",
    "/projects/",
    "/projects/?sector=14022",
    "/projects.json",
    "/programmes/",
    "/partners/",
    "/awards/",
    "/milestones/",
    "/sources/",
]
DETAILS = ["/cities/dalian/"] + [
    f"{model}:first" for model in ("partner", "programme", "award", "project", "milestone")
]
DETAIL_MODELS = {m._meta.model_name.replace("fundedproject", "project"): m for m in CITED_MODELS}


class Rows:
    """Adds n synthetic records of every kind, attached to Dalian and the first programme."""

    def __init__(self):
        self.added = 0
        self.dalian = City.objects.get(slug="dalian")
        self.programme = Programme.objects.order_by("pk").first()
        self.partner = Partner.objects.order_by("pk").first()
        self.passage = Passage.objects.order_by("pk").first()

    def add(self, n):
        start, self.added = self.added, self.added + n
        numbers = range(start, self.added)
        text = "Synthetic scale test source."
        sources = Source.objects.bulk_create(
            Source(
                slug=f"scale-source-{i}",
                title=f"Scale source {i}",
                kind="report",
                filename=f"scale-{i}.txt",
                text=text,
                sha256=hashlib.sha256(text.encode()).hexdigest(),
            )
            for i in numbers
        )
        passages = Passage.objects.bulk_create(
            Passage(source=s, start=0, end=9, quote=text[:9], suffix=text[9:41]) for s in sources
        )
        cities = City.objects.bulk_create(
            City(slug=f"scale-city-{i}", name=f"Scale city {i}", country="CN") for i in numbers
        )
        partners = Partner.objects.bulk_create(
            Partner(slug=f"scale-partner-{i}", name=f"Scale partner {i}", kind="association")
            for i in numbers
        )
        programmes = Programme.objects.bulk_create(
            Programme(slug=f"scale-programme-{i}", name=f"Scale {i}", kind="network", summary=".")
            for i in numbers
        )
        projects = FundedProject.objects.bulk_create(
            FundedProject(
                slug=f"scale-project-{i}",
                title=f"Scale project {i}",
                programme=self.programme,
                city=self.dalian,
                sector_id="14022",
                instrument="loan",
            )
            for i in numbers
        )
        awards = Award.objects.bulk_create(
            Award(slug=f"scale-award-{i}", name=f"Scale award {i}", recipient=self.dalian)
            for i in numbers
        )
        milestones = Milestone.objects.bulk_create(
            Milestone(
                slug=f"scale-milestone-{i}",
                title=f"Scale milestone {i}",
                kind="meeting",
                programme=self.programme,
            )
            for i in numbers
        )
        for records in (cities, partners, programmes, projects, awards, milestones):
            model = type(records[0])
            model.passages.through.objects.bulk_create(
                model.passages.through(**{f"{model._meta.model_name}_id": r.pk, "passage": p})
                for r, p in zip(records, passages, strict=True)
            )
        FundedProject.funders.through.objects.bulk_create(
            FundedProject.funders.through(fundedproject=p, partner=self.partner) for p in projects
        )
        Milestone.cities.through.objects.bulk_create(
            Milestone.cities.through(milestone=m, city=self.dalian) for m in milestones
        )


def resolve(url):
    if url.endswith(":first"):
        model = DETAIL_MODELS[url.split(":")[0]]
        return model.objects.order_by("pk").first().get_absolute_url()
    return url


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_each_page_type_makes_the_same_number_of_queries_with_10_or_200_more_records(client):
    rows = Rows()
    urls = [resolve(url) for url in LISTS + DETAILS]
    rows.add(10)
    small = {url: queries(client, url) for url in urls}
    rows.add(190)
    large = {url: queries(client, url) for url in urls}
    assert large == small
    assert FundedProject.objects.filter(slug__startswith="scale-").count() == 200
