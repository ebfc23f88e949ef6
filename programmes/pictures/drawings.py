"""Pictures of the catalogue drawn as inline SVG on the server, each with the rows of its text twin.

Every function here is pure: it takes records already fetched (the views, through
`views/pictures.py`, fetch them in a constant number of queries) and returns a `Picture`,
whose `svg` is safe markup with every text escaped and whose `rows` hold the same facts for the
table or list beside it. No picture needs JavaScript, web fonts or anything fetched at run time;
styles come from classes in `static/programmes/pictures.css`.
"""

import datetime
import functools
import html
import itertools
import json
import math
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.urls import reverse
from django.utils.safestring import mark_safe

SVG_NS = "http://www.w3.org/2000/svg"
DATA = Path(__file__).resolve().parents[1] / "data"
LAND_OUTLINES = DATA / "land-110m.json"
# Natural Earth 1:10m clipped to east Asia (`bbox` in the file): drawn wherever the map's view
# lies inside it, where 1:110m coastlines would be a few crude segments across the picture.
FINE_LAND_OUTLINES = DATA / "land-10m-east-asia.json"


@dataclass
class Picture:
    svg: str
    rows: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


# --- markup helpers ---------------------------------------------------------------------------


def escape(text):
    """Text and attribute values for SVG inside HTML: & < > " ' escaped (Django's escape is lazy-
    aware and several times slower, which adds up over the hundreds of strings of a picture)."""
    return html.escape(str(text), quote=True)


def _num(value):
    """A coordinate with at most one decimal, without a trailing '.0'."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(attrs):
    parts = []
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        name = name.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = _num(value)
        elif not isinstance(value, int):
            value = escape(value)
        parts.append(f' {name}="{value}"')
    return "".join(parts)


def _el(tag, children="", **attrs):
    """One element; `children` is markup already built by these helpers (or escaped text)."""
    if isinstance(children, list | tuple):
        children = "".join(children)
    if children == "":
        return f"<{tag}{_attrs(attrs)}/>"
    return f"<{tag}{_attrs(attrs)}>{children}</{tag}>"


def _text(content, **attrs):
    return _el("text", escape(content), **attrs)


def _title(content):
    return _el("title", escape(content))


def _wrap(text, chars):
    """A label as whole words on lines of about `chars` characters: never cut short."""
    return textwrap.wrap(str(text), chars, break_long_words=False) or [""]


# The average advance of a character at the pictures' 12 px type (system sans-serif), for the
# plates that keep edges from crossing a label.
CHAR_WIDTH = 0.58


def _label(lines, x, y, anchor="start", size=12.0, plate=False, **attrs):
    """Lines of text from (x, y), the first line's baseline, each under the last; with `plate`,
    a paper-coloured plate behind them so no line of the picture runs through the words."""
    line_h = size * 1.2
    spans = "".join(
        _el("tspan", escape(line), x=float(x), dy=0.0 if i == 0 else line_h)
        for i, line in enumerate(lines)
    )
    text = _el("text", spans, x=float(x), y=float(y), text_anchor=anchor, **attrs)
    if not plate:
        return text
    width = max(len(line) for line in lines) * size * CHAR_WIDTH + 6
    left = {"start": x - 3, "middle": x - width / 2, "end": x - width + 3}[anchor]
    box = _el(
        "rect",
        x=float(left),
        y=float(y - size),
        width=float(width),
        height=float(line_h * len(lines) + 4),
        rx=3.0,
        class_="label-plate",
    )
    return box + text


def _svg(css_class, id_prefix, title, description, width, height, body):
    """The outer <svg>: a title and a description it is labelled by, a viewBox.

    A picture without links is one image (role="img"); one whose marks are links is a group, since
    an image's content is hidden from screen readers and its links would be unreachable.
    """
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    head = _el("title", escape(title), id=title_id) + _el("desc", escape(description), id=desc_id)
    if isinstance(body, list | tuple):
        body = "".join(body)
    markup = _el(
        "svg",
        head + body,
        xmlns=SVG_NS,
        class_=css_class,
        role="group" if "<a " in body else "img",
        aria_labelledby=f"{title_id} {desc_id}",
        viewBox=f"0 0 {_num(width)} {_num(height)}",
        width="100%",
        preserveAspectRatio="xMidYMid meet",
    )
    return mark_safe(markup)  # every text and attribute above went through escape()


def _plural(count, word, plural=None):
    return f"{count} {word if count == 1 else (plural or word + 's')}"


# --- partnership network ----------------------------------------------------------------------


@dataclass
class Node:
    key: str
    kind: str  # "city" or "organisation"
    name: str
    label: str
    url: str
    ties: list = field(default_factory=list)  # (programme, role label)
    # (programme pk, role label) -> the catalogue's note, for a role that is its reading
    readings: dict = field(default_factory=dict)


def _participant_node(participation):
    if participation.city_id:
        city = participation.city
        return Node(f"city:{city.slug}", "city", str(city), city.name, city.get_absolute_url())
    partner = participation.partner
    return Node(
        f"partner:{partner.slug}",
        "organisation",
        str(partner),
        partner.acronym or partner.name,
        partner.get_absolute_url(),
    )


def _collect_nodes(participations, exclude_key=None):
    nodes = {}
    for participation in participations:
        node = _participant_node(participation)
        if node.key == exclude_key:
            continue
        node = nodes.setdefault(node.key, node)
        role = participation.get_role_display()
        node.ties.append((participation.programme, role))
        reading = (participation.evidence or {}).get("role") or {}
        if reading.get("status") == "interpreted":
            node.readings[(participation.programme.pk, role)] = reading.get("note", "")
    # Cities first, then organisations, each by name: the same catalogue draws the same picture.
    return sorted(nodes.values(), key=lambda n: (n.kind != "city", n.name.lower(), n.key))


def _ring_radius(count, minimum):
    return max(minimum, count * 36 / (2 * math.pi))


def _place_ring(nodes, radius, offset):
    placed = []
    for i, node in enumerate(nodes):
        angle = -math.pi / 2 + offset + 2 * math.pi * i / max(len(nodes), 1)
        placed.append((node, angle, radius))
    return placed


def _node_markup(node, angle, radius, centre, tie_text, rotate):
    cx, cy = centre
    x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
    if node.kind == "city":
        shape = _el("circle", cx=x, cy=y, r=9.0, class_="node-shape")
    else:
        shape = _el("rect", x=x - 7, y=y - 7, width=14, height=14, rx=2, class_="node-shape")
    cos = math.cos(angle)
    if rotate:
        # Many nodes: labels run outwards along the radius, flipped on the left to stay upright.
        degrees = math.degrees(angle)
        left = cos < 0
        lx, ly = cx + (radius + 14) * math.cos(angle), cy + (radius + 14) * math.sin(angle)
        transform = f"rotate({_num(degrees + 180 if left else degrees)} {_num(lx)} {_num(ly)})"
        anchor = "end" if left else "start"
        # Along the radius, beyond the node: no edge runs there, and the words stay whole.
        label = _el(
            "g",
            _label([node.label], lx, ly - 1, anchor, plate=True)
            + _label([tie_text], lx, ly + 10, anchor, size=10.0, class_="edge-label"),
            transform=transform,
        )
        ties = ""
    else:
        anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
        lx = x + (14 * cos if abs(cos) >= 0.3 else 0)
        names, roles = _wrap(node.label, 24), _wrap(tie_text, 30)
        height = 14.4 * len(names) + 12 * len(roles)
        sin = math.sin(angle)
        # Below a node in the lower half, above one in the upper half, beside one at the sides.
        ly = y + (22 if sin > 0.3 else (-10 - height if sin < -0.3 else 4 - height / 2))
        label = _label(names, lx, ly, anchor, plate=True)
        ties = _label(
            roles, lx, ly + 14.4 * len(names), anchor, size=10.0, plate=True, class_="edge-label"
        )
    # A role the catalogue reads says so in the node's title and status, its note being in the
    # table of participants (the picture's labels stay short).
    read = bool(node.readings)
    title = f"{node.name}: {tie_text}" + (" (a role the catalogue reads)" if read else "")
    return _el(
        "a",
        [_title(title), shape, label, ties],
        href=node.url,
        class_=f"node node-{node.kind}",
        data_node=node.key,
        data_status="interpreted" if read else None,
    )


MAX_NODES = 60


def _network(nodes, centre_node, programme_keys, id_prefix, title, description):
    hidden = 0
    if len(nodes) > MAX_NODES:
        # Past this the rings stop being readable: draw those with the most ties, list them all.
        busiest = {n.key for n in sorted(nodes, key=lambda n: -len(n.ties))[:MAX_NODES]}
        hidden = len(nodes) - MAX_NODES
        nodes = [n for n in nodes if n.key in busiest]
        description += f" The {hidden} partners with the fewest ties are only in the table."
    cities = [n for n in nodes if n.kind == "city"]
    organisations = [n for n in nodes if n.kind != "city"]
    inner_radius = _ring_radius(len(cities), 100) if cities else 0
    outer_minimum = inner_radius + 150 if cities else 150
    outer_radius = _ring_radius(len(organisations), outer_minimum) if organisations else 0
    placed = _place_ring(cities, inner_radius, 0) + _place_ring(
        organisations, outer_radius, math.pi / max(len(organisations), 1)
    )
    rotate = len(nodes) > 14
    reach = max(inner_radius, outer_radius, 60)
    half_w = reach + 230
    half_h = reach + (230 if rotate else 60)
    centre = (half_w, half_h)

    def tie_text(node):
        ties = _ties_by_programme(node, programme_keys)
        return "; ".join(f"{key} {', '.join(roles)}".strip() for key, _, roles in ties)

    edges, marks = [], []
    for node, angle, radius in placed:
        x = centre[0] + radius * math.cos(angle)
        y = centre[1] + radius * math.sin(angle)
        full = "; ".join(f"{p.name}: {role}" for p, role in node.ties)
        edges.append(
            _el(
                "line",
                _title(f"{centre_node.name} – {node.name}: {full}"),
                x1=float(centre[0]),
                y1=float(centre[1]),
                x2=x,
                y2=y,
                class_=f"edge edge-{node.kind}",
                data_edge=node.key,
            )
        )
        marks.append(_node_markup(node, angle, radius, centre, tie_text(node), rotate))

    cx, cy = centre
    centre_shape = (
        _el("circle", cx=float(cx), cy=float(cy), r=16.0, class_="node-shape")
        if centre_node.kind == "city"
        else _el("rect", x=cx - 15.0, y=cy - 15.0, width=30, height=30, rx=4, class_="node-shape")
    )
    centre_mark = _el(
        "a",
        [
            _title(centre_node.name),
            centre_shape,
            _label(_wrap(centre_node.label, 30), cx, cy + 32.0, "middle", plate=True),
        ],
        href=centre_node.url,
        class_=f"node node-centre node-{centre_node.kind}",
        data_node=centre_node.key,
    )
    body = _el("g", edges, class_="edges") + _el("g", marks + [centre_mark], class_="nodes")
    if hidden:
        note = f"and {hidden} more, with fewer ties, listed in the table"
        body += _text(note, x=float(half_w), y=2 * half_h - 12.0, text_anchor="middle")
    return _svg("network", id_prefix, title, description, 2 * half_w, 2 * half_h, body)


def _ties_by_programme(node, keys):
    """[(key, programme, [role, …])] in the order the node's ties first name each programme."""
    grouped = {}
    for programme, role in node.ties:
        grouped.setdefault(programme.pk, (programme, []))[1].append(role)
    return [(keys[p.pk] if keys else "", p, roles) for p, roles in grouped.values()]


def _programme_keys(nodes):
    programmes = {}
    for node in nodes:
        for programme, _ in node.ties:
            programmes.setdefault(programme.pk, programme)
    ordered = sorted(programmes.values(), key=lambda p: (p.name.lower(), p.pk))
    return {p.pk: f"P{i}" for i, p in enumerate(ordered, 1)}, ordered


def city_network(city, participations, id_prefix="network"):
    """The city, and every city and organisation that takes part in one of its programmes.

    `participations`: every Participation of the programmes the city takes part in, with
    `programme`, `city` and `partner` already joined.
    """
    participations = list(participations)
    centre_key = f"city:{city.slug}"
    nodes = _collect_nodes(participations, exclude_key=centre_key)
    keys, programmes = _programme_keys(nodes)
    centre = Node(centre_key, "city", str(city), city.name, city.get_absolute_url())
    n_cities = sum(n.kind == "city" for n in nodes)
    description = (
        f"{city.name} at the centre; around it "
        f"{_plural(n_cities, 'partner city', 'partner cities')} and "
        f"{_plural(len(nodes) - n_cities, 'organisation')} that share one of its "
        f"{_plural(len(programmes), 'programme')}. Each line is labelled with the programme "
        "key and the partner's role: "
        + "; ".join(f"{keys[p.pk]} {p.name}" for p in programmes)
        + "."
    )
    svg = _network(
        nodes, centre, keys, id_prefix, f"Partnership network of {city.name}", description
    )
    legend = [{"key": keys[p.pk], "programme": p} for p in programmes]
    return Picture(svg, nodes, {"legend": legend, "centre": centre})


def programme_network(programme, participations, id_prefix="network"):
    """The programme and every city and organisation that takes part in it, by role."""
    participations = list(participations)
    for participation in participations:
        participation.programme = programme
    nodes = _collect_nodes(participations)
    centre = Node(
        f"programme:{programme.slug}",
        "programme",
        programme.name,
        programme.name,
        programme.get_absolute_url(),
    )
    n_cities = sum(n.kind == "city" for n in nodes)
    description = (
        f"{programme.name} at the centre; around it "
        f"{_plural(n_cities, 'city', 'cities')} and "
        f"{_plural(len(nodes) - n_cities, 'organisation')} taking part, each line labelled with "
        "the participant's role."
    )
    svg = _network(
        nodes, centre, None, id_prefix, f"Who takes part in {programme.name}", description
    )
    return Picture(svg, nodes, {"legend": [], "centre": centre})


# --- timeline ---------------------------------------------------------------------------------


def _fraction_of_year(day):
    start = datetime.date(day.year, 1, 1)
    length = (datetime.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def _year_ticks(first, last):
    span = last - first
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if span / s <= 12)
    start = math.ceil(first / step) * step
    return list(range(start, math.floor(last) + 1, step))


def timeline(milestones, id_prefix="timeline"):
    """Dated milestones as marks on a time axis, one row each; undated ones only in the rows.

    A date of month, year or decade precision is drawn as a bar over that whole span, a day as a
    point; targets (deadlines) are drawn hollow with a diamond at the deadline; inferred dates
    are dashed and say so.
    """
    milestones = list(milestones)
    dated = sorted((m for m in milestones if m.date), key=lambda m: (m.date, m.title, m.slug))
    undated = [m for m in milestones if not m.date]
    label_w, plot_x, plot_w, row_h, top = 280, 290, 450, 24, 70
    width = plot_x + plot_w + 20
    if dated:
        first = math.floor(min(_fraction_of_year(m.date) for m in dated))
        last = math.ceil(
            max(_fraction_of_year(m.date_end + datetime.timedelta(days=1)) for m in dated)
        )
        first, last = first - first % 5, last + (-last % 5)
        if last <= first:
            last = first + 5
    else:
        first, last = 0, 1

    def x_of(year_fraction):
        return plot_x + (year_fraction - first) / (last - first) * plot_w

    # Each title whole, on as many lines as it needs; a row is as tall as its title.
    titles = [_wrap(m.title, 44) for m in dated]
    heights = [max(row_h, 14.4 * len(lines) + 9.6) for lines in titles]
    height = top + (sum(heights) if dated else row_h) + 20
    parts = [_legend(10)]
    grid = []
    for year in _year_ticks(first, last) if dated else []:
        x = x_of(year)
        grid.append(_el("line", x1=x, y1=top - 8.0, x2=x, y2=height - 16.0, class_="grid"))
        grid.append(_text(str(year), x=x, y=top - 14.0, text_anchor="middle", class_="tick"))
    parts.append(_el("g", grid, class_="axis"))
    if not dated:
        parts.append(_text("No dated milestones.", x=float(plot_x), y=top + 16.0))

    rows = []
    row_top = top
    for i, m in enumerate(dated):
        y = row_top + heights[i] / 2
        row_top += heights[i]
        lines = titles[i]
        start = x_of(_fraction_of_year(m.date))
        end = x_of(_fraction_of_year(m.date_end + datetime.timedelta(days=1)))
        is_span = m.date_precision != "day"
        classes = ["mark", "span" if is_span else "point", "target" if m.is_target else "event"]
        if m.date_inferred:
            classes.append("inferred")
        shapes = []
        if is_span:
            w = max(end - start, 4.0)
            shapes.append(_el("rect", x=start, y=y - 6, width=w, height=12.0, class_="mark-shape"))
            tip = start + w
        else:
            tip = start
            if not m.is_target:
                shapes.append(_el("circle", cx=start, cy=y, r=6.0, class_="mark-shape"))
        if m.is_target:
            shapes.append(
                _el(
                    "polygon",
                    points=" ".join(
                        f"{_num(px)},{_num(py)}"
                        for px, py in ((tip, y - 8), (tip + 8, y), (tip, y + 8), (tip - 8, y))
                    ),
                    class_="deadline",
                )
            )
        when = ("≈ " if m.date_inferred else "") + m.date_display
        if m.date_inferred:
            when += " (inferred)"
        if m.is_target:
            when = f"by {m.date_end:%-d %B %Y}" + (" (inferred)" if m.date_inferred else "")
        kind = m.get_kind_display()
        parts.append(
            _el(
                "a",
                [
                    _title(f"{m.title} — {kind}, {when}; as stated: “{m.date_as_stated}”"),
                    _label(lines, label_w, y + 4 - 7.2 * (len(lines) - 1), "end"),
                    *shapes,
                    _mark_date(when, start, tip, y, width),
                ],
                href=m.get_absolute_url(),
                class_=" ".join(classes),
                data_milestone=m.slug,
                data_precision=m.date_precision,
            )
        )
        rows.append({"milestone": m, "when": when, "kind": kind})
    n_targets = sum(m.is_target for m in dated)
    n_inferred = sum(m.date_inferred for m in dated)
    span = f" from {first} to {last}" if dated else ""
    description = (
        f"{_plural(len(dated), 'dated milestone')}{span}, one row each in date order; "
        f"{_plural(n_targets, 'is a target', 'are targets')} (hollow, a diamond at the deadline), "
        f"{n_inferred} with an inferred date (dashed). Month, year and decade dates are bars "
        f"over the whole period. {_plural(len(undated), 'undated milestone')} "
        "listed beside the picture."
    )
    svg = _svg("timeline", id_prefix, "Timeline of milestones", description, width, height, parts)
    return Picture(svg, rows, {"undated": undated})


def _mark_date(when, start, tip, y, width):
    """The date beside its mark: to the right where it fits, else to the left."""
    if tip + 12 + len(when) * 6 <= width:
        return _text(when, x=tip + 12, y=y + 4, class_="mark-date")
    return _text(when, x=start - 10, y=y + 4, text_anchor="end", class_="mark-date")


def _legend(x):
    items = [
        ("event span", _el("rect", x=0.0, y=-6.0, width=22.0, height=12.0, class_="mark-shape")),
        ("event on a day", _el("circle", cx=8.0, cy=0.0, r=6.0, class_="mark-shape")),
        (
            "target (by the deadline)",
            _el("rect", x=0.0, y=-6.0, width=22.0, height=12.0, class_="mark-shape")
            + _el("polygon", points="22,-8 30,0 22,8 14,0", class_="deadline"),
        ),
        (
            "inferred date",
            _el("rect", x=0.0, y=-6.0, width=22.0, height=12.0, class_="mark-shape"),
        ),
    ]
    classes = ["span event", "point event", "span target", "span event inferred"]
    out, offset = [], x
    for (label, shape), css in zip(items, classes, strict=True):
        out.append(
            _el(
                "g",
                [shape, _text(label, x=36.0, y=4.0)],
                class_=f"legend-item {css}",
                transform=f"translate({_num(offset)} 18)",
            )
        )
        offset += 36 + len(label) * 6.5 + 18
    return _el("g", out, class_="legend")


# --- funding chart ----------------------------------------------------------------------------


def format_amount(amount, currency):
    text = f"{amount:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{currency} {text}"


@dataclass
class FundingRow:
    key: str
    label: str
    url: str = ""
    count: int = 0
    unstated: int = 0
    amounts: dict = field(default_factory=dict)  # currency -> Decimal, never converted

    @property
    def amounts_display(self):
        return [format_amount(v, c) for c, v in sorted(self.amounts.items())]


MAX_BARS = 20


def _group_url(group, key):
    if group == "category":
        return reverse("programmes:project-list") + f"?sector_category={key}"
    return reverse("programmes:programme-detail", args=[key])


def funding_rows(totals):
    """Rows of the chart and its table from per-group, per-currency totals.

    `totals`: {"category": [...], "programme": [...]}, each a list of dicts with `key`, `label`,
    `currency` ("" for projects that state no amount), `count` and `amount` (a sum within that
    one currency). A group of more than MAX_BARS rows keeps the largest by count and folds the
    rest into one "other" row, so that every project is still counted once.
    """
    groups = {}
    for group, entries in totals.items():
        rows = {}
        for entry in entries:
            key = entry["key"]
            row = rows.get(key) or rows.setdefault(key, FundingRow(key, entry["label"]))
            row.count += entry["count"]
            if entry["currency"]:
                row.amounts[entry["currency"]] = entry["amount"]
            else:
                row.unstated += entry["count"]
        ordered = sorted(rows.values(), key=lambda r: (r.label.lower(), r.key))
        if len(ordered) > MAX_BARS:
            ordered.sort(key=lambda r: -r.count)
            kept, folded = ordered[: MAX_BARS - 1], ordered[MAX_BARS - 1 :]
            other = FundingRow("", f"{len(folded)} other {_GROUP_NAMES[group]}s")
            for row in folded:
                other.count += row.count
                other.unstated += row.unstated
                for currency, amount in row.amounts.items():
                    other.amounts[currency] = other.amounts.get(currency, Decimal(0)) + amount
            ordered = kept + [other]
        for row in ordered:  # only the rows drawn get a link (a large list has thousands)
            if row.key:
                row.url = _group_url(group, row.key)
        groups[group] = ordered
    return groups


def _bar_section(title, rows, value_of, display_of, y, data_of):
    label_w, bar_x, bar_w, row_h = 300, 310, 400, 26
    out = [_text(title, x=0.0, y=y + 14.0, class_="section-title")]
    y += 26
    biggest = max((value_of(r) for r in rows), default=0) or 1
    for row in rows:
        value = value_of(row)
        w = max(float(value) / float(biggest) * bar_w, 2.0)
        lines = _wrap(row.label, 46)
        extra = 14.4 * (len(lines) - 1)
        y += extra / 2
        label = _label(lines, label_w, y + 17.0 - extra / 2, "end")
        bar = [
            _title(f"{row.label}: {display_of(row)}"),
            label,
            _el("rect", x=float(bar_x), y=y + 5.0, width=w, height=16.0, class_="bar-shape"),
            _text(display_of(row), x=bar_x + w + 6, y=y + 17.0, class_="value"),
        ]
        attrs = {"class_": "bar", **data_of(row)}
        if row.url:
            out.append(_el("a", bar, href=row.url, **attrs))
        else:
            out.append(_el("g", bar, **attrs))
        y += row_h + extra / 2
    return out, y + 12


_GROUP_NAMES = {"category": "sector category", "programme": "programme"}


def funding_chart(totals, id_prefix="funding"):
    """Bars of project counts, then of stated amounts per currency, by category and programme.

    `totals`: as `funding_rows` takes them, summed over the funded projects as filtered on the
    list. Amounts are summed only within one currency, as stated, never converted.
    """
    return draw_funding_chart(funding_rows(totals), id_prefix)


def _funding_totals(groups):
    """The number of projects and the currencies stated among them, as the chart's caption says."""
    total = sum(r.count for r in groups["category"])
    currencies = sorted({c for r in groups["category"] for c in r.amounts})
    return total, currencies


def drawn_funding_chart(groups, svg):
    """The chart of `groups` whose SVG `draw_funding_chart` drew earlier (when the catalogue was
    loaded: `loading.summaries`), with its table and caption."""
    total, currencies = _funding_totals(groups)
    extra = {"currencies": currencies, "total": total, "single": _one_bar_each(groups)}
    return Picture("" if extra["single"] else svg, groups, extra)


def _one_bar_each(groups):
    """Whether every project falls in one sector category and one programme (or none): then a
    chart would draw one full bar per section, and the page says it in a sentence instead."""
    return all(len(rows) == 1 for rows in groups.values())


def draw_funding_chart(groups, id_prefix="funding"):
    """The chart of `funding_rows`' groups (already folded to at most MAX_BARS rows each)."""
    if _one_bar_each(groups):
        return drawn_funding_chart(groups, "")
    total, currencies = _funding_totals(groups)
    unstated = sum(r.unstated for r in groups["category"])
    names = _GROUP_NAMES
    parts, y = [], 0.0
    for group in ("category", "programme"):
        section, y = _bar_section(
            f"Projects by {names[group]}",
            groups[group],
            lambda r: r.count,
            lambda r: _plural(r.count, "project"),
            y,
            lambda r, g=group: {"data_group": g, "data_key": r.key, "data_count": r.count},
        )
        parts.extend(section)
    for currency in currencies:
        for group in ("category", "programme"):
            rows = [r for r in groups[group] if currency in r.amounts]
            section, y = _bar_section(
                f"Stated amounts in {currency} by {names[group]}",
                rows,
                lambda r, c=currency: r.amounts[c],
                lambda r, c=currency: format_amount(r.amounts[c], c),
                y,
                lambda r, g=group, c=currency: {
                    "data_group": g,
                    "data_key": r.key,
                    "data_currency": c,
                    "data_amount": f"{r.amounts[c]:.2f}",
                },
            )
            parts.extend(section)
    if not total:
        parts.append(_text("No funded projects match.", x=0.0, y=y + 14.0))
        y += 26
    description = (
        f"{_plural(total, 'funded project')} counted by sector category and by "
        f"programme; stated amounts are summed per currency as stated, never converted "
        f"({', '.join(currencies) or 'none stated'}); {unstated} of the projects state no amount."
    )
    svg = _svg(
        "funding-chart",
        id_prefix,
        "Funded projects by sector category and by programme",
        description,
        880,
        max(y, 40),
        parts,
    )
    return drawn_funding_chart(groups, svg)


# --- map of the cities ------------------------------------------------------------------------


@functools.cache
def _outlines(path):
    return json.loads(path.read_text())


def land_rings(west=-180.0, south=-90.0, east=180.0, north=90.0):
    """Natural Earth land rings as flat [lon, lat, lon, lat, …] lists (public domain): 1:10m
    where the box lies inside the region the finer file covers, else 1:110m."""
    fine = _outlines(FINE_LAND_OUTLINES)
    fw, fs, fe, fn = fine["bbox"]
    if fw <= west and fs <= south and east <= fe and north <= fn:
        return fine["rings"]
    return _outlines(LAND_OUTLINES)["rings"]


def land_source(west, south, east, north):
    """Which outlines the box is drawn with, for the map's caption."""
    fine = _outlines(FINE_LAND_OUTLINES)
    fw, fs, fe, fn = fine["bbox"]
    return "1:10m" if fw <= west and fs <= south and east <= fe and north <= fn else "1:110m"


def clip_ring(points, west, south, east, north):
    """A ring of (lon, lat) points clipped to the box (for build_land_outlines)."""
    return _clip(list(points), west, south, east, north)


def _clip(points, west, south, east, north):
    """Sutherland–Hodgman: the part of a polygon ring inside a longitude/latitude box."""
    edges = [
        (lambda p: p[0] >= west, lambda a, b: _cross_lon(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _cross_lon(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _cross_lat(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _cross_lat(a, b, north)),
    ]
    for inside, cross in edges:
        if not points:
            break
        clipped = []
        previous = points[-1]
        for point in points:
            if inside(point):
                if not inside(previous):
                    clipped.append(cross(previous, point))
                clipped.append(point)
            elif inside(previous):
                clipped.append(cross(previous, point))
            previous = point
        points = clipped
    return points


def _cross_lon(a, b, lon):
    t = (lon - a[0]) / (b[0] - a[0])
    return (lon, a[1] + t * (b[1] - a[1]))


def _cross_lat(a, b, lat):
    t = (lat - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), lat)


def _extent(points):
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    # A margin of a quarter of the extent, at least 3 degrees, and never narrower than 12 x 9.
    margin_lon = max(3.0, (east - west) / 4, (12 - (east - west)) / 2)
    margin_lat = max(3.0, (north - south) / 4, (9 - (north - south)) / 2)
    return (
        max(west - margin_lon, -180.0),
        max(south - margin_lat, -85.0),
        min(east + margin_lon, 180.0),
        min(north + margin_lat, 85.0),
    )


@functools.lru_cache(maxsize=16)
def _land_path(west, south, east, north, x_scale, y_scale):
    """The land inside the box as one SVG path, cached: the box changes only with the cities."""
    subpaths = []
    for ring in land_rings(west, south, east, north):
        lons, lats = ring[0::2], ring[1::2]
        if max(lons) < west or min(lons) > east or max(lats) < south or min(lats) > north:
            continue
        clipped = _clip(list(zip(lons, lats, strict=True)), west, south, east, north)
        if len(clipped) < 3:
            continue
        xy = [((lon - west) * x_scale, (north - lat) * y_scale) for lon, lat in clipped]
        subpaths.append("M" + " L".join(f"{_num(x)} {_num(y)}" for x, y in xy) + " Z")
    return " ".join(subpaths)


MAX_LINES = 150
MAX_CITY_LABELS = 60


def city_links(memberships, limit=MAX_LINES):
    """Pairs of cities that share a programme, the pairs sharing the most programmes first.

    `memberships`: (programme id, city id) pairs, the city taking part itself or through one of
    its organisations. Returns {(city id, city id): [programme id, …]}, at most `limit` pairs.
    """
    members = defaultdict(set)
    for programme_id, city_id in memberships:
        members[programme_id].add(city_id)
    links = defaultdict(list)
    for programme_id, city_ids in sorted(members.items()):
        for pair in itertools.combinations(sorted(city_ids), 2):
            links[pair].append(programme_id)
    strongest = sorted(links.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:limit]
    return dict(strongest)


def city_map(cities, links, programmes, id_prefix="map"):
    """The catalogue's cities with coordinates over land outlines, lines joining partner cities.

    `links` as `city_links` returns them; `programmes` maps the programme ids they name to
    programmes. Equirectangular, scaled by the cosine of the middle latitude so shapes keep
    their proportions at the cities' latitudes, and cropped to the cities' extent with a margin.
    """
    cities = list(cities)
    placed = [c for c in cities if c.latitude is not None and c.longitude is not None]
    unplaced = [c for c in cities if c.latitude is None or c.longitude is None]
    by_pk = {c.pk: c for c in placed}
    links = {
        tuple(sorted((by_pk[a], by_pk[b]), key=lambda c: (c.name, c.pk))): [
            programmes[p] for p in ids
        ]
        for (a, b), ids in links.items()
        if a in by_pk and b in by_pk
    }
    links = dict(sorted(links.items(), key=lambda kv: (kv[0][0].name, kv[0][1].name)))
    coords = {c.pk: (float(c.longitude), float(c.latitude)) for c in placed}
    west, south, east, north = _extent(list(coords.values()) or [(121.0, 35.0)])
    width = 800.0
    stretch = math.cos(math.radians((south + north) / 2))
    scale = width / ((east - west) * stretch)
    height = (north - south) * scale

    def project(lon, lat):
        return ((lon - west) * stretch * scale, (north - lat) * scale)

    land = _land_path(west, south, east, north, stretch * scale, scale)
    parts = [
        _el("rect", x=0.0, y=0.0, width=width, height=height, class_="sea"),
        _el("path", d=land, class_="land") if land else "",
    ]
    graticule = []
    step = 5 if east - west <= 40 else (10 if east - west <= 90 else 30)
    for lon in range(math.ceil(west / step) * step, math.floor(east) + 1, step):
        x, _ = project(lon, north)
        graticule.append(_el("line", x1=x, y1=0.0, x2=x, y2=height, class_="graticule"))
        graticule.append(_text(f"{lon}°E" if lon >= 0 else f"{-lon}°W", x=x + 3, y=height - 6))
    for lat in range(math.ceil(south / step) * step, math.floor(north) + 1, step):
        _, y = project(west, lat)
        graticule.append(_el("line", x1=0.0, y1=y, x2=width, y2=y, class_="graticule"))
        graticule.append(_text(f"{lat}°N" if lat >= 0 else f"{-lat}°S", x=4.0, y=y - 3))
    parts.append(_el("g", graticule, class_="graticules"))
    lines = []
    for (a, b), programmes in links.items():
        (x1, y1), (x2, y2) = project(*coords[a.pk]), project(*coords[b.pk])
        names = "; ".join(p.name for p in programmes)
        lines.append(
            _el(
                "line",
                _title(f"{a.name} – {b.name}: {names}"),
                x1=x1,
                y1=y1,
                x2=x2,
                y2=y2,
                class_=f"partnership weight-{min(len(programmes), 3)}",
                data_cities=f"{a.slug} {b.slug}",
                data_programmes=len(programmes),
            )
        )
    parts.append(_el("g", lines, class_="partnerships"))
    points = []
    labelled = len(placed) <= MAX_CITY_LABELS  # more names than that would only overprint
    for city in placed:
        x, y = project(*coords[city.pk])
        lon, lat = coords[city.pk]
        points.append(
            _el(
                "a",
                [
                    _title(f"{city}: {_degrees(lat, 'N', 'S', 2)}, {_degrees(lon, 'E', 'W', 2)}"),
                    _el("circle", cx=x, cy=y, r=6.0 if labelled else 3.0, class_="city-point"),
                    _text(city.name, x=x + 10, y=y + 4) if labelled else "",
                ],
                href=city.get_absolute_url(),
                class_="city",
                data_city=city.slug,
                data_latitude=str(city.latitude),
                data_longitude=str(city.longitude),
            )
        )
    parts.append(_el("g", points, class_="cities"))
    land_scale = land_source(west, south, east, north)
    parts.append(
        _text(
            f"Land: Natural Earth {land_scale} (public domain)",
            x=width - 6,
            y=height - 6,
            text_anchor="end",
            class_="credit",
        )
    )
    description = (
        f"Map of {_plural(len(placed), 'city', 'cities')} in the catalogue, from "
        f"{_degrees(west, 'E', 'W')} to {_degrees(east, 'E', 'W')} and "
        f"{_degrees(south, 'N', 'S')} to {_degrees(north, 'N', 'S')}, with "
        f"{_plural(len(links), 'line')} joining cities that share a programme: "
        + "; ".join(f"{a.name}–{b.name} ({len(p)})" for (a, b), p in links.items())
        + "."
    )
    svg = _svg(
        "city-map", id_prefix, "Map of the catalogue's cities", description, width, height, parts
    )
    return Picture(
        svg,
        [{"city": c, "latitude": c.latitude, "longitude": c.longitude} for c in placed],
        {
            "land_scale": land_scale,
            "unplaced": unplaced,
            "links": [{"a": a, "b": b, "programmes": p} for (a, b), p in links.items()],
            "links_capped": len(links) >= MAX_LINES,
        },
    )


def _degrees(value, positive, negative, decimals=0):
    return f"{abs(value):.{decimals}f}° {positive if value >= 0 else negative}"
