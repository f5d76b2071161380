// report.html through the public API: the pipeline writes it, renderReport writes it again.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'

import { SessionProcessor, renderReport } from '../index.js'
import { fixture, tempDir } from './helpers.mjs'

test('renderReport rewrites the stored report byte for byte', async (t) => {
  const out = tempDir(t)
  const result = await new SessionProcessor({ output: out, transcribe: false }).process('report-1', fixture('clean.mp4'))
  assert.ok(result.artifacts.some((a) => a.name === 'report.html'))
  const folder = join(out, 'sessions', 'report-1')
  const stored = readFileSync(join(folder, 'report.html'), 'utf8')
  assert.ok(stored.startsWith('<!DOCTYPE html>'))

  const copy = join(out, 'again.html')
  assert.equal(await renderReport(folder, { out: copy }), copy)
  assert.equal(readFileSync(copy, 'utf8'), stored)
  assert.equal(await renderReport(folder), join(folder, 'report.html'))
})

test('a folder that is not a session rejects with code "input"', async (t) => {
  await assert.rejects(renderReport(join(tempDir(t), 'nowhere')), (err) => {
    assert.equal(err.code, 'input')
    assert.match(err.message, /sessions\/<session id>/)
    return true
  })
  await assert.rejects(() => renderReport(42), TypeError)
})
