"""Lighthouse on the five pages of the three journeys, desktop and mobile, on the production server.

Starts `manage.py serve` (granian, CATALOGUE_ENV=production, DEBUG off) on a free loopback port
from a temporary SQLite file, runs Lighthouse 12 (pinned in tests/lighthouse/package.json; install
it with `npm ci --prefix tests/lighthouse`) with Debian's Chromium against each page with the
desktop preset and with Lighthouse's default mobile emulation, prints the four category scores and
exits non-zero if any is below 100. Not part of the pytest run.

    .venv/bin/python tests/lighthouse/run.py [--keep-reports DIR] [--page NAME] [--form-factor F]
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "perf"))

from bench import free_port  # noqa: E402
from load import serve, stop  # noqa: E402

LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CHROME = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking"
    " --disable-component-update --no-first-run"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES = [
    ("home", "/"),
    ("city", "/cities/dalian/"),
    ("filtered projects", "/projects/?sector=14022"),
    (
        "source reader",
        "/sources/liang-2003-environmental-protection-and-international-cooperation-in-dalian/",
    ),
    ("timeline", "/milestones/"),
]
FORM_FACTORS = ("desktop", "mobile")
ATTEMPTS = 3


def lighthouse(url, form_factor, report):
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    for attempt in range(1, ATTEMPTS + 1):
        # On a busy machine Chromium's trace sometimes misses the navigation (NO_NAVSTART).
        done = subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROME})
        if done.returncode == 0:
            break
        if attempt == ATTEMPTS:
            raise SystemExit(f"Lighthouse failed {ATTEMPTS} times on {url} ({form_factor})")
    result = json.loads(report.read_text())
    scores = {c: round(result["categories"][c]["score"] * 100) for c in CATEGORIES}
    failing = [
        f"{audit['id']} ({audit['score']})"
        for audit in result["audits"].values()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
    ]
    return scores, failing


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep-reports", type=Path, help="write each JSON report here")
    # To measure one page again when the machine is less loaded: --page city --form-factor mobile
    parser.add_argument("--page", action="append", choices=[name for name, _ in PAGES])
    parser.add_argument("--form-factor", action="append", choices=FORM_FACTORS)
    args = parser.parse_args()
    pages = [(name, path) for name, path in PAGES if not args.page or name in args.page]
    form_factors = args.form_factor or FORM_FACTORS
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: npm ci --prefix tests/lighthouse")

    tmp = Path(tempfile.mkdtemp(prefix="catalogue-lighthouse-"))
    reports = args.keep_reports or tmp
    reports.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "CATALOGUE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{tmp}/catalogue.sqlite3",
    }
    env.pop("DEBUG", None)
    below = []
    with open(tmp / "server.log", "w") as log:
        process, base = serve(env, port, log)
        try:
            print(f"| page | form factor | {' | '.join(CATEGORIES)} |")
            print("|---|---|" + "---|" * len(CATEGORIES))
            for name, path in pages:
                for form_factor in form_factors:
                    slug = f"{name.replace(' ', '-')}-{form_factor}"
                    scores, failing = lighthouse(base + path, form_factor, reports / f"{slug}.json")
                    cells = " | ".join(str(scores[c]) for c in CATEGORIES)
                    print(f"| {name} `{path}` | {form_factor} | {cells} |", flush=True)
                    if min(scores.values()) < 100:
                        below.append(f"{name} {form_factor}: {', '.join(failing)}")
        finally:
            stop(process)
    for line in below:
        print("below 100:", line, file=sys.stderr)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
