"""One TCP (or TLS) connection to one node: frames, the handshake with its credential,
request ids (docs/protocol.md, sections 1, 4 and 20), and a pool of such connections per node."""

from __future__ import annotations

import itertools
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable

from ._proto import features_pb2, frame_pb2
from .cluster_map import Endpoint
from .errors import SkewlessError, StatusCode, WrongShard
from .tls import TLS

PROTOCOL_VERSION = 1
CLIENT_NAME = "skewless-python/0.1"
_LENGTH = struct.Struct(">I")
_INITIAL_BUFFER = 64 * 1024


class Method:
    """`skewless.v1.Method` numbers."""

    HANDSHAKE = frame_pb2.METHOD_HANDSHAKE
    HEALTH = frame_pb2.METHOD_HEALTH
    DESCRIBE = frame_pb2.METHOD_DESCRIBE
    GET_ONLINE_FEATURES = frame_pb2.METHOD_GET_ONLINE_FEATURES
    WRITE_FEATURES = frame_pb2.METHOD_WRITE_FEATURES
    MATERIALIZE = frame_pb2.METHOD_MATERIALIZE
    GET_CLUSTER_MAP = frame_pb2.METHOD_GET_CLUSTER_MAP
    GET_HISTORICAL_FEATURES = frame_pb2.METHOD_GET_HISTORICAL_FEATURES
    INGEST = frame_pb2.METHOD_INGEST


def _unavailable(endpoint: Endpoint, what: str) -> SkewlessError:
    return SkewlessError(StatusCode.UNAVAILABLE, what, node=str(endpoint))


def _tls_failure(endpoint: Endpoint, error: ssl.SSLError, name: str | None) -> SkewlessError:
    """A failed TLS handshake (or a TLS alert at the first read: TLS 1.3 sends a refusal of
    the client's certificate after the client's side of the handshake ended), as `UNAVAILABLE`
    saying what to change."""
    if isinstance(error, ssl.SSLCertVerificationError):
        reason = str(error.verify_message or error.reason or error)
        if "mismatch" in reason:
            hint = (
                f"the node's certificate does not hold the name dialled ('{name}'): dial a name or address it holds, "
                "or give the name it holds as TLS(server_name=...)"
            )
        elif "expired" in reason or "not yet valid" in reason:
            hint = "the node's certificate is outside its validity period: its operator must renew it (or check this machine's clock)"
        else:
            hint = "the node's certificate is not signed by a CA this client trusts: give the CA that signed the nodes' certificates as TLS(ca_file=...)"
        return _unavailable(endpoint, f"TLS with {endpoint} failed: the node's certificate was refused ({reason}); {hint}")
    reason = str(error.reason or error)
    lowered = reason.lower()
    if "certificate_required" in lowered or "certificate required" in lowered or "handshake_failure" in lowered and "certificate" in lowered:
        hint = "the node requires a client certificate (mutual TLS): give one signed by a CA the node trusts, TLS(cert_file=..., key_file=...)"
    elif "unknown_ca" in lowered or "unknown ca" in lowered or "bad_certificate" in lowered or "bad certificate" in lowered or "certificate_unknown" in lowered:
        hint = "the node refused the client certificate: give one signed by the CA the node trusts (its --tls-ca), TLS(cert_file=..., key_file=...)"
    elif "wrong_version" in lowered or "wrong version" in lowered or "record_layer" in lowered or "packet length" in lowered or "unexpected eof" in lowered:
        hint = "does the node serve TLS? a node started without --tls-cert speaks plain TCP: connect without tls="
    else:
        hint = "check the node's TLS settings against the client's (TLS 1.2 or later)"
    return _unavailable(endpoint, f"TLS with {endpoint} failed: {reason}; {hint}")


def _explained(error: SkewlessError, *, token: bool, handshake: bool, tls: TLS | None) -> SkewlessError:
    """The node's answer to the handshake, with what to do in this client's terms."""
    if error.code == StatusCode.UNAUTHENTICATED:
        if handshake and not token:
            hint = "this client sent no credential: give it one, skewless.Client(..., token=API_KEY_OR_JWT), or a client certificate, tls=TLS(cert_file=..., key_file=...)"
        elif handshake:
            hint = "the token given to skewless.Client(token=...) was refused: use an API key the node's --api-keys file lists, or an unexpired JWT signed with its --jwt-key"
        else:
            hint = "make a new skewless.Client with a fresh token"
        return SkewlessError(error.code, f"{error.message}; {hint}", node=error.node)
    if handshake and error.code == StatusCode.UNAVAILABLE and "TLS with" not in error.message:
        if tls is None and "closed the connection" in error.message:
            hint = "a node that serves TLS closes a plain connection: give the client tls=skewless.TLS(ca_file=...)"
        elif tls is not None and tls.cert_file is None:
            # The node's refusal of a missing client certificate is a TLS alert, which a reset
            # of the connection may overtake.
            hint = "a node that requires client certificates (mutual TLS) closes a connection without one: if this one does, give one, TLS(cert_file=..., key_file=...)"
        elif tls is not None:
            hint = "a node closes a connection whose client certificate it does not trust: if that is why, give one signed by the CA the node trusts (its --tls-ca)"
        else:
            return error
        return SkewlessError(error.code, f"{error.message} ({hint})", node=error.node)
    return error


class NodeConnection:
    """A connection that has done its handshake. Requests are sent and answered one at a time
    or, through `send` and `receive`, several in flight (answers are matched by request id).
    Not for use by several threads at once: the pool hands each connection to one caller."""

    def __init__(
        self,
        endpoint: Endpoint,
        deadline: float,
        connect_timeout: float,
        *,
        tls: TLS | None = None,
        tls_context: ssl.SSLContext | None = None,
        token: str | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._ids = itertools.count(1)
        self._early: dict[int, frame_pb2.ResponseFrame] = {}
        self.closed = False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SkewlessError(StatusCode.DEADLINE_EXCEEDED, f"no time left to connect to {endpoint}", node=str(endpoint))
        try:
            self._socket = socket.create_connection((endpoint.host, endpoint.port), timeout=min(remaining, connect_timeout))
        except socket.timeout as error:
            raise _unavailable(endpoint, f"could not connect to {endpoint} within {min(remaining, connect_timeout):.1f} s") from error
        except OSError as error:
            raise _unavailable(endpoint, f"could not connect to {endpoint}: {error.strerror or error}") from error
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._server_name: str | None = None
        if tls is not None and tls_context is not None:
            # The name checked: server_name, else the host (an IP address is checked against
            # the certificate's IP addresses and not sent as SNI, as the Swift SDK does).
            self._server_name = tls.name_for(endpoint.host)
            plain = self._socket
            try:
                # The handshake has the call's time left (the node's work, not just a connect).
                plain.settimeout(max(0.001, deadline - time.monotonic()))
                self._socket = tls_context.wrap_socket(plain, server_hostname=self._server_name)
            except socket.timeout as error:
                plain.close()
                raise _unavailable(endpoint, f"the TLS handshake with {endpoint} did not finish within the call's timeout: does the node serve TLS?") from error
            except ssl.SSLError as error:
                plain.close()
                raise _tls_failure(endpoint, error, self._server_name) from error
            except OSError as error:
                plain.close()
                raise _unavailable(endpoint, f"the TLS handshake with {endpoint} failed: {error.strerror or error}: does the node serve TLS?") from error
        # Answers are read with recv_into into this buffer (grown for a larger frame); bytes of
        # a next frame read along with one stay in it, from `_start` to `_end`.
        self._buffer = bytearray(_INITIAL_BUFFER)
        self._view = memoryview(self._buffer)
        self._start = 0
        self._end = 0
        # The socket's timeout as `send` set it, until the next read; 0 once a read used it.
        self._sent_timeout = 0.0
        try:
            answer = self.call(
                Method.HANDSHAKE,
                features_pb2.HandshakeRequest(protocol_version=PROTOCOL_VERSION, client_name=CLIENT_NAME, bearer_token=token or "").SerializeToString(),
                deadline,
            )
        except SkewlessError as error:
            self.close()
            explained = _explained(error, token=bool(token), handshake=True, tls=tls)
            if explained is error:
                raise
            raise explained from error
        except BaseException:
            self.close()
            raise
        handshake = features_pb2.HandshakeResponse.FromString(answer)
        if handshake.protocol_version != PROTOCOL_VERSION:
            self.close()
            raise SkewlessError(
                StatusCode.FAILED_PRECONDITION,
                f"{endpoint} speaks protocol version {handshake.protocol_version}; this client speaks {PROTOCOL_VERSION}: upgrade one of them",
                node=str(endpoint),
            )
        self.node_id = handshake.node_id
        #: Who the node took this client for (empty when the node does not require authentication).
        self.principal = handshake.principal
        #: Requests a second the node allows the principal (0: no limit).
        self.rate_limit_per_second = handshake.rate_limit_per_second
        self.max_frame_bytes = handshake.max_frame_bytes or 16 * 1024 * 1024

    def _tls_error(self, error: ssl.SSLError) -> SkewlessError:
        """A TLS error after the handshake: an alert (mutual TLS refused), or a lost connection."""
        if isinstance(error, ssl.SSLEOFError):
            return _unavailable(self.endpoint, f"{self.endpoint} closed the TLS connection before answering")
        return _tls_failure(self.endpoint, error, self._server_name)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self._socket.close()
            except OSError:
                pass

    def call(self, method: int, payload: bytes, deadline: float) -> bytes:
        """Sends one request and waits for its answer's payload.
        Raises `SkewlessError` with the node's status, or the client's own on a time-out
        (`DEADLINE_EXCEEDED`) or a lost connection (`UNAVAILABLE`)."""
        return self.receive(self.send(method, payload, deadline), deadline)

    def send(self, method: int, payload: bytes, deadline: float) -> int:
        """Sends a request; returns its id, for `receive`."""
        request_id = next(self._ids)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SkewlessError(StatusCode.DEADLINE_EXCEEDED, f"the call's deadline passed before the request to {self.endpoint} was sent", node=str(self.endpoint))
        body = frame_pb2.RequestFrame(
            request_id=request_id,
            method=method,  # type: ignore[arg-type]  # an enum number; the stubs want the enum type
            timeout_micros=int(remaining * 1_000_000),
            payload=payload,
        ).SerializeToString()
        try:
            # One write per request (with TCP_NODELAY, one segment for a small one).
            self._socket.settimeout(remaining)
            self._socket.sendall(_LENGTH.pack(len(body)) + body)
            self._sent_timeout = remaining  # the first read of the answer may wait as long
        except socket.timeout as error:
            self.close()
            raise SkewlessError(StatusCode.DEADLINE_EXCEEDED, f"{self.endpoint} did not take the request within the deadline", node=str(self.endpoint)) from error
        except ssl.SSLError as error:
            self.close()
            raise self._tls_error(error) from error
        except OSError as error:
            self.close()
            raise _unavailable(self.endpoint, f"the connection to {self.endpoint} failed while sending: {error.strerror or error}") from error
        return request_id

    def receive(self, request_id: int, deadline: float) -> bytes:
        """Waits for the answer to request `request_id`; returns its payload."""
        frame = self._early.pop(request_id, None)
        while frame is None:
            frame = self._read_frame(deadline)
            if frame.request_id == 0:
                # Belongs to no request: the node is closing the connection, or refused a frame.
                self.close()
                raise SkewlessError(frame.status.code, f"connection-level error: {frame.status.message}", node=str(self.endpoint))
            if frame.request_id != request_id:
                self._early[frame.request_id] = frame
                frame = None
        status = frame.status
        if int(status.code) != StatusCode.OK:
            wrong_shard = None
            if status.HasField("wrong_shard"):
                wrong_shard = WrongShard(status.wrong_shard.epoch, tuple(status.wrong_shard.partitions))
            error = SkewlessError(status.code, status.message, node=str(self.endpoint), wrong_shard=wrong_shard)
            if error.code == StatusCode.UNAUTHENTICATED and request_id != 1:
                self.close()  # the node closes it: a credential that expired
                raise _explained(error, token=True, handshake=False, tls=None)
            raise error
        return frame.payload

    def _read_frame(self, deadline: float) -> frame_pb2.ResponseFrame:
        """The next frame, parsed from the receive buffer without copying its bytes."""
        while self._end - self._start < 4:
            self._fill(4, deadline)
        (length,) = _LENGTH.unpack_from(self._buffer, self._start)
        while self._end - self._start < 4 + length:
            self._fill(4 + length, deadline)
        start = self._start + 4
        self._start = start + length
        try:
            return frame_pb2.ResponseFrame.FromString(self._view[start : start + length])  # type: ignore[arg-type]  # any bytes-like
        except Exception as error:  # noqa: BLE001 - the protobuf runtime's DecodeError
            self.close()
            raise SkewlessError(StatusCode.INTERNAL, f"{self.endpoint} sent a frame that is not a ResponseFrame: {error}", node=str(self.endpoint)) from error
        finally:
            if self._start == self._end:
                self._start = self._end = 0

    def _fill(self, count: int, deadline: float) -> None:
        """Receives more bytes into the buffer, which is made room in for `count` bytes from
        `_start` first (moved to its front, or grown)."""
        if self._start + count > len(self._buffer):
            pending = bytes(self._view[self._start : self._end])
            if count > len(self._buffer):
                self._buffer = bytearray(max(count, 2 * len(self._buffer)))
                self._view = memoryview(self._buffer)
            self._view[: len(pending)] = pending
            self._start, self._end = 0, len(pending)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            self.close()
            raise SkewlessError(StatusCode.DEADLINE_EXCEEDED, f"{self.endpoint} did not answer within the deadline", node=str(self.endpoint))
        try:
            # The first read after `send` keeps the timeout it set when that is at most 1 ms
            # longer than the time left (a syscall saved on most reads).
            if not self._sent_timeout or self._sent_timeout - remaining > 0.001:
                self._socket.settimeout(remaining)
            self._sent_timeout = 0.0
            received = self._socket.recv_into(self._view[self._end :])
        except socket.timeout as error:
            self.close()
            raise SkewlessError(StatusCode.DEADLINE_EXCEEDED, f"{self.endpoint} did not answer within the deadline", node=str(self.endpoint)) from error
        except ssl.SSLError as error:
            self.close()
            raise self._tls_error(error) from error
        except OSError as error:
            self.close()
            raise _unavailable(self.endpoint, f"the connection to {self.endpoint} failed: {error.strerror or error}") from error
        if not received:
            self.close()
            raise _unavailable(self.endpoint, f"{self.endpoint} closed the connection before answering")
        self._end += received


class ConnectionPool:
    """Idle connections per node, reused across calls; a connection is lent to one caller at
    a time and given back when its exchange ended cleanly (a connection that failed is
    closed, never reused)."""

    def __init__(self, connect_timeout: float, max_idle_per_node: int = 8, *, tls: TLS | None = None, token: str | None = None) -> None:
        self._connect_timeout = connect_timeout
        self._tls = tls
        # Built once, from the files as they are now (a mistake in them fails the Client at once).
        self._tls_context = tls.context() if tls is not None else None
        self._token = token
        #: The principal the last new connection's handshake named ("" without authentication).
        self.principal: str | None = None
        #: The requests a second that handshake said the principal may send (0: no limit).
        self.rate_limit_per_second: int | None = None
        self._max_idle = max_idle_per_node
        self._idle: dict[Endpoint, list[NodeConnection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def acquire(self, endpoint: Endpoint, deadline: float) -> NodeConnection:
        with self._lock:
            if self._closed:
                raise SkewlessError(StatusCode.FAILED_PRECONDITION, "this skewless Client is closed")
            idle = self._idle.get(endpoint)
            if idle:
                return idle.pop()
        connection = NodeConnection(endpoint, deadline, self._connect_timeout, tls=self._tls, tls_context=self._tls_context, token=self._token)
        self.principal = connection.principal
        self.rate_limit_per_second = connection.rate_limit_per_second
        return connection

    def release(self, connection: NodeConnection) -> None:
        if connection.closed:
            return
        with self._lock:
            idle = self._idle.setdefault(connection.endpoint, [])
            if not self._closed and len(idle) < self._max_idle:
                idle.append(connection)
                return
        connection.close()

    def call(self, endpoint: Endpoint, method: int, payload: bytes, deadline: float) -> bytes:
        return self.with_connection(endpoint, deadline, lambda connection: connection.call(method, payload, deadline))

    def with_connection(self, endpoint: Endpoint, deadline: float, body: Callable[[NodeConnection], bytes]) -> bytes:
        connection = self.acquire(endpoint, deadline)
        try:
            answer = body(connection)
        except SkewlessError:
            self.release(connection)  # closed already if the connection itself failed
            raise
        except BaseException:
            connection.close()  # interrupted mid-exchange: its state is unknown
            raise
        self.release(connection)
        return answer

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()
