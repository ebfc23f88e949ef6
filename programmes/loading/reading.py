"""Reading the fixtures: their files (each an object {source, records}, in its full form:
see shorthand.py) and, of a record, the
names it reserves, its slug and its values as the model holds them (ISO dates, exact decimals);
a value that is not one names its record and field."""

import datetime
import json
import re
from decimal import Decimal, InvalidOperation

from .errors import LoadError
from .shorthand import expand

DATE_FIELDS = {"date", "end_date", "status_as_of", "status_date", "date_not_after", "accessed"}
DECIMAL_FIELDS = {"amount", "total_investment", "funding_amount", "latitude", "longitude"}
RESERVED = {"model", "slug", "cite", "evidence", "participants", "extend"}
SOURCE_RESERVED = {"file", "slug", "evidence", "uncatalogued"}
PARTICIPANT_FIELDS = ("city", "partner", "role", "note")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# A wording the catalogue presents as the source's own: text in curly double quotation marks.
QUOTED = re.compile(r"“([^“”]+)”")


def record_name(item):
    if not isinstance(item, dict):
        return "record"
    kind, slug = item.get("model"), item.get("slug")
    return f"{kind if isinstance(kind, str) else 'record'} {slug!r}"


def convert(model, name, value, where):
    file, record = where
    try:
        if value is None:
            return None
        if name in DATE_FIELDS:
            return datetime.date.fromisoformat(value)
        if name in DECIMAL_FIELDS:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise TypeError(value)
            number = Decimal(str(value))
            if not number.is_finite():  # "NaN", "Infinity": no amount or coordinate
                raise ValueError(value)
            return number
    except (ValueError, TypeError, InvalidOperation):
        raise LoadError(file, record, name, f"invalid value {value!r}") from None
    return value


def fixture_files(records_dir):
    """The fixture files of `records_dir`, in the order they are read."""
    files = sorted(records_dir.glob("*.json"))
    if not files:
        raise LoadError(records_dir, "", "", "no fixture files")
    return files


def read_document(path, file):
    """The object one fixture file holds; `file` is how errors name it."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise LoadError(file, "", "", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise LoadError(file, "", "", "JSON nested too deeply") from None
    if not isinstance(doc, dict):
        raise LoadError(file, "", "", "a fixture file is an object {source, records}")
    return expand(doc, file)
