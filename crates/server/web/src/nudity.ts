// The in-browser nudity check, as the seed has it: nsfwjs's MobileNetV2 on TensorFlow.js (both
// from npm, bundled; the model's files are chunks the server serves) on about one camera frame a
// second while live. A frame whose nudity score reaches the threshold becomes a realtime safety
// event (source `realtime_client`); the score is the library's (`session_safety`'s
// `NudityScores::nudity_score`): porn + hentai + 0.5 × sexy.

import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { type NSFWJS, load } from "nsfwjs/core";
import { MobileNetV2Model } from "nsfwjs/models/mobilenet_v2";

export const NUDITY_THRESHOLD = 0.7;
const SEXY_WEIGHT = 0.5;
/** One check a second at most... */
const INTERVAL_MS = 1000;
/** ...and at most a tenth of one core: a slow machine checks less often (the recorders need it). */
const MAX_BUSY_SHARE = 0.1;
const DETECTOR = { id: "nsfwjs-mobilenet-v2", version: "4.4.0" };

let model: Promise<NSFWJS> | null = null;

/** Loads the model (a few seconds of CPU): called once the preview runs, so that the burst is
 * over before a session starts and its recorder needs the CPU. */
export function loadModel(): Promise<NSFWJS> {
  model ??= (async () => {
    // TensorFlow.js's WebAssembly backend (SIMD; its .wasm files are served beside app.js) runs
    // MobileNetV2 several times faster than the pure-JS CPU backend; the CPU backend remains
    // the fallback.
    setWasmPaths("/");
    if (!(await tf.setBackend("wasm").catch(() => false))) await tf.setBackend("cpu");
    await tf.ready();
    return load("MobileNetV2", { size: 224, modelDefinitions: [MobileNetV2Model] });
  })();
  return model;
}

export interface NudityCallbacks {
  /** Each checked frame: how many so far, the frame's score, and how long the check took. */
  onChecked(frames: number, score: number, checkMs: number, backend: string): void;
  /** A frame at or above the threshold, as the safety event to post. */
  onFlagged(event: Record<string, unknown>): void;
  onError(message: string): void;
}

/** Checks frames of `video` until stopped. */
export class NudityWatch {
  private stopped = false;
  private frames = 0;
  private readonly startedAt = performance.now();

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly participant: string,
    private readonly callbacks: NudityCallbacks,
  ) {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    let nsfw: NSFWJS;
    try {
      nsfw = await loadModel();
    } catch (error) {
      this.callbacks.onError(`The nudity check could not start: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    while (!this.stopped) {
      const started = performance.now();
      if (this.video.videoWidth > 0) await this.check(nsfw);
      const busy = performance.now() - started;
      const pause = Math.max(INTERVAL_MS - busy, (busy * (1 - MAX_BUSY_SHARE)) / MAX_BUSY_SHARE);
      await new Promise((resolve) => window.setTimeout(resolve, pause));
    }
  }

  private async check(nsfw: NSFWJS): Promise<void> {
    const started = performance.now();
    const mediaTime = (started - this.startedAt) / 1000;
    const predictions = await nsfw.classify(this.video, 5);
    const p = Object.fromEntries(predictions.map((x) => [x.className, x.probability]));
    const score = Math.min(1, (p.Porn ?? 0) + (p.Hentai ?? 0) + SEXY_WEIGHT * (p.Sexy ?? 0));
    this.frames += 1;
    this.callbacks.onChecked(this.frames, score, performance.now() - started, tf.getBackend());
    if (score < NUDITY_THRESHOLD || this.stopped) return;
    this.callbacks.onFlagged({
      category: "nudity",
      score,
      threshold: NUDITY_THRESHOLD,
      decision: "flagged",
      source: "realtime_client",
      participant: this.participant,
      media_time_s: mediaTime,
      detected_at: new Date().toISOString(),
      detector: DETECTOR,
      evidence: { frame_time_s: mediaTime, details: p },
    });
  }
}
