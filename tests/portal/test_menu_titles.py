"""The menu's name for a page is the page's title: a person who clicks "Pagos masivos" lands on
a page headed "Pagos masivos"."""

import html
import re

import pytest
from django.test import Client

from tests.auth import sign_in

pytestmark = pytest.mark.django_db

MENU = re.compile(r'<nav class="sidemenu"[^>]*>(.*?)</nav>', re.S)
# The entry's own words: a count of pending orders may follow them in a <span>.
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)(?:<span.*?)?</a>', re.S)
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def _menu_pages(client):
    page = client.get("/").content.decode()
    return [
        (href, html.unescape(name).strip()) for href, name in LINK.findall(MENU.search(page)[1])
    ]


def _heading(client, url) -> str:
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    return html.unescape(re.sub(r"<[^>]+>", "", HEADING.search(response.content.decode())[1]))


@pytest.mark.parametrize("who", ["member", "admin", "maker", "approver_b"])
def test_every_menu_entry_leads_to_a_page_of_that_title(who, company, member_user):
    client = Client()
    user = member_user if who == "member" else getattr(company, who)
    sign_in(client, user.username)

    pages = _menu_pages(client)

    assert len(pages) >= 3, pages
    for url, name in pages:
        assert _heading(client, url).strip() == name, url
