"""Registration: the attendee lands in MySQL and the confirmation mail reaches the MTA."""

import re
from datetime import timedelta

import pytest

from webcast_app import create_app


def csrf_of(client, slug: str) -> str:
    page = client.get(f"/webcasts/{slug}").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page)[1]


def register(client, slug: str = "keynote", **fields):
    form = {"name": "Ada Lovelace", "email": "ada@example.org", "organisation": "Analytical", **fields}
    if "csrf" not in form:
        form["csrf"] = csrf_of(client, slug)
    return client.post(f"/webcasts/{slug}/register", data=form)


def registrations(database) -> list[dict]:
    with database.cursor() as cursor:
        cursor.execute("SELECT * FROM registrations ORDER BY id")
        return list(cursor.fetchall())


def test_a_registration_is_stored_and_its_confirmation_mailed(client, database, mailbox, add_webcast):
    webcast = add_webcast("keynote", title="The opening keynote")
    response = register(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/webcasts/keynote"

    [row] = registrations(database)
    assert (row["webcast_id"], row["name"], row["email"], row["organisation"]) == (
        webcast["id"],
        "Ada Lovelace",
        "ada@example.org",
        "Analytical",
    )
    assert row["confirmation_sent_at"] is not None

    [mail] = mailbox.messages
    assert mail["To"] == "ada@example.org"
    assert mail["From"] == "webcast@example.org"
    assert mail["Subject"] == "Registration confirmed: The opening keynote"
    body = mail.get_payload(decode=True).decode()
    assert "Hello Ada Lovelace" in body
    assert "https://webcast.example.org/webcasts/keynote" in body
    assert f"{webcast['starts_at']:%H:%M} UTC" in body

    page = client.get("/webcasts/keynote").get_data(as_text=True)
    assert "A confirmation was sent to ada@example.org" in page
    assert "You are registered as Ada Lovelace" in page


def test_a_second_registration_of_one_address_is_neither_stored_nor_mailed_again(
    client, database, mailbox, add_webcast
):
    add_webcast("keynote")
    register(client)
    other = create_app(client.application.config["WEBCAST"]).test_client()
    response = register(other, name="Ada again")
    assert response.status_code == 303
    assert len(registrations(database)) == 1
    assert len(mailbox.messages) == 1
    assert "ada@example.org is already registered" in other.get("/webcasts/keynote").get_data(as_text=True)


def test_one_address_may_register_for_two_webcasts(client, database, mailbox, add_webcast):
    add_webcast("keynote")
    add_webcast("panel")
    register(client, "keynote")
    register(client, "panel")
    assert len(registrations(database)) == 2
    assert [mail["Subject"] for mail in mailbox.messages] == [
        "Registration confirmed: The keynote",
        "Registration confirmed: The panel",
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address"}, "valid email address"),
        ({"email": "ada@example.org\r\nBcc: all@example.org"}, "valid email address"),
        ({"name": ""}, "give your name"),
        ({"name": "x" * 201}, "at most 200 characters"),
    ],
)
def test_an_invalid_registration_is_refused_with_the_reason(
    client, database, mailbox, add_webcast, fields, message
):
    add_webcast("keynote")
    response = register(client, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert registrations(database) == []
    assert mailbox.messages == []


def test_a_registration_without_the_session_form_token_is_refused(client, database, mailbox, add_webcast):
    add_webcast("keynote")
    csrf_of(client, "keynote")
    assert register(client, csrf="forged").status_code == 400
    assert register(client, csrf="").status_code == 400
    assert registrations(database) == []
    assert mailbox.messages == []


def test_an_ended_webcast_takes_no_registration(client, database, add_webcast):
    add_webcast("last-year", starts_in=-timedelta(days=2))
    add_webcast("keynote")
    page = client.get("/webcasts/last-year").get_data(as_text=True)
    assert "<form" not in page
    response = register(client, "last-year", csrf=csrf_of(client, "keynote"))
    assert response.status_code == 422
    assert "This webcast has ended" in response.get_data(as_text=True)
    assert registrations(database) == []


def test_registration_for_an_unknown_webcast_is_404(client):
    assert client.post("/webcasts/nothing/register", data={}).status_code == 404


def test_a_registration_stands_when_the_mta_is_down(replace, database, mailbox, add_webcast):
    from conftest import free_port

    add_webcast("keynote")
    client = create_app(replace(smtp_port=free_port())).test_client()
    assert register(client).status_code == 303
    [row] = registrations(database)
    assert row["confirmation_sent_at"] is None
    assert mailbox.messages == []
    assert "could not be sent yet" in client.get("/webcasts/keynote").get_data(as_text=True)
