// Type-checked by `tsc --strict` in scripts/test.sh (never run): the public types in index.d.ts
// allow what the README shows and catch what they should.
import { SafetyChecker, SessionProcessor, WebhookReceiver, renderReport, signWebhook } from '@session-monitor/node'
import type { FrameCheck, SessionProcessingError, SessionResult, StoredSafetyEvent, WebhookDelivery } from '@session-monitor/node'

export async function handle(body: Uint8Array, authorization: string | null, contentType: string | null): Promise<number> {
  const receiver = new WebhookReceiver({ apiKey: 'key', apiSecret: 'secret', recordings: 's3://recordings' })
  const processor = await SessionProcessor.create({ output: 'session-output', model: '.models/whisper-tiny' })
  let delivery: WebhookDelivery
  try {
    delivery = receiver.receive(body, authorization, contentType)
  } catch (err) {
    const error = err as SessionProcessingError
    return error.httpStatus ?? 500
  }
  const outcome = delivery.egress_outcome
  if (outcome?.outcome === 'recorded') {
    // Narrowed: only a recorded outcome has input_uri and session_id.
    const result: SessionResult = await processor.process(outcome.session_id, outcome.input_uri)
    return result.status === 'complete' ? 200 : 500
  }
  if (outcome?.outcome === 'failed') {
    const reason: string = outcome.reason
    // @ts-expect-error a failed outcome has no input_uri
    void outcome.input_uri
    return reason.length > 0 ? 200 : 200
  }
  const page: Promise<string> = renderReport('out/sessions/RM_1', { out: 'report.html' })
  void page
  // @ts-expect-error the session folder is a string path or s3:// URI
  void renderReport(42)
  const signed: string = signWebhook('key', 'secret', '{"event":"room_started"}')
  // @ts-expect-error the body is raw bytes or text, not a parsed object
  signWebhook('key', 'secret', { event: 'room_started' })
  return signed.length > 0 ? 200 : 500
}

export async function checkFrames(frame: Uint8Array): Promise<number> {
  const checker = await SafetyChecker.create({ participant: 'alice' })
  const check: FrameCheck = await checker.checkFrame(frame, 64, 48, 0, 'rgb')
  // The scores are null without a nudity model.
  const porn: number | undefined = check.nudity?.porn
  // @ts-expect-error nudity_score may be null
  const score: number = check.nudity_score
  const processor = await SessionProcessor.create({ output: 'session-output' })
  const stored: StoredSafetyEvent = await processor.recordSafetyEvent('RM_1', check.events[0])
  return (porn ?? 0) + score + stored.artifact.bytes
}
