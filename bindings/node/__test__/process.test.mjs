// The real pipeline on generated media, through the public API.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'

import { CancelToken, LIBRARY_VERSION, SessionProcessor } from '../index.js'
import { fixture, tempDir, vadModel, whisperModel } from './helpers.mjs'

test('processes clean.mp4 into a local folder', async (t) => {
  const out = tempDir(t)
  const result = await new SessionProcessor({ output: out }).process('clean-1', fixture('clean.mp4'))

  assert.equal(result.session_id, 'clean-1')
  assert.equal(result.status, 'complete')
  assert.equal(result.output, join(out, 'sessions', 'clean-1'))
  assert.equal(typeof result.quality.score, 'number')
  assert.equal(typeof result.duration_ms, 'number')
  const stages = Object.fromEntries(result.stages.map((s) => [s.name, s]))
  for (const name of ['probe', 'audio', 'video', 'audio_wav', 'quality', 'engagement', 'combined']) assert.equal(stages[name]?.status, 'ok', name)
  assert.equal(stages.transcribe?.status, 'skipped')
  assert.equal(typeof stages.transcribe.reason, 'string')
  for (const name of ['recording.mp4', 'audio.wav', 'quality.json', 'engagement.json', 'combined-score.json', 'manifest.json']) {
    assert.ok(existsSync(join(out, 'sessions', 'clean-1', name)), name)
  }
  const manifest = JSON.parse(readFileSync(join(out, 'sessions', 'clean-1', 'manifest.json'), 'utf8'))
  assert.equal(manifest.status, 'complete')
  assert.equal(manifest.versions.session_processing, LIBRARY_VERSION)
})

test('an invalid session id rejects with code "input"', async (t) => {
  const processor = new SessionProcessor({ output: tempDir(t) })
  await assert.rejects(processor.process('../escape', fixture('clean.mp4')), (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.code, 'input')
    assert.equal(err.kind, 'input')
    assert.match(err.message, /session/i)
    return true
  })
})

test('a truncated recording rejects with code "media.input_truncated"', async (t) => {
  const processor = new SessionProcessor({ output: tempDir(t) })
  await assert.rejects(processor.process('truncated', fixture('truncated.mp4')), {
    code: 'media.input_truncated',
    kind: 'input',
    message: /truncated/,
  })
})

test('an unusable output throws from the constructor with code "input"', () => {
  assert.throws(() => new SessionProcessor({ output: 's3://Bad_Bucket/x' }), { code: 'input', kind: 'input' })
  assert.throws(() => new SessionProcessor({ output: '' }), { code: 'input' })
})

test('progress is reported with increasing fractions', async (t) => {
  const events = []
  const processor = new SessionProcessor({
    output: tempDir(t),
    onProgress: (stage, fraction, sessionId) => events.push({ stage, fraction, sessionId }),
  })
  await processor.process('progress', fixture('clean.mp4'))
  // Events are delivered asynchronously; the last ones may land after the promise settles.
  await new Promise((resolve) => setImmediate(resolve))
  assert.ok(events.length > 3, `only ${events.length} events`)
  assert.ok(events.some((e) => e.stage === 'media'))
  assert.ok(events.every((e) => e.sessionId === 'progress'))
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].fraction >= events[i - 1].fraction, `${JSON.stringify(events[i - 1])} then ${JSON.stringify(events[i])}`)
  }
  assert.ok(events.at(-1).fraction > 0.99)
})

test('aborting the signal during "media" rejects with code "cancelled"', async (t) => {
  const out = tempDir(t)
  const controller = new AbortController()
  const stages = []
  const processor = new SessionProcessor({
    output: out,
    onProgress: (stage) => {
      stages.push(stage)
      if (stage === 'media') controller.abort()
    },
  })
  await assert.rejects(processor.process('cancelled', fixture('clean.mp4'), { signal: controller.signal }), {
    code: 'cancelled',
    kind: 'cancelled',
  })
  assert.ok(stages.includes('media'))
  const manifest = JSON.parse(readFileSync(join(out, 'sessions', 'cancelled', 'manifest.json'), 'utf8'))
  assert.equal(manifest.status, 'failed')
  assert.equal(manifest.error.code, 'cancelled')
})

test('an already aborted signal cancels the run', async (t) => {
  const processor = new SessionProcessor({ output: tempDir(t) })
  await assert.rejects(processor.process('pre-aborted', fixture('clean.mp4'), { signal: AbortSignal.abort() }), {
    code: 'cancelled',
  })
})

test('a throwing progress callback neither stops the run nor crashes', async (t) => {
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  const processor = new SessionProcessor({
    output: tempDir(t),
    onProgress: () => {
      throw new Error('boom')
    },
  })
  const result = await processor.process('throwing-progress', fixture('clean.mp4'))
  assert.equal(result.status, 'complete')
  await new Promise((resolve) => setImmediate(resolve))
  assert.ok(warnings.some((w) => w.code === 'SESSION_MONITOR_PROGRESS' && /boom/.test(w.message)))
})

test('two sessions run concurrently', async (t) => {
  const out = tempDir(t)
  const processor = new SessionProcessor({ output: out })
  const [a, b] = await Promise.all([
    processor.process('concurrent-a', fixture('clean.mp4')),
    processor.process('concurrent-b', fixture('opus.mp4')),
  ])
  assert.deepEqual([a.status, b.status], ['complete', 'complete'])
  assert.ok(existsSync(join(out, 'sessions', 'concurrent-a', 'quality.json')))
  assert.ok(existsSync(join(out, 'sessions', 'concurrent-b', 'quality.json')))
})

test('the event loop stays responsive while processing', async (t) => {
  const processor = new SessionProcessor({ output: tempDir(t) })
  let ticks = 0
  const timer = setInterval(() => ticks++, 5)
  const started = performance.now()
  try {
    await processor.process('responsive', fixture('clean.mp4'))
  } finally {
    clearInterval(timer)
  }
  const elapsed = performance.now() - started
  // A blocked loop would tick at most once; allow for a slow, shared machine.
  assert.ok(ticks >= Math.min(10, elapsed / 50), `${ticks} ticks in ${elapsed.toFixed(0)} ms`)
})

test('CancelToken is usable on its own', () => {
  const token = new CancelToken()
  assert.equal(token.cancelled, false)
  token.cancel()
  assert.equal(token.cancelled, true)
})

test('processParticipants processes one recording per participant', async (t) => {
  const out = tempDir(t)
  const processor = new SessionProcessor({ output: out })
  const result = await processor.processParticipants('match-42', [
    { participant: 'alice', input: fixture('alice.mp4') },
    { participant: 'bob', input: fixture('bob.mp4'), offsetS: 0 },
  ])
  assert.equal(result.status, 'complete')
  const dir = join(out, 'sessions', 'match-42')
  for (const who of ['alice', 'bob']) {
    for (const name of ['recording.mp4', 'audio.wav', 'quality.json', 'engagement.json']) {
      assert.ok(existsSync(join(dir, 'participants', who, name)), `${who}/${name}`)
    }
    assert.equal(result.stages.find((s) => s.name === `${who}/audio`)?.status, 'ok', who)
  }
  const conversation = result.engagement.conversation
  assert.ok(conversation.turn_count >= 3 && conversation.turn_count <= 6, JSON.stringify(conversation))
  assert.equal(conversation.participants.length, 2)
  assert.equal(result.quality.participants.length, 2)
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
  assert.equal(manifest.participants.length, 2)

  await assert.rejects(
    processor.processParticipants('dup', [
      { participant: 'alice', input: fixture('alice.mp4') },
      { participant: 'alice', input: fixture('bob.mp4') },
    ]),
    { message: /appears twice/ },
  )
  // Offsets go through the core's one validator: negative, NaN, infinite and over 24 h are refused.
  for (const offsetS of [-5, Number.NaN, Number.POSITIVE_INFINITY, 90000]) {
    await assert.rejects(
      processor.processParticipants('offsets', [{ participant: 'alice', input: fixture('alice.mp4'), offsetS }]),
      (err) => err.code === 'input.out_of_range' && /offset of participant "alice"/.test(err.message),
      `offsetS ${offsetS}`,
    )
  }
  assert.ok(!existsSync(join(out, 'sessions', 'offsets')), 'a refused run writes nothing')
  await assert.rejects(processor.processParticipants('none', []), { code: 'input' })
  await assert.rejects(processor.processParticipants('bad', 'alice.mp4'), TypeError)
})

test('transcribes with local Whisper when a model is given', async (t) => {
  const out = tempDir(t)
  const processor = new SessionProcessor({ output: out, model: whisperModel(), language: 'en' })
  const result = await processor.process('spoken', fixture('clean.mp4'))
  const stage = result.stages.find((s) => s.name === 'transcribe')
  assert.equal(stage.status, 'ok')
  const transcript = JSON.parse(readFileSync(join(out, 'sessions', 'spoken', 'transcript.json'), 'utf8'))
  assert.match(transcript.text.toLowerCase(), /project you are proud of/)
  assert.ok(transcript.words.length > 30, 'word timestamps')
  assert.ok(result.engagement.transcript.words > 30)
})

test('Silero VAD feeds the transcriber and engagement when vadModel is given', async (t) => {
  const out = tempDir(t)
  const processor = new SessionProcessor({ output: out, model: whisperModel(), language: 'en', vadModel: vadModel() })
  const result = await processor.process('spoken', fixture('clean.mp4'))
  const transcript = JSON.parse(readFileSync(join(out, 'sessions', 'spoken', 'transcript.json'), 'utf8'))
  assert.equal(transcript.decoding.voice_activity.method, 'silero')
  assert.match(transcript.text.toLowerCase(), /project you are proud of/)
  assert.match(result.engagement.voice.vad, /^silero-vad/)
  assert.ok(result.engagement.voice.talk_time_s > 5)
})

test('a VAD folder that does not exist throws a transcription error', () => {
  assert.throws(() => new SessionProcessor({ output: 'out', vadModel: '/nonexistent/vad' }), (err) => {
    assert.equal(err.kind, 'transcription')
    assert.match(err.message, /nonexistent\/vad/)
    return true
  })
})

test('a model folder that does not exist throws a transcription error', () => {
  assert.throws(() => new SessionProcessor({ output: 'out', model: '/nonexistent/whisper' }), (err) => {
    assert.equal(err.kind, 'transcription')
    assert.match(err.message, /\/nonexistent\/whisper/)
    return true
  })
})
