"""What a list's query string may hold, in one place.

A list accepts its FilterSet's filters (each says what it accepts in `help_text`) and `page` and
`page_size` (the `PageForm`); its CSV twin also `bom` (the `CsvForm`). The request middleware,
the lists, their 400 answers and the OpenAPI description all read these: a filter declared with
`MultipleChoiceField` or `ModelMultipleChoiceField` may repeat, every other parameter is single;
no value is longer than `MAX_VALUE_LENGTH`.
"""

from urllib.parse import urlencode

from django import forms
from django.conf import settings

MAX_VALUE_LENGTH = 200
# Words a `q` may hold (a list's and /search/'s): each word is a pattern matched against every
# field searched, so the cost of a query grows with them (68 short words took 4.9 s on SQLite).
MAX_WORDS = 10


def at_most_max_words(value):
    if len(value.split()) > MAX_WORDS:
        raise forms.ValidationError(f"at most {MAX_WORDS} words")


# Values a multi-valued filter may hold (`?city=a&city=b`): the API description says so, and any
# request it allows stays within the request middleware's limits (tests/test_api.py).
MAX_VALUES = 5
# A page number beyond any list's last page (a million records at one per page): a larger one
# is refused as malformed, a smaller one past the last page is not found.
MAX_PAGE = 1_000_000

PAGE_PARAMETERS = ("page", "page_size")
MULTI_VALUED_FIELDS = (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)
# A list of choices this long is said in full in an error message.
MAX_CHOICES_NAMED = 40


def _digits(raw):
    """ASCII digits only: str.isdigit() also accepts "²" and "①", which int() refuses."""
    return raw.isascii() and raw.isdigit()


class PageForm(forms.Form):
    """`page` and `page_size`. Whether `page` is past the last page is known only after counting."""

    # Checked by the clean_ methods below, as digits only: "+3", " 3" and "3.0" are refused.
    page = forms.CharField(
        required=False,
        strip=False,
        help_text=f"page number, from 1 to {MAX_PAGE}; past the last page is a 404 naming the last",
    )
    page_size = forms.CharField(required=False, strip=False)

    def __init__(self, data):
        super().__init__(data)
        # Read when asked, not at import, so that settings overridden in a test apply.
        self.fields["page_size"].help_text = f"records per page, at most {settings.MAX_PAGE_SIZE}"

    def clean_page_size(self):
        raw = self.data.get("page_size", str(settings.PAGE_SIZE))
        if not _digits(raw) or not 1 <= int(raw) <= settings.MAX_PAGE_SIZE:
            raise forms.ValidationError(
                f"must be a whole number from 1 to {settings.MAX_PAGE_SIZE}"
            )
        return int(raw)

    def clean_page(self):
        raw = self.data.get("page", "1")
        if not _digits(raw) or not 1 <= int(raw) <= MAX_PAGE:
            raise forms.ValidationError(f"must be a positive whole number, at most {MAX_PAGE}")
        return int(raw)


# The CSV twin's own parameter (`CsvForm`).
CSV_PARAMETERS = ("bom",)
BOM_ON = "1"
BOM_CHOICES = [("0", "0"), (BOM_ON, BOM_ON)]


class CsvForm(forms.Form):
    """`bom`: whether the CSV starts with a byte-order mark."""

    bom = forms.ChoiceField(
        required=False,
        choices=BOM_CHOICES,
        help_text="1: the file starts with a UTF-8 byte-order mark, by which spreadsheets "
        "(Excel on Windows) read it as UTF-8; 0 or absent: no mark",
    )

    def clean_bom(self):
        # Given, it is 0 or 1: an empty value is refused as any other (it is not a form's field).
        if "bom" in self.data and self.data["bom"] not in (value for value, _ in BOM_CHOICES):
            raise forms.ValidationError("must be 0 or 1")
        return self.cleaned_data["bom"]


def is_multi_valued(filt):
    return issubclass(filt.field_class, MULTI_VALUED_FIELDS)


def multi_valued(filterset_class):
    """The parameters of a list that may be given several times (`?sector=a&sector=b`)."""
    return {name for name, filt in filterset_class.base_filters.items() if is_multi_valued(filt)}


def accepted(filterset_class, format="html"):
    extra = CSV_PARAMETERS if format == "csv" else ()
    return set(filterset_class.base_filters) | set(PAGE_PARAMETERS) | set(extra)


def accepts(filterset, name):
    """What the parameter accepts, in words: its filter's `help_text`, else its choices."""
    filt = filterset.filters[name]
    help_text = filt.extra.get("help_text")
    if help_text:
        return f"accepts {help_text}"
    field = filterset.form.fields[name]
    if hasattr(field, "choices") and not hasattr(filt, "queryset"):
        values = [str(v) for v, _ in field.choices if v != ""]
        if len(values) <= MAX_CHOICES_NAMED:
            return "accepts: " + ", ".join(values)
    if hasattr(filt, "queryset"):
        return f"accepts the slug of a {filt.queryset.model._meta.verbose_name}, as in its URL"
    return ""


def unknown_parameters(data, filterset_class, format="html"):
    allowed = accepted(filterset_class, format)
    return {
        name: f"unknown parameter; this list accepts: {', '.join(sorted(allowed))}"
        for name in data
        if name not in allowed
    }


def filter_errors(filterset):
    """{parameter: message (what it accepts)} of a FilterSet that is not valid."""
    errors = {}
    for name, messages in filterset.errors.items():
        said = accepts(filterset, name) if name in filterset.filters else ""
        errors[name] = " ".join(messages) + (f" ({said})" if said else "")
    return errors


def checked(data, filterset_class, queryset, format="html"):
    """A list's query string `data` read: its FilterSet over `queryset`, its `PageForm` (and for
    the CSV twin, `format` "csv", its `CsvForm`), and {parameter: message} of what it may not
    hold (an unknown parameter is named before any value is read)."""
    errors = unknown_parameters(data, filterset_class, format)
    if errors:
        return None, None, errors
    filterset = filterset_class(data, queryset=queryset)
    paging = PageForm(data)
    errors = filter_errors(filterset) if not filterset.is_valid() else {}
    for form in (paging, CsvForm(data)) if format == "csv" else (paging,):
        if not form.is_valid():
            errors.update(form.errors)
    return filterset, paging, errors


def wants_bom(data):
    """Whether a CSV twin's query string asks for a byte-order mark (checked by `checked`)."""
    return data.get("bom") == BOM_ON


def flat(data):
    """The query string as (name, value) pairs, in order."""
    return [(k, v) for k, vs in data.lists() for v in vs]


def link(pairs, drop=None, add=None, keep_page=False):
    """A query string of `pairs` minus `drop` (a pair), plus `add`, back on page 1."""
    items = [(k, v) for k, v in pairs if (keep_page or k != "page") and (k, v) != drop]
    if add:
        items.append(add)
    return "?" + urlencode(items)
