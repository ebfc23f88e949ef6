"""load_catalogue, load_dump and synthesize end a load the same way (programmes/loading/writer.py):
a new version with the catalogue's counts, id sequences past the loaded ids, the lists' summaries
and their download files."""

import pytest
from django.conf import settings
from django.db import IntegrityError, models, transaction

from programmes import kinds
from programmes.loading import download_files, writer
from programmes.loading.dump import dump_catalogue, load_dump
from programmes.loading.loader import load_catalogue
from programmes.loading.synthetic import Synthesizer
from programmes.models import CatalogueVersion, ListSummary

pytestmark = pytest.mark.django_db


def dumped():
    data = dump_catalogue()  # taken before the test adds rows of its own
    return lambda: load_dump(data)


# Each way to load: called first, it returns the load to run.
LOADS = {
    "fixtures": lambda: lambda: load_catalogue(settings.FIXTURES_DIR),
    "dump": dumped,
    "synthetic": lambda: lambda: Synthesizer("default", 30, seed=7).run(),
}


def copy_of(model):
    """A new row like the last one, its natural keys changed, to insert without a given id."""
    obj = model.objects.order_by("-pk").first()
    if obj is None:
        return None
    obj.pk = None
    obj._state.adding = True
    for f in model._meta.concrete_fields:
        if f.unique and not f.primary_key and isinstance(f, models.CharField | models.SlugField):
            setattr(obj, f.attname, f"{getattr(obj, f.attname)[: f.max_length - 5]}-copy")
    if hasattr(obj, "start") and hasattr(obj, "end"):
        obj.start, obj.end = obj.end + 1, obj.end + 2
    return obj


@pytest.fixture
def downloads(settings, tmp_path):
    settings.DOWNLOADS_DIR = tmp_path
    return tmp_path


def auto_id_tables():
    return [m for m in kinds.tables().values() if isinstance(m._meta.pk, models.AutoField)]


def insert_copy(model):
    """Insert a copy of the last row; False when another unique key refuses it."""
    obj = copy_of(model)
    if obj is None:
        return None
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError:
        return None
    return obj


@pytest.mark.parametrize("way", LOADS)
def test_every_load_ends_the_same_way(way, downloads, django_capture_on_commit_callbacks):
    before = CatalogueVersion.objects.current()
    load = LOADS[way]()
    # Rows past the loaded ids: each table's sequence runs ahead of what the load leaves.
    ahead = {model: insert_copy(model) for model in auto_id_tables()}
    assert any(ahead.values())
    with django_capture_on_commit_callbacks(execute=True):
        version = load()
    assert list(CatalogueVersion.objects.all()) == [version]
    assert version.pk != before.pk and version.loaded_at > before.loaded_at
    assert version.counts == kinds.counts()
    assert version.counts["sources"] > 0

    summarised = set(ListSummary.objects.filter(version=version).values_list("kind", flat=True))
    assert summarised == {kind.key for kind in kinds.KINDS}
    for kind in kinds.KINDS:
        assert download_files.list_csv_path(version, kind).stat().st_size > 0

    # Each sequence was reset to the highest loaded id: the next insert takes the next id.
    inserted = 0
    for model in auto_id_tables():
        highest = model.objects.aggregate(models.Max("pk"))["pk__max"]
        obj = insert_copy(model)
        if obj is not None:
            assert obj.pk == highest + 1, model
            inserted += 1
    assert inserted


def test_a_fill_that_fails_changes_nothing(downloads, django_capture_on_commit_callbacks):
    before = (CatalogueVersion.objects.current(), kinds.counts())

    def fill():
        raise RuntimeError("refused")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        writer.replace(fill)
    assert (CatalogueVersion.objects.current(), kinds.counts()) == before
    assert not list(downloads.iterdir())


def test_the_delete_order_comes_from_the_registry():
    order = writer.delete_order()
    assert order[0] is CatalogueVersion
    assert set(order[1:]) == set(kinds.tables().values())
    for n, model in enumerate(order):
        later = set(order[n + 1 :])
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is not model:
                assert f.related_model not in order[:n], (model, f.name)
        assert model not in later
