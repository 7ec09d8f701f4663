"""Hand-written HTTP over a real TLS connection (client alice): dockgate rejects ambiguous or
malformed request heads with 400 + a JSON {"message": ...} and closes the connection, and
handles big-but-allowed heads and pipelining."""

import json

from conftest import ConnectionClosed

H = b"Host: 127.0.0.1\r\n"


def assert_400_json_and_closed(conn, request: bytes):
    conn.send(request)
    try:
        resp = conn.read_response(timeout=20)
    except (ConnectionClosed, TimeoutError) as e:
        raise AssertionError(f"no complete response: {e} (send error: {conn.send_error!r})") from e
    assert resp.status == 400, f"status {resp.status}: {resp.raw_head!r} {resp.body[:300]!r}"
    assert (resp.header("Content-Type") or "").split(";")[0].strip() == "application/json", \
        resp.raw_head
    body = json.loads(resp.body)
    assert isinstance(body.get("message"), str) and body["message"], body
    assert conn.is_closed(timeout=10), "connection still open after the 400"
    return resp


def test_content_length_with_transfer_encoding_is_rejected(raw_tls):
    assert_400_json_and_closed(
        raw_tls(),
        b"POST /_ping HTTP/1.1\r\n" + H +
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    )


def test_two_different_content_lengths_are_rejected(raw_tls):
    assert_400_json_and_closed(
        raw_tls(),
        b"POST /_ping HTTP/1.1\r\n" + H +
        b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    )


def test_transfer_encoding_gzip_is_rejected(raw_tls):
    assert_400_json_and_closed(
        raw_tls(),
        b"POST /_ping HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n",
    )


def test_obs_fold_header_is_rejected(raw_tls):
    assert_400_json_and_closed(
        raw_tls(),
        b"GET /_ping HTTP/1.1\r\n" + H + b"X-Folded: first\r\n  second\r\n\r\n",
    )


def test_whitespace_before_colon_is_rejected(raw_tls):
    assert_400_json_and_closed(
        raw_tls(),
        b"GET /_ping HTTP/1.1\r\n" + H + b"X-Space : value\r\n\r\n",
    )


def test_control_character_in_header_value_is_rejected(raw_tls):
    assert_400_json_and_closed(
        raw_tls(),
        b"GET /_ping HTTP/1.1\r\n" + H + b"X-Ctl: a\x01b\r\n\r\n",
    )


def test_absolute_form_target_is_rejected(raw_tls):
    assert_400_json_and_closed(
        raw_tls(),
        b"GET http://x/_ping HTTP/1.1\r\n" + H + b"\r\n",
    )


def test_oversize_600k_head_is_rejected(raw_tls):
    big = b"X-Big: " + b"a" * (600 * 1024) + b"\r\n"
    assert_400_json_and_closed(raw_tls(), b"GET /_ping HTTP/1.1\r\n" + H + big + b"\r\n")


def test_300k_header_is_accepted(raw_tls):
    conn = raw_tls()
    big = b"X-Big: " + b"a" * (300 * 1024) + b"\r\n"
    conn.send(b"GET /_ping HTTP/1.1\r\n" + H + big + b"\r\n")
    resp = conn.read_response(timeout=20)
    assert resp.status == 200, f"{resp.raw_head!r} {resp.body[:300]!r}"
    assert resp.body == b"OK"


def test_pipelined_requests_get_two_responses_in_order(raw_tls):
    conn = raw_tls()
    conn.send(b"GET /_ping HTTP/1.1\r\n" + H + b"\r\n" +
              b"GET /version HTTP/1.1\r\n" + H + b"\r\n")
    first = conn.read_response(timeout=20)
    assert first.status == 200, first.raw_head
    assert first.body == b"OK"
    second = conn.read_response(timeout=20)
    assert second.status == 200, second.raw_head
    assert (second.header("Content-Type") or "").startswith("application/json")
    v = json.loads(second.body)
    assert "ApiVersion" in v and "Version" in v, v


def test_malformed_pipelined_second_request_gets_400_after_first_200(raw_tls):
    conn = raw_tls()
    conn.send(b"GET /_ping HTTP/1.1\r\n" + H + b"\r\n" +
              b"GET /version HTTP/1.1\r\n" + H + b"X-Space : value\r\n\r\n")
    first = conn.read_response(timeout=20)
    assert first.status == 200, first.raw_head
    assert first.body == b"OK"
    second = conn.read_response(timeout=20)
    assert second.status == 400, f"{second.raw_head!r} {second.body[:300]!r}"
    assert json.loads(second.body).get("message")
    assert conn.is_closed(timeout=10), "connection still open after the 400"
