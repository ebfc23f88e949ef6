"""The map of the catalogue's cities: what it shows, fetched in 3 queries, and drawn; and the
same map as HTML (the picture with its tables), which the loader draws once per catalogue version
(`loading.summaries`) since it depends on the whole catalogue and on nothing a list filters."""

from django.template.loader import render_to_string

from ..models import City, Participation, Programme
from . import drawings


def city_map():
    """Every city, which programmes each takes part in, and the programmes drawn: 3 queries."""
    links = drawings.city_links(Participation.objects.city_memberships())
    drawn = {pk for ids in links.values() for pk in ids}
    programmes = Programme.objects.only("slug", "name").in_bulk(drawn)
    # `evidence` too: the table under the map marks the coordinates as reference data.
    cities = City.objects.only("slug", "name", "native_name", "latitude", "longitude", "evidence")
    return drawings.city_map(cities, links, programmes)


def city_map_html():
    """The map and its tables as `_map.html` places them (without the stylesheet link)."""
    return render_to_string("programmes/_map_picture.html", {"picture": city_map()})
