"""The front a phone really talks to: nginx with TLS and HTTP/2, as in deploy/nginx.conf.

A phone reaches the portal over HTTPS only (a service worker and a passkey need a secure
context off localhost), and every front in deploy/ (Caddy, nginx) speaks HTTP/2 to it: one
connection, every request on it at once. Straight to uvicorn, the browser speaks HTTP/1.1 and
opens at most six connections to one host, each paying its own handshake, so a first visit's
thirteen files go in two batches: a round trip that no phone in a real deployment pays.

`tls_front(upstream_port)` runs Debian's nginx (scripts/ensure-nginx) on a free port
with a certificate made for `localhost` on the spot; Chromium trusts it through
`--ignore-certificate-errors-spki-list` (`chromium_args`), which makes it a valid certificate
for that run (a service worker then registers, as on a real site).
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.live_server import free_port

__all__ = ["Front", "tls_front"]

NGINX = "/usr/sbin/nginx"

CONFIG = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream portal_app {{
        server 127.0.0.1:{upstream};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
        ssl_certificate     {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        ssl_protocols TLSv1.3;
        client_max_body_size 12m;
        proxy_request_buffering off;
        location / {{
            proxy_pass http://portal_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
        }}
    }}
}}
"""
"""deploy/nginx.conf's server, on one upstream, with its files in a directory of its own."""


@dataclass(frozen=True)
class Front:
    port: int
    cert: Path
    spki_sha256: str
    """Base64 SHA-256 of the certificate's public key, for Chromium's trust flag."""

    def chromium_args(self) -> list[str]:
        return [f"--ignore-certificate-errors-spki-list={self.spki_sha256}"]


def ensure_nginx() -> None:
    if not Path(NGINX).exists():
        raise SystemExit(f"{NGINX} is missing: scripts/ensure-nginx installs it (make load does)")


def _certificate(directory: Path) -> str:
    """A P-256 key and a certificate for localhost, valid a day; the key's SPKI hash."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@contextlib.contextmanager
def tls_front(upstream_port: int) -> Iterator[Front]:
    """nginx on a free port, TLS and HTTP/2, forwarding to `upstream_port`; stopped after."""
    ensure_nginx()
    directory = Path(tempfile.mkdtemp(prefix="portal-front-"))
    spki = _certificate(directory)
    port = free_port()
    (directory / "nginx.conf").write_text(
        CONFIG.format(dir=directory, upstream=upstream_port, port=port)
    )
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [NGINX, "-c", str(directory / "nginx.conf"), "-p", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                error = process.stderr.read().decode() if process.stderr else ""
                raise SystemExit(f"nginx did not start: {error}")
            time.sleep(0.05)
        yield Front(port, directory / "cert.pem", spki)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)
