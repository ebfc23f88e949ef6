"""Every list's whole CSV (`/projects.csv`, no parameters) is a file per catalogue version: the
same bytes and headers as the streamed answer, written by the loader or the first request."""

import csv
import errno
import fcntl
import gzip
import io
import json
import os
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from programmes.kinds import BY_KEY, KINDS
from programmes.loading import download_files
from programmes.models import CatalogueVersion, City, FundedProject

from .test_caching import new_version

pytestmark = pytest.mark.django_db

# Headers of one transfer, not of the answer: the file's answer states its length.
TRANSFER = {"Content-Length"}


def _csv_url(kind):
    return kind.list_url().rstrip("/") + ".csv"


def _body(response):
    return b"".join(response.streaming_content)


def _headers(response):
    return {k: v for k, v in response.headers.items() if k not in TRANSFER}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.key)
def test_the_whole_lists_file_is_the_streamed_csv_byte_for_byte(
    client, settings, tmp_path, kind, django_assert_max_num_queries
):
    settings.DOWNLOADS_DIR = tmp_path
    streamed = client.get(_csv_url(kind))
    assert not hasattr(streamed, "file_to_stream")  # no file yet: streamed, and written
    body = _body(streamed)
    (written,) = tmp_path.glob(f"{kind.prefix}-*.csv")
    assert written.read_bytes() == body
    with django_assert_max_num_queries(2):  # the version, nothing of the list
        served = client.get(_csv_url(kind))
        assert _body(served) == body
    assert hasattr(served, "file_to_stream")
    assert _headers(served) == _headers(streamed)
    assert served["Content-Type"] == "text/csv; charset=utf-8"
    assert served["Content-Length"] == str(len(body))


def test_the_loader_writes_every_lists_file_once_committed(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DOWNLOADS_DIR = tmp_path
    version = CatalogueVersion.objects.latest()
    with django_capture_on_commit_callbacks(execute=True):
        download_files.write_after_commit(version)
    for kind in KINDS:
        path = download_files.list_csv_path(version, kind)
        assert path.read_bytes() == _body(Client().get(_csv_url(kind)))
    assert not list(tmp_path.glob(".*"))  # no part file left


def test_a_load_that_is_no_longer_current_writes_no_file(settings, tmp_path):
    settings.DOWNLOADS_DIR = tmp_path
    version = CatalogueVersion.objects.latest()
    new_version()
    assert download_files.write_lists(version) == {}
    assert not list(tmp_path.iterdir())


def test_a_filtered_sorted_or_paged_csv_still_streams(client, settings, tmp_path):
    settings.DOWNLOADS_DIR = tmp_path
    for query in ("?sector=14022", "?sort=-amount", "?page_size=5&page=2"):
        response = client.get("/projects.csv" + query)
        assert response.status_code == 200
        assert not hasattr(response, "file_to_stream"), query
        _body(response)
    assert not list(tmp_path.iterdir())


def test_an_unknown_parameter_is_still_a_400(client):
    response = client.get("/projects.csv?colour=green")
    assert response.status_code == 400
    assert "colour" in response.content.decode()


def test_a_conditional_request_for_the_file_is_a_304(client, settings, tmp_path):
    settings.DOWNLOADS_DIR = tmp_path
    etag = client.get("/cities.csv")["ETag"]
    again = client.get("/cities.csv", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert not again.content


def test_a_gzipped_file_is_the_gzipped_stream(client, settings, tmp_path):
    settings.DOWNLOADS_DIR = tmp_path
    streamed = client.get("/projects.csv", HTTP_ACCEPT_ENCODING="gzip")
    body = _body(streamed)
    served = client.get("/projects.csv", HTTP_ACCEPT_ENCODING="gzip")
    assert served["Content-Encoding"] == "gzip"
    # Each gzip stream differs in its header (GZipMiddleware's random bytes against BREACH).
    assert gzip.decompress(_body(served)) == gzip.decompress(body)
    assert _headers(served) == _headers(streamed)


def test_an_answer_cut_off_leaves_its_file_whole(client, settings, tmp_path):
    """The file is written at the database's speed before the answer is sent, so a client gone
    after the first chunk leaves it whole, and nothing else in the folder."""
    settings.DOWNLOADS_DIR = tmp_path
    slugs = sorted(FundedProject.objects.values_list("slug", flat=True))
    response = client.get("/projects.csv")
    next(iter(response.streaming_content))
    response.close()  # the client went away after the first chunk
    (written,) = tmp_path.iterdir()
    rows = list(csv.DictReader(io.StringIO(written.read_text())))
    assert sorted(row["slug"] for row in rows) == slugs


def test_an_unwritable_folder_still_streams_every_list(client, settings, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    settings.DOWNLOADS_DIR = blocked / "downloads"  # under a file: cannot be made
    response = client.get("/projects.csv")
    assert response.status_code == 200
    assert _body(response).startswith(b"slug,url,title")


def test_a_full_disk_streams_the_answer_whole_without_its_file(
    client, settings, tmp_path, monkeypatch
):
    settings.DOWNLOADS_DIR = tmp_path
    whole = _body(client.get("/cities.csv?sort=name"))

    class Full(io.FileIO):
        def write(self, data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(download_files.os, "fdopen", lambda fd, mode: Full(fd, "wb"))
    response = client.get("/cities.csv")
    assert _body(response) == whole
    assert not list(tmp_path.iterdir())


def test_the_file_is_of_its_version_and_old_versions_are_removed(client, settings, tmp_path):
    settings.DOWNLOADS_DIR = tmp_path
    first = _body(client.get("/cities.csv"))
    City.objects.filter(slug="dalian").update(name="Dalian (renamed)")
    assert _body(client.get("/cities.csv")) == first  # the same version: its file
    names = set()
    for _ in range(3):
        new_version()
        body = _body(client.get("/cities.csv"))
        assert b"Dalian (renamed)" in body
        names |= {p.name for p in tmp_path.glob("cities-*.csv")}
    assert len(names) == 4
    assert len(list(tmp_path.glob("cities-*.csv"))) == download_files.KEEP


def test_another_site_url_has_a_file_of_its_own(client, settings, tmp_path):
    settings.DOWNLOADS_DIR = tmp_path
    _body(client.get("/cities.csv"))
    settings.SITE_URL = "https://catalogue.example.org"
    body = _body(client.get("/cities.csv"))
    assert b"https://catalogue.example.org/cities/" in body
    assert b"http://testserver/" not in body


def test_a_file_another_writer_holds_is_left_to_it_until_its_writer_is_gone(
    client, settings, tmp_path
):
    """Another process or server writing the file holds its lock for as long as it writes, slow
    or not; once it is gone (the kernel gives the lock up with the process) the next request
    writes the file, and the temporary file the dead writer left is removed."""
    settings.DOWNLOADS_DIR = tmp_path
    path = download_files.list_csv_path(CatalogueVersion.objects.latest(), BY_KEY["city"])
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = os.open(download_files.lock_path(path), os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    partial = path.with_name(f".{path.name}.other-writer.tmp")
    partial.write_bytes(b"slug,url")
    old = time.time() - 3600
    os.utime(partial, (old, old))  # however long it has not been written to
    try:
        assert _body(client.get("/cities.csv")).startswith(b"slug,url,name")
        assert partial.read_bytes() == b"slug,url" and not path.exists()
    finally:
        os.close(holder)  # its writer died
    body = _body(client.get("/cities.csv"))
    assert path.read_bytes() == body
    assert not partial.exists()
    assert not [p for p in tmp_path.iterdir() if p != path]  # no lock or temporary file left


def _stalling_chunks(text, written, resume):
    """`text` in two chunks; after the first, `written` is set and the second waits for
    `resume`, as a download waits on a client that reads slowly."""
    half = len(text) // 2
    yield text[:half]
    written.set()
    assert resume.wait(30)
    yield text[half:]


def test_a_stalled_first_writer_keeps_its_file_and_no_partial_file_is_ever_served(
    client, settings, tmp_path
):
    """The first download of a list's file stalls (a slow client) however long; a second one
    meanwhile neither deletes its temporary file nor has its own partial file renamed into
    place by the first: the file, once there, is whole."""
    settings.DOWNLOADS_DIR = tmp_path
    whole = _body(client.get("/projects.csv?sort=title"))  # streamed: no file
    text = whole.decode()
    path = download_files.list_csv_path(CatalogueVersion.objects.latest(), BY_KEY["project"])
    answers = {}
    events = {name: (threading.Event(), threading.Event()) for name in ("first", "second")}

    def download(name):
        written, resume = events[name]
        chunks = _stalling_chunks(text, written, resume)
        answers[name] = b"".join(download_files.saved(chunks, path))

    first = threading.Thread(target=download, args=("first",))
    second = threading.Thread(target=download, args=("second",))
    first.start()
    assert events["first"][0].wait(30)
    first_files = set(tmp_path.iterdir())
    old = time.time() - 3600
    for stalled in first_files:  # not written to for an hour
        os.utime(stalled, (old, old))
    second.start()
    try:
        assert events["second"][0].wait(30)
        assert first_files <= set(tmp_path.iterdir())  # the first writer's files untouched
        events["first"][1].set()
        first.join(30)
        assert path.read_bytes() == whole  # not the second's half-written file
    finally:
        for _, resume in events.values():
            resume.set()
        first.join(30)
        second.join(30)
    assert answers == {"first": whole, "second": whole}
    assert path.read_bytes() == whole
    assert list(tmp_path.iterdir()) == [path]


def test_a_writer_renames_only_its_own_temporary_file(settings, tmp_path):
    """Should its temporary file be replaced under it by another, the writer renames nothing
    into place: the answer is whole, and no file is served."""
    settings.DOWNLOADS_DIR = tmp_path
    path = download_files.list_csv_path(CatalogueVersion.objects.latest(), BY_KEY["city"])
    chunks = download_files.saved(iter(["slug,url\n", "a,b\n"]), path)
    assert next(chunks) == b"slug,url\n"
    (temporary,) = tmp_path.glob(".*.tmp")
    temporary.unlink()
    temporary.write_bytes(b"slug")  # another's partial file at the same name
    assert next(chunks) == b"a,b\n"
    assert list(chunks) == []
    assert not path.exists()


def test_a_head_request_for_the_file_has_no_body(client, settings, tmp_path):
    settings.DOWNLOADS_DIR = tmp_path
    whole = _body(client.get("/cities.csv"))
    response = client.head("/cities.csv")
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(whole))
    assert _body(response) == b""


def test_a_file_answer_holds_no_read_transaction_while_it_is_sent(client, settings, tmp_path):
    settings.DOWNLOADS_DIR = tmp_path
    _body(client.get("/projects.csv"))  # streamed in its snapshot, and written
    outside = len(connection.atomic_blocks)
    served = client.get("/projects.csv")
    assert hasattr(served, "file_to_stream")
    assert len(connection.atomic_blocks) == outside  # a slow client holds nothing open
    assert _body(served)


def test_summarise_writes_the_lists_files_it_finds_missing(settings, tmp_path):
    from django.core.management import call_command

    settings.DOWNLOADS_DIR = tmp_path
    out = io.StringIO()
    call_command("summarise", stdout=out)
    version = CatalogueVersion.objects.current()
    assert {p.name for p in tmp_path.glob("*.csv")} == {
        download_files.list_csv_path(version, kind).name for kind in KINDS
    }
    assert "list downloads written" in out.getvalue()


class FullDisk(io.FileIO):
    """A file on a disk with `room` bytes free: once they are written, every write fails, a
    buffered writer's flush and close included."""

    room = 0

    def write(self, data):
        if self.room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = super().write(bytes(data[: self.room]))
        self.room -= written
        return written


@pytest.mark.parametrize("short", [None, 1], ids=["no-room", "one-byte-short"])
@pytest.mark.parametrize("url", ["/catalogue.json", "/projects.csv", "/cities.csv"])
def test_a_full_downloads_disk_answers_the_download_whole_and_leaves_no_file(
    client, settings, tmp_path, monkeypatch, url, short
):
    settings.DOWNLOADS_DIR = tmp_path / "room"
    whole = _body(client.get(url))
    room = 0 if short is None else len(whole) - short  # the last write, or the close, fails
    settings.DOWNLOADS_DIR = full = tmp_path / "full"

    def full_disk(fd, *args, **kwargs):
        # As a disk gives it: buffered, so the write that fails may be a later one, or the close.
        raw = FullDisk(fd, "wb")
        raw.room = room
        return io.BufferedWriter(raw)

    monkeypatch.setattr(download_files.os, "fdopen", full_disk)
    outside = len(connection.atomic_blocks)
    for _ in range(2):  # and again, with nothing of the first left behind
        response = client.get(url)
        assert response.status_code == 200
        if url.endswith(".json"):  # built whole: a slow client holds no read transaction
            assert len(connection.atomic_blocks) == outside
        assert _body(response) == whole
        assert not list(full.iterdir())
    if url.endswith(".json"):
        assert json.loads(whole)["catalogue_version"] == CatalogueVersion.objects.current().version


def test_servers_of_other_databases_sharing_the_folder_keep_each_others_files(
    client, settings, tmp_path, monkeypatch
):
    """Three databases (three servers, one folder): each writes its lists' files, and none
    removes another's as a version of its own that is old."""
    settings.DOWNLOADS_DIR = tmp_path
    paths, name = [], connection.settings_dict["NAME"]
    for database in ("first", "second", "third"):
        with monkeypatch.context() as patch:
            patch.setitem(connection.settings_dict, "NAME", f"{name}-{database}")
            new_version()  # each database has a catalogue of its own
            body = _body(client.get("/cities.csv"))
            path = download_files.list_csv_path(CatalogueVersion.objects.latest(), BY_KEY["city"])
            assert path.read_bytes() == body
            paths.append(path)
    assert len(set(paths)) == len(paths)
    assert all(path.exists() for path in paths)
