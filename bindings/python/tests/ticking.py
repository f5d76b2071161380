"""Whether a call leaves the interpreter free while it runs: something else keeps ticking (an
asyncio task on the event loop, or a Python thread that needs the GIL)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Awaitable, Callable, Tuple, TypeVar

T = TypeVar("T")


def loop_ticks_during(work: Callable[[], Awaitable[T]]) -> Tuple[T, int, float]:
    """Runs `work` in a fresh loop while a task ticks every 1 ms; returns its value, the ticks and
    the seconds it took."""

    async def main() -> Tuple[T, int, float]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.001)

        loop = asyncio.get_running_loop()
        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        started = loop.time()
        try:
            value = await work()
        finally:
            done.set()
            await ticking
        return value, ticks, loop.time() - started

    return asyncio.run(main())


def thread_ticks_during(work: Callable[[], T], period_s: float) -> Tuple[T, int, float]:
    """Runs `work` while another Python thread ticks every `period_s`; returns its value, the
    ticks and the seconds it took. A call that holds the GIL stops the ticking."""
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(period_s)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        started = time.monotonic()
        value = work()
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        counter.join()
    return value, ticks, elapsed
