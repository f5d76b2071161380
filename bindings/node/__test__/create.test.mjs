// The async factories: models load off the JS thread, failures reject with `code` and `kind`.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { SafetyChecker, SessionProcessor } from '../index.js'
import { fixture, nsfwModel, tempDir, whisperModel } from './helpers.mjs'

// Counts timer ticks while `work` runs: a free event loop ticks about every 2 ms.
async function ticksDuring(work) {
  let ticks = 0
  const timer = setInterval(() => ticks++, 2)
  const started = performance.now()
  try {
    const value = await work()
    return { value, ticks, elapsed: performance.now() - started }
  } finally {
    clearInterval(timer)
  }
}

test('SessionProcessor.create loads Whisper and the nudity model while the event loop runs', async (t) => {
  const out = tempDir(t)
  const { value: processor, ticks, elapsed } = await ticksDuring(() =>
    SessionProcessor.create({ output: out, model: whisperModel(), nudityModel: nsfwModel(), transcribe: false }),
  )
  assert.ok(processor instanceof SessionProcessor)
  // Loading takes tens to hundreds of ms; a blocked loop would not tick at all meanwhile.
  assert.ok(ticks >= elapsed / 10, `${ticks} ticks in ${elapsed.toFixed(0)} ms`)

  const result = await processor.process('created-1', fixture('clean.mp4'))
  assert.equal(result.status, 'complete')
  const nudity = result.safety.categories.find((c) => c.category === 'nudity')
  assert.equal(nudity.detectors[0].id, 'nsfwjs-mobilenet-v2')
  assert.ok(nudity.signals.frames_scored > 0)
})

test('SessionProcessor.create rejects a missing model folder with code and kind', async (t) => {
  await assert.rejects(SessionProcessor.create({ output: tempDir(t), nudityModel: '/nonexistent/nsfw' }), (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.code, 'safety.model')
    assert.equal(err.kind, 'config')
    assert.match(err.message, /\/nonexistent\/nsfw/)
    return true
  })
  await assert.rejects(SessionProcessor.create({ output: tempDir(t), model: '/nonexistent/whisper' }), (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.kind, 'transcription')
    assert.equal(typeof err.code, 'string')
    return true
  })
})

test('SessionProcessor.create rejects bad options with a TypeError, and a bad output with code "input"', async () => {
  await assert.rejects(SessionProcessor.create(null), TypeError)
  await assert.rejects(SessionProcessor.create({ output: 'x', onProgress: 42 }), TypeError)
  await assert.rejects(SessionProcessor.create({ output: 's3://' }), (err) => {
    assert.equal(err.code, 'input')
    return true
  })
})

test('SafetyChecker.create loads the nudity model while the event loop runs, and scores frames', async () => {
  const { value: checker, ticks, elapsed } = await ticksDuring(() =>
    SafetyChecker.create({ participant: 'alice', nudityModel: nsfwModel() }),
  )
  assert.ok(checker instanceof SafetyChecker)
  assert.equal(checker.hasNudityModel, true)
  assert.ok(ticks >= elapsed / 10, `${ticks} ticks in ${elapsed.toFixed(0)} ms`)
  const check = await checker.checkFrame(new Uint8Array(64 * 48 * 4).fill(128), 64, 48, 1.5)
  assert.equal(check.time_s, 1.5)
  assert.equal(typeof check.nudity_score, 'number')
})

test('SafetyChecker.create without a model resolves; a missing folder rejects with kind "config"', async () => {
  assert.equal((await SafetyChecker.create()).hasNudityModel, false)
  await assert.rejects(SafetyChecker.create({ nudityModel: '/nonexistent/nsfw' }), (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.code, 'safety.model')
    assert.equal(err.kind, 'config')
    return true
  })
})
