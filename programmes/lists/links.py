"""What a list page shows of its query string: a removable chip per active value, named as people
know it; the filters in words for its title ("in sector 14022 Sanitation - large systems"), each
parameter said as its FilterSet's `phrases` say it; the sort links of its column headings; the
links to its other pages."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Model, QuerySet

from .parameters import PAGE_PARAMETERS, link


@dataclass
class Chip:
    param: str
    value: str
    label: str
    remove_url: str
    phrase: str = ""  # the filter in words, as the list's title says it: "in sector 14022 …"


def active_chips(pairs, filterset):
    """One removable chip per active filter value, named as people know it."""
    names = {}
    for name, value in filterset.form.cleaned_data.items():
        # Records chosen by slug or code (a list of them): named here, from the records the
        # filter found, so that no chip reads its field's choices (every programme, on a large
        # catalogue ten thousand rows).
        chosen = value if isinstance(value, (list, tuple, QuerySet)) else ()
        for obj in chosen:
            if isinstance(obj, Model):
                key = getattr(obj, "code", None) or obj.slug
                names[(name, str(key))] = (
                    str(obj) if not hasattr(obj, "code") else f"{obj.code} {obj.name}"
                )
    chips = []
    for name, value in pairs:
        if name in PAGE_PARAMETERS or name == "sort" or value == "":
            continue
        field = filterset.form.fields.get(name)
        label = names.get((name, value))
        if label is None and field is not None and hasattr(field, "choices"):
            label = {str(k): v for k, v in field.choices}.get(value, value)
        label = label or value
        phrase = filterset.phrases.get(name, name + " {}").format(label)
        chips.append(Chip(name, value, label, link(pairs, drop=(name, value)), phrase))
    return chips


def describe(chips, filterset):
    """What is filtered, in words: "in sector 14022 Sanitation - large systems"."""
    grouped = {}
    for chip in chips:
        grouped.setdefault(chip.param, []).append(chip.label)
    return " ".join(
        filterset.phrases.get(param, param + " {}").format(" or ".join(labels))
        for param, labels in grouped.items()
    )


def sort_columns(kind, filterset, pairs):
    current = filterset.data.get("sort", "")
    columns = []
    for label, key in kind.columns:
        if not key:
            columns.append((label, None, ""))
            continue
        target = f"-{key}" if current == key else key
        params = [(k, v) for k, v in pairs if k not in ("sort", "page")] + [("sort", target)]
        state = "ascending" if current == key else "descending" if current == f"-{key}" else ""
        columns.append((label, "?" + urlencode(params), state))
    return columns


def page_links(page, pairs):
    def url(n):
        return link(pairs, add=("page", n))

    return {
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
        "first": url(1),
        "last": url(page.paginator.num_pages),
    }
