"""`manage.py serve` is the production server: it refuses DEBUG and runs granian, which reads
each request before a worker thread sees it (tests/perf/slow_clients.py measures why)."""

import os
import subprocess
import sys
from pathlib import Path

from programmes.management.commands.serve import HEADER_READ_TIMEOUT_MS, granian_argv

ROOT = Path(__file__).resolve().parents[1]


def test_it_refuses_to_serve_with_debug_on():
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": "sqlite:////nonexistent/never-made.db"}
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--port", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "unset DEBUG" in result.stderr
    assert "Serving" not in result.stdout


def test_it_serves_wsgi_with_granian_and_a_header_deadline():
    argv = granian_argv("/venv/bin/granian", "127.0.0.1", "8000", "2", ROOT)
    assert argv[0] == "/venv/bin/granian"
    assert argv[argv.index("--interface") + 1] == "wsgi"
    assert argv[argv.index("--workers") + 1] == "2"
    assert argv[argv.index("--http1-header-read-timeout") + 1] == str(HEADER_READ_TIMEOUT_MS)
    assert argv[-1] == "catalogue.wsgi:application"
