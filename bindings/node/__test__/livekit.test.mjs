// LiveKit webhooks through the public API: WebhookReceiver, signWebhook, cross-checked against
// LiveKit's own Node SDK (livekit-server-sdk, a devDependency: a missing SDK fails this file), and
// an egress_ended for a local recording processed end to end.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { inspect } from 'node:util'

import { AccessToken, WebhookReceiver as SdkWebhookReceiver } from 'livekit-server-sdk'

import { SessionProcessor, WebhookReceiver, signWebhook } from '../index.js'
import { fixture, tempDir } from './helpers.mjs'

const API_KEY = 'APIwebhookKey'
const API_SECRET = 'sekrit-0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c'
const CONTENT_TYPE = 'application/webhook+json'

/** An `egress_ended` as livekit-server sends it: protobuf JSON, 64-bit integers as strings. */
function egressEnded({ status = 'EGRESS_COMPLETE', filename, error, id = 'EV_egress1' } = {}) {
  const egressInfo = { egressId: 'EG_abc123', roomId: 'RM_room1', roomName: 'demo-room', status }
  if (error) Object.assign(egressInfo, { error, errorCode: 500 })
  if (filename) egressInfo.fileResults = [{ filename, duration: '61000000000', size: '1048576' }]
  return JSON.stringify({ event: 'egress_ended', id, createdAt: '1700000000', egressInfo })
}

const roomStarted = JSON.stringify({
  event: 'room_started',
  id: 'EV_room1',
  createdAt: '1700000000',
  room: { sid: 'RM_room1', name: 'demo-room', creationTime: '1700000000' },
})

const s3Receiver = () => new WebhookReceiver({ apiKey: API_KEY, apiSecret: API_SECRET, recordings: 's3://recordings' })

/** Receives `body` signed as livekit-server would. */
function deliver(receiver, body) {
  return receiver.receive(Buffer.from(body), signWebhook(API_KEY, API_SECRET, body), CONTENT_TYPE)
}

test('a signed egress_ended COMPLETE on S3 is recorded, with the session id and input_uri', () => {
  const delivery = deliver(s3Receiver(), egressEnded({ filename: 'sessions/s-42/recording.mp4' }))
  assert.equal(delivery.id, 'EV_egress1')
  assert.equal(delivery.kind, 'egress_ended')
  assert.equal(delivery.created_at_s, 1700000000)
  assert.equal(delivery.egress.status, 'EGRESS_COMPLETE')
  assert.equal(delivery.egress.file_results[0].size_bytes, 1048576)
  assert.equal(delivery.raw.egressInfo.egressId, 'EG_abc123')
  assert.equal(delivery.room, null)
  assert.deepEqual(delivery.egress_outcome, {
    outcome: 'recorded',
    session_id: 's-42',
    input: { kind: 's3', bucket: 'recordings', key: 'sessions/s-42/recording.mp4' },
    input_uri: 's3://recordings/sessions/s-42/recording.mp4',
    egress_id: 'EG_abc123',
    duration_ns: 61_000_000_000,
    limit_reached: false,
  })
})

test('a bucket ARN works like s3://bucket', () => {
  const receiver = new WebhookReceiver({ apiKey: API_KEY, apiSecret: API_SECRET, recordings: 'arn:aws:s3:::recordings' })
  const outcome = deliver(receiver, egressEnded({ filename: 'sessions/s-42/recording.mp4' })).egress_outcome
  assert.equal(outcome.input_uri, 's3://recordings/sessions/s-42/recording.mp4')
})

test('a signed egress_ended COMPLETE in a local folder is recorded, with the local path as input_uri', (t) => {
  const recordings = tempDir(t)
  const receiver = new WebhookReceiver({ apiKey: API_KEY, apiSecret: API_SECRET, recordings })
  const outcome = deliver(receiver, egressEnded({ filename: 'sessions/s-7/recording.mp4' })).egress_outcome
  const path = join(recordings, 'sessions', 's-7', 'recording.mp4')
  assert.equal(outcome.outcome, 'recorded')
  assert.equal(outcome.session_id, 's-7')
  assert.deepEqual(outcome.input, { kind: 'local', path })
  assert.equal(outcome.input_uri, path)
})

test('a FAILED egress is "failed" with LiveKit\'s reason', () => {
  const body = egressEnded({ status: 'EGRESS_FAILED', error: 'Start signal not received' })
  const outcome = deliver(s3Receiver(), body).egress_outcome
  assert.deepEqual(outcome, {
    outcome: 'failed',
    egress_id: 'EG_abc123',
    status: 'EGRESS_FAILED',
    reason: 'Start signal not received',
  })
})

test('a COMPLETE egress without a file is "unprocessable" with a code and reason', () => {
  const outcome = deliver(s3Receiver(), egressEnded()).egress_outcome
  assert.equal(outcome.outcome, 'unprocessable')
  assert.equal(outcome.code, 'livekit.no_recording_file')
  assert.match(outcome.reason, /EG_abc123/)
  assert.equal(outcome.input_uri, undefined)
})

test('room_started has no egress outcome', () => {
  const delivery = deliver(s3Receiver(), roomStarted)
  assert.equal(delivery.kind, 'room_started')
  assert.equal(delivery.egress_outcome, null)
  assert.equal(delivery.room.name, 'demo-room')
  assert.equal(delivery.room.creation_time_s, 1700000000)
})

test('the body may be a string, a Uint8Array or an ArrayBuffer; a parsed object is a TypeError', () => {
  const receiver = s3Receiver()
  const authorization = signWebhook(API_KEY, API_SECRET, roomStarted)
  const bytes = new TextEncoder().encode(roomStarted)
  for (const body of [roomStarted, bytes, bytes.buffer]) {
    assert.equal(receiver.receive(body, authorization, CONTENT_TYPE).id, 'EV_room1')
  }
  assert.equal(receiver.receive(roomStarted, `Bearer ${authorization}`, 'application/json; charset=utf-8').id, 'EV_room1')
  assert.throws(() => receiver.receive(JSON.parse(roomStarted), authorization, CONTENT_TYPE), {
    name: 'TypeError',
    message: /raw request body/,
  })
})

/** Asserts that `fn` throws a webhook Error with `httpStatus` and `code`, leaking neither secret nor token. */
function assertRejected(fn, httpStatus, code, token) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.kind, 'webhook')
    assert.equal(err.code, code)
    assert.equal(err.httpStatus, httpStatus)
    for (const text of [err.message, inspect(err), String(err.stack)]) {
      assert.ok(!text.includes(API_SECRET), `the secret leaked into: ${text}`)
      if (token) assert.ok(!text.includes(token), `the token leaked into: ${text}`)
    }
    return true
  })
}

test('deliveries that are not genuine throw with the status to answer, without the secret', () => {
  const receiver = new WebhookReceiver({ apiKey: API_KEY, apiSecret: API_SECRET, recordings: 's3://recordings', maxBodyBytes: 1024 })
  const body = egressEnded({ filename: 'sessions/s-42/recording.mp4' })
  const genuine = signWebhook(API_KEY, API_SECRET, body)
  const forged = signWebhook(API_KEY, 'not-the-secret-but-long-enough', body)
  assertRejected(() => receiver.receive(body, forged, CONTENT_TYPE), 401, 'livekit.bad_signature', forged)
  const tampered = body.replace('s-42', 's-43')
  assertRejected(() => receiver.receive(tampered, genuine, CONTENT_TYPE), 401, 'livekit.body_hash_mismatch', genuine)
  const otherKey = signWebhook('APIotherKey', API_SECRET, body)
  assertRejected(() => receiver.receive(body, otherKey, CONTENT_TYPE), 401, 'livekit.wrong_issuer', otherKey)
  assertRejected(() => receiver.receive(body, null, CONTENT_TYPE), 401, 'livekit.missing_authorization')
  assertRejected(() => receiver.receive(body, undefined, CONTENT_TYPE), 401, 'livekit.missing_authorization')
  assertRejected(() => receiver.receive(body, '', CONTENT_TYPE), 401, 'livekit.missing_authorization')
  assertRejected(() => receiver.receive(body, genuine, 'text/plain'), 415, 'livekit.wrong_content_type', genuine)
  assertRejected(() => receiver.receive(body, genuine, null), 415, 'livekit.wrong_content_type', genuine)
  const big = JSON.stringify({ event: 'room_started', id: 'EV_big', room: { name: 'x'.repeat(1100) } })
  const bigToken = signWebhook(API_KEY, API_SECRET, big)
  assertRejected(() => receiver.receive(big, bigToken, CONTENT_TYPE), 413, 'livekit.body_too_large', bigToken)
  const notJson = 'not json'
  assertRejected(
    () => receiver.receive(notJson, signWebhook(API_KEY, API_SECRET, notJson), CONTENT_TYPE),
    400,
    'livekit.malformed_event',
  )
  // The genuine one still passes.
  assert.equal(receiver.receive(body, genuine, CONTENT_TYPE).egress_outcome.session_id, 's-42')
})

test('bad settings throw with kind "config"', () => {
  const valid = { apiKey: API_KEY, apiSecret: API_SECRET, recordings: 's3://recordings' }
  for (const bad of [
    { apiKey: '' },
    { apiSecret: '' },
    { recordings: '' },
    { recordings: 's3://' },
    { recordings: 's3://Bad_Bucket' },
    { leewayS: -1 },
    { leewayS: Number.NaN },
    { maxBodyBytes: -5 },
  ]) {
    assert.throws(() => new WebhookReceiver({ ...valid, ...bad }), (err) => {
      assert.ok(err instanceof Error, inspect(bad))
      assert.equal(err.kind, 'config', inspect(bad))
      assert.equal(err.code, 'livekit.config', inspect(bad))
      assert.ok(!inspect(err).includes(API_SECRET))
      return true
    })
  }
  assert.throws(() => new WebhookReceiver(), TypeError)
  assert.throws(() => signWebhook('', API_SECRET, '{}'), { kind: 'config', code: 'livekit.config' })
})

test('LiveKit\'s Node SDK accepts a webhook signed with signWebhook', async () => {
  const body = egressEnded({ filename: 'sessions/s-42/recording.mp4' })
  const authorization = signWebhook(API_KEY, API_SECRET, body)
  const event = await new SdkWebhookReceiver(API_KEY, API_SECRET).receive(body, authorization)
  assert.equal(event.event, 'egress_ended')
  assert.equal(event.id, 'EV_egress1')
  assert.equal(event.egressInfo.fileResults[0].filename, 'sessions/s-42/recording.mp4')
  // And it refuses ours for another secret, so the check above means something.
  await assert.rejects(new SdkWebhookReceiver(API_KEY, 'another-secret-entirely').receive(body, authorization))
})

test('a token made by LiveKit\'s Node SDK, as its server signs webhooks, verifies with WebhookReceiver', async () => {
  const body = egressEnded({ filename: 'sessions/s-42/recording.mp4' })
  const token = new AccessToken(API_KEY, API_SECRET, { ttl: '5m' })
  token.sha256 = createHash('sha256').update(body).digest('base64')
  const authorization = await token.toJwt()
  const delivery = s3Receiver().receive(Buffer.from(body), authorization, CONTENT_TYPE)
  assert.equal(delivery.egress_outcome.session_id, 's-42')
  // The SDK's token for another body is refused.
  assertRejected(() => s3Receiver().receive(roomStarted, authorization, CONTENT_TYPE), 401, 'livekit.body_hash_mismatch', authorization)
  // An SDK access token without the sha256 claim signs no body.
  const accessToken = await new AccessToken(API_KEY, API_SECRET, { identity: 'alice', ttl: '5m' }).toJwt()
  assertRejected(() => s3Receiver().receive(body, accessToken, CONTENT_TYPE), 401, 'livekit.missing_body_hash', accessToken)
})

test('end to end: an egress_ended for a local recording is processed into sessions/<id>/manifest.json', async (t) => {
  const recordings = tempDir(t)
  const output = tempDir(t)
  const sessionId = 'lk-e2e-1'
  mkdirSync(join(recordings, 'sessions', sessionId), { recursive: true })
  copyFileSync(fixture('clean.mp4'), join(recordings, 'sessions', sessionId, 'recording.mp4'))

  const receiver = new WebhookReceiver({ apiKey: API_KEY, apiSecret: API_SECRET, recordings })
  const body = egressEnded({ filename: `sessions/${sessionId}/recording.mp4` })
  const { egress_outcome: outcome } = deliver(receiver, body)
  assert.equal(outcome.outcome, 'recorded')
  assert.equal(outcome.session_id, sessionId)

  const result = await new SessionProcessor({ output }).process(outcome.session_id, outcome.input_uri)
  assert.equal(result.status, 'complete')
  const manifestPath = join(output, 'sessions', sessionId, 'manifest.json')
  assert.ok(existsSync(manifestPath), manifestPath)
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  assert.equal(manifest.status, 'complete')
})
