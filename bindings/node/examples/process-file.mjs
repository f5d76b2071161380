#!/usr/bin/env node
// Processes one recording and prints the SessionResult as JSON; progress goes to stderr.
// Usage: node examples/process-file.mjs INPUT OUT_DIR SESSION_ID   (INPUT: a path or s3://bucket/key)
import { SessionProcessor } from '@session-monitor/node'

const [input, output, sessionId] = process.argv.slice(2)
if (!sessionId) {
  console.error('usage: node examples/process-file.mjs INPUT OUT_DIR SESSION_ID')
  process.exit(2)
}

const controller = new AbortController()
process.once('SIGINT', () => controller.abort()) // Ctrl-C stops the run cleanly
try {
  // Optional models from the environment: WHISPER_MODEL_DIR (transcription), NSFW_MODEL_DIR (nudity),
  // loaded off the JS thread.
  const processor = await SessionProcessor.create({
    output,
    model: process.env.WHISPER_MODEL_DIR || undefined,
    nudityModel: process.env.NSFW_MODEL_DIR || undefined,
    onProgress: (stage, fraction) => console.error(`${stage.padEnd(16)} ${(fraction * 100).toFixed(0)}%`),
  })
  const result = await processor.process(sessionId, input, { signal: controller.signal })
  console.log(JSON.stringify(result, null, 2))
} catch (err) {
  console.error(`error (${err.code}): ${err.message}`)
  process.exit(1)
}
