"""The signature scheme, written out in docs/api.md, with a worked example that must not drift."""

from __future__ import annotations

from bank_connectors import signing


def test_the_query_is_sorted_and_percent_encoded():
    assert signing.canonical_query("b=2&a=1&a=0&name=肇庆 a") == (
        "a=0&a=1&b=2&name=%E8%82%87%E5%BA%86%20a"
    )
    assert signing.canonical_query("") == ""


def test_the_worked_example():
    headers = signing.sign_request(
        key_id="bk_test",
        secret="s3cr3t",
        method="get",
        path="/api/v1/enterprises/91441202MA4UXXXX0K/profile",
        query="purpose=pre_loan",
        timestamp=1764489600,
        nonce="n0nce-0123456789ab",
    )
    message = signing.canonical_request(
        method="GET",
        path="/api/v1/enterprises/91441202MA4UXXXX0K/profile",
        query="purpose=pre_loan",
        timestamp="1764489600",
        nonce="n0nce-0123456789ab",
        body=b"",
    )
    assert message.split("\n") == [
        "GET",
        "/api/v1/enterprises/91441202MA4UXXXX0K/profile",
        "purpose=pre_loan",
        "1764489600",
        "n0nce-0123456789ab",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ]
    assert headers.signature == signing.sign("s3cr3t", message)
    # The value written in docs/api.md.
    assert headers.signature == "1aab306ab5d5791d38357a64fbfb81417892288cdc576f82ee3230e25f98bef8"
    assert len(headers.signature) == 64
    assert headers.as_dict()["X-Xyd-Key-Id"] == "bk_test"


def test_a_changed_byte_changes_the_signature():
    base = {
        "key_id": "k",
        "secret": "s",
        "method": "POST",
        "path": "/p",
        "timestamp": 1,
        "nonce": "x" * 16,
    }
    one = signing.sign_request(**base, body=b'{"a":1}')
    two = signing.sign_request(**base, body=b'{"a":2}')
    assert not signing.signatures_match(one.signature, two.signature)


def test_webhook_headers_verify_with_the_same_secret():
    headers = signing.sign_webhook(secret="w", event_id="e-1", body=b"{}", timestamp=5)
    expected = signing.sign("w", signing.webhook_message(timestamp="5", event_id="e-1", body=b"{}"))
    assert signing.signatures_match(expected, headers["X-Xyd-Signature"])
    assert signing.header({"x-xyd-event-id": "e-1"}, "X-Xyd-Event-Id") == "e-1"
