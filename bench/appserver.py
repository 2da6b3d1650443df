"""Shared by bench/http.py and bench/vote_http.py: the app served the README's production way (gunicorn,
`wsgi:app`, PostgreSQL, Redis, CIVIC_ENV=production behind one proxy), accounts made in bulk, a small
HTTP client that signs in through the real form, and CPU time read from /proc.

Not a benchmark by itself.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
# The benchmark plays the one reverse proxy (CIVIC_PROXY_COUNT=1) that terminates HTTPS: every request it
# sends says so, and says it comes from 127.0.0.1.
PROXY_HEADERS = {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https", "User-Agent": "civic-bench"}
BENCH_PASSWORD = "bench-passphrase-correct-horse-9"  # of the accounts the benchmarks create (bench.example.org)


def database_url(allow_sqlite: bool) -> str:
    """DATABASE_URL, which must be PostgreSQL unless --sqlite was given; exits with a message otherwise."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("DATABASE_URL is not set: point it at a PostgreSQL database with a city in it, e.g.\n"
                 "  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/civic_bench (run `civic db upgrade` and "
                 "`civic demo` on it first)")
    if not url.startswith(("postgres://", "postgresql")) and not allow_sqlite:
        sys.exit(f"DATABASE_URL={url} is not PostgreSQL. Production runs on PostgreSQL and SQLite serialises "
                 "writers, so the figures would mean little; pass --sqlite to measure it anyway.")
    return url


def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        sys.exit("REDIS_URL is not set: production keeps the rate limits in Redis, shared by every worker, "
                 "e.g. REDIS_URL=redis://127.0.0.1:6379/0")
    return url


def in_process_app(url: str):
    """The app in this process, for reading ids from and writing bench accounts to the same database."""
    from civic import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "CIVIC_ENV": "development"})


# --- gunicorn --------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """gunicorn with `workers` sync workers serving wsgi:app on 127.0.0.1:<port>, configured for production."""

    url: str
    redis: str
    workers: int = 4
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        self.settings = {
            "CIVIC_ENV": "production",
            "CIVIC_BASE_URL": f"http://127.0.0.1:{self.port}/",
            # The benchmark is the one proxy: it sends X-Forwarded-Proto: https (so production's HTTPS
            # redirect and secure cookies behave as behind nginx) and X-Forwarded-For: 127.0.0.1.
            "CIVIC_PROXY_COUNT": "1",
            "DATABASE_URL": self.url,
            "REDIS_URL": self.redis,
            "RATELIMIT_ENABLED": "1",
            # Nothing here sends mail, and none may leave this machine if something did.
            "MAIL_BACKEND": "dummy",
        }
        env = {**os.environ, **self.settings}
        # A fresh session key for each run: sessions of one run only, and the per-account sign-in counters
        # (keyed with it) of earlier runs do not carry over. VOTING_KEY must be the one the data was made with:
        # taken from the environment if set, otherwise from the instance folder, as the app itself does.
        env["SECRET_KEY"] = secrets.token_hex(32)
        self.settings["SECRET_KEY"] = "(generated for this run)"
        self.settings["VOTING_KEY"] = "(from the environment)" if os.environ.get("VOTING_KEY") else \
            "(from the instance folder, as the app reads it)"
        return env

    def start(self) -> None:
        # Stopped with SIGTERM (timeout, kill), still stop gunicorn: `finally` blocks run on SystemExit.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        handle, name = tempfile.mkstemp(prefix="civic-gunicorn-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn) if gunicorn.exists() else sys.executable, *([] if gunicorn.exists() else
                   ["-m", "gunicorn"]), "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
                   "--chdir", str(ROOT), "--error-logfile", str(self.log_path), "--timeout", "60",
                   # gunicorn 27's control socket is one path per user (~/.gunicorn/gunicorn.ctl): two servers on
                   # one machine would share it. Nothing here uses it.
                   "--no-control-socket", "wsgi:app"]
        self.process = subprocess.Popen(command, env=self.environment(), cwd=ROOT, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn stopped at start (exit {self.process.returncode}); its log:\n"
                         + self.log_path.read_text()[-3000:])
            try:
                status, _, _ = request("GET", self.base + "/healthz", timeout=2)
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        sys.exit("gunicorn did not answer /healthz within 60 s; its log:\n" + self.log_path.read_text()[-3000:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def cpu_seconds(self) -> float:
        """CPU time of every worker, living or already reaped by the master (its children's times)."""
        total = sum(process_cpu(pid) for pid in self.worker_pids())
        if self.process is not None:
            total += process_cpu(self.process.pid, children=True)
        return total

    def log_problems(self) -> list[str]:
        """Lines of gunicorn's log that say something went wrong (tracebacks, timeouts, killed workers)."""
        if self.log_path is None or not self.log_path.exists():
            return []
        return [line for line in self.log_path.read_text(errors="replace").splitlines()
                if re.search(r"\[(ERROR|CRITICAL)\]|Traceback|WORKER TIMEOUT|SIGKILL", line)]

    def describe(self) -> str:
        shown = " ".join(f"{name}={value}" for name, value in self.settings.items())
        return f"gunicorn --workers {self.workers} --bind 127.0.0.1:{self.port} wsgi:app  with {shown}"


def rate_limit_settings() -> dict[str, str]:
    """The rate limits the app servers run with (CIVIC_LIMIT_* from the environment, else the defaults)."""
    from civic.config import RATE_LIMITS

    return {f"CIVIC_{name}": os.environ.get(f"CIVIC_{name}", default) for name, default in RATE_LIMITS.items()}


# --- /proc -----------------------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int, children: bool = False) -> float:
    """User + system CPU seconds of a process (or of its reaped children), from /proc/<pid>/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "; fields[0] is the state (field 3)
    first = 13 if children else 11  # utime, stime = fields 14, 15; cutime, cstime = 16, 17
    return (int(fields[first]) + int(fields[first + 1])) / _TICK


def process_age(pid: int) -> float:
    """Seconds since the process started (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except OSError:
        return 0.0
    return uptime - int(stat[stat.rindex(")") + 2:].split()[19]) / _TICK  # field 22: starttime


def postgres_backends(database: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving `database` on this machine ({} if not visible)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # "postgres: 15/main: postgres civic_bench 127.0.0.1(51234) idle"
        if command.startswith("postgres:") and f" {database} " in command:
            found[int(entry.name)] = process_cpu(int(entry.name))
    return found


def postgres_cpu_between(before: dict[int, float], after: dict[int, float]) -> float | None:
    if not before and not after:
        return None
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# --- HTTP ------------------------------------------------------------------------------------------------

def request(method: str, url: str, body: dict | None = None, cookies: dict[str, str] | None = None,
            timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection (gunicorn's sync workers close it after each answer)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = dict(PROXY_HEADERS)
    data = None
    if body is not None:
        data = urlencode(body, doseq=True).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        # A browser sends the page the form was on; over HTTPS, Flask-WTF refuses a POST without it.
        headers["Referer"] = f"https://{parts.netloc}{parts.path}"
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), data, headers)
        response = connection.getresponse()
        payload = response.read()
        answer = {name.lower(): value for name, value in response.getheaders() if name.lower() != "set-cookie"}
        if cookies is not None:
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if "expires=thu, 01 jan 1970" in value.lower() or "max-age=0" in value.lower():
                        cookies.pop(key.strip(), None)
                    else:
                        cookies[key.strip()] = cookie_value
        return response.status, answer, payload
    finally:
        connection.close()


_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: bytes) -> str:
    found = _CSRF.search(html)
    if not found:
        raise ValueError("no csrf_token in the page")
    return (found.group(1) or found.group(2)).decode()


def sign_in(base: str, email: str, password: str, timeout: float = 30) -> dict[str, str]:
    """Sign in through the real form (GET it for the CSRF token, POST it); returns the cookies."""
    cookies: dict[str, str] = {}
    status, _, page = request("GET", base + "/account/sign-in", cookies=cookies, timeout=timeout)
    if status != 200:
        raise RuntimeError(f"GET /account/sign-in answered {status}")
    status, headers, page = request("POST", base + "/account/sign-in", {
        "email": email, "password": password, "csrf_token": csrf_token(page)}, cookies=cookies, timeout=timeout)
    if status not in (302, 303):
        raise RuntimeError(f"signing in as {email} answered {status}, not a redirect")
    return cookies


# --- accounts --------------------------------------------------------------------------------------------

def bench_accounts(count: int, prefix: str, district_id: int | None = None) -> list[tuple[int, int, str]]:
    """`count` confirmed resident accounts `<prefix>-<n>@bench.example.org`, each a verified voter, made with bulk
    inserts and one shared password hash (BENCH_PASSWORD) where missing. Returns (user id, voter id, e-mail).
    Runs inside an app context."""
    import sqlalchemy as sa

    from civic.accounts.models import User
    from civic.accounts.passwords import hash_password
    from civic.budgets import eligibility
    from civic.budgets.models import Voter
    from civic.core.db import utcnow
    from civic.extensions import db

    now = utcnow()
    emails = [f"{prefix}-{n}@bench.example.org" for n in range(count)]
    existing = dict(db.session.execute(sa.select(User.email, User.id).where(User.email.like(f"{prefix}-%@bench.example.org"))).all())
    missing = [email for email in emails if email not in existing]
    if missing:
        password_hash = hash_password(BENCH_PASSWORD)
        for start in range(0, len(missing), 5000):
            db.session.execute(sa.insert(User), [
                {"email": email, "display_name": f"Bench voter {email.split('@')[0].rsplit('-', 1)[1]}",
                 "password_hash": password_hash, "role": "resident", "show_name_publicly": False,
                 "session_version": 1, "created_at": now, "email_confirmed_at": now}
                for email in missing[start:start + 5000]])
        existing = dict(db.session.execute(sa.select(User.email, User.id)
                                           .where(User.email.like(f"{prefix}-%@bench.example.org"))).all())
    user_ids = [existing[email] for email in emails]
    voters = dict(db.session.execute(sa.select(Voter.user_id, Voter.id).where(Voter.user_id.in_(user_ids))).all())
    unverified = [user_id for user_id in user_ids if user_id not in voters]
    if unverified:
        for start in range(0, len(unverified), 5000):
            db.session.execute(sa.insert(Voter), [
                {"document_hash": eligibility.document_hash(f"BENCH-{prefix}-{user_id}"), "user_id": user_id,
                 "district_id": district_id, "method": "list", "verified_at": now}
                for user_id in unverified[start:start + 5000]])
        voters = dict(db.session.execute(sa.select(Voter.user_id, Voter.id).where(Voter.user_id.in_(user_ids))).all())
    db.session.commit()
    return [(user_id, voters[user_id], email) for user_id, email in zip(user_ids, emails)]
