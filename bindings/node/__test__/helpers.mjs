// Shared test helpers: the generated media (scripts/make-fixtures) and temporary folders.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = resolve(fileURLToPath(import.meta.url), '../../../..')

let cached
/** The folder of generated recordings: $FIXTURES_DIR, or made by scripts/make-fixtures (never skipped). */
export function fixturesDir() {
  if (cached) return cached
  const given = process.env.FIXTURES_DIR
  if (given && existsSync(join(given, 'clean.mp4'))) return (cached = given)
  const script = join(repo, 'scripts', 'make-fixtures')
  const stdout = execFileSync(script, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  const folder = stdout.trim().split('\n').at(-1)
  if (!existsSync(join(folder, 'clean.mp4'))) throw new Error(`${script} printed ${folder}, which has no clean.mp4`)
  return (cached = folder)
}

export const fixture = (name) => join(fixturesDir(), name)

/** A fresh temporary folder, removed when the test ends. */
export function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'session-monitor-node-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const prepared = new Map()
/** A model folder `scripts/<script>` prepares: `$<env>` when set, else what the script prints last (never skipped). */
function preparedModel(env, script) {
  if (prepared.has(env)) return prepared.get(env)
  let folder = process.env[env]
  if (!folder) {
    const path = join(repo, 'scripts', script)
    folder = execFileSync(path, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1)
  }
  if (!existsSync(join(folder, 'model.safetensors'))) throw new Error(`${folder} holds no model.safetensors: set ${env}`)
  prepared.set(env, folder)
  return folder
}

/** The nsfwjs model folder: $NSFW_MODEL_DIR, or made by scripts/prepare-nsfw-model. */
export const nsfwModel = () => preparedModel('NSFW_MODEL_DIR', 'prepare-nsfw-model')

/** The Whisper tiny.en folder: $WHISPER_MODEL_DIR, or made by scripts/prepare-whisper-tiny. */
export const whisperModel = () => preparedModel('WHISPER_MODEL_DIR', 'prepare-whisper-tiny')

/** The Silero VAD folder: $SILERO_VAD_DIR, or made by scripts/prepare-silero-vad. */
export const vadModel = () => preparedModel('SILERO_VAD_DIR', 'prepare-silero-vad')
