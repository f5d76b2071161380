// A LiveKit webhook service in Express, with Session Monitor behind it.
//
// LiveKit Egress records a session (sessions/<sessionId>/recording.mp4) and posts a signed
// egress_ended; this service verifies it, answers at once, and processes the recording on the
// library's runtime (off the JavaScript thread), writing sessions/<sessionId>/… to OUTPUT_DIR.
// GET /api/sessions/:id says how far it got.
//
// Settings (environment): LIVEKIT_API_KEY, LIVEKIT_API_SECRET (livekit-server's webhook.api_key
// pair), RECORDINGS (where egress writes: s3://bucket, a bucket ARN or a folder; the seed's
// RECORDINGS_S3_BUCKET is read too), OUTPUT_DIR (a folder or s3://bucket[/prefix]), PORT, and the
// optional model folders WHISPER_MODEL_DIR, SILERO_VAD_DIR, NSFW_MODEL_DIR.
//
// Deliveries are idempotent on the event id (LiveKit retries with the same id) and one egress is
// processed once. The state is in memory here; a real service keeps it in its database.
import express from 'express'
import { SessionProcessor, WebhookReceiver } from '@session-monitor/node'

export async function createApp(env = process.env) {
  const required = (name) => {
    const value = (env[name] ?? '').trim()
    if (!value) throw new Error(`${name} is not set: the webhook service needs it`)
    return value
  }
  const bucket = (env.RECORDINGS_S3_BUCKET ?? '').trim()
  const recordings = (env.RECORDINGS ?? '').trim() || (bucket && !bucket.startsWith('arn:') ? `s3://${bucket}` : bucket)
  if (!recordings) throw new Error('set RECORDINGS (s3://bucket, a bucket ARN or a folder) or RECORDINGS_S3_BUCKET')
  const receiver = new WebhookReceiver({
    apiKey: required('LIVEKIT_API_KEY'),
    apiSecret: required('LIVEKIT_API_SECRET'),
    recordings,
  })
  const processor = await SessionProcessor.create({
    output: (env.OUTPUT_DIR ?? '').trim() || 'session-output',
    model: env.WHISPER_MODEL_DIR || undefined,
    vadModel: env.SILERO_VAD_DIR || undefined,
    nudityModel: env.NSFW_MODEL_DIR || undefined,
  })
  const seenEvents = new Set()
  const seenEgresses = new Set()
  const sessions = new Map()
  let running = 0

  const processInBackground = (sessionId, input) => {
    sessions.set(sessionId, { status: 'processing' })
    running += 1
    processor
      .process(sessionId, input)
      .then((result) => sessions.set(sessionId, { status: result.status, scores: headlineScores(result) }))
      .catch((err) => sessions.set(sessionId, { status: 'failed', error: { code: err.code, message: err.message } }))
      .finally(() => { running -= 1 })
  }

  const app = express()
  // LiveKit posts application/webhook+json: keep the raw bytes, receive() checks type and hash.
  app.post('/api/livekit/webhook', express.raw({ type: '*/*', limit: '2mb' }), (req, res) => {
    let delivery
    try {
      delivery = receiver.receive(req.body, req.get('authorization') ?? null, req.get('content-type') ?? null)
    } catch (err) {
      if (err.kind !== 'webhook') throw err
      return res.status(err.httpStatus ?? 400).json({ error: err.code })
    }
    if (seenEvents.has(delivery.id)) return res.json({ event: delivery.kind, duplicate: true })
    seenEvents.add(delivery.id)
    const outcome = delivery.egress_outcome
    if (outcome?.egress_id) {
      if (seenEgresses.has(outcome.egress_id)) return res.json({ event: delivery.kind, duplicate: true })
      seenEgresses.add(outcome.egress_id)
    }
    if (outcome?.outcome === 'recorded') {
      processInBackground(outcome.session_id, outcome.input_uri)
    } else if (outcome) {
      // A failed egress, or a genuine one with nothing to process: recorded against its room.
      const room = delivery.egress?.room_name || 'unknown-room'
      sessions.set(room, { status: 'failed', error: { code: outcome.code ?? outcome.status, message: outcome.reason } })
    }
    res.json({ event: delivery.kind, accepted: true })
  })
  app.get('/api/sessions/:id', (req, res) => {
    const session = sessions.get(req.params.id)
    if (!session) return res.status(404).json({ error: 'unknown session' })
    res.json(session)
  })
  app.get('/healthz', (_req, res) => res.json({ ok: true, processing: running }))
  return app
}

function headlineScores(result) {
  const scores = {}
  for (const name of ['quality', 'engagement', 'combined', 'analysis']) {
    const score = result[name]?.score
    if (score !== undefined && score !== null) scores[name] = score
  }
  return scores
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = await createApp()
  const port = Number(process.env.PORT || 3000)
  app.listen(port, '127.0.0.1', () => console.error(`webhook service on http://127.0.0.1:${port}/api/livekit/webhook`))
}
