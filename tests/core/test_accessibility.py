"""Lighthouse-style basics on every HTML page the crawl (``test_crawl``) got with 200: a page
title, alt text on every image, a label on every visible form field."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.core.test_crawl import Crawl, crawl_once

pytestmark = pytest.mark.django_db

HIDDEN_INPUTS = {"hidden", "submit", "button", "image", "reset"}


@dataclass
class Page:
    title: str = ""
    images_without_alt: list[str] = field(default_factory=list)
    controls: list[dict[str, str]] = field(default_factory=list)  # with "wrapped": "1"/""
    label_for: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._in_title = False
        self._labels = 0  # depth of open <label> elements

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.page.ids.add(a["id"])
        if tag == "title":
            self._in_title = True
        elif tag == "img" and "alt" not in a:
            self.page.images_without_alt.append(a.get("src", "?"))
        elif tag == "label":
            self._labels += 1
            if a.get("for"):
                self.page.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and a.get("type", "text").lower() in HIDDEN_INPUTS:
                return
            self.page.controls.append({"tag": tag, **a, "wrapped": "1" if self._labels else ""})

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "label" and self._labels:
            self._labels -= 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.page.title += data


def parse(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page


def unlabelled(page: Page) -> list[str]:
    return [
        f"<{c['tag']} name={c.get('name', '')!r} id={c.get('id', '')!r}>"
        for c in page.controls
        if not (
            c["wrapped"]
            or c.get("aria-label", "").strip()
            or c.get("aria-labelledby")
            or (c.get("id") and c["id"] in page.label_for)
        )
    ]


@pytest.fixture(scope="session")
def pages(django_db_setup: Any, django_db_blocker: Any) -> dict[tuple[str, str], Page]:
    crawl: Crawl = crawl_once(django_db_blocker)
    return {
        key: parse(answer.body)
        for key, answer in crawl.answers.items()
        if answer.status == 200 and answer.body
    }


def test_it_checks_many_pages(pages):
    assert len({path for path, _persona in pages}) > 60


def test_every_page_has_a_title(pages):
    untitled = [
        f"{path} as {persona}" for (path, persona), p in pages.items() if not p.title.strip()
    ]
    assert not untitled, "\n".join(untitled)


def test_every_image_has_alt_text(pages):
    missing = [
        f"{path} as {persona}: {src}"
        for (path, persona), p in pages.items()
        for src in p.images_without_alt
    ]
    assert not missing, "\n".join(missing)


def test_every_form_field_has_a_label(pages):
    missing = sorted(
        {f"{path}: {control}" for (path, _persona), p in pages.items() for control in unlabelled(p)}
    )
    assert not missing, "\n".join(missing)


def test_the_checker_finds_what_is_missing():
    page = parse(
        '<title> </title><img src="a.png"><label for="x">X</label><input id="x">'
        '<label>Y <input name="y"></label><input name="z" aria-label="Z"><select name="s">'
        '<input type="hidden" name="h"><textarea name="t"></textarea>'
    )
    assert not page.title.strip()
    assert page.images_without_alt == ["a.png"]
    assert unlabelled(page) == ["<select name='s' id=''>", "<textarea name='t' id=''>"]
