"""report.html from Python: the pipeline writes it, render_report writes it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_monitor import InputError, SessionProcessor, render_report


def test_render_report_rewrites_the_stored_report(tmp_path: Path, clean_mp4: Path) -> None:
    result = SessionProcessor(tmp_path, transcribe=False).process("RM_report", clean_mp4)
    assert any(a.name == "report.html" for a in result.artifacts)
    folder = tmp_path / "sessions" / "RM_report"
    stored = (folder / "report.html").read_text(encoding="utf-8")
    assert stored.startswith("<!DOCTYPE html>")

    out = tmp_path / "again.html"
    written = render_report(str(folder), out=str(out))
    assert written == str(out)
    assert out.read_text(encoding="utf-8") == stored

    assert render_report(folder) == str(folder / "report.html")


def test_render_report_names_a_folder_that_is_not_a_session(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        render_report(str(tmp_path / "nowhere"))
    assert raised.value.code == "input"
    assert "sessions/<session id>" in str(raised.value)
