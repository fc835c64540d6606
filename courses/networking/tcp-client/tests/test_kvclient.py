import pytest

import kvserver
from kvclient import KVClient, KVError


@pytest.fixture
def server():
    server = kvserver.start()
    try:
        yield server
    finally:
        kvserver.stop(server)


@pytest.fixture
def slow_server():
    server = kvserver.start(byte_at_a_time=True)
    try:
        yield server
    finally:
        kvserver.stop(server)


def connect(server):
    return KVClient("127.0.0.1", server.port, timeout=2.0)


def test_set_and_get(server):
    with connect(server) as kv:
        kv.set("greeting", "hello")
        assert kv.get("greeting") == "hello"
        kv.set("greeting", "hello again")
        assert kv.get("greeting") == "hello again"
    assert server.store == {"greeting": "hello again"}


def test_sends_exact_protocol_lines_on_one_connection(server):
    with connect(server) as kv:
        kv.set("city", "São Paulo")
        kv.get("city")
        kv.delete("city")
    assert server.received == ["SET city São Paulo", "GET city", "DEL city", "QUIT"]
    assert server.connections == 1


def test_missing_keys(server):
    with connect(server) as kv:
        assert kv.get("nope") is None
        assert kv.delete("nope") is False
        kv.set("k", "v")
        assert kv.delete("k") is True
        assert kv.get("k") is None


def test_values_with_spaces_and_unicode(server):
    with connect(server) as kv:
        kv.set("motto", "  spaces  inside and wörld ✓ ")
        assert kv.get("motto") == "  spaces  inside and wörld ✓ "


def test_error_replies_raise_kverror(server):
    with connect(server) as kv:
        with pytest.raises(KVError, match="empty key"):
            kv.get("")
        kv.set("still", "works")
        assert kv.get("still") == "works"


def test_close_sends_quit(server):
    kv = connect(server)
    kv.set("a", "1")
    kv.close()
    assert server.received[-1] == "QUIT"


def test_replies_arriving_one_byte_at_a_time(slow_server):
    with connect(slow_server) as kv:
        kv.set("name", "Zoë Ångström")
        assert kv.get("name") == "Zoë Ångström"
        assert kv.get("other") is None
        assert kv.delete("name") is True
    assert slow_server.received == ["SET name Zoë Ångström", "GET name", "GET other", "DEL name", "QUIT"]
