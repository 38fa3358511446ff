#!/usr/bin/python3
# An independent WebSocket client (Debian's python3-websockets) that drives thidua-server's /v1/ws.
# usage: ws_client.py PORT TOKEN   — exits non-zero with the failing check on stderr.
import asyncio
import json
import sys

import websockets

PORT, TOKEN = sys.argv[1], sys.argv[2]
URL = f"ws://127.0.0.1:{PORT}/v1/ws"

OPEN = {"cycle": {"cycle": {"organizer_id": "BCA", "series": "dia-phuong", "number": "IX", "year": 2026},
                  "open": {"cluster_name": "Cụm thi đua số IX", "movement": "Vì an ninh Tổ quốc",
                           "member_unit_ids": ["CA-LaiChau", "CA-LangSon"], "chair_unit_id": "CA-LaiChau"}}}


# Checks that hold under `python3 -O` too (which removes assert statements).
def fail(what):
    raise SystemExit(f"ws_client: check failed: {what}")


def check(condition, what):
    if not condition:
        fail(what)


async def call(ws, frame):
    await ws.send(json.dumps(frame, ensure_ascii=False))
    return json.loads(await ws.recv())


async def main():
    # Nothing is accepted before authentication; the server closes with 1008.
    async with websockets.connect(URL) as ws:
        r = await call(ws, {"request_id": "x1", "command": dict(OPEN, command_id="c-open")})
        check(r["error"]["code"] == "UNAUTHENTICATED", r)
        check(r["request_id"] == "x1", r)
        try:
            await asyncio.wait_for(ws.recv(), 5)
            fail("the connection should close")
        except websockets.ConnectionClosed as closed:
            check(closed.code == 1008, closed.code)

    async with websockets.connect(URL) as ws:
        r = await call(ws, {"request_id": "a1", "auth": {"token": TOKEN}})
        check(r["auth_ok"]["role"] == "ORGANIZER_OFFICE", r)
        # The registry first: a cycle opens only for a defined cluster of registered units.
        r = await call(ws, {"request_id": "c0", "command": dict(OPEN, command_id="c-open-early")})
        check(r["error"]["code"] == "CLUSTER_NOT_DEFINED", r)
        for unit, name in [("CA-LaiChau", "Công an tỉnh Lai Châu"), ("CA-LangSon", "Công an tỉnh Lạng Sơn")]:
            r = await call(ws, {"request_id": "r-" + unit, "command": {
                "command_id": "reg-" + unit,
                "registry": {"register_unit": {"unit_id": unit, "name": name, "kind": "PROVINCIAL_POLICE"}}}})
            check("accepted" in r, r)
        r = await call(ws, {"request_id": "d1", "command": {"command_id": "define-IX", "registry": {
            "define_cluster": {"organizer_id": "BCA", "series": "dia-phuong", "number": "IX",
                               "name": "Cụm thi đua số IX"}}}})
        check("accepted" in r, r)
        r = await call(ws, {"request_id": "c1", "command": dict(OPEN, command_id="c-open")})
        check(r["request_id"] == "c1", r)
        check(r["accepted"]["stream_id"] == "cycles/BCA/dia-phuong/2026", r)
        check(r["accepted"]["version"] == "1", r)
        check("stream_version" not in r["accepted"], "the series stream is shared by other clusters")
        # A retry of the same command id returns the first result.
        r = await call(ws, {"request_id": "c2", "command": dict(OPEN, command_id="c-open")})
        check(r["accepted"]["duplicate"] is True, r)
        # A rule refuses, with the domain's code and both languages.
        r = await call(ws, {"request_id": "c3", "command": dict(OPEN, command_id="c-open-again")})
        check(r["error"]["code"] == "CYCLE_ALREADY_OPEN", r)
        check("Cụm đã có chu kỳ" in r["error"]["message_vi"], r)
        # Malformed input gets a clear error and the connection stays usable.
        await ws.send("{ not json")
        r = json.loads(await ws.recv())
        check(r["error"]["code"] == "MALFORMED_FRAME", r)
        r = await call(ws, {"request_id": "u1", "no_such_field": 1})
        check(r["error"]["code"] == "MALFORMED_FRAME", r)
        r = await call(ws, {"request_id": "p1", "ping": {}})
        check(r["request_id"] == "p1" and "pong" in r, r)

    # Authorization header instead of an auth frame; an oversized frame closes with 1009.
    async with websockets.connect(URL, extra_headers={"Authorization": "Bearer " + TOKEN}, max_size=None) as ws:
        r = await call(ws, {"request_id": "p2", "ping": {}})
        check("pong" in r, r)
        await ws.send("x" * (65 * 1024))
        try:
            await asyncio.wait_for(ws.recv(), 5)
            fail("an oversized frame should close the connection")
        except websockets.ConnectionClosed as closed:
            check(closed.code == 1009, closed.code)

    # A text frame that is not UTF-8 closes with 1007 (websockets' low-level frame writer sends raw bytes).
    async with websockets.connect(URL, extra_headers={"Authorization": "Bearer " + TOKEN}) as ws:
        await ws.write_frame(True, 0x01, b"\xff\xfe not utf-8")
        try:
            await asyncio.wait_for(ws.recv(), 5)
            fail("invalid UTF-8 should close the connection")
        except websockets.ConnectionClosed as closed:
            check(closed.code == 1007, closed.code)

    print("ws_client: all checks passed")


asyncio.run(main())
