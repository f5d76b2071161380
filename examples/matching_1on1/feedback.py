"""Match feedback for a 1:1 conversation, from the reports Session Monitor wrote.

A pure function: the session's ``engagement.json`` (with its ``conversation``) and each
participant's ``engagement.json`` in, a feedback dict out. The thresholds are this example's
product choices, not the library's; change them to suit your matching product.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

# A conversation counts as one-sided when its balance (1 = equal talk time, 0 = one person only)
# is below this.
ONE_SIDED_BALANCE = 0.6
# More interruptions per minute than this is called out.
INTERRUPTIONS_PER_MINUTE = 2.0
# A median gap between one person stopping and the other starting above this is "slow replies".
SLOW_REPLY_S = 2.0
# A share of the call in which nobody speaks above this is "long silences".
SILENCE_SHARE = 0.3


def match_feedback(
    session: Mapping[str, Any], participants: Mapping[str, Mapping[str, Any]]
) -> Dict[str, Any]:
    """``session``: the session's engagement.json; ``participants``: identity → that
    participant's engagement.json. Returns per-person figures, pair figures and notes."""
    conversation = session.get("conversation")
    if not conversation:
        raise ValueError("engagement.json has no conversation: process the session one recording per participant")
    duration_s = float(conversation["duration_s"]) or 1.0
    people = []
    for talk in conversation["participants"]:
        who = talk["participant"]
        report = participants.get(who, {})
        transcript = report.get("transcript") or {}
        people.append(
            {
                "participant": who,
                "talk_share": talk.get("talk_share"),
                "talk_time_s": talk["talk_time_s"],
                "turns": talk["turns"],
                "longest_turn_s": talk["longest_turn_s"],
                "interruptions": talk["interruptions"],
                "questions": transcript.get("questions"),
                "words_per_minute": (report.get("speech_rate") or {}).get("words_per_minute"),
                "engagement_score": report.get("score"),
            }
        )
    notes = _notes(conversation, people, duration_s)
    scores = [p["engagement_score"] for p in people if p["engagement_score"] is not None]
    return {
        "session_id": session.get("session_id"),
        "duration_s": conversation["duration_s"],
        "participants": people,
        "pair": {
            "balance": conversation.get("balance"),
            "turns_per_minute": conversation["turns_per_minute"],
            "interruptions": conversation["interruption_count"],
            "overlap_s": conversation["overlap_s"],
            "mutual_silence_s": conversation["mutual_silence_s"],
            "median_reply_s": (conversation.get("response_latency") or {}).get("median_s"),
            # The pair is as engaged as its less engaged member.
            "mutual_engagement": min(scores) if len(scores) == len(people) and scores else None,
        },
        "notes": notes,
    }


def _notes(conversation: Mapping[str, Any], people: List[Dict[str, Any]], duration_s: float) -> List[str]:
    notes: List[str] = []
    balance: Optional[float] = conversation.get("balance")
    if balance is not None and balance < ONE_SIDED_BALANCE:
        talker = max(people, key=lambda p: p["talk_share"] or 0.0)
        notes.append(f"one-sided: {talker['participant']} did {round(100 * (talker['talk_share'] or 0))}% of the talking")
    per_minute = conversation["interruption_count"] * 60.0 / duration_s
    if per_minute > INTERRUPTIONS_PER_MINUTE:
        notes.append(f"frequent interruptions: {per_minute:.1f} per minute")
    median = (conversation.get("response_latency") or {}).get("median_s")
    if median is not None and median > SLOW_REPLY_S:
        notes.append(f"slow replies: {median:.1f} s median before the other person answers")
    if conversation["mutual_silence_s"] / duration_s > SILENCE_SHARE:
        notes.append(f"long silences: nobody spoke for {conversation['mutual_silence_s']:.0f} s of {duration_s:.0f} s")
    for person in people:
        if person["questions"] == 0:
            notes.append(f"{person['participant']} asked no questions")
    return notes
