// Run by scripts/test-package.sh in a folder where the release tarballs were installed: checks
// that the package resolves its prebuilt addon from @session-monitor/node-linux-x64-gnu, that the
// example's result is the real pipeline's, that the async factory and errors work, and LiveKit webhooks.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { test } from 'node:test'

import { LIBRARY_VERSION, SafetyChecker, SessionProcessor, WebhookReceiver, signWebhook } from '@session-monitor/node'

const require = createRequire(join(process.cwd(), 'package.json'))

test('the addon is the platform package\'s, outside any source tree', () => {
  const addon = require.resolve('@session-monitor/node-linux-x64-gnu')
  assert.equal(addon, join(process.cwd(), 'node_modules/@session-monitor/node-linux-x64-gnu/session-monitor.linux-x64-gnu.node'))
  assert.equal(require.resolve('@session-monitor/node'), join(process.cwd(), 'node_modules/@session-monitor/node/index.js'))
  assert.equal(LIBRARY_VERSION, require('@session-monitor/node/package.json').version)
})

test('examples/process-file.mjs printed a complete result with the nudity scan', () => {
  const result = JSON.parse(readFileSync(process.env.RESULT_JSON, 'utf8'))
  assert.equal(result.session_id, 'installed-1')
  assert.equal(result.status, 'complete')
  assert.equal(typeof result.quality.score, 'number')
  const nudity = result.safety.categories.find((c) => c.category === 'nudity')
  assert.ok(nudity.signals.frames_scored > 0)
})

test('SessionProcessor.create and SafetyChecker.create load off the JS thread; errors carry code and kind', async () => {
  const processor = await SessionProcessor.create({ output: join(process.cwd(), 'out') })
  await assert.rejects(processor.process('installed-2', '/nonexistent/recording.mp4'), (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.kind, 'input')
    assert.equal(typeof err.code, 'string')
    return true
  })
  const checker = await SafetyChecker.create({ nudityModel: process.env.NSFW_MODEL_DIR })
  const check = await checker.checkFrame(new Uint8Array(32 * 32 * 4), 32, 32, 0)
  assert.equal(typeof check.nudity_score, 'number')
})

test('WebhookReceiver verifies what signWebhook signs; a forged delivery throws with httpStatus', () => {
  const receiver = new WebhookReceiver({ apiKey: 'APIkey', apiSecret: 'installed-secret', recordings: 's3://recordings' })
  const body = JSON.stringify({ event: 'egress_ended', id: 'EV_1', egressInfo: { egressId: 'EG_1', status: 'EGRESS_COMPLETE',
    fileResults: [{ filename: 'sessions/s-1/recording.mp4' }] } })
  const delivery = receiver.receive(body, signWebhook('APIkey', 'installed-secret', body), 'application/webhook+json')
  assert.equal(delivery.egress_outcome.input_uri, 's3://recordings/sessions/s-1/recording.mp4')
  assert.throws(() => receiver.receive(body, signWebhook('APIkey', 'forged', body), 'application/webhook+json'),
    { kind: 'webhook', code: 'livekit.bad_signature', httpStatus: 401 })
})
