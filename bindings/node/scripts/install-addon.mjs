// The `install` hook of a source checkout (`npm install ./bindings/node` in your project, or
// `npm install` here): when the native addon loads (built before, or the platform package is
// installed) there is nothing to do; otherwise it is built with cargo (release) and copied to
// where binding.js looks for it. The release tarballs (scripts/package.sh) carry no scripts: they
// install the prebuilt platform package instead.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const say = (message) => console.error(`@session-monitor/node: ${message}`)

function addonLoads() {
  try {
    require(join(here, 'binding.js'))
    return true
  } catch {
    return false
  }
}

// The file name binding.js loads for this platform, and the library cargo writes for the crate.
function addonNames() {
  const { platform, arch } = process
  const abi = platform === 'linux' ? '-gnu' : platform === 'win32' ? '-msvc' : ''
  const library = { linux: 'libsession_monitor_node.so', darwin: 'libsession_monitor_node.dylib' }[platform]
  return { addon: `session-monitor.${platform}-${arch}${abi}.node`, library: library ?? 'session_monitor_node.dll' }
}

if (addonLoads()) {
  say('the native addon loads; nothing to build')
  process.exit(0)
}
if (!existsSync(join(here, 'Cargo.toml'))) {
  say(`no prebuilt addon for ${process.platform}-${process.arch} and no Rust sources to build one from`)
  process.exit(1)
}
const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' })
if (cargo.error || cargo.status !== 0) {
  say('no prebuilt addon loads and `cargo` is not on PATH: install Rust (rustup) and the GStreamer')
  say('development packages (README: "Node"), or install the release tarballs (scripts/package-release)')
  process.exit(1)
}
// Built for the host triple named explicitly, as `napi build` does, so that both reuse one build
// under <target>/<triple>/release.
const host = spawnSync('rustc', ['-vV'], { encoding: 'utf8' }).stdout?.match(/^host: (\S+)$/m)?.[1]
if (!host) {
  say('`rustc -vV` names no host triple: is the Rust toolchain installed (rustup)?')
  process.exit(1)
}
const target = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(here, 'target')
say(`building the native addon with cargo (release, ${host}, target ${target}); minutes the first time`)
const build = spawnSync(
  'cargo',
  ['build', '--release', '--target', host, '--manifest-path', join(here, 'Cargo.toml')],
  { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CARGO_TARGET_DIR: target } },
)
if (build.status !== 0) {
  say(`cargo build failed (status ${build.status ?? build.signal}); see its messages above`)
  process.exit(1)
}
const { addon, library } = addonNames()
copyFileSync(join(target, host, 'release', library), join(here, addon))
if (!addonLoads()) {
  say(`built ${addon}, but it does not load; run \`node -e "require('./binding.js')"\` in ${here} to see why`)
  process.exit(1)
}
say(`built ${addon}`)
