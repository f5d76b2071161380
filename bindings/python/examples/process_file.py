"""Processes one recording and prints the result as JSON.

Usage: python examples/process_file.py INPUT OUT_DIR SESSION_ID

INPUT is a local file or s3://bucket/key; OUT_DIR a local folder or s3://bucket[/prefix].
Optional models come from the environment: WHISPER_MODEL_DIR (transcription), SILERO_VAD_DIR
(speech detection) and NSFW_MODEL_DIR (nudity in the safety scan); GEMINI_API_KEY adds the LLM analysis. On
failure prints `error: <code>: <message>` to stderr and exits with status 1.
"""

from __future__ import annotations

import json
import os
import sys

from session_monitor import SessionProcessingError, SessionProcessor


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    _, input_path, out_dir, session_id = argv
    try:
        processor = SessionProcessor(
            out_dir,
            model=os.environ.get("WHISPER_MODEL_DIR") or None,
            nudity_model=os.environ.get("NSFW_MODEL_DIR") or None,
            vad_model=os.environ.get("SILERO_VAD_DIR") or None,
        )
        result = processor.process(session_id, input_path)
    except SessionProcessingError as e:
        print(f"error: {e.code}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
