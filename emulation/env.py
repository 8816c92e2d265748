"""Typed readers of environment variables that refuse bad values loudly.

A typo in a production environment ("DEBUG=flase") must stop the server at
start-up, not quietly run it in the wrong mode.
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit


class ImproperlyConfiguredEnv(ValueError):
    pass


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    return default if value is None else _boolean(name, value)


def _boolean(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfiguredEnv(f"{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name}={value!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Django's own deploy check (security.W009) asks for this much; a shorter key
# is a typed-in word, not a generated secret.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
# Words of the placeholders in .env.example and in guides: a key holding one was
# copied, not generated.
_PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "placeholder", "example", "insecure")


def secret_key_problem(key: str) -> str | None:
    """Why `key` is no production SECRET_KEY, or None when it may be one."""
    lowered = key.lower()
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        return "SECRET_KEY is a placeholder (from .env.example?): generate a random one"
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"SECRET_KEY must be a random string of at least {SECRET_KEY_MIN_LENGTH} characters"
    return None


# At the deadline peak (#17) every save runs the same dozen statements with
# other values. Bound on the server and prepared from their fifth run on a
# connection (Django's persistent connections keep them), each is parsed and
# planned once per connection instead of on every save: PostgreSQL's CPU per
# save halves, and psycopg no longer quotes each value into the SQL. Behind a
# pooler that cannot keep prepared statements (PgBouncer in transaction mode
# without max_prepared_statements), add ?prepare_threshold=none to the URL.
POSTGRES_OPTIONS = {"server_side_binding": True, "prepare_threshold": 5}


def _postgres_options(query: dict[str, str]) -> dict:
    """The URL's query as connection options, over POSTGRES_OPTIONS; the two
    of Django and psycopg that are not strings read as what they are."""
    options = POSTGRES_OPTIONS | query
    if "server_side_binding" in query:
        options["server_side_binding"] = _boolean(
            "server_side_binding", query["server_side_binding"]
        )
    threshold = query.get("prepare_threshold", "").strip().lower()
    if threshold == "none":
        options["prepare_threshold"] = None
    elif threshold:
        try:
            options["prepare_threshold"] = int(threshold)
        except ValueError:
            raise ImproperlyConfiguredEnv(
                f"prepare_threshold={query['prepare_threshold']!r} is not an integer or none"
            ) from None
    return options


def database_from_url(url: str, base_dir: Path) -> dict:
    """Django's DATABASES entry for a sqlite:/// or postgres:// URL."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///name is relative to the project root, sqlite:////abs/path is absolute.
        path = unquote(parts.path)
        if not path or path == "/":
            raise ImproperlyConfiguredEnv(f"DATABASE_URL={url!r} names no SQLite file")
        name = Path(path[1:])
        if not name.is_absolute():
            name = base_dir / name
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(name)}
    if parts.scheme in {"postgres", "postgresql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfiguredEnv(f"DATABASE_URL={url!r} names no database")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfiguredEnv(f"DATABASE_URL={url!r} has a bad port") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": _postgres_options(dict(parse_qsl(parts.query))),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfiguredEnv(
        f"DATABASE_URL={url!r}: only sqlite:/// and postgres:// URLs are supported"
    )
