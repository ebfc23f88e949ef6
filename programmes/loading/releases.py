"""The release history: every catalogue version the site has held, kept when the next one is
loaded, and what changed from one to the next.

A loading command (`load_catalogue`, `load_dump`: `outcome.load_and_report`) records the
version it loads, in the load's transaction, with its contents, the dump (`/catalogue.json`),
which is what the version's package holds: the package of any version is built from them
(`datapackage.build`), and the changes between two versions are read from them, table by table
of the package, so that nothing else needs to be kept. A version's record is written once, the
first time the site holds it; a version loaded again keeps its first date.

The changes are told per table of the package, its key (`datapackage.key_field`: a slug, a
code, a passage id) naming each row, field by field over the columns the package's Table Schema
names (the models' fields the registry's tables declare, as `dump` writes them): the rows added,
those removed, and for each row that is in both versions but differs, every field that changed
with its value before and after. A table without a key (the participations: a city or partner in
a role) is compared row by row, a changed row being one removed and one added.
"""

import gzip
import json

from django.db.models import Q

from ..models import Release
from .datapackage import key_field, resource_name, resource_title
from .dump import TABLES, dump_catalogue


def encode(dump):
    # mtime=0: the same contents are the same bytes.
    return gzip.compress(json.dumps(dump, ensure_ascii=False).encode(), mtime=0)


def contents(release):
    """The dump a release was made from, as `dump.dump_catalogue()` gave it."""
    return json.loads(gzip.decompress(bytes(release.contents)))


def record(version):
    """Keep `version` (just loaded, inside the load's transaction) as a release, unless the site
    already holds it. Synthetic catalogues, made for benchmarks, are not releases."""
    # COUNT, not exists(): a load makes no LIMIT 1 query (tests/test_loader_speed.py).
    if version.is_synthetic or Release.objects.filter(version=version.version).count():
        return
    Release.objects.create(
        version=version.version,
        loaded_at=version.loaded_at,
        contents=encode(dump_catalogue(version)),
    )


def of(version):
    """The release of `version` (the CatalogueVersion served), from which its citation's date is
    read; the version itself where it was loaded before releases were kept (None: None)."""
    if version is None:
        return None
    return Release.objects.listed().filter(version=version.version).first() or version


def names(current=None):
    """The names of every release, oldest first; `current` (the version being served) among
    them even where it was loaded before releases were kept."""
    held = [version[:12] for version in Release.objects.values_list("version", flat=True)]
    if current is not None and current.version[:12] not in held:
        held.append(current.version[:12])
    return held


def previous(release):
    """The release held before `release`, or None for the first."""
    earlier = Q(loaded_at__lt=release.loaded_at) | Q(loaded_at=release.loaded_at, pk__lt=release.pk)
    return Release.objects.listed().filter(earlier).order_by("-loaded_at", "-pk").first()


def _about(release):
    return {
        "version": release.name,
        "catalogue_version": release.version,
        "released": release.loaded_at.date().isoformat(),
    }


def _canonical(row):
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def _table_changes(before, after, key):
    if key is None:
        old = [_canonical(row) for row in before]
        new = [_canonical(row) for row in after]
        gone, came = list(old), list(new)
        for row in new:
            if row in gone:
                gone.remove(row)
                came.remove(row)
        return [json.loads(r) for r in came], [json.loads(r) for r in gone], []
    old = {row[key]: row for row in before}
    new = {row[key]: row for row in after}
    added = [row[key] for row in after if row[key] not in old]
    removed = [row[key] for row in before if row[key] not in new]
    changed = []
    for row in after:
        was = old.get(row[key])
        if was is None or was == row:
            continue
        columns = list(dict.fromkeys([*was, *row]))
        changed.append(
            {
                "key": row[key],
                "fields": [
                    {"field": name, "from": was.get(name), "to": row.get(name)}
                    for name in columns
                    if was.get(name) != row.get(name)
                ],
            }
        )
    return added, removed, changed


def changes(release, before=None):
    """What changed from the release before `release` (`before`, found if not given) to it: a
    JSON-ready dict naming both versions and, for each table that changed, the rows added,
    removed and changed field by field. The first release has nothing before it: `from` is
    None and no table is listed."""
    before = previous(release) if before is None else before
    tables = []
    if before is not None:
        old, new = contents(before), contents(release)
        for name, model in TABLES.items():
            key = key_field(model)
            added, removed, changed = _table_changes(old.get(name, []), new.get(name, []), key)
            if added or removed or changed:
                tables.append(
                    {
                        "table": resource_name(model),
                        "title": resource_title(name, model),
                        "key": key,
                        "added": added,
                        "removed": removed,
                        "changed": changed,
                    }
                )
    return {
        "from": _about(before) if before is not None else None,
        "to": _about(release),
        "counts": {
            what: sum(len(t[what]) for t in tables) for what in ("added", "removed", "changed")
        },
        "tables": tables,
    }
