"""Several app servers behave as one: shared secret, shared rate limits through Redis."""

import json
import os
import secrets
import subprocess
import sys
import textwrap

import pytest

from civic import create_app
from civic.config import for_tests

REDIS_URL = os.environ.get("REDIS_URL")

# One "app server": a separate process with its own app and limiter, sharing only Redis.
SERVER = textwrap.dedent("""
    import json, sys
    from civic import create_app
    from civic.config import for_tests
    database_url, redis_url, address, attempts, email = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    app = create_app({**for_tests(database_url), "RATELIMIT_STORAGE_URI": redis_url, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    print(json.dumps([client.post("/account/sign-in", data={"email": email, "password": "nope-nope"},
                                  environ_base={"REMOTE_ADDR": address}).status_code for _ in range(attempts)]))
""")


@pytest.fixture
def redis_url():
    if not REDIS_URL:
        pytest.skip("Redis tests skipped: set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run them")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis tests skipped: no Redis answers at {REDIS_URL}")
    return REDIS_URL


def _server(database_url, redis_url, address, attempts, email):
    result = subprocess.run([sys.executable, "-c", SERVER, database_url, redis_url, address, str(attempts), email],
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_app_servers_share_one_sign_in_limit(app, database_url, redis_url):
    # Fresh per run: the counters live in the shared Redis, which outlives one test.
    address = f"198.51.100.{secrets.randbelow(250) + 1}-{secrets.token_hex(4)}"
    email = f"x-{secrets.token_hex(4)}@example.org"
    first = _server(database_url, redis_url, address, 10, email)
    second = _server(database_url, redis_url, address, 1, email)
    assert first == [422] * 10
    assert second == [429], "the second server did not see the first server's attempts"


def test_app_servers_sharing_an_instance_folder_sign_alike(database_url):
    first, second = create_app(for_tests(database_url)), create_app(for_tests(database_url))
    assert first.secret_key == second.secret_key
