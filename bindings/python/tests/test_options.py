"""The processor's options are declared once (``ProcessorOptions``); the native constructor takes
exactly those keywords, and an unknown one is still refused."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from session_monitor._native import NativeProcessor
from session_monitor._options import ProcessorOptions
from session_monitor import SessionProcessor


def test_the_native_constructor_takes_exactly_the_declared_options() -> None:
    native = inspect.signature(NativeProcessor).parameters
    keywords = [name for name, p in native.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert keywords == list(ProcessorOptions.__annotations__)


def test_an_unknown_option_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="trasncribe"):
        SessionProcessor(str(tmp_path), trasncribe=False)  # type: ignore[call-arg]
