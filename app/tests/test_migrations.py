"""Migrations: numbered SQL files, each applied once; running them again changes nothing."""

import threading

import pytest
from conftest import environment, new_database

from webcast_app import cli, db, migrations

TABLES = {"schema_migrations", "webcasts", "stream_keys", "registrations", "recordings"}


@pytest.fixture
def empty(mariadb, base_config, replace):
    """Settings for a database that exists and is empty."""
    return replace(db_name=new_database(mariadb, "migrations_test"))


def tables(config) -> set[str]:
    connection = db.connect(config)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW TABLES")
            return {next(iter(row.values())) for row in cursor.fetchall()}
    finally:
        connection.close()


def schema(config) -> dict[str, str]:
    connection = db.connect(config)
    try:
        with connection.cursor() as cursor:
            result = {}
            for table in sorted(TABLES):
                cursor.execute(f"SHOW CREATE TABLE {table}")
                result[table] = cursor.fetchone()["Create Table"]
            return result
    finally:
        connection.close()


def run(config, *statements):
    connection = db.connect(config)
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        connection.commit()
        return migrations.migrate(connection)
    finally:
        connection.close()


def test_migrate_creates_the_schema_and_a_second_run_applies_nothing(empty):
    assert tables(empty) == set()
    first = run(empty)
    assert [m.version for m in first] == [m.version for m in migrations.available()]
    assert tables(empty) == TABLES
    before = schema(empty)

    assert run(empty) == []
    assert schema(empty) == before
    connection = db.connect(empty)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM schema_migrations")
        assert [row["version"] for row in cursor.fetchall()] == [1]
    connection.close()


def test_a_migration_interrupted_after_its_statements_completes_on_the_next_run(empty):
    # DDL commits at once in MySQL: a crash can leave the tables without the version row.
    [initial] = migrations.available()[:1]
    run(empty)
    connection = db.connect(empty)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM schema_migrations")
    connection.commit()
    connection.close()
    assert [m.version for m in run(empty)] == [initial.version]
    assert tables(empty) == TABLES


def test_instances_migrating_at_once_apply_each_migration_once(empty):
    applied, errors = [], []

    def migrate():
        try:
            applied.extend(run(empty))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=migrate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(m.version for m in applied) == [m.version for m in migrations.available()]


def test_the_cli_migrates_from_the_environment_and_says_when_nothing_is_left(empty, monkeypatch, capsys):
    for name, value in environment(empty).items():
        monkeypatch.setenv(name, value)
    assert cli.main(["migrate", "--status"]) == 1
    assert "pending: [1]" in capsys.readouterr().out
    assert cli.main(["migrate"]) == 0
    assert "applied 0001_initial" in capsys.readouterr().out
    assert cli.main(["migrate"]) == 0
    assert "nothing to apply" in capsys.readouterr().out
    assert cli.main(["migrate", "--status"]) == 0


def test_migration_files_split_into_statements_and_skip_comments():
    migration = migrations.Migration(
        9, "x", "-- a comment; with a semicolon\nCREATE TABLE a (b INT);\n\nDROP TABLE c;"
    )
    assert migration.statements() == ["CREATE TABLE a (b INT)", "DROP TABLE c"]
