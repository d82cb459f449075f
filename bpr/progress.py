"""Progress messages on stderr, shown only when stderr is a terminal (never in CI logs or pipes)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def enabled() -> bool:
    return sys.stderr.isatty()


_local = threading.local()


@contextmanager
def reporting(listener: Callable[[str], None]) -> Iterator[None]:
    """Also send this thread's progress notes to `listener` (the web app's job progress)."""
    previous = getattr(_local, "listener", None)
    _local.listener = listener
    try:
        yield
    finally:
        _local.listener = previous


def note(message: str) -> None:
    """One line of progress ('reading receipt.xes.gz …')."""
    listener = getattr(_local, "listener", None)
    if listener is not None:
        listener(message)
    if enabled():
        print(f"\r\033[K{message}", file=sys.stderr, end="\n", flush=True)


def track(items: Iterable[T], label: str, total: int | None = None, every: float = 0.2) -> Iterator[T]:
    """Yield items while drawing 'label  n/total' on stderr at most every `every` seconds."""
    if not enabled():
        yield from items
        return
    last = 0.0
    n = 0
    for n, item in enumerate(items, start=1):
        now = time.monotonic()
        if now - last >= every:
            last = now
            shown = f"{n}/{total}" if total else str(n)
            print(f"\r\033[K{label}  {shown}", file=sys.stderr, end="", flush=True)
        yield item
    print(f"\r\033[K{label}  {n}{'/' + str(total) if total else ''} ✓", file=sys.stderr, flush=True)
