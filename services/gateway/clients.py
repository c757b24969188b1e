"""The client's address, which auth throttles on, also behind the centre's reverse proxies."""
import ipaddress

from nameko.extensions import DependencyProvider


class TrustedProxies(DependencyProvider):
    """The proxies' networks from GATEWAY.trusted_proxies, read when the container starts (a bad
    setting stops the start, not every login)."""

    def setup(self):
        self.networks = trusted_networks(self.container.config["GATEWAY"]["trusted_proxies"])

    def get_dependency(self, worker_ctx):
        return self.networks


def trusted_networks(setting):
    """"10.0.0.0/8, 127.0.0.1" → the networks of the proxies whose X-Forwarded-For is believed."""
    return [ipaddress.ip_network(part.strip()) for part in str(setting or "").split(",") if part.strip()]


def client_address(peer, forwarded_for, trusted):
    """The peer; or, when the peer is a trusted proxy, the nearest address in X-Forwarded-For that
    is not one. Each proxy appends the address it saw, so what a client writes into the header
    itself stays to the left of that and is never reached."""
    chain = [peer] + [part.strip() for part in reversed(str(forwarded_for or "").split(",")) if part.strip()]
    for address in chain:
        if not _within(address, trusted):
            return address
    return chain[-1]


def _within(address, networks):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    ip = getattr(ip, "ipv4_mapped", None) or ip  # ::ffff:10.1.2.3 from a dual-stack listener
    return any(ip in network for network in networks)
