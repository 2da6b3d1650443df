"""bench/http.py runs: gunicorn with production settings on a throwaway PostgreSQL database holding the demo
city, wrk for one second on one page, and figures printed. No timing is asserted: it is a benchmark."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from civic import ROOT, create_app
from civic.config import for_tests
from civic.demo import load_demo
from civic.extensions import db
from tests.conftest import PG_URL, separate_database

pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="bench/http.py needs PostgreSQL: set CIVIC_TEST_DATABASE_URL"),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="bench/http.py needs Redis: set REDIS_URL"),
    pytest.mark.skipif(shutil.which("wrk") is None, reason="bench/http.py needs wrk: apt-get install -y wrk"),
]


@pytest.fixture()
def demo_database(tmp_path):
    url = separate_database("postgresql", tmp_path, "bench_http")
    app = create_app(for_tests(url))
    with app.app_context():
        upgrade()
        load_demo("bench-http-test-passphrase-3")
        db.session.commit()
        db.engine.dispose()
    yield url
    admin = sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def test_bench_http_prints_figures_for_a_page(demo_database):
    env = {**os.environ, "DATABASE_URL": demo_database}
    done = subprocess.run([sys.executable, "bench/http.py", "--duration", "1", "--connections", "4", "--workers", "2",
                           "--pages", "proposal-busiest", "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    pages = {row["page"]: row for row in report["pages"]}
    assert set(pages) == {"healthz", "proposal-busiest"}
    for row in pages.values():
        assert row["status"] == 200 and row["requests"] > 0
        for figure in ("rps", "p50_ms", "p95_ms", "p99_ms", "app_cpu_ms", "html_bytes", "gzip_bytes"):
            assert row[figure] >= 0
    assert pages["proposal-busiest"]["html_bytes"] > 1000
    assert report["server"]["CIVIC_ENV"] == "production" and report["server"]["RATELIMIT_ENABLED"] == "1"
    assert "rate limits: on" in done.stderr


def test_bench_http_refuses_sqlite(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    done = subprocess.run([sys.executable, "bench/http.py", "--duration", "1"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "--sqlite" in done.stderr
