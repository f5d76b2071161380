"""What the API returns: dataclasses built from the Rust ``SessionResult`` JSON, and typed dicts
for the safety results (exactly the JSON the Rust library serialises)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Optional, TypedDict, cast

StageStatus = Literal["ok", "skipped", "failed"]
RunStatus = Literal["running", "complete", "failed"]


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
    ``docs/outputs.md``, or ``None`` when the stage did not produce one (its ``StageReport`` says
    why). ``to_dict()`` gives exactly the JSON the Rust library produced.
    """

    session_id: str
    status: RunStatus
    output: str
    media: Dict[str, Any]
    stages: List[StageReport]
    artifacts: List[Artifact]
    quality: Optional[Dict[str, Any]]
    engagement: Optional[Dict[str, Any]]
    combined: Optional[Dict[str, Any]]
    safety: Optional[Dict[str, Any]]
    analysis: Optional[Dict[str, Any]]
    duration_ms: int
    _raw: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, text: str) -> SessionResult:
        """Builds the result from the JSON text the native module returns."""
        data: Dict[str, Any] = json.loads(text)
        return cls(
            session_id=data["session_id"],
            status=cast(RunStatus, data["status"]),
            output=data["output"],
            media=data["media"],
            stages=[StageReport.from_dict(s) for s in data["stages"]],
            artifacts=[Artifact(**a) for a in data["artifacts"]],
            quality=data.get("quality"),
            engagement=data.get("engagement"),
            combined=data.get("combined"),
            safety=data.get("safety"),
            analysis=data.get("analysis"),
            duration_ms=data["duration_ms"],
            _raw=data,
        )

    def stage(self, name: str) -> Optional[StageReport]:
        """The report of stage ``name`` (``audio``, ``quality``, ...); ``None`` if it never ran."""
        return next((s for s in self.stages if s.name == name), None)

    def to_dict(self) -> Dict[str, Any]:
        """The result as the Rust library serialised it (a deep copy)."""
        return copy.deepcopy(self._raw)


class ArtifactRecord(TypedDict):
    """An artifact as JSON: ``name`` in the session folder, full ``location``, size in ``bytes``."""

    name: str
    location: str
    bytes: int


class StoredSafetyEvent(TypedDict):
    """What ``record_safety_event`` returns: the ``event`` as stored (validated, ``decision``
    derived when it was missing) and the ``artifact`` ``safety/<name>.json`` it went to."""

    event: Dict[str, Any]
    artifact: ArtifactRecord


class NudityScores(TypedDict):
    """nsfwjs's five class probabilities for one frame; they sum to 1."""

    drawing: float
    hentai: float
    neutral: float
    porn: float
    sexy: float


class FrameCheck(TypedDict):
    """What ``SafetyChecker.check_frame`` found in one frame.

    ``nudity`` / ``nudity_score`` (``porn + hentai + 0.5 * sexy``, 0-1) are ``None`` without a
    nudity model; ``covered`` means black or covered, ``frozen`` identical to the previous frame;
    ``events`` are the safety events this frame flagged (the ``safety/<name>.json`` schema).
    """

    time_s: float
    nudity: Optional[NudityScores]
    nudity_score: Optional[float]
    covered: bool
    frozen: bool
    events: List[Dict[str, Any]]
