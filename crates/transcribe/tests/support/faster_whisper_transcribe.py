"""Transcribes a WAV with faster-whisper (the parity peer of CandleWhisper) and prints JSON.

usage: faster_whisper_transcribe.py CT2_MODEL_DIR WAV [CPU_THREADS]

Settings mirror CandleWhisper's defaults: int8, greedy (beam 1, best_of 1), language en,
temperature fallback 0.0..1.0, conditioned on previous text, no VAD, no word timestamps.
"""

import json
import sys
import time

from faster_whisper import WhisperModel


def main() -> None:
    model_dir, wav = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    started = time.perf_counter()
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    segments, info = model.transcribe(wav, beam_size=1, best_of=1, language="en", vad_filter=False)
    segments = list(segments)
    transcribe_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "text": " ".join(s.text.strip() for s in segments),
                "segments": [
                    {"start_s": s.start, "end_s": s.end, "text": s.text.strip(), "avg_logprob": s.avg_logprob,
                     "no_speech_prob": s.no_speech_prob}
                    for s in segments
                ],
                "duration_s": info.duration,
                "load_s": load_s,
                "transcribe_s": transcribe_s,
                "rtf": transcribe_s / info.duration,
                "cpu_threads": threads,
            }
        )
    )


if __name__ == "__main__":
    main()
