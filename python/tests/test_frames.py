"""The bytes of docs/protocol.md's worked examples, from the generated code this package uses."""

import struct

from skewless._proto import features_pb2, frame_pb2
from skewless.errors import SkewlessError, StatusCode


def test_the_handshake_request_is_the_documented_19_bytes() -> None:
    payload = features_pb2.HandshakeRequest(protocol_version=1, client_name="c").SerializeToString()
    body = frame_pb2.RequestFrame(request_id=1, method=frame_pb2.METHOD_HANDSHAKE, timeout_micros=250_000, payload=payload).SerializeToString()
    frame = struct.pack(">I", len(body)) + body
    assert frame.hex(" ") == "00 00 00 0f 08 01 10 01 18 90 a1 0f 22 05 08 01 12 01 63"


def test_the_wrong_shard_answer_decodes() -> None:
    frame = bytes.fromhex("00 00 00 1c 08 07 12 18 08 0a 12 0b 77 72 6f 6e 67 20 73 68 61 72 64 1a 07 08 0c 12 03 03 ac 02".replace(" ", ""))
    response = frame_pb2.ResponseFrame.FromString(frame[4:])
    assert response.request_id == 7
    assert response.status.code == StatusCode.ABORTED
    assert list(response.status.wrong_shard.partitions) == [3, 300]
    assert response.status.wrong_shard.epoch == 12


def test_an_unknown_status_code_is_kept_as_a_number() -> None:
    error = SkewlessError(99, "from the future")
    assert error.code == 99
    assert "code 99" in str(error)
