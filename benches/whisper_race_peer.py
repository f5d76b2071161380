"""Helpers of benches/whisper-race.sh: the faster-whisper peer and the word error rate.

usage:
  whisper_race_peer.py transcribe CT2_MODEL_DIR WAV COMPUTE_TYPE [CPU_THREADS]
      faster-whisper (beam 1, best_of 1, language en, no VAD) -> one JSON line on stdout:
      {"text", "duration_s", "load_s", "transcribe_s"}; COMPUTE_TYPE "int8-batched" runs
      faster-whisper's BatchedInferencePipeline instead (int8, batch_size 8, its Silero VAD on,
      which it needs to cut the audio into chunks).
  whisper_race_peer.py wer REFERENCE_TXT TRANSCRIPT_JSON
      prints the word error rate of the JSON's "text" against the reference text.

The normaliser mirrors `session_transcribe::text_normalizer` rule for rule (lowercase, `%` ->
"percent", punctuation breaks words, in-word apostrophes vanish, number words -> digits), so
these figures match what the Rust tests would compute. Standard library only for `wer`.
"""

import json
import sys
import time

UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
MULTIPLIERS = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


def small_number(word):
    if word in UNITS:
        return UNITS.index(word)
    if word in TENS:
        return 20 + 10 * TENS.index(word)
    return None


def split_words(text):
    words, word = [], ""
    for i, c in enumerate(text):
        prev = text[i - 1] if i > 0 else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        between_digits = prev.isascii() and prev.isdigit() and nxt.isascii() and nxt.isdigit()
        if c.isalnum():
            word += c
        elif c in "'\u2019" and word and nxt.isalnum():
            pass  # "don't" -> "dont"
        elif c == "," and between_digits:
            pass  # "1,000" -> "1000"
        elif c == "." and between_digits:
            word += c
        else:
            if word:
                words.append(word)
                word = ""
            if c == "%":
                words.append("percent")
    if word:
        words.append(word)
    return words


def parse_number(words):
    """The longest number at the start of `words` as (value, words used), or None."""
    if small_number(words[0]) is None:
        return None
    total = current = used = 0
    last_was_small = False
    for i, word in enumerate(words):
        n = small_number(word)
        if n is not None:
            joins_tens = last_was_small and current % 100 >= 20 and current % 10 == 0 and n < 10
            if last_was_small and not joins_tens:
                break
            current += n
            last_was_small = True
        elif word in MULTIPLIERS and used > 0:
            m = MULTIPLIERS[word]
            if m == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * m
                current = 0
            last_was_small = False
        elif word == "and" and used > 0 and i + 1 < len(words) and small_number(words[i + 1]) is not None:
            last_was_small = False
        else:
            break
        used = i + 1
    return total + current, used


def normalize_english(text):
    words, out, i = split_words(text.lower()), [], 0
    while i < len(words):
        parsed = parse_number(words[i:])
        if parsed is None:
            out.append(words[i])
            i += 1
        else:
            out.append(str(parsed[0]))
            i += parsed[1]
    return " ".join(out)


def wer(reference, hypothesis):
    ref, hyp = normalize_english(reference).split(), normalize_english(hypothesis).split()
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref):
        current = [i + 1] * (len(hyp) + 1)
        for j, h in enumerate(hyp):
            current[j + 1] = min(previous[j] + (r != h), previous[j + 1] + 1, current[j] + 1)
        previous = current
    return previous[len(hyp)] / len(ref) if ref else float(previous[len(hyp)])


def transcribe(model_dir, wav, compute_type, threads):
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    batched = compute_type.endswith("-batched")
    compute_type = compute_type.removesuffix("-batched")
    started = time.perf_counter()
    model = WhisperModel(model_dir, device="cpu", compute_type=compute_type, cpu_threads=threads)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    if batched:
        pipeline = BatchedInferencePipeline(model)
        segments, info = pipeline.transcribe(wav, beam_size=1, best_of=1, language="en", batch_size=8)
    else:
        segments, info = model.transcribe(wav, beam_size=1, best_of=1, language="en", vad_filter=False)
    text = " ".join(s.text.strip() for s in segments)  # the generator does the work
    transcribe_s = time.perf_counter() - started
    return {"text": text, "duration_s": info.duration, "load_s": load_s, "transcribe_s": transcribe_s}


def self_check():
    cases = {
        "Good morning, and THANK you!": "good morning and thank you",
        "Don't stop\u2014ever.": "dont stop ever",
        "two hundred and five people": "205 people",
        "one two three": "1 2 3",
        "three thousand four hundred": "3400",
        "1,000 users at 2.5%": "1000 users at 2.5 percent",
        "one and only": "1 and only",
        "twelve percent": "12 percent",
    }
    for text, expected in cases.items():
        assert normalize_english(text) == expected, (text, normalize_english(text), expected)
    assert wer("cut waiting times by twelve percent", "cut waiting times by 12%") == 0.0


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "transcribe" and len(sys.argv) >= 5:
        threads = int(sys.argv[5]) if len(sys.argv) > 5 else 2
        print(json.dumps(transcribe(sys.argv[2], sys.argv[3], sys.argv[4], threads)))
    elif command == "wer" and len(sys.argv) == 4:
        self_check()
        with open(sys.argv[2], encoding="utf-8") as f:
            reference = f.read()
        with open(sys.argv[3], encoding="utf-8") as f:
            hypothesis = json.load(f)["text"]
        print(f"{wer(reference, hypothesis):.4f}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
