"""A download's file proves itself whole before it is served: its size and SHA-256 are recorded
with it when it is written (an extended attribute, `download_files.WHOLE`), and a file that does
not match them, or has none, is never served: the answer is streamed whole and the file written
again."""

import os

import pytest

from programmes.loading import download_files

pytestmark = pytest.mark.django_db


def _body(response):
    return b"".join(response.streaming_content)


def _written(client, settings, tmp_path, url):
    settings.DOWNLOADS_DIR = tmp_path
    body = _body(client.get(url))
    (path,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert path.read_bytes() == body
    return path, body


URLS = ["/projects.csv", "/catalogue.json"]


def _another_file_in_its_place(path):
    """Other bytes renamed over it, with no record of their own (an older copy, a tool's)."""
    other = path.with_name("other")
    other.write_bytes(path.read_bytes()[:-9])
    os.replace(other, path)


@pytest.mark.parametrize("url", URLS)
def test_a_whole_file_is_served_with_its_size_and_hash_recorded(client, settings, tmp_path, url):
    path, body = _written(client, settings, tmp_path, url)
    size, sha256 = os.getxattr(path, download_files.WHOLE).decode().split()
    assert int(size) == len(body)
    served = client.get(url)
    assert hasattr(served, "file_to_stream")
    assert _body(served) == body


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda p: os.truncate(p, p.stat().st_size // 2), id="cut-in-half"),
        pytest.param(
            lambda p: p.write_bytes(p.read_bytes()[::-1]) and None, id="same-size-other-bytes"
        ),
        pytest.param(_another_file_in_its_place, id="another-file-in-its-place"),
    ],
)
def test_a_file_that_does_not_prove_itself_whole_is_never_served(
    client, settings, tmp_path, url, spoil
):
    path, body = _written(client, settings, tmp_path, url)
    spoil(path)
    assert _body(client.get(url)) == body  # streamed, or the file written again first
    assert path.read_bytes() == body  # written again, whole
    assert _body(client.get(url)) == body
