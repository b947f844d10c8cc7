"""Signing in through the login form with Flask's test client, as a browser does: the form's
CSRF token read from the page, then the post (a 303 on success)."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"name='csrf' value='([^']+)'")


def form_token(client, path: str = "/login") -> str:
    """The CSRF token of the sign-in form the page at ``path`` renders."""
    return _TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, name: str, password: str, *, next_page: str = "/restricted/"):
    """``client`` signed in as ``name`` (asserted: the login answers 303)."""
    data = {"name": name, "password": password, "csrf": form_token(client), "next": next_page}
    reply = client.post("/login", data=data)
    assert reply.status_code == 303, reply.get_data(as_text=True)[:300]
    return client
