"""Errors: every failure of a call is a `SkewlessError` carrying the protocol's status code."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class StatusCode(enum.IntEnum):
    """The gRPC status codes the protocol uses (docs/protocol.md, section 7)."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


@dataclass(frozen=True)
class WrongShard:
    """A node's answer that it does not serve some partitions of a request (ABORTED)."""

    epoch: int
    partitions: tuple[int, ...]


class SkewlessError(Exception):
    """A call failed. `code` is the protocol's status (a node's, or the client's own:
    `UNAVAILABLE` when no node could be reached, `DEADLINE_EXCEEDED` when the call's timeout
    passed); `message` says what went wrong and what to do next; `node` names the node that
    answered, when one did."""

    def __init__(
        self,
        code: StatusCode | int,
        message: str,
        *,
        node: str | None = None,
        wrong_shard: WrongShard | None = None,
    ) -> None:
        try:
            self.code: StatusCode | int = StatusCode(code)
        except ValueError:
            self.code = int(code)  # a code this client does not know: kept as a number
        self.message = message
        self.node = node
        self.wrong_shard = wrong_shard
        super().__init__(str(self))

    @property
    def code_name(self) -> str:
        return self.code.name if isinstance(self.code, StatusCode) else f"code {self.code}"

    def __str__(self) -> str:
        where = f" (from {self.node})" if self.node else ""
        return f"{self.code_name}: {self.message}{where}"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (int(self.code), self.message, self.node, self.wrong_shard))


def _rebuild(code: int, message: str, node: str | None, wrong_shard: WrongShard | None) -> SkewlessError:
    return SkewlessError(code, message, node=node, wrong_shard=wrong_shard)


#: Codes worth another attempt, on the next replica or after a pause (docs/client.md).
RETRYABLE = frozenset({StatusCode.UNAVAILABLE, StatusCode.DEADLINE_EXCEEDED, StatusCode.RESOURCE_EXHAUSTED})
