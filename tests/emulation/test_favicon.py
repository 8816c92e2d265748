"""No favicon 404 (issue 15): every page names its icon, and the address
browsers ask for by themselves answers with it."""

from django.contrib.staticfiles import finders
from django.urls import reverse


def test_the_pages_name_an_icon_that_exists(client):
    page = client.get(reverse("login")).content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("favicon.svg") is not None


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code in (301, 302)
    assert response["Location"] == "/static/favicon.ico"
    assert finders.find("favicon.ico") is not None
