"""An enterprise user's browser in urllib: a cookie jar, the log-in page with its CSRF token, then
the session API with the ``X-CSRFToken`` header, as the web front does."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def cookie(self, name: str) -> str:
        return next((c.value or "" for c in self.cookies if c.name == name), "")

    def _open(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(  # noqa: S310 - the test's own server
            self.base_url + path,
            data=body,
            headers={"Referer": self.base_url + "/", **headers},
            method=method,
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers.items()), error.read()

    def login(self, username: str, password: str) -> None:
        status, _headers, page = self._open("GET", "/accounts/login/", None, {})
        assert status == 200, f"login page answered {status}"
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match, "no CSRF token on the login page"
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": match.group(1).decode(),
                "username": username,
                "password": password,
            }
        ).encode()
        status, _headers, page = self._open(
            "POST",
            "/accounts/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 302, f"log-in answered {status}: {page.decode(errors='replace')[:500]}"
        assert self.cookie("sessionid"), "no session cookie after logging in"

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One call of the session API: JSON in and out, the CSRF header on writes."""
        headers = {"Accept": "application/json"}
        data = None
        if method != "GET":
            headers["X-CSRFToken"] = self.cookie("csrftoken")
            headers["Content-Type"] = "application/json"
            data = json.dumps({} if body is None else body).encode()
        status, _headers, content = self._open(method, path, data, headers)
        return status, json.loads(content) if content.strip() else None

    def get(self, path: str) -> Any:
        status, data = self.api("GET", path)
        assert status == 200, f"GET {path} answered {status}: {data}"
        return data

    def post(self, path: str, body: Any = None, expect: int = 200) -> Any:
        status, data = self.api("POST", path, body)
        assert status == expect, f"POST {path} answered {status}, not {expect}: {data}"
        return data
