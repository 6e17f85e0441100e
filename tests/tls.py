"""TLS for the tests' local servers: a throwaway certificate authority (trustme) and certificates
for made-up names, which the tests resolve to 127.0.0.1 through a stub."""

import socket
import ssl
from pathlib import Path

import pytest
import trustme


def server_context(ca: trustme.CA, hostname: str) -> ssl.SSLContext:
    """A server-side context presenting a certificate `ca` issued for `hostname`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(hostname).configure_cert(context)
    return context


def trust(ca: trustme.CA, directory: Path) -> str:
    """The path of a PEM file holding `ca`'s certificate, for clients to trust."""
    path = directory / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def resolve_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every name resolves to 127.0.0.1, so no test's made-up host is ever looked up."""
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", int(port)))
        ],
    )
