"""A synthetic catalogue at any scale, for benchmarking: never mixed with the real one.

Records are made up but shaped like the real catalogue: cities in real countries, partners of
every kind, programmes with participants, funded projects in real DAC sectors (skewed towards
water, environment, energy and transport as in the real sources), milestones, and source
documents written sentence by sentence so that every passage is a true slice of its source's
text. Every slug, the source titles and the catalogue version say "synthetic", and every page of a
synthetic catalogue says so in a banner.
"""

import datetime
import hashlib
import random
from decimal import Decimal

from django.conf import settings
from django.db import connections

from ..models import (
    CONTEXT_CHARS,
    Award,
    CatalogueVersion,
    City,
    DatePrecision,
    FundedProject,
    Milestone,
    MilestoneParticipation,
    Participation,
    Partner,
    Passage,
    Programme,
    Role,
    Sector,
    SectorCategory,
    Source,
)
from . import writer
from .sectors import read_sectors

SYNTHETIC_PREFIX = "synthetic-"
PROJECTS_PER_SOURCE = 1000
BATCH = 5000
COUNTRIES = ["CN", "JP", "KR", "VN", "TH", "ID", "PH", "IN", "MY", "DE", "FR", "SE", "BR", "KE"]
SYLLABLES = ["da", "lian", "ki", "ta", "kyu", "shu", "wei", "hai", "shang", "su", "zhou", "na"]
SYLLABLES += ["gan", "ri", "to", "po", "mi", "ra", "ka", "lo", "sen", "du", "yo", "bei", "ho"]
# Weight of a sector by its first two digits: the real sources fund mostly these fields.
SECTOR_WEIGHTS = {"14": 12, "41": 10, "23": 4, "21": 3, "31": 2, "43": 2}
CURRENCIES = [("JPY", "yen"), ("CNY", "yuan"), ("USD", "US dollars"), ("EUR", "euros")]


def real_catalogue_in(alias):
    """Why `alias` holds (part of) a real catalogue, or "" when it holds none."""
    tables = connections[alias].introspection.table_names()
    if Source._meta.db_table not in tables or CatalogueVersion._meta.db_table not in tables:
        return ""
    if CatalogueVersion.objects.using(alias).exclude(version__startswith=SYNTHETIC_PREFIX).exists():
        return "it holds a catalogue loaded from the fixtures"
    if Source.objects.using(alias).exclude(slug__startswith=SYNTHETIC_PREFIX).exists():
        return "it holds sources that are not synthetic"
    return ""


class Document:
    """A source text written sentence by sentence; each sentence is a passage of it."""

    def __init__(self, source_pk):
        self.source_pk = source_pk
        self.parts, self.length, self.passages = [], 0, []

    def say(self, sentence):
        """Append a sentence and return the (source pk, start, end) of its passage."""
        if self.parts:
            self.parts.append(" ")
            self.length += 1
        start = self.length
        self.parts.append(sentence)
        self.length += len(sentence)
        self.passages.append((start, self.length))
        return start, self.length

    def text(self):
        return "".join(self.parts)


class Synthesizer:
    def __init__(self, alias, projects, seed=2003, stdout=None):
        self.alias, self.n, self.rng = alias, projects, random.Random(seed)
        self.stdout = stdout
        self.pending = {}
        self.passage_pk = 0

    # --- writing in batches ------------------------------------------------------------------

    def add(self, obj):
        self.pending.setdefault(type(obj), []).append(obj)
        if len(self.pending[type(obj)]) >= BATCH:
            self.flush(type(obj))

    def flush(self, model=None):
        for m in [model] if model else list(self.pending):
            rows = self.pending.pop(m, [])
            if not rows:
                continue
            if connections[self.alias].vendor == "postgresql":
                self.copy(m, rows)
            else:
                m.objects.using(self.alias).bulk_create(rows, batch_size=BATCH)

    def copy(self, model, rows):
        """PostgreSQL's COPY: several times faster than INSERT at a million rows."""
        connection = connections[self.alias]
        # Through rows leave their id to the sequence; records carry theirs.
        fields = [
            f for f in model._meta.concrete_fields if not (f.primary_key and rows[0].pk is None)
        ]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        sql = f"COPY {table} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for obj in rows:
                copy.write_row(
                    [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
                )

    def flush_all(self, order):
        for model in order:
            self.flush(model)

    def say(self, doc, sentence):
        start, end = doc.say(sentence)
        self.passage_pk += 1
        return self.passage_pk, start, end

    def write_passages(self, doc, spans):
        text = doc.text()
        for pk, start, end in spans:
            self.add(
                Passage(
                    pk=pk,
                    source_id=doc.source_pk,
                    start=start,
                    end=end,
                    quote=text[start:end],
                    prefix=text[max(0, start - CONTEXT_CHARS) : start],
                    suffix=text[end : end + CONTEXT_CHARS],
                )
            )
        return text

    # --- the catalogue -----------------------------------------------------------------------

    def name(self, parts=2):
        return "".join(self.rng.choice(SYLLABLES) for _ in range(parts)).capitalize()

    def run(self):
        """Replace the catalogue in the database with a synthetic one (see writer.py)."""
        return writer.replace(self.fill, using=self.alias, report=self.log)

    def fill(self):
        connection = connections[self.alias]
        if connection.vendor == "postgresql":
            # The generator makes every reference itself; checking a million foreign keys row
            # by row at commit would take longer than writing them.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        self.write()
        digest = hashlib.sha256(f"{self.n}:{self.rng.random()}".encode()).hexdigest()
        self.log("summarising the lists")
        return f"{SYNTHETIC_PREFIX}{digest[: 64 - len(SYNTHETIC_PREFIX)]}"

    def write(self):
        rng, n = self.rng, self.n
        categories, sectors = read_sectors(settings.FIXTURES_DIR / "sectors.csv")
        SectorCategory.objects.using(self.alias).bulk_create(categories.values())
        Sector.objects.using(self.alias).bulk_create(sectors.values())
        codes = sorted(sectors)
        weights = [SECTOR_WEIGHTS.get(code[:2], 1) for code in codes]

        n_cities = min(5000, max(20, n // 500))
        n_partners = min(10000, max(20, n // 200))
        n_programmes = max(5, n // 100)
        n_sources = max(1, -(-n // PROJECTS_PER_SOURCE))
        self.log(f"{n_sources} sources, {n_cities} cities, {n_programmes} programmes, {n} projects")

        docs = [Document(pk) for pk in range(1, n_sources + 1)]
        cites = {}  # (model, pk) -> passage pk
        spans = {doc.source_pk: [] for doc in docs}

        def cite(model, pk, doc, sentence):
            span = self.say(doc, sentence)
            spans[doc.source_pk].append(span)
            cites[(model, pk)] = span[0]

        cities = []
        for pk in range(1, n_cities + 1):
            name = f"{self.name()} {pk}"
            city = City(
                pk=pk,
                slug=f"{SYNTHETIC_PREFIX}city-{pk}",
                name=name,
                country=rng.choice(COUNTRIES),
                latitude=Decimal(rng.randrange(-6000000, 6000000)) / 100000,
                longitude=Decimal(rng.randrange(-17000000, 17000000)) / 100000,
            )
            cities.append(city)
            cite(City, pk, docs[pk % n_sources], f"{name} is a city in {city.country}.")
        City.objects.using(self.alias).bulk_create(cities, batch_size=BATCH)

        kinds = [k for k, _ in Partner.Kind.choices]
        for pk in range(1, n_partners + 1):
            name = f"{self.name(3)} {rng.choice(['Bureau', 'Agency', 'Association', 'Fund'])}"
            city_id = rng.randrange(1, n_cities + 1)
            self.add(
                Partner(
                    pk=pk,
                    slug=f"{SYNTHETIC_PREFIX}partner-{pk}",
                    name=f"{name} {pk}",
                    kind=rng.choice(kinds),
                    country=cities[city_id - 1].country,
                    city_id=city_id,
                )
            )
            cite(Partner, pk, docs[pk % n_sources], f"The {name} {pk} took part.")
        self.flush(Partner)

        for pk in range(1, n_programmes + 1):
            a, b = rng.sample(range(1, n_cities + 1), 2)
            year = rng.randrange(1980, 2024)
            name = f"{cities[a - 1].name}–{cities[b - 1].name} cooperation programme"
            self.add(
                Programme(
                    pk=pk,
                    slug=f"{SYNTHETIC_PREFIX}programme-{pk}",
                    name=name,
                    kind=rng.choice([k for k, _ in Programme.Kind.choices]),
                    summary=f"A synthetic programme between {cities[a - 1].name} and "
                    f"{cities[b - 1].name}.",
                    date=datetime.date(year, 1, 1),
                    date_precision=DatePrecision.YEAR,
                    date_as_stated=str(year),
                )
            )
            cite(Programme, pk, docs[pk % n_sources], f"In {year} the {name} began.")
            for i, (city_id, role) in enumerate([(a, Role.PROPOSER), (b, Role.PARTNER)]):
                self.add(
                    Participation(pk=2 * pk - 1 + i, programme_id=pk, city_id=city_id, role=role)
                )
        self.flush_all([Programme, Participation])

        instruments = [k for k, _ in FundedProject.Instrument.choices]
        statuses = [k for k, _ in FundedProject.Status.choices]
        through = {
            "project_passages": FundedProject.passages.through,
            "project_funders": FundedProject.funders.through,
            "milestone_passages": Milestone.passages.through,
            "milestone_cities": MilestoneParticipation,
        }
        sector_codes = rng.choices(codes, weights=weights, k=n)
        milestone_pk = 0
        for pk in range(1, n + 1):
            doc = docs[(pk - 1) // PROJECTS_PER_SOURCE]
            city_id = rng.randrange(1, n_cities + 1)
            sector = sectors[sector_codes[pk - 1]]
            start = rng.randrange(1985, 2024)
            title = f"{sector.name} in {cities[city_id - 1].name}, phase {rng.randrange(1, 6)}"
            amount = Decimal(rng.randrange(10, 500000)) * 1000
            currency, unit = rng.choice(CURRENCIES)
            stated = f"{amount:,.0f} {unit}"
            self.add(
                FundedProject(
                    pk=pk,
                    slug=f"{SYNTHETIC_PREFIX}project-{pk}",
                    title=title,
                    programme_id=rng.randrange(1, n_programmes + 1),
                    city_id=city_id,
                    sector_id=sector.code,
                    instrument=rng.choice(instruments),
                    amount=amount,
                    currency=currency,
                    amount_as_stated=stated,
                    status=rng.choice(statuses),
                    start_year=start,
                    end_year=start + rng.randrange(0, 8),
                )
            )
            span = self.say(doc, f"The project “{title}” received {stated} from {start}.")
            spans[doc.source_pk].append(span)
            self.add(through["project_passages"](fundedproject_id=pk, passage_id=span[0]))
            self.add(
                through["project_funders"](
                    fundedproject_id=pk, partner_id=rng.randrange(1, n_partners + 1)
                )
            )
            if pk % 10 == 0:
                milestone_pk += 1
                day = datetime.date(start, rng.randrange(1, 13), rng.randrange(1, 29))
                title = f"Inspection of {cities[city_id - 1].name} works {milestone_pk}"
                self.add(
                    Milestone(
                        pk=milestone_pk,
                        slug=f"{SYNTHETIC_PREFIX}milestone-{milestone_pk}",
                        title=title,
                        kind=rng.choice([k for k, _ in Milestone.Kind.choices]),
                        date=day,
                        date_precision=DatePrecision.DAY,
                        date_as_stated=day.isoformat(),
                    )
                )
                span = self.say(doc, f"On {day:%-d %B %Y} came the {title}.")
                spans[doc.source_pk].append(span)
                self.add(
                    through["milestone_passages"](milestone_id=milestone_pk, passage_id=span[0])
                )
                self.add(
                    MilestoneParticipation(
                        pk=milestone_pk,
                        milestone_id=milestone_pk,
                        city_id=city_id,
                        role=Role.SUBJECT,
                    )
                )
            if pk % PROJECTS_PER_SOURCE == 0 or pk == n:
                self.finish_source(doc, spans.pop(doc.source_pk))
                self.flush_all([FundedProject, Milestone, *through.values()])
                if pk % 100000 == 0:
                    self.log(f"{pk} projects")
        for doc in docs:
            if doc.source_pk in spans:
                self.finish_source(doc, spans.pop(doc.source_pk))

        for pk in range(1, n_cities // 10 + 1):
            self.add(
                Award(
                    pk=pk,
                    slug=f"{SYNTHETIC_PREFIX}award-{pk}",
                    name=f"Synthetic environment award {pk}",
                    recipient_id=pk,
                    year=rng.randrange(1990, 2024),
                )
            )
        self.flush_all([Source, Passage, FundedProject, Milestone, *through.values(), Award])
        for (model, pk), passage_pk in cites.items():
            field = f"{model._meta.model_name}_id"
            self.add(model.passages.through(**{field: pk, "passage_id": passage_pk}))
        # Awards cite their recipient's passage: the sentence that names the city.
        for pk in range(1, n_cities // 10 + 1):
            self.add(Award.passages.through(award_id=pk, passage_id=cites[(City, pk)]))
        self.flush()

    def finish_source(self, doc, spans):
        text = doc.text()
        self.add(
            Source(
                pk=doc.source_pk,
                slug=f"{SYNTHETIC_PREFIX}source-{doc.source_pk}",
                title=f"Synthetic cooperation report {doc.source_pk}",
                kind=Source.Kind.REPORT,
                filename=f"synthetic-{doc.source_pk}.txt",
                author="Synthetic data generator",
                text=text,
                sha256=hashlib.sha256(text.encode()).hexdigest(),
                date=datetime.date(2020, 1, 1),
                date_precision=DatePrecision.YEAR,
                date_as_stated="2020",
            )
        )
        self.flush(Source)
        self.write_passages(doc, spans)
        self.flush(Passage)

    def log(self, message):
        if self.stdout:
            self.stdout.write(message)
