"""What a record page's <head> says to machines and to sharing sites — schema.org JSON-LD, the
JSON twin's URL, and the Open Graph / Twitter card fields — computed by the record view as `ld`
and placed by `_record_head.html`; and the catalogue itself as a schema.org Dataset, in the head
of the home page and of /releases/."""

from dataclasses import dataclass

from django.conf import settings

from ..formats import descriptions
from ..formats.schema_org import describe, json_ld_script
from ..loading import datapackage
from ..pictures.share_images import HEIGHT, WIDTH, share_image_url
from ..site import absolute_url

DESCRIPTION_CHARS = 200


@dataclass
class LinkedData:
    script: str
    url: str
    json_url: str
    title: str
    description: str
    image: str
    image_alt: str
    image_width: int = WIDTH
    image_height: int = HEIGHT


def json_twin_url(record):
    """The detail page's JSON twin: `/projects/<slug>/` → `/projects/<slug>.json`."""
    return record.get_absolute_url().rstrip("/") + ".json"


def _description(text):
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_CHARS:
        return text
    return text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def _first_quote(data):
    quotes = [q.get("text", "") for q in data.get("subjectOf", []) if isinstance(q, dict)]
    return f"“{quotes[0]}”" if quotes else ""


def linked_data(request, kind, record):
    absolute = absolute_url
    data = describe(record, kind, absolute)
    title = descriptions.title(kind, record)
    return LinkedData(
        script=json_ld_script(data),
        url=absolute(record.get_absolute_url()),
        json_url=absolute(json_twin_url(record)),
        title=title,
        description=_description(data.get("description") or _first_quote(data) or title),
        image=absolute(share_image_url(record)),
        image_alt=f"{title}: the catalogue's card with the passage that states it",
    )


def dataset_script(version):
    """The catalogue's schema.org Dataset as a <script> block (the home page's and /releases/'s
    head), or "" before any load."""
    if version is None:
        return ""
    return json_ld_script(datapackage.dataset_json_ld(version, settings.SITE_URL.rstrip("/")))
