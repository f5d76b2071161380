"""What the API returns: dataclasses built from the Rust ``SessionResult`` JSON, whose reports are
the typed dicts generated from the Rust types (``_types.py``, exactly the JSON the Rust library
serialises), and typed dicts for the realtime safety results."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, cast

from . import _types
from ._types import RunStatus, StageStatus


@dataclass(frozen=True)
class ErrorReport:
    """The error a failed stage carries: ``code`` (``media.input_truncated``, ...), ``kind``,
    ``message``."""

    code: str
    kind: str
    message: str


@dataclass(frozen=True)
class StageReport:
    """How one stage ended: ``ok``, ``skipped`` (with a ``reason``) or ``failed`` (with an
    ``error``)."""

    name: str
    status: StageStatus
    duration_ms: int
    reason: Optional[str] = None
    error: Optional[ErrorReport] = None

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> StageReport:
        error = data.get("error")
        return cls(
            name=data["name"],
            status=cast(StageStatus, data["status"]),
            duration_ms=data["duration_ms"],
            reason=data.get("reason"),
            error=ErrorReport(**error) if error is not None else None,
        )


@dataclass(frozen=True)
class Artifact:
    """One artifact of the session: its ``name`` in the session folder, full ``location``, size."""

    name: str
    location: str
    bytes: int


@dataclass(frozen=True)
class SessionResult:
    """A finished session: every stage's status, the artifacts written and the scores.

    ``quality``, ``engagement``, ``combined``, ``safety`` (``safety-scan.json``) and ``analysis``
    (``analysis.json``, only with an LLM such as Gemini) are the JSON reports documented in
    ``docs/outputs.md`` (typed in ``_types.py``, generated from the Rust types), or ``None`` when
    the stage did not produce one (its ``StageReport`` says why). ``to_dict()`` gives exactly the
    JSON the Rust library produced.
    """

    session_id: str
    status: RunStatus
    output: str
    media: Optional[_types.MediaInfo]
    stages: List[StageReport]
    artifacts: List[Artifact]
    quality: Optional[_types.Quality]
    engagement: Optional[_types.Engagement]
    combined: Optional[_types.StoredCombinedScore]
    safety: Optional[_types.StoredSafetyScan]
    analysis: Optional[_types.StoredAnalysis]
    duration_ms: int
    _raw: _types.SessionResult = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, text: str) -> SessionResult:
        """Builds the result from the JSON text the native module returns."""
        data = cast(_types.SessionResult, json.loads(text))
        return cls(
            session_id=data["session_id"],
            status=data["status"],
            output=data["output"],
            media=data["media"],
            stages=[StageReport.from_dict(cast(Dict[str, Any], s)) for s in data["stages"]],
            artifacts=[Artifact(**a) for a in data["artifacts"]],
            quality=data["quality"],
            engagement=data["engagement"],
            combined=data["combined"],
            safety=data["safety"],
            analysis=data["analysis"],
            duration_ms=data["duration_ms"],
            _raw=data,
        )

    def stage(self, name: str) -> Optional[StageReport]:
        """The report of stage ``name`` (``audio``, ``quality``, ...); ``None`` if it never ran."""
        return next((s for s in self.stages if s.name == name), None)

    def to_dict(self) -> _types.SessionResult:
        """The result as the Rust library serialised it (a deep copy)."""
        return copy.deepcopy(self._raw)
