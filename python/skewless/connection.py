"""One TCP connection to one node: frames, the handshake, request ids (docs/protocol.md,
sections 1 and 4), and a pool of such connections per node."""

from __future__ import annotations

import itertools
import socket
import struct
import threading
import time
from collections.abc import Callable

from ._proto import features_pb2, frame_pb2
from .cluster_map import Endpoint
from .errors import SkewlessError, StatusCode, WrongShard

PROTOCOL_VERSION = 1
CLIENT_NAME = "skewless-python/0.1"
_LENGTH = struct.Struct(">I")


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


class NodeConnection:
    """A connection that has done its handshake. Requests are sent and answered one at a time
    or, through `send` and `receive`, several in flight (answers are matched by request id).
    Not for use by several threads at once: the pool hands each connection to one caller."""

    def __init__(self, endpoint: Endpoint, deadline: float, connect_timeout: float) -> None:
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
        self._buffer = bytearray()
        try:
            answer = self.call(
                Method.HANDSHAKE,
                features_pb2.HandshakeRequest(protocol_version=PROTOCOL_VERSION, client_name=CLIENT_NAME).SerializeToString(),
                deadline,
            )
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
        self.max_frame_bytes = handshake.max_frame_bytes or 16 * 1024 * 1024

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
        frame = frame_pb2.RequestFrame(
            request_id=request_id,
            method=method,  # type: ignore[arg-type]  # an enum number; the stubs want the enum type
            timeout_micros=int(remaining * 1_000_000),
            payload=payload,
        )
        body = frame.SerializeToString()
        try:
            self._socket.settimeout(remaining)
            self._socket.sendall(_LENGTH.pack(len(body)) + body)
        except socket.timeout as error:
            self.close()
            raise SkewlessError(StatusCode.DEADLINE_EXCEEDED, f"{self.endpoint} did not take the request within the deadline", node=str(self.endpoint)) from error
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
            raise SkewlessError(status.code, status.message, node=str(self.endpoint), wrong_shard=wrong_shard)
        return frame.payload

    def _read_frame(self, deadline: float) -> frame_pb2.ResponseFrame:
        header = self._read_exactly(4, deadline)
        (length,) = _LENGTH.unpack(header)
        body = self._read_exactly(length, deadline)
        try:
            return frame_pb2.ResponseFrame.FromString(body)
        except Exception as error:  # noqa: BLE001 - the protobuf runtime's DecodeError
            self.close()
            raise SkewlessError(StatusCode.INTERNAL, f"{self.endpoint} sent a frame that is not a ResponseFrame: {error}", node=str(self.endpoint)) from error

    def _read_exactly(self, count: int, deadline: float) -> bytes:
        buffer = self._buffer
        while len(buffer) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                raise SkewlessError(StatusCode.DEADLINE_EXCEEDED, f"{self.endpoint} did not answer within the deadline", node=str(self.endpoint))
            try:
                self._socket.settimeout(remaining)
                chunk = self._socket.recv(max(65536, count - len(buffer)))
            except socket.timeout as error:
                self.close()
                raise SkewlessError(StatusCode.DEADLINE_EXCEEDED, f"{self.endpoint} did not answer within the deadline", node=str(self.endpoint)) from error
            except OSError as error:
                self.close()
                raise _unavailable(self.endpoint, f"the connection to {self.endpoint} failed: {error.strerror or error}") from error
            if not chunk:
                self.close()
                raise _unavailable(self.endpoint, f"{self.endpoint} closed the connection before answering")
            buffer += chunk
        data = bytes(buffer[:count])
        del buffer[:count]
        return data


class ConnectionPool:
    """Idle connections per node, reused across calls; a connection is lent to one caller at
    a time and given back when its exchange ended cleanly (a connection that failed is
    closed, never reused)."""

    def __init__(self, connect_timeout: float, max_idle_per_node: int = 8) -> None:
        self._connect_timeout = connect_timeout
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
        return NodeConnection(endpoint, deadline, self._connect_timeout)

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
