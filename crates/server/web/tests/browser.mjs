// Drives the page in Debian's Chromium (playwright-core 1.64, executablePath /usr/bin/chromium)
// with a fake camera and microphone, against a platform that crates/server/tests/web_page.rs
// started. Every wait is for a state of the page or the server, bounded, and says what it
// awaited. Writes what it saw to RESULT_PATH as JSON and a screenshot of each state to
// SCREENSHOTS_DIR; the Rust test asserts on them. Any missing part fails loudly.
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (web_page.rs sets it)`);
  return value;
};
const BASE_URL = env("BASE_URL");
const SHOTS = env("SCREENSHOTS_DIR");
const RECORD_S = Number(env("RECORD_S"));
const LIVEKIT_HTTP_URL = env("LIVEKIT_HTTP_URL");
const EGRESS_TOKEN = env("EGRESS_TOKEN");
const LIVEKIT_API_KEY = env("LIVEKIT_API_KEY");
const LIVEKIT_API_SECRET = env("LIVEKIT_API_SECRET");
const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const DEVICE_FLAGS = [
  "--use-fake-device-for-media-stream",
  `--use-file-for-fake-video-capture=${env("CAMERA_Y4M")}`,
  `--use-file-for-fake-audio-capture=${env("MICROPHONE_WAV")}`,
  "--allow-loopback-in-peer-connection",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
  "--autoplay-policy=no-user-gesture-required",
];
const result = { steps: [] };
const step = (name) => {
  result.steps.push(name);
  console.error(`browser: ${name}`);
};

async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

async function waitPhase(page, phases, timeoutS, what) {
  const list = Array.isArray(phases) ? phases : [phases];
  try {
    await page.waitForFunction((l) => l.includes(document.body.dataset.phase), list, { timeout: timeoutS * 1000 });
  } catch {
    const seen = await page.evaluate(() => ({ phase: document.body.dataset.phase, error: document.getElementById("error")?.textContent }));
    throw new Error(`${what}: the page did not reach phase ${list.join("|")} within ${timeoutS} s; it is ${JSON.stringify(seen)}`);
  }
}

/** Polls `probe` until it returns a value; fails after `timeoutS` naming `what`. */
async function until(what, timeoutS, probe) {
  const deadline = Date.now() + timeoutS * 1000;
  let last;
  for (;;) {
    last = await probe();
    if (last?.value !== undefined) return last.value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutS} s; last seen: ${JSON.stringify(last?.seen)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The server's egress for `identity` once LiveKit reports it recording. An egress that stays
 * EGRESS_STARTING is stopped and replaced by the server's recording worker (decision 020), so
 * the newest active one is followed.
 */
const egressActive = (id, key, identity) => recording(id, key, identity);

async function recording(id, key, identity) {
  return until(`an active egress for ${identity}`, 90, async () => {
    const seen = await (await fetch(`${BASE_URL}/api/sessions/${id}`, { headers: { "X-Session-Key": key } })).json();
    const egress = (seen.egresses ?? [])
      .filter((e) => e.participant_identity === identity && e.status === "active" && e.egress_id.startsWith("EG_"))
      .at(-1);
    if (!egress) return { seen: seen.egresses };
    const listed = await (
      await fetch(`${LIVEKIT_HTTP_URL}/twirp/livekit.Egress/ListEgress`, {
        method: "POST",
        headers: { Authorization: `Bearer ${EGRESS_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ egress_id: egress.egress_id }),
      })
    ).json();
    return listed.items?.[0]?.status === "EGRESS_ACTIVE" ? { value: egress.egress_id } : { seen: listed };
  });
}

function safetyEvent(overrides) {
  return {
    category: "nudity",
    score: 0.02,
    threshold: 0.5,
    decision: "clear",
    source: "realtime_client",
    participant: "host",
    media_time_s: 1.0,
    detected_at: new Date().toISOString(),
    detector: { id: "nsfwjs-mobilenet-v2", version: "4.4.0" },
    evidence: { frame_time_s: 1.0 },
    ...overrides,
  };
}

/** The session flow; its browser contexts are closed whatever happens. */
async function sessionFlowClosing(browser) {
  const contexts = [];
  try {
    return await sessionFlow(browser, contexts);
  } finally {
    for (const context of contexts) await context.close().catch(() => undefined);
  }
}

async function sessionFlow(browser, contexts) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  await context.grantPermissions(["camera", "microphone"], { origin: BASE_URL });
  const page = await context.newPage();
  watchOrigins(page);
  page.on("console", (m) => m.type() === "error" && console.error(`page console: ${m.text()}`));
  await page.goto(BASE_URL);
  await waitPhase(page, "ready", 30, "camera and microphone preview");
  await page.waitForFunction(() => document.querySelector("#preview").videoWidth > 0, null, { timeout: 15000 });
  await modelLoaded(page);
  step("preview");
  await shot(page, "01-preview");

  await page.focus("#start");
  await page.keyboard.press("Enter");
  await waitPhase(page, "live", 60, "Start session");
  await page.waitForSelector('#connection[data-state="connected"]', { timeout: 30000 });
  const live = await page.evaluate(() => ({
    id: document.body.dataset.sessionId,
    published: document.body.dataset.published,
    focused: document.activeElement?.id,
    invite: document.getElementById("invite-link").value,
    key: JSON.parse(localStorage.getItem("session-monitor.keys"))[document.body.dataset.sessionId],
  }));
  result.session_id = live.id;
  result.published = live.published;
  result.focus_after_start = live.focused;
  result.invite_link_has_session = live.invite.includes(`join=${live.id}`) && live.invite.includes("#key=");
  step("live");

  result.valid_event = await page.evaluate((e) => window.sessionMonitor.reportSafetyEvent(e), safetyEvent({}));
  result.invalid_event = await page.evaluate((e) => window.sessionMonitor.reportSafetyEvent(e), safetyEvent({ score: 1.7 }));
  result.safety_message = await page.textContent("#safety-message");
  // One recorder starting at a time: two participant egresses starting in the same second
  // sometimes left one in EGRESS_STARTING for good on 2 cores (egress v1.8.6).
  const hostEgress = await egressActive(live.id, live.key, "host");
  const guest = await joinAsGuest(browser, live.invite, contexts);
  result.egress_ids = [hostEgress, await egressActive(live.id, live.key, "guest")];
  const from = Number(await page.getAttribute("#timer", "data-seconds"));
  await page.waitForFunction((s) => Number(document.getElementById("timer").dataset.seconds) >= s, from + RECORD_S, {
    timeout: (RECORD_S + 30) * 1000,
  });
  // The in-browser nudity check ran on the neutral test scene (and flagged nothing: web_page.rs
  // finds no event but the one posted above).
  await page.waitForFunction(() => Number(document.getElementById("nudity-status").dataset.frames) >= 2, null, {
    timeout: 60000,
  });
  result.nudity_frames = Number(await page.getAttribute("#nudity-status", "data-frames"));
  result.nudity_status = await page.textContent("#nudity-status");
  result.nudity_backend = await page.getAttribute("#nudity-status", "data-backend");
  result.nudity_check_ms = Number(await page.getAttribute("#nudity-status", "data-check-ms"));
  step("recorded");
  await shot(page, "02-live");

  await page.evaluate(() => {
    window.__statuses = [];
    const progress = document.getElementById("progress");
    new MutationObserver(() => {
      const s = progress.dataset.status;
      if (s && window.__statuses.at(-1) !== s) window.__statuses.push(s);
    }).observe(progress, { attributes: true, attributeFilter: ["data-status"] });
  });
  await page.focus("#end");
  await page.keyboard.press("Enter");
  await waitPhase(page, ["processing", "complete", "failed"], 30, "End session");
  await page.waitForSelector("#progress li", { timeout: 30000 });
  step("ended");
  await shot(page, "03-processing");
  await waitPhase(page, ["complete", "failed"], 300, "processing to finish");
  await waitPhase(guest, ["complete", "failed"], 60, "the guest's page following the ended session");
  result.guest_phase = await guest.evaluate(() => document.body.dataset.phase);
  result.guest_participants = await guest.$$eval("[data-participant]", (s) => s.map((e) => e.dataset.participant));
  await shot(guest, "08-guest-result");

  result.phase = await page.evaluate(() => document.body.dataset.phase);
  result.statuses_seen = await page.evaluate(() => window.__statuses);
  result.result_text = await page.textContent("#result-body");
  // The host spoke for RECORD_S seconds; the guest joined late and may hold only room tone.
  result.transcript = await page.textContent('[data-participant="host"] [data-transcript]').catch(() => null);
  result.guest_transcript = await page.textContent('[data-participant="guest"] [data-transcript]').catch(() => null);
  result.scores = await page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll("[data-score]")].map((e) => [e.dataset.score, e.textContent])),
  );
  result.sub_scores = await page.$$eval(".sub-scores li", (items) => items.map((i) => i.textContent));
  result.artifact_links = await page.$$eval(".artifacts a", (links) => links.map((a) => a.textContent));
  result.participants = await page.$$eval("[data-participant]", (s) => s.map((e) => e.dataset.participant));
  result.conversation = await page.textContent(".conversation").catch(() => null);
  result.safety_categories = await page.$$eval(".safety li[data-category]", (items) => items.map((i) => i.textContent));
  await page.waitForSelector(`#sessions li[data-session-id="${live.id}"][data-status="${result.phase}"]`, { timeout: 15000 });
  result.history_lists_session = true;
  step("result");
  await shot(page, "04-result");

  await page.setViewportSize({ width: 390, height: 844 });
  result.phone_overflow_px = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "05-phone-width", false);
}

/** The nudity model loads while the preview runs, before anything is recorded. */
async function modelLoaded(page) {
  await page.waitForSelector('#nudity-status[data-model="ready"]', { timeout: 60000 }).catch(async () => {
    throw new Error(`the nudity model did not load within 60 s: ${await page.textContent("#nudity-status")}`);
  });
}

/** Opens the host's invite link in a page of its own and joins the session as "guest". */
async function joinAsGuest(browser, invite, contexts) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  contexts.push(context);
  await context.grantPermissions(["camera", "microphone"], { origin: BASE_URL });
  const guest = await context.newPage();
  watchOrigins(guest);
  await guest.goto(invite);
  await waitPhase(guest, "ready", 30, "the guest's preview");
  await modelLoaded(guest);
  result.guest_button = await guest.textContent("#start");
  await guest.focus("#start");
  await guest.keyboard.press("Enter");
  await waitPhase(guest, "live", 60, "the guest joining");
  result.guest_published = await guest.evaluate(() => document.body.dataset.published);
  step("guest joined");
  await shot(guest, "08-guest-live");
  return guest;
}

async function serverDown(browser) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  await context.grantPermissions(["camera", "microphone"], { origin: BASE_URL });
  const page = await context.newPage();
  await page.goto(BASE_URL);
  await waitPhase(page, "ready", 30, "preview before the server goes away");
  // From here every API call meets a refused connection, as when the server has stopped.
  await context.route("**/api/**", (route) => route.abort("connectionrefused"));
  await page.click("#start");
  await page.waitForSelector("#error:not([hidden])", { timeout: 15000 });
  result.server_down_message = await page.textContent("#error");
  result.server_down_phase = await page.evaluate(() => document.body.dataset.phase);
  step("server down");
  await shot(page, "07-server-down", false);
  await context.close();
}

/**
 * Requests a page sends anywhere but this server and LiveKit (the result's reports come through
 * the server's artifact route, so a bucket needs no CORS rule for the page's origin).
 */
result.foreign_requests = [];
function watchOrigins(page) {
  const allowed = [new URL(BASE_URL).origin, new URL(LIVEKIT_HTTP_URL).host];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol === "data:" || url.protocol === "blob:") return;
    if (url.origin !== allowed[0] && url.host !== allowed[1]) result.foreign_requests.push(request.url().split("?")[0]);
  });
}

/** A JWT signed with LiveKit's key pair (HS256), as LiveKit's server SDKs make them. */
function livekitToken(claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const body = `${part({ alg: "HS256", typ: "JWT" })}.${part({ iss: LIVEKIT_API_KEY, ...claims })}`;
  return `${body}.${createHmac("sha256", LIVEKIT_API_SECRET).update(body).digest("base64url")}`;
}

async function endQuietly(id, key) {
  await fetch(`${BASE_URL}/api/sessions/${id}/end`, { method: "POST", headers: { "X-Session-Key": key } });
}

/** Start Session hands the page a token that expired an hour ago: LiveKit refuses it. */
async function tokenExpired(browser) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  await context.grantPermissions(["camera", "microphone"], { origin: BASE_URL });
  const page = await context.newPage();
  await page.goto(BASE_URL);
  await waitPhase(page, "ready", 30, "preview before an expired token");
  let session = null;
  await context.route("**/api/sessions", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    const response = await route.fetch();
    const started = await response.json();
    session = { id: started.session_id, key: started.session_key };
    const now = Math.floor(Date.now() / 1000);
    const grant = { roomJoin: true, room: started.room_name, canPublish: true, canSubscribe: true };
    started.token = livekitToken({ sub: started.identity, nbf: now - 7200, exp: now - 3600, video: grant });
    await route.fulfill({ response, json: started });
  });
  await page.click("#start");
  await page.waitForSelector("#error:not([hidden])", { timeout: 30000 });
  result.expired_message = await page.textContent("#error");
  result.expired_phase = await page.evaluate(() => document.body.dataset.phase);
  step("token expired");
  await shot(page, "09-token-expired", false);
  if (session) await endQuietly(session.id, session.key);
  await context.close();
}

/** A live session whose room the LiveKit server closes: the page says so and offers End. */
async function roomClosed(browser) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  await context.grantPermissions(["camera", "microphone"], { origin: BASE_URL });
  const page = await context.newPage();
  await page.goto(BASE_URL);
  await waitPhase(page, "ready", 30, "preview before the room closes");
  await page.click("#start");
  await waitPhase(page, "live", 60, "Start session before the room closes");
  const id = await page.evaluate(() => document.body.dataset.sessionId);
  const now = Math.floor(Date.now() / 1000);
  const admin = livekitToken({ nbf: now - 60, exp: now + 600, video: { roomCreate: true } });
  const closed = await fetch(`${LIVEKIT_HTTP_URL}/twirp/livekit.RoomService/DeleteRoom`, {
    method: "POST",
    headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
    body: JSON.stringify({ room: id }),
  });
  if (!closed.ok) throw new Error(`DeleteRoom answered ${closed.status}: ${await closed.text()}`);
  await waitPhase(page, "disconnected", 30, "LiveKit closing the room");
  result.disconnected_message = await page.textContent("#error");
  result.disconnected_end_enabled = !(await page.isDisabled("#end"));
  step("room closed");
  await shot(page, "10-disconnected", false);
  await context.close();
}

async function cameraDenied() {
  // No --use-fake-ui-for-media-stream here: the permission is really denied, then granted.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: DEVICE_FLAGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const cdp = await browser.newBrowserCDPSession();
    for (const name of ["camera", "microphone"]) {
      await cdp.send("Browser.setPermission", { permission: { name }, setting: "denied", origin: BASE_URL });
    }
    const page = await context.newPage();
    await page.goto(BASE_URL);
    await waitPhase(page, "device-error", 30, "a denied camera");
    result.denied_kind = await page.getAttribute("#device-problem", "data-kind");
    result.denied_message = await page.textContent("#device-message");
    result.retry_focused = await page.evaluate(() => document.activeElement?.id === "retry-devices");
    result.start_disabled_when_denied = await page.isDisabled("#start");
    step("camera denied");
    await shot(page, "06-camera-denied", false);
    await context.grantPermissions(["camera", "microphone"], { origin: BASE_URL });
    await page.keyboard.press("Enter");
    await waitPhase(page, "ready", 30, "Retry after allowing the camera");
    result.retry_recovered = true;
    step("retry");
  } finally {
    await browser.close();
  }
}

async function noDevices() {
  // No fake devices at all: this machine has no camera or microphone.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--use-fake-ui-for-media-stream"] });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();
    await page.goto(BASE_URL);
    await waitPhase(page, "device-error", 30, "no camera or microphone");
    result.missing_kind = await page.getAttribute("#device-problem", "data-kind");
    result.missing_message = await page.textContent("#device-message");
    step("no devices");
    await shot(page, "06-no-devices", false);
  } finally {
    await browser.close();
  }
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--use-fake-ui-for-media-stream", ...DEVICE_FLAGS] });
try {
  await noDevices();
  await cameraDenied();
  await serverDown(browser);
  await tokenExpired(browser);
  await sessionFlowClosing(browser);
  await roomClosed(browser);
} catch (error) {
  result.error = String(error?.stack ?? error);
  process.exitCode = 1;
} finally {
  await browser.close();
  writeFileSync(env("RESULT_PATH"), JSON.stringify(result, null, 2));
}
