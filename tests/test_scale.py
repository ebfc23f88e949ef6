"""Query discipline: every page type makes the same number of queries with 10 or 200 more rows."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmes import models
from programmes.kinds import KINDS

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
    # Every list's JSON (a page) and CSV (every row, read while it streams).
    *(f"/{kind.prefix}.json" for kind in KINDS),
    *(f"/{kind.prefix}.csv" for kind in KINDS),
    "/projects.csv?funder=jica&sort=-amount",
    "/programmes.csv?city=dalian",
    "/milestones.csv?city=dalian",
    "/projects.csv?page_size=5&page=2",
]
DETAILS = ["/cities/dalian/", "source:first"] + [
    f"{model}:first"
    for model in ("partner", "person", "programme", "award", "project", "milestone", "statement")
]
DETAIL_MODELS = {kind.key: kind.model for kind in KINDS}


def new_source(slug, text):
    return models.Source(
        slug=slug,
        title=slug.replace("-", " ").capitalize(),
        kind="report",
        filename=f"{slug}.txt",
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def new_projects(slugs, programme, city):
    return models.FundedProject.objects.bulk_create(
        models.FundedProject(
            slug=slug,
            title=slug.replace("-", " ").capitalize(),
            programme=programme,
            city=city,
            sector_id="14022",
            instrument="loan",
        )
        for slug in slugs
    )


class Rows:
    """Adds n synthetic records of every kind, attached to Dalian and the first programme."""

    def __init__(self):
        self.added = 0
        self.dalian = models.City.objects.get(slug="dalian")
        self.programme = models.Programme.objects.order_by("pk").first()
        self.partner = models.Partner.objects.order_by("pk").first()
        self.passage = models.Passage.objects.order_by("pk").first()

    def add(self, n):
        start, self.added = self.added, self.added + n
        numbers = range(start, self.added)
        text = "Synthetic scale test source."
        sources = models.Source.objects.bulk_create(
            new_source(f"scale-source-{i}", text) for i in numbers
        )
        passages = models.Passage.objects.bulk_create(
            models.Passage(source=s, start=0, end=9, quote=text[:9], suffix=text[9:41])
            for s in sources
        )
        cities = models.City.objects.bulk_create(
            models.City(slug=f"scale-city-{i}", name=f"Scale city {i}", country="CN")
            for i in numbers
        )
        partners = models.Partner.objects.bulk_create(
            models.Partner(slug=f"scale-partner-{i}", name=f"Scale partner {i}", kind="association")
            for i in numbers
        )
        programmes = models.Programme.objects.bulk_create(
            models.Programme(
                slug=f"scale-programme-{i}", name=f"Scale {i}", kind="network", summary="."
            )
            for i in numbers
        )
        slugs = [f"scale-project-{i}" for i in numbers]
        projects = new_projects(slugs, self.programme, self.dalian)
        awards = models.Award.objects.bulk_create(
            models.Award(slug=f"scale-award-{i}", name=f"Scale award {i}", recipient=self.dalian)
            for i in numbers
        )
        milestones = models.Milestone.objects.bulk_create(
            models.Milestone(
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
        models.FundedProject.funders.through.objects.bulk_create(
            models.FundedProject.funders.through(fundedproject=p, partner=self.partner)
            for p in projects
        )
        models.Milestone.cities.through.objects.bulk_create(
            models.Milestone.cities.through(milestone=m, city=self.dalian) for m in milestones
        )


def resolve(url):
    if url.endswith(":first"):
        model = DETAIL_MODELS[url.split(":")[0]]
        return model.objects.order_by("pk").first().get_absolute_url()
    return url


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(captured)


def test_each_page_type_makes_the_same_number_of_queries_with_10_or_200_more_records(client):
    rows = Rows()
    urls = [resolve(url) for url in LISTS + DETAILS]
    rows.add(10)
    for url in urls:  # once before counting: a connection's first JSON query checks JSON support
        queries(client, url)
    small = {url: queries(client, url) for url in urls}
    rows.add(190)
    large = {url: queries(client, url) for url in urls}
    assert large == small
    assert models.FundedProject.objects.filter(slug__startswith="scale-").count() == 200
    assert small["/projects.csv"] <= 3  # the rows, the sources' labels, the version


def test_no_page_or_download_runs_the_same_statement_twice(client):
    """A statement run twice in one request is a prefetch taken twice (a nested prefetch under a
    reverse foreign key ran so) or a value read again that the page already holds."""
    urls = [resolve(url) for url in LISTS + DETAILS] + [
        record.get_absolute_url()
        for kind in KINDS
        for record in kind.model.objects.order_by("pk")[:3]
    ]
    for url in urls:
        client.get(url)  # once before: a connection's first JSON query checks JSON support
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        statements = [query["sql"] for query in captured if query["sql"] not in TRANSACTION]
        repeated = {sql for sql in statements if statements.count(sql) > 1}
        assert not repeated, (url, sorted(repeated))


TRANSACTION = {"BEGIN", "COMMIT", "ROLLBACK"}


def test_a_record_page_lists_its_first_projects_and_links_to_them_all(client):
    from programmes.views.pictures import RELATED_LIMIT

    Rows().add(RELATED_LIMIT + 10)
    dalian = models.City.objects.get(slug="dalian")
    count = models.FundedProject.objects.filter(city=dalian).count()
    response = client.get("/cities/dalian/")
    assert len(response.context["projects"]) == RELATED_LIMIT
    assert response.context["projects_count"] == count
    assert f"all {count} funded projects" in response.content.decode()
    assert 'href="/projects/?city=dalian"' in response.content.decode()
    assert f"{count} funded projects" in response.context["ld"].description
    partner = models.Partner.objects.order_by("pk").first()
    funded = models.FundedProject.objects.filter(funders=partner).count()
    response = client.get(partner.get_absolute_url())
    assert len(response.context["funded"]) == RELATED_LIMIT
    assert response.context["funded_count"] == funded > RELATED_LIMIT
    assert f'<a href="/projects/?funder={partner.slug}">all {funded} projects it funded</a>' in (
        response.content.decode()
    )


def long_source(n):
    """A source of n sentences, each one cited passage of its own, each cited by a project."""
    from programmes.coverage import coverage

    text = "".join(f"Sentence number {i} of the long source. " for i in range(n)).strip()
    source = new_source(f"long-source-{n}", text)
    source.save()
    spans, pos = [], 0
    for i in range(n):
        sentence = f"Sentence number {i} of the long source."
        spans.append((pos, pos + len(sentence)))
        pos += len(sentence) + 1
    passages = models.Passage.objects.bulk_create(
        models.Passage(source=source, start=s, end=e, quote=text[s:e]) for s, e in spans
    )
    dalian = models.City.objects.get(slug="dalian")
    programme = models.Programme.objects.order_by("pk").first()
    projects = new_projects([f"long-{n}-project-{i}" for i in range(n)], programme, dalian)
    models.FundedProject.passages.through.objects.bulk_create(
        models.FundedProject.passages.through(fundedproject=r, passage=p)
        for r, p in zip(projects, passages, strict=True)
    )
    cited = [(("project", r.slug), p.start, p.end) for r, p in zip(projects, passages, strict=True)]
    source.coverage = coverage(text, cited, {})
    source.save(update_fields=["coverage"])
    return source, passages


def test_the_reader_of_a_long_source_lists_a_page_of_passages_in_the_same_queries(client):
    from programmes.views.related import READER_PAGE

    small, _ = long_source(10)
    source, passages = long_source(2 * READER_PAGE + 5)
    assert queries(client, small.get_absolute_url()) == queries(client, source.get_absolute_url())
    assert queries(client, source.get_absolute_url() + "?page=3") == queries(
        client, source.get_absolute_url()
    )
    first = client.get(source.get_absolute_url()).content.decode()
    # Every passage is marked in the text on the first page, where its links land.
    for passage in passages:
        assert f'id="{passage.anchor}"' in first
    listed = {}
    for page in (1, 2, 3):
        html = client.get(f"{source.get_absolute_url()}?page={page}").content.decode()
        assert f"Page {page} of 3" in html
        for i, passage in enumerate(passages):
            if f'<li id="cites-{passage.start}-{passage.end}"' in html:
                listed[i] = page
                # linked to its words in the text, with the record citing it, and its sentence
                assert f'href="{passage.get_absolute_url()}"' in html
                assert f'href="/projects/long-{len(passages)}-project-{i}/"' in html
                assert f'id="sentence-{passage.start}-{passage.end}"' in html
        assert ('class="reader"' in html) == (page == 1)
    assert listed == {i: 1 + i // READER_PAGE for i in range(len(passages))}


@pytest.mark.parametrize(
    ("query", "message"),
    [("page=4", "is past the last page (3)"), ("page=0", "positive"), ("page=x", "positive")],
)
def test_the_reader_refuses_a_page_it_does_not_have(client, query, message):
    from programmes.views.related import READER_PAGE

    source, _ = long_source(2 * READER_PAGE + 5)
    response = client.get(f"{source.get_absolute_url()}?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
