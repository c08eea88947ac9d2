"""`TLS`: how the client speaks TLS to nodes that serve it (docs/protocol.md, section 20), as
the Swift SDK does: TLS 1.2 or later, the node's certificate checked against a CA and the name
dialled (a DNS name, also sent as SNI; or an IP address, checked against the certificate's IP
addresses, no SNI), optionally a client certificate for mutual TLS."""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass

from .errors import SkewlessError, StatusCode


@dataclass(frozen=True)
class TLS:
    """TLS settings for every connection of a `Client`: PEM files.

    `ca_file`: the CA certificates to trust for the nodes' certificates (None: the system's
    roots). `cert_file` and `key_file`: a client certificate and its unencrypted private key,
    for nodes that ask for one (mutual TLS; both or neither). `server_name`: the name the
    nodes' certificates must hold, instead of the host dialled (sent as SNI)."""

    ca_file: str | os.PathLike[str] | None = None
    cert_file: str | os.PathLike[str] | None = None
    key_file: str | os.PathLike[str] | None = None
    server_name: str | None = None

    def context(self) -> ssl.SSLContext:
        """A client `ssl.SSLContext` built from the files, read now.
        Raises `SkewlessError` (`INVALID_ARGUMENT`) naming a file that is missing, unreadable
        or not PEM, a key that does not match its certificate, or a certificate without its key."""
        if (self.cert_file is None) != (self.key_file is None):
            raise SkewlessError(
                StatusCode.INVALID_ARGUMENT,
                "a client certificate needs both the certificate file and its private key (TLS(cert_file=..., key_file=...))",
            )
        for what, path in (("the CA bundle", self.ca_file), ("the client certificate", self.cert_file), ("the private key", self.key_file)):
            if path is not None and not os.access(path, os.R_OK):
                reason = "it cannot be read (permissions?)" if os.path.exists(path) else "it does not exist"
                raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"cannot read {what} {os.fspath(path)}: {reason}")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the certificate and its name
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            if self.ca_file is None:
                context.load_default_certs(ssl.Purpose.SERVER_AUTH)
            else:
                context.load_verify_locations(cafile=os.fspath(self.ca_file))
        except ssl.SSLError as error:
            raise SkewlessError(
                StatusCode.INVALID_ARGUMENT,
                f"the CA bundle {os.fspath(self.ca_file or '')} is not PEM certificates (-----BEGIN CERTIFICATE-----): {error.reason or error}",
            ) from error
        if self.cert_file is not None and self.key_file is not None:
            try:
                context.load_cert_chain(os.fspath(self.cert_file), os.fspath(self.key_file))
            except ssl.SSLError as error:
                raise SkewlessError(
                    StatusCode.INVALID_ARGUMENT,
                    f"cannot use the client certificate {os.fspath(self.cert_file)} with the key {os.fspath(self.key_file)}: "
                    f"{error.reason or error}; check that both are PEM (the key unencrypted) and that the key belongs to the certificate",
                ) from error
        return context

    def name_for(self, host: str) -> str:
        """The name the node's certificate must hold when dialled at `host`: `server_name`, else
        the host (an IP address is checked against the certificate's IP addresses, and not
        sent as SNI)."""
        return self.server_name or host
