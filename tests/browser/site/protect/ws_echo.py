"""A WebSocket echo server for the cross-origin protection browser tests:
``python3 ws_echo.py <port>``; answers every message with "echo:" + it.
Debian's python3-websockets."""

import asyncio
import sys

import websockets


async def echo(ws, path=None):
    async for message in ws:
        await ws.send("echo:" + message)


async def main(port):
    async with websockets.serve(echo, "127.0.0.1", port):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
