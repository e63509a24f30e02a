"""Schema migrations: numbered SQL files in migrations/, each applied once, in order.

`webcast-app migrate` runs them. The applied versions are rows of `schema_migrations`, so a second run
applies nothing. Instances of one environment boot together and may all run it at once: a named
lock (GET_LOCK) lets one of them migrate while the others wait, then find nothing left to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import pymysql

LOCK_NAME = "webcast_app_migrate"
LOCK_TIMEOUT_S = 300
FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

TRACKING_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """The file's statements: split on a semicolon that ends a line; `--` comment lines dropped."""
        lines = [line for line in self.sql.splitlines() if not line.lstrip().startswith("--")]
        parts = re.split(r";[ \t]*(?:\n|$)", "\n".join(lines))
        return [part.strip() for part in parts if part.strip()]


def available() -> list[Migration]:
    """Every migration shipped in the package, by version."""
    found = []
    for entry in resources.files("webcast_app").joinpath("migrations").iterdir():
        match = FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a version: {versions}")
    return found


def applied(connection: pymysql.connections.Connection) -> set[int]:
    """The versions already applied; empty when the tracking table does not exist yet."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) AS n FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'"
        )
        if not cursor.fetchone()["n"]:
            return set()
        cursor.execute("SELECT version FROM schema_migrations")
        return {row["version"] for row in cursor.fetchall()}


def pending(connection: pymysql.connections.Connection) -> list[Migration]:
    done = applied(connection)
    return [migration for migration in available() if migration.version not in done]


def migrate(connection: pymysql.connections.Connection) -> list[Migration]:
    """Apply what is pending, under the named lock; return what this call applied."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, %s) AS got", (LOCK_NAME, LOCK_TIMEOUT_S))
        if cursor.fetchone()["got"] != 1:
            raise RuntimeError(f"another migration held the lock {LOCK_NAME} for {LOCK_TIMEOUT_S} s")
        try:
            cursor.execute(TRACKING_TABLE)
            done = []
            for migration in pending(connection):
                # MySQL commits DDL implicitly, so a migration is not atomic: each statement of a
                # migration file is written to be safe to run again (IF NOT EXISTS), which makes
                # a migration interrupted half-way complete on the next run.
                for statement in migration.statements():
                    cursor.execute(statement)
                cursor.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
                connection.commit()
                done.append(migration)
            return done
        finally:
            cursor.execute("DO RELEASE_LOCK(%s)", (LOCK_NAME,))
