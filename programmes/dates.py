"""One date type: a record's date with its precision, its words, whether it is inferred, its bound
and whether it is a deadline; each channel renders it at the precision its words give.

- EDTF (Library of Congress Extended Date/Time Format, level 1) in the JSON and CSV twins:
  "2003-10-17", "2000-03", "1997", "198X" for a decade, "?" after an inferred date ("1997?"),
  "../2016-06-30" for an undated event known only to come no later than a day, and
  "../2017-12-31" for a target to be reached by the end of a period (a deadline, not a start).
- schema.org in JSON-LD: only a date its words state at a precision schema.org can say (a day,
  a month or a year); no decade as a year, no deadline as a start (`Date.schema_org`).
"""

from dataclasses import dataclass
from datetime import date as Day

from . import evidence as ev
from .fields import as_json
from .models import DatedMixin, DatePrecision, Milestone


@dataclass(frozen=True)
class Date:
    value: Day | None
    precision: str = DatePrecision.UNKNOWN
    as_stated: str = ""
    inferred: bool = False
    not_after: Day | None = None  # an undated event's latest day (always a reading)
    deadline: bool = False  # a target: the date is the end of the period it is due in

    @property
    def known(self):
        return self.value is not None and self.precision != DatePrecision.UNKNOWN

    @property
    def end(self):
        """The last day of the span the date stands for (a year's 31 December)."""
        return DatedMixin.date_end.fget(_Dated(self.value, self.precision)) if self.known else None

    @property
    def edtf(self):
        """The date as an EDTF string, or None for an undated event with no bound."""
        doubt = "?" if self.inferred else ""
        if not self.known:
            return f"../{self.not_after.isoformat()}{doubt}" if self.not_after else None
        if self.deadline:
            return f"../{self.end.isoformat()}{doubt}"
        d = self.value
        text = {
            DatePrecision.DAY: d.isoformat(),
            DatePrecision.MONTH: f"{d.year:04d}-{d.month:02d}",
            DatePrecision.YEAR: f"{d.year:04d}",
            DatePrecision.DECADE: f"{d.year // 10:03d}X",
        }[self.precision]
        return text + doubt

    @property
    def schema_org(self):
        """An ISO 8601 date at the precision its words give, for a stated point in time; None
        for an inferred date, a decade, a deadline or an undated event."""
        if not self.known or self.inferred or self.deadline:
            return None
        if self.precision == DatePrecision.DECADE:
            return None
        d = self.value
        if self.precision == DatePrecision.DAY:
            return d.isoformat()
        if self.precision == DatePrecision.MONTH:
            return f"{d.year:04d}-{d.month:02d}"
        return f"{d.year:04d}"


@dataclass(frozen=True)
class _Dated:
    date: object
    date_precision: str


def _interpreted(evidence, name):
    entry = (evidence or {}).get(name) or {}
    return entry.get("status") == ev.INTERPRETED


def make(value, precision, evidence, name="date", as_stated="", not_after=None, deadline=False):
    """A `Date` from a record's columns; whether it is inferred is what its evidence says of
    `name` (or, for an undated event, of its bound)."""
    inferred = _interpreted(evidence, name)
    if value is None and not_after is not None:
        inferred = inferred or _interpreted(evidence, "date_not_after")
    return Date(value, precision, as_stated or "", inferred, not_after, deadline)


def of(record, name="date"):
    """`record`'s date `name` ("date", or a programme's "end_date") as a `Date`."""
    prefix = "" if name == "date" else name[: -len("date")]
    return make(
        getattr(record, name),
        getattr(record, f"{prefix}date_precision"),
        record.evidence,
        name,
        getattr(record, f"{prefix}date_as_stated", ""),
        getattr(record, "date_not_after", None) if name == "date" else None,
        getattr(record, "is_target", False) and name == "date",
    )


def edtf(name="date", bounded=False, deadlines=False):
    """The `show` of a field declaring a date's EDTF: it reads the date, its precision and the
    record's evidence, then (if `bounded`) its upper bound and (if `deadlines`) the record's
    kind, whose target is a deadline."""

    def show(value, precision, evidence, *rest):
        rest = list(rest)
        not_after = rest.pop(0) if bounded else None
        kind = rest.pop(0) if deadlines else None
        return make(
            value,
            precision,
            as_json(evidence),
            name,
            not_after=not_after,
            deadline=kind == Milestone.Kind.TARGET,
        ).edtf

    return show
