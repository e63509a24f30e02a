"""A request reuses its thread's connection, and gets a new one when the database dropped it."""

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
