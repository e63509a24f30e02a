"""A request reuses its thread's connection, and gets a new one when the database dropped it, with
the password of the moment (a rotated one from WEBCAST_DB_PASSWORD_FILE)."""

import pymysql
import pytest

from webcast_app import db


def connection_id(app, config) -> int:
    with app.app_context():
        connection = db.borrow(config)
        try:
            return connection.thread_id()
        finally:
            db.give_back(config, connection)


def test_requests_reuse_the_threads_connection(app, client, config, add_webcast):
    add_webcast("keynote")
    first = connection_id(app, config)
    assert client.get("/webcasts/keynote").status_code == 200
    assert connection_id(app, config) == first


def test_a_connection_the_database_dropped_is_replaced(app, client, config, mariadb, add_webcast):
    add_webcast("keynote")
    dropped = connection_id(app, config)
    with mariadb["admin"]() as admin, admin.cursor() as cursor:
        cursor.execute(f"KILL {dropped}")
    assert client.get("/webcasts/keynote").status_code == 200
    assert connection_id(app, config) != dropped


def test_no_transaction_outlives_its_request(app, client, config, database, add_webcast):
    # A reused connection must not keep the first request's snapshot (REPEATABLE READ).
    add_webcast("keynote")
    assert "The panel" not in client.get("/").get_data(as_text=True)
    add_webcast("panel")
    assert "The panel" in client.get("/").get_data(as_text=True)


def test_a_rotated_password_is_read_from_the_file_at_each_new_connection(mariadb, replace, tmp_path):
    # What RDS and the instance's timer do: the password changes on the server, then in the file.
    # The app is not restarted; its open connection stays, a new one takes the file's content.
    with mariadb["admin"]() as admin, admin.cursor() as cursor:
        cursor.execute("DROP USER IF EXISTS 'rotating'@'127.0.0.1'")
        cursor.execute("CREATE USER 'rotating'@'127.0.0.1' IDENTIFIED BY 'before' REQUIRE SSL")
        cursor.execute("GRANT SELECT ON *.* TO 'rotating'@'127.0.0.1'")
    password_file = tmp_path / "db-password"
    password_file.write_text("before\n")
    config = replace(db_user="rotating", db_password="not-this", db_password_file=str(password_file))

    def borrowed_id() -> int:
        connection = db.borrow(config)
        try:
            return connection.thread_id()
        finally:
            db.give_back(config, connection)

    first = borrowed_id()
    with mariadb["admin"]() as admin, admin.cursor() as cursor:
        cursor.execute("ALTER USER 'rotating'@'127.0.0.1' IDENTIFIED BY 'after'")
    password_file.write_text("after\n")
    assert borrowed_id() == first, "a password change must not close a connection that still works"
    with mariadb["admin"]() as admin, admin.cursor() as cursor:
        cursor.execute(f"KILL {first}")
    second = borrowed_id()
    assert second != first

    # A file the timer has not rewritten yet: the new connection is refused, as on the server.
    with mariadb["admin"]() as admin, admin.cursor() as cursor:
        cursor.execute("ALTER USER 'rotating'@'127.0.0.1' IDENTIFIED BY 'later'")
        cursor.execute(f"KILL {second}")
    with pytest.raises(pymysql.err.OperationalError) as refused:
        borrowed_id()
    assert refused.value.args[0] == 1045


def test_an_unreadable_password_file_is_a_database_error_naming_it(replace, tmp_path):
    config = replace(db_password_file=str(tmp_path / "absent"))
    with pytest.raises(pymysql.err.OperationalError, match=f"{tmp_path}/absent cannot be read"):
        db.connect(config)
