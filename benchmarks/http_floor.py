"""The floor under any Python server's overhead: bare httpx requests to the fake, from their own process.

``python -m benchmarks.http_floor BASE_URL COUNT [--plain]`` makes COUNT sequential chat requests on one
``httpx.AsyncClient`` (streamed and read to the end, or with ``--plain`` not streamed), each with a new
prompt of about 3 KB, and prints a JSON list of [written, answered] monotonic times, one per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx
from fake_openrouter import DEFAULT_API_KEY


async def measure(base_url: str, count: int, *, stream: bool) -> list[tuple[float, float]]:
    times: list[tuple[float, float]] = []
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30.0) as client:
        for i in range(count):
            body = {
                "model": "bench/floor",
                "messages": [{"role": "user", "content": f"request {i}\n" + "x = compute(items)\n" * 160}],
                "stream": stream,
            }
            start = time.monotonic()
            if stream:
                async with client.stream("POST", "chat/completions", json=body) as response:
                    async for _ in response.aiter_raw():
                        pass
            else:
                (await client.post("chat/completions", json=body)).json()
            times.append((start, time.monotonic()))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base_url")
    parser.add_argument("count", type=int)
    parser.add_argument("--plain", action="store_true", help="non-streamed requests")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.base_url, args.count, stream=not args.plain))))


if __name__ == "__main__":
    main()
