// Safety through the public API: realtime events, the SafetyChecker with the real nsfwjs model,
// and the post-session scan of a processed session. Needs the model ($NSFW_MODEL_DIR, or made by
// scripts/prepare-nsfw-model): fails loudly without it.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'

import { SafetyChecker, SessionProcessor } from '../index.js'
import { fixture, nsfwModel, tempDir } from './helpers.mjs'

// The analysis stage must see no key, whatever the environment running the tests holds.
delete process.env.GEMINI_API_KEY

const CLIENT_EVENT = {
  category: 'nudity',
  score: 0.93,
  threshold: 0.8,
  source: 'realtime_client',
  participant: 'alice',
  media_time_s: 12.5,
  detected_at: '2026-11-24T10:00:00.250Z',
  detector: { id: 'nsfwjs-mobilenet-v2', version: '4.2.0' },
  evidence: { frame_time_s: 12.5, details: { porn: 0.9, sexy: 0.06 } },
}

const safetyFiles = (out, sessionId) => {
  const dir = join(out, 'sessions', sessionId, 'safety')
  return existsSync(dir) ? readdirSync(dir).sort() : []
}

/** An RGBA frame (as in a browser's ImageData): a colour gradient and a box, shifted by `step`. */
function movingScene(width, height, step) {
  const data = new Uint8ClampedArray(width * height * 4)
  const left = (step * 13) % (width - 60)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4
      const box = y >= 40 && y < 100 && x >= left && x < left + 60
      data[i] = box ? 30 : (Math.floor((x * 255) / width) + step * 7) % 256
      data[i + 1] = box ? 200 : (Math.floor((y * 255) / height) + step * 3) % 256
      data[i + 2] = box ? 90 : (x + y + step * 11) % 256
      data[i + 3] = 255
    }
  }
  return data
}

test('recordSafetyEvent stores a client event once', async (t) => {
  const out = tempDir(t)
  const processor = new SessionProcessor({ output: out })
  const stored = await processor.recordSafetyEvent('RM_events', CLIENT_EVENT)

  assert.equal(stored.event.decision, 'flagged') // derived: 0.93 >= 0.8
  assert.equal(stored.event.participant, 'alice')
  assert.deepEqual(stored.event.detector, CLIENT_EVENT.detector)
  assert.match(stored.artifact.name, /^safety\/20261124T100000\.250Z-nudity-[0-9a-f]+\.json$/)
  const path = join(out, 'sessions', 'RM_events', stored.artifact.name)
  assert.equal(stored.artifact.location, path)
  assert.equal(stored.artifact.bytes, statSync(path).size)
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), stored.event)

  const again = await processor.recordSafetyEvent('RM_events', JSON.stringify(CLIENT_EVENT))
  assert.deepEqual(again, stored)
  assert.deepEqual(safetyFiles(out, 'RM_events'), [stored.artifact.name.slice('safety/'.length)])
})

test('an invalid event rejects with code "safety.invalid_event" naming the field', async (t) => {
  const out = tempDir(t)
  const processor = new SessionProcessor({ output: out })
  await assert.rejects(processor.recordSafetyEvent('RM_invalid', { ...CLIENT_EVENT, score: 1.5 }), (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.code, 'safety.invalid_event')
    assert.equal(err.kind, 'input')
    assert.match(err.message, /score/)
    assert.match(err.message, /1\.5/)
    return true
  })
  await assert.rejects(processor.recordSafetyEvent('RM_invalid', '{not json'), { code: 'safety.invalid_event' })
  await assert.rejects(processor.recordSafetyEvent('RM_invalid', { ...CLIENT_EVENT, category: 'spam' }), {
    code: 'safety.invalid_event',
    message: /category/,
  })
  await assert.rejects(processor.recordSafetyEvent('../escape', CLIENT_EVENT), { code: 'input' })
  await assert.rejects(processor.recordSafetyEvent('RM_invalid', 42), TypeError)
  assert.deepEqual(safetyFiles(out, 'RM_invalid'), [])
})

test('a moving scene raises no events (real model, ImageData-style pixels)', async () => {
  const checker = new SafetyChecker({ participant: 'alice', nudityModel: nsfwModel() })
  assert.equal(checker.hasNudityModel, true)
  for (let i = 0; i < 12; i++) {
    const check = await checker.checkFrame(movingScene(320, 240, i), 320, 240, i * 0.5)
    assert.equal(check.time_s, i * 0.5)
    assert.deepEqual(check.events, [])
    assert.equal(check.covered, false)
    assert.equal(check.frozen, false)
    assert.ok(check.nudity_score >= 0 && check.nudity_score < 0.2, JSON.stringify(check))
    const total = Object.values(check.nudity).reduce((a, b) => a + b, 0)
    assert.ok(Math.abs(total - 1) < 1e-3, JSON.stringify(check.nudity))
  }
})

test('Buffer, Uint8Array, Uint8ClampedArray and ArrayBuffer give the same answer', async () => {
  const clamped = movingScene(160, 120, 3)
  const buffers = [clamped, new Uint8Array(clamped), Buffer.from(clamped), clamped.slice().buffer]
  const scores = []
  for (const pixels of buffers) {
    scores.push((await new SafetyChecker({ nudityModel: nsfwModel() }).checkFrame(pixels, 160, 120, 0)).nudity)
  }
  for (const s of scores) assert.deepEqual(s, scores[0])
  // A view into a larger buffer reads only its own bytes.
  const padded = new Uint8Array(clamped.length + 8)
  padded.set(clamped, 4)
  const view = padded.subarray(4, 4 + clamped.length)
  assert.deepEqual((await new SafetyChecker({ nudityModel: nsfwModel() }).checkFrame(view, 160, 120, 0)).nudity, scores[0])
  await assert.rejects(new SafetyChecker().checkFrame([1, 2, 3], 1, 1, 0), TypeError)
})

test('40 black frames 1 s apart flag suspicious_behavior exactly once', async () => {
  const checker = new SafetyChecker({ participant: 'bob', nudityModel: nsfwModel() })
  const black = Buffer.alloc(320 * 240 * 4)
  const events = []
  for (let second = 0; second < 40; second++) {
    const check = await checker.checkFrame(black, 320, 240, second)
    assert.equal(check.covered, true)
    assert.equal(typeof check.nudity_score, 'number')
    events.push(...check.events)
  }
  assert.equal(events.length, 1, JSON.stringify(events))
  const [event] = events
  assert.equal(event.category, 'suspicious_behavior')
  assert.equal(event.decision, 'flagged')
  assert.equal(event.source, 'realtime_server')
  assert.equal(event.participant, 'bob')
  assert.equal(event.evidence.details.signal, 'video_covered')
})

test('frames sent without awaiting are scored in call order', async (t) => {
  const checker = new SafetyChecker({ participant: 'carol' })
  assert.equal(checker.hasNudityModel, false)
  const black = new Uint8Array(64 * 48 * 3)
  const checks = await Promise.all(Array.from({ length: 30 }, (_, s) => checker.checkFrame(black, 64, 48, s, 'rgb')))
  assert.deepEqual(checks.map((c) => c.time_s), Array.from({ length: 30 }, (_, s) => s))
  assert.ok(checks.every((c) => c.nudity === null && c.nudity_score === null))
  const events = checks.flatMap((c) => c.events)
  assert.equal(events.length, 1)
  // A checker's event is a valid event to store.
  const stored = await new SessionProcessor({ output: tempDir(t) }).recordSafetyEvent('RM_server', events[0])
  assert.deepEqual(stored.event, events[0])
  assert.match(stored.artifact.name, /-suspicious_behavior-/)
})

test('I420 frames are accepted', async () => {
  const [width, height] = [64, 48]
  const i420 = Buffer.alloc(width * height + 2 * (width / 2) * (height / 2), 128)
  i420.fill(16, 0, width * height)
  const check = await new SafetyChecker({ nudityModel: nsfwModel() }).checkFrame(i420, width, height, 0, 'i420')
  assert.equal(check.covered, true)
  assert.equal(typeof check.nudity_score, 'number')
})

test('a wrong buffer rejects with code "safety.invalid_frame"', async () => {
  const checker = new SafetyChecker({ nudityModel: nsfwModel() })
  await assert.rejects(checker.checkFrame(Buffer.alloc(100), 320, 240, 0), (err) => {
    assert.equal(err.code, 'safety.invalid_frame')
    assert.equal(err.kind, 'input')
    assert.match(err.message, /307200/)
    return true
  })
  await assert.rejects(checker.checkFrame(Buffer.alloc(16), 2, 2, 0, 'bgra'), { code: 'safety.invalid_frame', message: /bgra/ })
  await assert.rejects(checker.checkFrame(Buffer.alloc(16), 2, 2, -1), { code: 'safety.invalid_frame' })
  // Still usable afterwards.
  assert.equal((await checker.checkFrame(Buffer.alloc(16), 2, 2, 0)).covered, true)
})

test('a missing model folder throws a config error', (t) => {
  const dir = tempDir(t)
  assert.throws(() => new SafetyChecker({ nudityModel: join(dir, 'no-model-here') }), (err) => {
    assert.equal(err.kind, 'config')
    assert.equal(err.code, 'safety.model')
    assert.match(err.message, /no-model-here/)
    return true
  })
  assert.throws(() => new SessionProcessor({ output: dir, nudityModel: join(dir, 'no-model-either') }), {
    kind: 'config',
    message: /no-model-either/,
  })
})

test('a bad Gemini key is a config error that does not show the key', (t) => {
  assert.throws(() => new SessionProcessor({ output: tempDir(t), geminiApiKey: 'bad key-s3cr3t-value' }), (err) => {
    assert.equal(err.kind, 'config')
    assert.doesNotMatch(err.message, /s3cr3t/)
    return true
  })
})

test('frozen.mp4: the safety scan flags suspicious_behavior; no key, no analysis', async (t) => {
  const out = tempDir(t)
  const processor = new SessionProcessor({ output: out, nudityModel: nsfwModel(), sessionContext: 'a tutoring session' })
  const result = await processor.process('RM_frozen', fixture('frozen.mp4'))

  assert.equal(result.status, 'complete')
  assert.ok(result.safety, 'result.safety')
  const scan = JSON.parse(readFileSync(join(out, 'sessions', 'RM_frozen', 'safety-scan.json'), 'utf8'))
  assert.deepEqual(result.safety, scan)
  const verdicts = Object.fromEntries(result.safety.categories.map((c) => [c.category, c]))
  assert.equal(verdicts.suspicious_behavior.decision, 'flagged')
  assert.equal(typeof verdicts.nudity.score, 'number')
  assert.equal(verdicts.nudity.decision, 'clear')
  assert.ok(safetyFiles(out, 'RM_frozen').some((n) => n.endsWith('-suspicious_behavior.json')))

  assert.equal(result.analysis, null)
  const analysis = result.stages.find((s) => s.name === 'analysis')
  assert.equal(analysis?.status, 'skipped')
  assert.match(analysis.reason, /GEMINI_API_KEY/)
  assert.equal(existsSync(join(out, 'sessions', 'RM_frozen', 'analysis.json')), false)
})

test('without geminiApiKey the environment is read; "" turns the LLM off', async (t) => {
  process.env.GEMINI_API_KEY = 'env-key-s3cr3t'
  process.env.GEMINI_BASE_URL = 'ftp://not-http.example'
  t.after(() => {
    delete process.env.GEMINI_API_KEY
    delete process.env.GEMINI_BASE_URL
  })
  assert.throws(() => new SessionProcessor({ output: tempDir(t) }), (err) => {
    assert.equal(err.kind, 'config')
    assert.match(err.message, /base_url/)
    assert.doesNotMatch(err.message, /s3cr3t/)
    return true
  })
  const result = await new SessionProcessor({ output: tempDir(t), geminiApiKey: '' }).process('RM_no_llm', fixture('clean.mp4'))
  const analysis = result.stages.find((s) => s.name === 'analysis')
  assert.equal(analysis?.status, 'skipped')
  assert.match(analysis.reason, /GEMINI_API_KEY/)
  assert.equal(result.analysis, null)
})

test('the event loop stays responsive while frames are scored', async () => {
  const checker = new SafetyChecker({ nudityModel: nsfwModel() })
  const frame = movingScene(640, 480, 1)
  let ticks = 0
  const timer = setInterval(() => ticks++, 2)
  const started = performance.now()
  try {
    for (let i = 0; i < 30; i++) await checker.checkFrame(frame, 640, 480, i)
  } finally {
    clearInterval(timer)
  }
  const elapsed = performance.now() - started
  // A free loop ticks about every 2 ms; a blocked one about once per frame (tens of ms).
  assert.ok(ticks >= elapsed / 8, `${ticks} ticks in ${elapsed.toFixed(0)} ms`)
})
