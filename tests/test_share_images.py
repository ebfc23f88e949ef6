"""Every record has a 1200×630 PNG share card, drawn once per catalogue version and then read."""

import errno
import io
import os

import pytest
from django.urls import reverse
from PIL import Image

from programmes.kinds import KINDS
from programmes.models import FundedProject, Source
from programmes.pictures import share_images
from programmes.pictures.share_images import (
    HEIGHT,
    WIDTH,
    card_text,
    render_card,
    share_image_url,
    wrap,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _images_in_tmp(settings, tmp_path):
    settings.SHARE_IMAGES_DIR = tmp_path / "share-images"


def _records():
    return [
        FundedProject.objects.get(slug="sewage-processing-plant-1"),
        Source.objects.first(),
    ] + [kind.model.objects.first() for kind in KINDS]


@pytest.mark.parametrize("index", range(10))
def test_it_serves_a_png_of_the_declared_size(client, index):
    record = _records()[index]
    response = client.get(share_image_url(record))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (1200, 630)


def test_it_draws_a_card_once_per_version_and_then_reads_it(client, settings, monkeypatch):
    record = FundedProject.objects.get(slug="sewage-processing-plant-2")
    client.get(share_image_url(record))
    path = share_images.image_path("project", record.slug, share_images.current_version())
    assert path.exists()

    def refuse(*args):
        raise AssertionError("drawn again")

    monkeypatch.setattr(share_images, "render_card", refuse)
    response = client.get(share_image_url(record))
    assert response.status_code == 200
    assert response.content == path.read_bytes()


def test_a_card_quotes_the_passage_that_names_the_record():
    record = FundedProject.objects.get(slug="sewage-processing-plant-1")
    kind, title, quote, source, wording = card_text(record)
    assert (kind, title) == ("Funded project", record.title)
    assert quote == "two sewage processing plant projects"  # its title rests on these words
    assert "Liang Hongjun" in source


def test_long_text_is_wrapped_and_cut_with_an_ellipsis():
    font = share_images.quote_font()
    lines = wrap("word " * 500, font, 600, 3)
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(font.getlength(line) <= 600 for line in lines)
    png = render_card("Milestone", "title " * 80, "quote " * 800, "source " * 100)
    assert Image.open(io.BytesIO(png)).size == (WIDTH, HEIGHT)


@pytest.mark.parametrize(
    "url",
    ["/share/nothing/dalian.png", "/share/city/no-such-city.png", "/share/source/none.png"],
)
def test_it_answers_404_for_an_unknown_kind_or_slug(client, url):
    assert client.get(url).status_code == 404


def test_build_share_images_draws_every_record_and_drops_old_versions(settings, monkeypatch):
    from django.core.management import call_command

    # Drawing is tested above; here a blank card keeps the test fast.
    monkeypatch.setattr(share_images, "render_card", lambda *text: b"\x89PNG")
    old = settings.SHARE_IMAGES_DIR / "0ld"
    old.mkdir(parents=True)
    call_command("build_share_images", verbosity=0)
    assert not old.exists()
    drawn = list((settings.SHARE_IMAGES_DIR / share_images.current_version()).glob("*.png"))
    assert len(drawn) == sum(kind.model.objects.count() for kind in KINDS)


def test_the_fonts_ship_with_their_licence():
    fonts = share_images.fonts_dir()
    assert (fonts / "LICENSE").read_text().count("Bitstream") >= 2
    assert reverse("programmes:share-image", args=["city", "dalian"]) == "/share/city/dalian.png"


def test_it_serves_the_card_when_the_folder_is_read_only(client, settings, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    settings.SHARE_IMAGES_DIR = folder
    try:
        record = FundedProject.objects.get(slug="sewage-processing-plant-1")
        response = client.get(share_image_url(record))
        assert response.status_code == 200
        assert Image.open(io.BytesIO(response.content)).size == (WIDTH, HEIGHT)
        if os.geteuid() != 0:  # root writes through a read-only mode; the full-disk test holds
            assert not list(folder.rglob("*"))
    finally:
        folder.chmod(0o700)


def test_it_leaves_no_partial_file_when_the_disk_is_full(client, monkeypatch, tmp_path):
    def full_disk(fd, mode):
        os.close(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(share_images.os, "fdopen", full_disk)
    record = FundedProject.objects.get(slug="sewage-processing-plant-2")
    response = client.get(share_image_url(record))
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).format == "PNG"
    assert [p for p in (tmp_path / "share-images").rglob("*") if p.is_file()] == []
