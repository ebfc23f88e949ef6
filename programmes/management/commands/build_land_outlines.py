"""Turn Natural Earth's land TopoJSON into the compact outlines the city map draws.

The input is `land-110m.json` or `land-10m.json` from the npm package world-atlas (version 2), a
TopoJSON redistribution of Natural Earth's land polygons; Natural Earth is in the public domain.
Get it with `npm pack world-atlas@2` and extract the tarball. The output keeps every polygon ring
as a flat list of longitudes and latitudes in degrees, so the map needs no tiles and no network:

    manage.py build_land_outlines package/land-110m.json      # the whole world, coarse
    manage.py build_land_outlines package/land-10m.json --scale 10m \
        --bbox 100,15,150,55 --step 0.02 --output programmes/data/land-10m-east-asia.json

With `--bbox` the rings are clipped to that box (west,south,east,north) and kept only where they
reach into it, and `--step` drops every point nearer than that many degrees to the last one kept,
so a finer scale costs only the region the map draws.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from programmes.pictures.drawings import clip_ring as clip

OUTPUT = Path(__file__).resolve().parents[2] / "data" / "land-110m.json"
SOURCE_NOTE = (
    "Natural Earth 1:{scale} land polygons (public domain, naturalearthdata.com), version 4.1.0, "
    "from the TopoJSON redistribution in the npm package world-atlas 2 (ISC licence)"
)


def decode_arcs(topology):
    """Absolute longitude/latitude points of every arc of a quantized TopoJSON topology."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points, x, y = [], 0, 0
        for dx, dy in arc:
            if transform:
                x, y = x + dx, y + dy
                (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
                points.append((x * sx + tx, y * sy + ty))
            else:
                points.append((dx, dy))
        arcs.append(points)
    return arcs


def ring_points(arcs, indexes):
    """A ring from its arc indexes; ~i is arc i reversed, and joined arcs share an end point."""
    ring = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points[1:] if ring else points)
    return ring


def land_rings(topology, object_name="land"):
    arcs = decode_arcs(topology)
    rings = []
    for geometry in topology["objects"][object_name]["geometries"]:
        polygons = geometry["arcs"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        elif geometry["type"] != "MultiPolygon":
            continue
        for polygon in polygons:
            rings.extend(ring_points(arcs, ring) for ring in polygon)
    return rings


def compact(ring, step=0.0):
    """The ring as [lon, lat, lon, lat, …] rounded to two decimals (about 1 km), without points
    nearer than `step` degrees (in both directions) to the last one kept."""
    flat = []
    previous = None
    for lon, lat in ring:
        point = (round(lon, 2), round(lat, 2))
        if previous is None or (
            point != previous
            and (abs(point[0] - previous[0]) >= step or abs(point[1] - previous[1]) >= step)
        ):
            flat.extend(point)
            previous = point
    return flat


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0]

    def add_arguments(self, parser):
        parser.add_argument("topojson", help="path to world-atlas' land-110m.json or land-10m.json")
        parser.add_argument("--output", default=str(OUTPUT))
        parser.add_argument("--scale", default="110m", choices=["110m", "50m", "10m"])
        parser.add_argument("--bbox", help="west,south,east,north in degrees: clip to this box")
        parser.add_argument("--step", type=float, default=0.0, help="degrees between points")

    def handle(self, *args, topojson, output, scale, bbox, step, **options):
        box = None
        if bbox:
            try:
                box = tuple(float(v) for v in bbox.split(","))
                assert len(box) == 4 and box[0] < box[2] and box[1] < box[3]
            except (ValueError, AssertionError):
                raise CommandError("--bbox is west,south,east,north") from None
        try:
            topology = json.loads(Path(topojson).read_text())
            rings = land_rings(topology)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{topojson} is not a readable land TopoJSON: {exc}") from None
        if box:
            rings = [clip(ring, *box) for ring in rings]
        rings = [r for r in (compact(ring, step) for ring in rings) if len(r) >= 8]
        data = {"source": SOURCE_NOTE.format(scale=scale[:-1] + "m"), "rings": rings}
        if box:
            data["bbox"] = list(box)
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(json.dumps(data, separators=(",", ":")) + "\n")
        points = sum(len(r) // 2 for r in rings)
        self.stdout.write(f"Wrote {len(rings)} rings, {points} points to {output}")
