"""The site's own pages: `/robots.txt`, `/sitemap.xml` (every list and every record, through the
registry of kinds) and the transcription notes at `/about/transcription/`."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from .. import kinds
from ..formats import notes

TRANSCRIPTION = settings.FIXTURES_DIR / "TRANSCRIPTION.md"


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def robots_txt(request):
    # Every page is public and read-only; the share cards are images of pages already listed.
    lines = ["User-agent: *", "Allow: /", "", f"Sitemap: {absolute(reverse('programmes:sitemap'))}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def sitemap_urls():
    """The home page, the site's own pages, every list and every record: one query per kind."""
    names = ["home", "api", "transcription", "releases"]
    yield from (absolute(reverse(f"programmes:{name}")) for name in names)
    for kind in kinds.KINDS:
        yield absolute(kind.list_url())
        for record in kind.model.objects.only("slug").order_by("slug"):
            yield absolute(record.get_absolute_url())


def sitemap_xml(request):
    version = getattr(request, "catalogue_version", None)
    body = render_to_string(
        "sitemap.xml",
        {"urls": sitemap_urls(), "lastmod": version.loaded_at if version else None},
    )
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


def transcription(request):
    text = TRANSCRIPTION.read_text(encoding="utf-8")
    return render(
        request,
        "programmes/transcription.html",
        {
            "notes": notes.render(text),
            "page_description": (
                "How the catalogue's source documents became records: the evidence for each "
                "value, and every judgement call made in reading the sources."
            ),
        },
    )
