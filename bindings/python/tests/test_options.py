"""The processor's and the safety checker's options are each declared once (``ProcessorOptions``,
``SafetyCheckerOptions``); the native constructors take exactly those keywords, and an unknown one
is still refused."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from session_monitor._native import NativeProcessor, NativeSafetyChecker
from session_monitor._options import ProcessorOptions, SafetyCheckerOptions
from session_monitor import SafetyChecker, SessionProcessor


def test_the_native_constructor_takes_exactly_the_declared_options() -> None:
    native = inspect.signature(NativeProcessor).parameters
    keywords = [name for name, p in native.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert keywords == list(ProcessorOptions.__annotations__)


def test_an_unknown_option_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="trasncribe"):
        SessionProcessor(str(tmp_path), trasncribe=False)  # type: ignore[call-arg]


def test_the_native_safety_checker_takes_exactly_the_declared_options() -> None:
    native = inspect.signature(NativeSafetyChecker).parameters
    keywords = [name for name, p in native.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert keywords == list(SafetyCheckerOptions.__annotations__)


def test_an_unknown_safety_checker_option_is_refused() -> None:
    with pytest.raises(TypeError, match="nudity_treshold"):
        SafetyChecker(nudity_treshold=0.5)  # type: ignore[call-arg]


def test_a_path_like_model_folder_is_accepted(tmp_path: Path) -> None:
    """``nudity_model`` takes an ``os.PathLike`` as it did when the wrapper converted it."""
    from session_monitor import ConfigError

    with pytest.raises(ConfigError, match="no-model-here"):
        SafetyChecker(nudity_model=tmp_path / "no-model-here")
