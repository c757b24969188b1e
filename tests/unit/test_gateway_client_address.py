"""The address auth throttles on: the peer, or the client named by trusted reverse proxies."""
import pytest

from services.gateway.clients import client_address, trusted_networks

PROXIES = trusted_networks("10.0.0.0/8, 192.168.1.5")


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says():
    assert client_address("203.0.113.7", "198.51.100.1", trusted_networks("")) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_address_it_appended_is_the_client():
    assert client_address("10.1.2.3", "203.0.113.7", PROXIES) == "203.0.113.7"


def test_what_a_client_writes_into_the_header_itself_is_never_taken():
    forged = "1.2.3.4, 5.6.7.8"  # sent by the client, then the proxies append what they saw
    assert client_address("10.1.2.3", f"{forged}, 203.0.113.7, 192.168.1.5", PROXIES) == "203.0.113.7"


def test_a_peer_that_is_not_a_trusted_proxy_cannot_name_another_client():
    assert client_address("203.0.113.7", "10.1.2.3, 198.51.100.1", PROXIES) == "203.0.113.7"


def test_a_proxy_seen_through_a_dual_stack_listener_is_still_trusted():
    assert client_address("::ffff:10.1.2.3", "203.0.113.7", PROXIES) == "203.0.113.7"


def test_a_request_from_a_trusted_proxy_without_the_header_is_the_proxy():
    assert client_address("10.1.2.3", None, PROXIES) == "10.1.2.3"


def test_a_bad_setting_is_refused():
    for setting in ("10.0.0.0/8, not-an-address", "10.1.2.3/8"):  # host bits set: a typo, not a network
        with pytest.raises(ValueError):
            trusted_networks(setting)
