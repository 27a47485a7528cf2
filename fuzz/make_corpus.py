#!/usr/bin/env python3
"""Writes the seed corpus of the wire fuzzer (fuzz/corpus/wire/).

This is a second, independent implementation of the encoder described in docs/protocol.md, so
tests/wire_test.cpp (WireInterop) also checks that the document and core/wire.cpp agree: every
`valid-*` file must decode without a single error.

A corpus file is what fuzz/wire_fuzz.cpp reads: a sequence of frames, each preceded by its length
as a little-endian u16. Re-run after changing the format:  python3 fuzz/make_corpus.py
Files the fuzzer found (named by their hash) are left alone.
"""
import math
import os
import struct
import sys

VERSION = 5
MAX_WIRE_MESSAGE = 16 * 1024
FRAGMENT_HEADER = 36
SIGNATURE = 64
FRAGMENT_PAYLOAD = MAX_WIRE_MESSAGE - FRAGMENT_HEADER - SIGNATURE  # 16284

T = dict(JoinRequest=1, Welcome=2, CandidateQuery=3, CandidateList=4, Report=5, Ping=6, Pong=7,
         Subscribe=8, SubscribeAck=9, Unsubscribe=10, Evict=11, Want=12, NotHave=13, ChunkData=14,
         Leave=15)

OPEN, CONE, PORT_RESTRICTED, SYMMETRIC = range(4)


def frame(type_name, fmt="", *fields):
    return struct.pack("<BB" + fmt, VERSION, T[type_name], *fields)


def coord(x, y, height):
    return struct.pack("<fff", x, y, height)


def compact_coord(x, y, height):
    # Candidates carry coordinates as i16 steps of 1/8 ms.
    return struct.pack("<hhh", *(round(v * 8) for v in (x, y, height)))


def candidate(peer, delay_ms, depth, spare, nat, xyz, stripes=0xF):
    return struct.pack("<QHBBIB", peer, delay_ms, depth, spare, stripes, nat) + compact_coord(*xyz)


def candidates(cs):
    return struct.pack("<H", len(cs)) + b"".join(candidate(*c) for c in cs)


def join_request(capacity, nat, xyz):
    return frame("JoinRequest", "HB", capacity, nat) + coord(*xyz)


def welcome(source_time_us, stripes, chunk_us, per_group, bitrate, head, group_start, swarm, cs, parity=0):
    return frame("Welcome", "qBqHIBQQI", source_time_us, stripes, chunk_us, per_group, bitrate, parity,
                 head, group_start, swarm) + candidates(cs)


def report(capacity, spare, xyz, offers):
    """offers: (depth, delay_ms, room, weakest_child) per stripe."""
    return (frame("Report", "HH", capacity, spare) + coord(*xyz) + struct.pack("<B", len(offers))
            + b"".join(struct.pack("<BHBH", *o) for o in offers))


def pong(nonce, echo_us, delay, depth, spare, xyz, stripes=0xF):
    return frame("Pong", "IqIBHI", nonce, echo_us, delay, depth, spare, stripes) + coord(*xyz)


def chunk(seq, group, capture_us, payload, signature, keyframe=False, repair=False, hops=0):
    """All fragments of one chunk, in order."""
    count = max(1, math.ceil(len(payload) / FRAGMENT_PAYLOAD))
    flags = (1 if keyframe else 0) | (2 if repair else 0)
    frames = []
    for index in range(count):
        head = frame("ChunkData", "QQqBBIHH", seq, group, capture_us, flags, hops, len(payload),
                     index, count)
        if index == 0:
            head += signature
        frames.append(head + payload[index * FRAGMENT_PAYLOAD:(index + 1) * FRAGMENT_PAYLOAD])
    return frames


def seed(*frames):
    out = b""
    for f in frames:
        assert len(f) <= 0xFFFF
        out += struct.pack("<H", len(f)) + f
    return out


def parity_payload(sizes):
    """The payload of a parity chunk (docs/protocol.md, "Parity chunks") for data chunks of these
    sizes, each filled with 0x5A, as fuzz/wire_fuzz.cpp's check_parity builds its row."""
    out = struct.pack("<B", len(sizes))
    for i, size in enumerate(sizes):
        out += struct.pack("<IqQB", size, 1000 * i, 7, 0) + bytes(SIGNATURE)
    xor = bytearray(max(sizes))
    for size in sizes:
        for k in range(size):
            xor[k] ^= 0x5A
    return out + bytes(xor)


def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "wire")
    os.makedirs(out_dir, exist_ok=True)

    sig = bytes(range(64))
    cs = [(1, 120, 1, 4, OPEN, (1.0, 2.0, 0.5)),
          (0xFFFFFFFFFFFFFFFF, 4000, 9, 0, SYMMETRIC, (-50.25, 10.0, 3.0))]
    small = bytes((i * 7) & 0xFF for i in range(100))
    two_fragments = bytes((i * 13) & 0xFF for i in range(FRAGMENT_PAYLOAD + 20))
    two = chunk(8, 1, 1_700_000_000_000_000, two_fragments, sig, hops=2)
    ping = frame("Ping", "Iq", 99, 123456789)

    seeds = {
        "valid-join-request": seed(join_request(8, CONE, (3.5, -1.0, 12.0))),
        "valid-welcome": seed(welcome(-1, 4, 200_000, 5, 2_500_000, 41, 40, 1234, cs)),
        "valid-welcome-no-candidates": seed(welcome(0, 1, 1, 1, 0, 0, 0, 0, [])),
        "valid-welcome-parity": seed(welcome(-1, 5, 100_000, 10, 2_500_000, 124, 120, 99, cs, parity=1)),
        "valid-welcome-parity-guards": seed(welcome(-1, 5, 100_000, 10, 2_500_000, 124, 120, 99, cs, parity=2)),
        "valid-candidate-query": seed(frame("CandidateQuery", "HIB", 8, 0b0101, 1)),
        "valid-candidate-list": seed(frame("CandidateList") + candidates(cs)),
        "valid-candidate-list-empty": seed(frame("CandidateList") + candidates([])),
        "valid-report": seed(report(6, 2, (0.0, 0.0, 0.0), [(3, 250, 1, 0xFFFF), (255, 0, 0, 0xFFFF)])),
        "valid-report-room-count": seed(report(6, 2, (0.0, 0.0, 0.0), [(3, 250, 2, 0xFFFF)])),
        "valid-ping": seed(ping),
        "valid-pong": seed(pong(99, 123456789, 250, 3, 1, (7.0, 8.0, 9.0))),
        "valid-subscribe": seed(frame("Subscribe", "IQHBBQ", 0b1010, 40, 3, 2, CONE, 37)),
        "valid-subscribe-ack": seed(frame("SubscribeAck", "II", 0b1000, 0b0010) + candidates([])),
        "valid-subscribe-ack-referrals": seed(frame("SubscribeAck", "II", 0, 0b0010) + candidates(cs)),
        "valid-unsubscribe": seed(frame("Unsubscribe", "I", 0b0001)),
        "valid-evict": seed(frame("Evict", "IQ", 0b0100, 77)),
        "valid-want": seed(frame("Want", "Q", 41)),
        "valid-not-have": seed(frame("NotHave", "Q", 41)),
        "valid-leave": seed(frame("Leave")),
        "valid-chunk-empty": seed(*chunk(5, 1, 10, b"", sig, keyframe=True)),
        "valid-chunk-small": seed(*chunk(6, 1, 20, small, sig, repair=True, hops=4)),
        "valid-chunk-two-fragments": seed(*two),
        "valid-chunk-two-fragments-reversed": seed(*reversed(two)),
        "valid-mixed": seed(ping, two[1], frame("Want", "Q", 1), two[0], frame("Leave")),
        # Fragments that never complete, or arrive twice.
        "fragment-first-only": seed(two[0]),
        "fragment-last-only": seed(two[1]),
        "fragment-duplicate": seed(two[0], two[0], two[1]),
        "fragment-inconsistent": seed(two[0], chunk(8, 2, 0, two_fragments, sig)[1]),
        "fragment-index-past-count": seed(two[1][:32] + struct.pack("<H", 2) + two[1][34:]),
        "fragment-wrong-count": seed(two[0][:34] + struct.pack("<H", 3) + two[0][36:]),
        "fragment-oversize-chunk": seed(frame("ChunkData", "QQqBBIHH", 1, 1, 0, 0, 0,
                                              8 * 1024 * 1024 + 1, 0, 516) + sig),
        "fragment-bad-flags": seed(chunk(5, 1, 10, b"", sig)[0][:26] + b"\x04" +
                                   chunk(5, 1, 10, b"", sig)[0][27:]),
        # Malformed control frames.
        "bad-empty-frame": seed(b""),
        "bad-version": seed(bytes([1]) + ping[1:]),
        "bad-unknown-type": seed(bytes([VERSION, 16, 0, 0])),
        "bad-truncated-welcome": seed(welcome(-1, 4, 200_000, 5, 2_500_000, 41, 40, 1234, cs)[:60]),
        "bad-trailing-byte": seed(ping + b"\x00"),
        "bad-candidate-count": seed(frame("CandidateList", "H", 65) + candidate(*cs[0]) * 65),
        "bad-nan-coordinate": seed(join_request(8, CONE, (float("nan"), 0.0, 0.0))),
        "bad-nat-class": seed(join_request(8, 4, (0.0, 0.0, 0.0))),
        "bad-no-stripes": seed(welcome(0, 0, 200_000, 5, 1, 0, 0, 0, [])),
        "bad-parity-without-data": seed(welcome(0, 1, 200_000, 5, 1, 0, 0, 0, [], parity=1)),
        "bad-then-good": seed(bytes([1]) + ping[1:], ping),
    }
    # Read whole by check_parity, and as frames by the rest (where it is malformed).
    seeds["parity-payload"] = parity_payload([0, 1, 2, 3])
    for name, data in seeds.items():
        with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
