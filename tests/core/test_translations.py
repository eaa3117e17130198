"""The English translation is complete and its compiled catalogue is up to date."""

from io import BytesIO
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _frozen(value):
    """Plural entries come back as lists of ids and strings; compare them as tuples."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_every_message_has_an_english_translation():
    catalog = read_po(PO.open("rb"))
    missing = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not all(_frozen(m.string) if m.pluralizable else [m.string]))
    ]
    assert missing == []


def test_the_committed_mo_file_matches_the_po_file():
    catalog = read_po(PO.open("rb"))
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    compiled = read_mo(PO.with_suffix(".mo").open("rb"))
    expected = read_mo(BytesIO(buffer.getvalue()))
    assert {_frozen(m.id): _frozen(m.string) for m in compiled if m.id} == {
        _frozen(m.id): _frozen(m.string) for m in expected if m.id
    }
