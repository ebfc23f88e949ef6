"""The funding chart's rows: projects counted and stated amounts summed per currency, by sector
category and by programme, folded to the bars drawn (`drawings.funding_rows`); and the same rows
as JSON, so that the loader can keep them with each catalogue version (`loading.summaries`)."""

from decimal import Decimal

from . import drawings

GROUPS = {
    "category": ("sector__category__code", "sector__category__name"),
    "programme": ("programme__slug", "programme__name"),
}


def funding_rows(projects):
    """The chart's rows for the projects as filtered: 2 grouped queries at any size."""
    totals = {}
    for group, (key, label) in GROUPS.items():
        totals[group] = [
            {
                "key": row[key],
                "label": f"{row[key]} {row[label]}" if group == "category" else row[label],
                "currency": row["currency"],
                "count": row["count"],
                "amount": row["amount"],
            }
            for row in projects.totals(key, label)
        ]
    return drawings.funding_rows(totals)


def to_json(groups):
    """`funding_rows`' result as JSON values (amounts as strings, never rounded)."""
    return {
        group: [
            {
                "key": row.key,
                "label": row.label,
                "url": row.url,
                "count": row.count,
                "unstated": row.unstated,
                "amounts": {currency: str(amount) for currency, amount in row.amounts.items()},
            }
            for row in rows
        ]
        for group, rows in groups.items()
    }


def from_json(data):
    return {
        group: [
            drawings.FundingRow(
                key=row["key"],
                label=row["label"],
                url=row["url"],
                count=row["count"],
                unstated=row["unstated"],
                amounts={currency: Decimal(a) for currency, a in row["amounts"].items()},
            )
            for row in rows
        ]
        for group, rows in data.items()
    }
