import stat

from civic.config import from_environment, normalise_database_url


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = from_environment(tmp_path, {})["SECRET_KEY"]
    second = from_environment(tmp_path, {})["SECRET_KEY"]
    assert first == second and len(first) == 64
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_secret_key_from_environment_wins(tmp_path):
    assert from_environment(tmp_path, {"SECRET_KEY": "from-env"})["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_database_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    assert from_environment(tmp_path, {})["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'civic.db'}"


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_redis_url_drives_the_rate_limit_storage(tmp_path):
    settings = from_environment(tmp_path, {"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert from_environment(tmp_path, {})["RATELIMIT_STORAGE_URI"] == "memory://"


def test_development_mail_goes_to_the_console(tmp_path):
    assert from_environment(tmp_path, {})["MAIL_BACKEND"] == "console"
