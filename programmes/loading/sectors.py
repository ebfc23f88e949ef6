"""The DAC sector codes and their categories, read from `fixtures/sectors.csv`."""

import csv

from ..models import Sector, SectorCategory
from .errors import LoadError

SECTOR_COLUMNS = ("code", "name", "category_code", "category_name", "status", "description")


def read_sectors(path):
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return _read_sectors(path, csv.DictReader(fh))
    except OSError as exc:
        raise LoadError(path, "", "", f"cannot read the sector codes: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise LoadError(path, "", "", f"not UTF-8 text: {exc}") from None
    except csv.Error as exc:
        raise LoadError(path, "", "", f"not a CSV file: {exc}") from None


def _read_sectors(path, reader):
    missing = [c for c in SECTOR_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise LoadError(path, "header", ", ".join(missing), "column missing from the header")
    categories, sectors = {}, {}
    for n, row in enumerate(reader, start=2):
        if None in row or any(row[c] is None for c in SECTOR_COLUMNS):
            raise LoadError(path, f"line {n}", "", "not as many values as header columns")
        code = row["code"].strip()
        if code in sectors:
            raise LoadError(path, f"sector {code} (line {n})", "code", "duplicate code")
        categories.setdefault(
            row["category_code"],
            SectorCategory(code=row["category_code"], name=row["category_name"]),
        )
        sectors[code] = Sector(
            code=code,
            name=row["name"],
            category_id=row["category_code"],
            status=row["status"],
            description=row["description"],
        )
    return categories, sectors
