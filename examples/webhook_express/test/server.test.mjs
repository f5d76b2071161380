// The Express webhook example as LiveKit would use it: a loopback port, deliveries signed as
// livekit-server signs them, a real recording processed in the background.
import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'node:test'
import { signWebhook } from '@session-monitor/node'
import { createApp } from '../server.mjs'

const KEY = 'APIwebhookExpress'
const SECRET = 'a-secret-for-the-express-example-that-is-long-enough'
const here = dirname(fileURLToPath(import.meta.url))

function fixture(name) {
  const path = join(process.env.FIXTURES_DIR || join(here, '../../../.fixtures'), name)
  assert.ok(existsSync(path), `${path} is missing: run scripts/make-fixtures`)
  return path
}

async function startService(t) {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-express-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const recordings = join(dir, 'recordings')
  mkdirSync(join(recordings, 'sessions', 'lk-call-1'), { recursive: true })
  cpSync(fixture('clean.mp4'), join(recordings, 'sessions', 'lk-call-1', 'recording.mp4'))
  const env = {
    ...process.env,
    LIVEKIT_API_KEY: KEY,
    LIVEKIT_API_SECRET: SECRET,
    RECORDINGS: recordings,
    OUTPUT_DIR: join(dir, 'output'),
    GEMINI_API_KEY: '',
  }
  const app = await createApp(env)
  const server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  t.after(() => new Promise((resolve) => server.close(resolve)))
  return { base: `http://127.0.0.1:${server.address().port}`, output: join(dir, 'output') }
}

function egressEnded(id, egressId, status = 'EGRESS_COMPLETE', error = '') {
  const fileResults = status === 'EGRESS_FAILED' ? [] : [{ filename: 'sessions/lk-call-1/recording.mp4', duration: '9000000000' }]
  const egressInfo = { egressId, roomName: 'call-room', status, fileResults, ...(error ? { error } : {}) }
  return JSON.stringify({ event: 'egress_ended', id, createdAt: String(Math.floor(Date.now() / 1000)), egressInfo })
}

async function deliver(base, body, authorization = signWebhook(KEY, SECRET, body)) {
  const headers = { 'content-type': 'application/webhook+json' }
  if (authorization !== null) headers.authorization = authorization
  const response = await fetch(`${base}/api/livekit/webhook`, { method: 'POST', headers, body })
  return { status: response.status, body: await response.json() }
}

async function waitFor(base, sessionId, seconds = 300) {
  const deadline = Date.now() + seconds * 1000
  for (;;) {
    const response = await fetch(`${base}/api/sessions/${sessionId}`)
    const body = await response.json()
    if (response.status === 200 && body.status !== 'processing') return body
    assert.ok(Date.now() < deadline, `${sessionId} still ${JSON.stringify(body)} after ${seconds} s`)
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
}

test('an egress_ended is answered at once and processed in the background, once', async (t) => {
  const { base, output } = await startService(t)
  const started = Date.now()
  const first = await deliver(base, egressEnded('EV_1', 'EG_1'))
  assert.deepEqual(first, { status: 200, body: { event: 'egress_ended', accepted: true } })
  assert.ok(Date.now() - started < 5000, 'the webhook is answered before processing ends')
  const done = await waitFor(base, 'lk-call-1')
  assert.equal(done.status, 'complete', JSON.stringify(done))
  assert.ok(done.scores.quality >= 0 && done.scores.quality <= 100, JSON.stringify(done))
  const manifestPath = join(output, 'sessions', 'lk-call-1', 'manifest.json')
  const manifest = readFileSync(manifestPath, 'utf8')
  assert.equal(JSON.parse(manifest).status, 'complete')
  for (const id of ['EV_1', 'EV_2']) {
    const again = await deliver(base, egressEnded(id, 'EG_1'))
    assert.equal(again.status, 200)
    assert.equal(again.body.duplicate, true, `${id}: LiveKit's retry or a second event for the same egress`)
  }
  assert.equal(readFileSync(manifestPath, 'utf8'), manifest, 'not processed again')
})

test('forged, unsigned and failed deliveries', async (t) => {
  const { base } = await startService(t)
  const body = egressEnded('EV_9', 'EG_9')
  const forged = signWebhook(KEY, 'not-the-secret-but-just-as-long-as-the-real-one-00', body)
  assert.deepEqual(await deliver(base, body, forged), { status: 401, body: { error: 'livekit.bad_signature' } })
  assert.equal((await deliver(base, body, null)).status, 401)
  assert.equal((await fetch(`${base}/api/sessions/lk-call-1`)).status, 404, 'nothing was processed')

  const failed = await deliver(base, egressEnded('EV_10', 'EG_10', 'EGRESS_FAILED', 'the recorder crashed'))
  assert.equal(failed.status, 200, 'a genuine delivery of a failed egress is acknowledged')
  const room = await (await fetch(`${base}/api/sessions/call-room`)).json()
  assert.deepEqual(room, { status: 'failed', error: { code: 'EGRESS_FAILED', message: 'the recorder crashed' } })
})

test('a missing setting stops start-up, naming it', async () => {
  await assert.rejects(createApp({ RECORDINGS: '/tmp' }), /LIVEKIT_API_KEY is not set/)
})
