"""Two more sources, as a curator adds them: an English web page (an organisation its author,
its publisher, address and day of access) and a Japanese page, each a text in
`sources/` and a fixture file in `records/` with new records (a partner, statements, a milestone
with participants) and citations added to records of the other documents.

`add_sources(fixtures_dir)` writes them into a copy of the fixtures; `pytest --added-sources` runs
the whole suite on the catalogue they make, and tests/test_added_sources.py loads it, renders its
pages and exports it. No figure of a test may depend on which sources there are.
"""

import hashlib
import json
import re

from programmes.loading.shorthand import compact, dumps

ENGLISH = (
    "Dalian and Kitakyushu: twenty years of environmental cooperation\n"
    "City of Kitakyushu, Environment Bureau\n"
    "The Kitakyushu International Techno-cooperative Association trained engineers from Dalian.\n"
    "Air quality in Dalian improved after the cooperation began.\n"
    "Dalian and Kitakyushu continue to work together.\n"
    "Kitakyushu City also paid for the monitoring equipment.\n"
)
JAPANESE = (
    "大連市と北九州市の環境協力\n"
    "北九州市は大連市に専門家を派遣した。"
    "大連市の大気はきれいになった。"
    "両市の協力は続いている！\n"
)
ENGLISH_FILE = "900_added_web_page.txt"
ADDRESS = "https://www.city.kitakyushu.example/environment/dalian.html"
JAPANESE_FILE = "901_added_japanese_page.txt"


def _sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _summary(what):
    return {"interpreted": f"The catalogue's summary of {what}."}


def english():
    title = "Dalian and Kitakyushu: twenty years of environmental cooperation"
    trained = (
        "The Kitakyushu International Techno-cooperative Association trained engineers from Dalian."
    )
    improved = "Air quality in Dalian improved after the cooperation began."
    together = "Dalian and Kitakyushu continue to work together."
    paid = "Kitakyushu City also paid for the monitoring equipment."
    return {
        "source": {
            "slug": "added-web-page-dalian-kitakyushu",
            "file": ENGLISH_FILE,
            "sha256": _sha(ENGLISH),
            "title": title,
            "kind": "web-page",
            "author_organisation": "City of Kitakyushu, Environment Bureau",
            "publisher": "City of Kitakyushu",
            "address": ADDRESS,
            "accessed": "2026-12-01",
            "language": "en",
            "date_precision": "unknown",
            "evidence": {
                "title": {"stated": [title]},
                "kind": {"interpreted": "The catalogue's classification.", "from": [title]},
                "author_organisation": {"stated": ["City of Kitakyushu, Environment Bureau"]},
                "publisher": {
                    "interpreted": "The city whose bureau wrote the page, read as its publisher.",
                    "from": ["City of Kitakyushu, Environment Bureau"],
                },
            },
            "uncatalogued": [],
        },
        "records": [
            {
                "model": "partner",
                "slug": "added-kitakyushu-techno-cooperative-association",
                "name": "Kitakyushu International Techno-cooperative Association",
                "kind": "association",
                "cite": [trained],
                "evidence": {
                    "name": {"stated": ["Kitakyushu International Techno-cooperative Association"]},
                    "kind": {"interpreted": "The catalogue's classification.", "from": [trained]},
                },
            },
            {
                "model": "statement",
                "slug": "added-air-quality-improved",
                "topic": "outcome",
                "summary": "Dalian's air improved after the cooperation began.",
                "city": "dalian",
                "cite": [improved],
                "evidence": {
                    "summary": {**_summary("the sentence"), "from": [improved]},
                    "topic": {"interpreted": "The catalogue's classification.", "from": [improved]},
                    "city": {"stated": ["Air quality in Dalian"]},
                },
            },
            {
                "model": "city",
                "slug": "dalian",
                "extend": True,
                "cite": [{"quote": "Dalian", "prefix": "engineers from "}],
            },
            # What this source adds to records of the others, each with its own evidence: a
            # participant, a funder, and its words for a value another source states.
            {
                "model": "programme",
                "slug": "dalian-kitakyushu-environmental-cooperation",
                "extend": True,
                "cite": [together],
                "participants": [
                    {
                        "partner": "added-kitakyushu-techno-cooperative-association",
                        "role": "implementer",
                        "cite": [trained],
                        "evidence": {
                            "partner": {
                                "stated": [
                                    "Kitakyushu International Techno-cooperative Association"
                                ]
                            },
                            "role": {
                                "interpreted": "Training Dalian's engineers, read as carrying out "
                                "the cooperation.",
                                "from": [trained],
                            },
                        },
                    }
                ],
            },
            {
                "model": "project",
                "slug": "jica-environmental-monitoring-equipment",
                "extend": True,
                "cite": [paid],
                "funders": ["kitakyushu-city"],
                "evidence": {"funders": {"stated": [paid]}},
            },
            {
                "model": "city",
                "slug": "kitakyushu",
                "extend": True,
                "cite": [together],
                "evidence": {"name": {"stated": [together]}},
            },
        ],
    }


def japanese():
    title = "大連市と北九州市の環境協力"
    sent = "北九州市は大連市に専門家を派遣した。"
    air = "大連市の大気はきれいになった。"
    ongoing = "両市の協力は続いている！"
    return {
        "source": {
            "slug": "added-japanese-page-dalian-kitakyushu",
            "file": JAPANESE_FILE,
            "sha256": _sha(JAPANESE),
            "title": title,
            "kind": "news-article",
            "language": "ja",
            "date_precision": "unknown",
            "evidence": {
                "title": {"stated": [title]},
                "kind": {"interpreted": "The catalogue's classification.", "from": [title]},
            },
            "uncatalogued": [],
        },
        "records": [
            {
                "model": "milestone",
                "slug": "added-kitakyushu-sends-experts-to-dalian",
                "title": "Kitakyushu sends experts to Dalian",
                "kind": "visit",
                "date_precision": "unknown",
                "cite": [sent],
                "evidence": {
                    "title": {"interpreted": "The catalogue's translation.", "from": [sent]},
                    "kind": {"interpreted": "The catalogue's classification.", "from": [sent]},
                },
                "participants": [
                    {
                        "city": "kitakyushu",
                        "role": "proposer",
                        "cite": ["北九州市は"],
                        "evidence": {
                            "city": {"stated": ["北九州市は"]},
                            "role": {
                                "interpreted": "The sender, read as the proposer.",
                                "from": [sent],
                            },
                        },
                    },
                    {
                        "city": "dalian",
                        "role": "participant",
                        "cite": ["大連市に"],
                        "evidence": {"city": {"stated": ["大連市に"]}, "role": {"stated": [sent]}},
                    },
                ],
            },
            {
                "model": "statement",
                "slug": "added-dalian-air-clean",
                "topic": "outcome",
                "summary": "Dalian's air became clean.",
                "city": "dalian",
                "cite": [air],
                "evidence": {
                    "summary": {**_summary("the sentence"), "from": [air]},
                    "topic": {"interpreted": "The catalogue's classification.", "from": [air]},
                    "city": {"stated": ["大連市の"]},
                },
            },
            {
                "model": "statement",
                "slug": "added-cooperation-continues",
                "topic": "context",
                "summary": "The two cities' cooperation continues.",
                "city": "kitakyushu",
                "cite": [ongoing],
                "evidence": {
                    "summary": {**_summary("the sentence"), "from": [ongoing]},
                    "topic": {"interpreted": "The catalogue's classification.", "from": [ongoing]},
                    "city": {
                        "interpreted": "“両市” read as Kitakyushu and Dalian.",
                        "from": [ongoing],
                    },
                },
            },
        ],
    }


ADDED = {ENGLISH_FILE: (ENGLISH, english), JAPANESE_FILE: (JAPANESE, japanese)}


def add_sources(fixtures_dir):
    """Write the two sources into the fixtures folder `fixtures_dir` (a copy of the real one), and
    bring its transcription note's counts up to date as a curator would; returns their slugs."""
    slugs = []
    for name, (text, fixture) in ADDED.items():
        (fixtures_dir / "sources" / name).write_text(text, encoding="utf-8")
        doc = fixture()
        path = fixtures_dir / "records" / f"{name.removesuffix('.txt')}.json"
        # One in the full form, one in the shorthand: the loader reads both.
        text = dumps(compact(doc)) if name == JAPANESE_FILE else json.dumps(doc, ensure_ascii=False)
        path.write_text(text, encoding="utf-8")
        slugs.append(doc["source"]["slug"])
    return slugs


def write_counts(note_path, counts):
    """The counts table of a transcription note, rewritten with `counts` (label -> number)."""
    note = note_path.read_text(encoding="utf-8")
    for label, number in counts.items():
        note = re.sub(
            rf"^\| {re.escape(label)} \| \d+ \|$", f"| {label} | {number} |", note, flags=re.M
        )
    note_path.write_text(note, encoding="utf-8")
