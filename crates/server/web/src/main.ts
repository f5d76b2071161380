// The page: preview the camera, Start Session (publish over LiveKit), End Session, follow the
// processing and show the result; past sessions; an invite link for a second person.
// `body[data-phase]` says where the page is, for people's style sheets and for the browser tests.

import { ConnectionState } from "livekit-client";
import { ApiError, type SessionDetail, type StartedSession, api } from "./api";
import { byId, h } from "./dom";
import { History } from "./history";
import { keyOf, rememberKey } from "./keys";
import { DevicePreview, LiveRoom, describeDeviceError } from "./live";
import { NudityWatch, loadModel } from "./nudity";
import { renderResult } from "./result";

const POLL_MS = 1000;
const STEPS = ["ended", "queued", "processing"];

interface Live {
  id: string;
  key: string;
  room: LiveRoom;
  /** A guest joined through an invite link: leaving does not end the session. */
  guest: boolean;
  nudity: NudityWatch;
  startedAt: number;
  timer: number;
}

const ui = {
  preview: byId<HTMLVideoElement>("preview"),
  deviceProblem: byId("device-problem"),
  deviceMessage: byId("device-message"),
  retry: byId<HTMLButtonElement>("retry-devices"),
  identity: byId<HTMLInputElement>("identity"),
  start: byId<HTMLButtonElement>("start"),
  end: byId<HTMLButtonElement>("end"),
  connection: byId("connection"),
  timer: byId("timer"),
  error: byId("error"),
  invite: byId("invite"),
  inviteLink: byId<HTMLInputElement>("invite-link"),
  safetyEvents: byId("safety-events"),
  safetyMessage: byId("safety-message"),
  nudityStatus: byId("nudity-status"),
  resultSection: byId("result"),
  progress: byId("progress"),
  resultBody: byId("result-body"),
};

const invitation = readInvitation();
let preview: DevicePreview | null = null;
let live: Live | null = null;
let followed: string | null = null;
const history = new History((id, key) => void follow(id, key));

function setPhase(phase: string): void {
  document.body.dataset.phase = phase;
}

function showError(message: string): void {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

function clearError(): void {
  ui.error.textContent = "";
  ui.error.hidden = true;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function openDevices(): Promise<void> {
  setPhase("devices");
  ui.deviceProblem.hidden = true;
  ui.start.disabled = true;
  try {
    preview = await DevicePreview.open(ui.preview);
    setPhase("ready");
    ui.start.disabled = false;
    preloadNudityModel();
  } catch (error) {
    const problem = describeDeviceError(error);
    ui.deviceMessage.textContent = problem.message;
    ui.deviceProblem.dataset.kind = problem.kind;
    ui.deviceProblem.hidden = false;
    setPhase("device-error");
    ui.retry.focus();
  }
}

async function startSession(): Promise<void> {
  if (!preview || live) return;
  clearError();
  ui.start.disabled = true;
  // A new session: stop following the previous one.
  followed = null;
  ui.resultSection.hidden = true;
  setPhase("starting");
  const identity = ui.identity.value.trim() || (invitation ? "guest" : "host");
  let created: { id: string; key: string } | null = null;
  try {
    const started = invitation ? await api.join(invitation.id, invitation.key, identity) : await api.start(identity);
    const session = { id: started.session_id, key: invitation ? invitation.key : (started as StartedSession).session_key };
    created = session;
    rememberKey(session.id, session.key);
    const room = new LiveRoom({ onConnectionState: showConnection, onLost: lostConnection });
    await room.join(started.livekit_url, started.token, preview);
    const now: Live = {
      ...session,
      room,
      guest: Boolean(invitation),
      nudity: watchForNudity(identity),
      startedAt: Date.now(),
      timer: window.setInterval(tick, 250),
    };
    live = now;
    document.body.dataset.sessionId = session.id;
    document.body.dataset.published = room.publishedKinds().sort().join(",");
    showInvite(now);
    setPhase("live");
    ui.end.disabled = false;
    ui.end.focus();
  } catch (error) {
    showError(messageOf(error));
    if (created && !invitation) void api.end(created.id, created.key).catch(() => undefined);
    setPhase("ready");
    ui.start.disabled = false;
  }
}

async function endSession(): Promise<void> {
  const session = live;
  if (!session) return;
  ui.end.disabled = true;
  setPhase("ending");
  window.clearInterval(session.timer);
  session.nudity.stop();
  await session.room.leave().catch(() => undefined);
  live = null;
  ui.invite.hidden = true;
  if (!session.guest) {
    try {
      await api.end(session.id, session.key);
    } catch (error) {
      showError(`The session could not be ended: ${messageOf(error)}`);
      live = session;
      ui.end.disabled = false;
      setPhase("live");
      return;
    }
  }
  ui.start.disabled = false;
  await follow(session.id, session.key);
}

function preloadNudityModel(): void {
  if (ui.nudityStatus.dataset.model) return;
  ui.nudityStatus.dataset.model = "loading";
  ui.nudityStatus.textContent = "Nudity check: loading the model…";
  loadModel().then(
    () => {
      ui.nudityStatus.dataset.model = "ready";
      if (!live) ui.nudityStatus.textContent = "Nudity check: ready; it runs while a session is live.";
    },
    (error: unknown) => {
      ui.nudityStatus.dataset.model = "failed";
      ui.nudityStatus.textContent = `The nudity check could not load its model: ${messageOf(error)}`;
    },
  );
}

function watchForNudity(identity: string): NudityWatch {
  return new NudityWatch(ui.preview, identity, {
    onChecked(frames, score, checkMs, backend) {
      ui.nudityStatus.dataset.frames = String(frames);
      ui.nudityStatus.dataset.checkMs = checkMs.toFixed(0);
      ui.nudityStatus.dataset.backend = backend;
      ui.nudityStatus.textContent = `Nudity check: ${frames} frames checked, last score ${score.toFixed(2)} (${checkMs.toFixed(0)} ms)`;
    },
    onFlagged(event) {
      void reportSafetyEvent(event);
    },
    onError(message) {
      ui.nudityStatus.textContent = message;
    },
  });
}

function tick(): void {
  if (!live) return;
  const seconds = Math.floor((Date.now() - live.startedAt) / 1000);
  ui.timer.dataset.seconds = String(seconds);
  ui.timer.textContent = `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
}

function showConnection(state: ConnectionState): void {
  ui.connection.dataset.state = state;
  ui.connection.textContent = `LiveKit: ${state}`;
}

function lostConnection(message: string, closedByServer: boolean): void {
  // A guest's room closes when the host ends the session: follow it to the result.
  if (closedByServer && live?.guest) {
    void endSession();
    return;
  }
  showError(message);
  setPhase("disconnected");
  ui.end.disabled = false;
}

function showInvite(session: Live): void {
  if (session.guest) return;
  const link = new URL(location.href);
  link.search = `?join=${encodeURIComponent(session.id)}`;
  link.hash = `key=${encodeURIComponent(session.key)}`;
  ui.inviteLink.value = link.toString();
  ui.invite.hidden = false;
}

/** An invite link: `?join=<session id>#key=<session key>` (the key stays out of server logs). */
function readInvitation(): { id: string; key: string } | null {
  const id = new URLSearchParams(location.search).get("join");
  const key = new URLSearchParams(location.hash.slice(1)).get("key");
  return id && key ? { id, key } : null;
}

/** Follows a session through ended → queued → processing → complete | failed, then shows it. */
async function follow(id: string, key: string): Promise<void> {
  followed = id;
  ui.resultSection.hidden = false;
  ui.resultBody.replaceChildren(h("p", {}, "Waiting for the session's recording to be processed…"));
  setPhase("processing");
  for (;;) {
    if (followed !== id) return;
    let detail: SessionDetail;
    try {
      detail = await api.get(id, key);
    } catch (error) {
      const retrying = error instanceof ApiError && error.failure === "unreachable";
      ui.resultBody.replaceChildren(h("p", { role: "alert" }, messageOf(error), retrying ? " Retrying…" : ""));
      if (!retrying) return setPhase("failed");
      await pause(POLL_MS * 2);
      continue;
    }
    const status = detail.session.status;
    showProgress(status);
    if (status === "complete" || status === "failed") return finish(detail, key);
    await pause(POLL_MS);
  }
}

function showProgress(status: string): void {
  const reached = Math.max(STEPS.indexOf(status), status === "complete" || status === "failed" ? STEPS.length : 0);
  const steps = [...STEPS, status === "failed" ? "failed" : "complete"];
  ui.progress.dataset.status = status;
  ui.progress.replaceChildren(
    ...steps.map((step, i) =>
      h("li", { class: i < reached ? "done" : i === reached ? "current" : "", ...(i === reached ? { "aria-current": "step" } : {}) }, step),
    ),
  );
}

async function finish(detail: SessionDetail, key: string): Promise<void> {
  if (detail.session.status === "failed") {
    ui.resultBody.replaceChildren(
      h("p", { role: "alert", class: "failure" }, `Processing failed: ${detail.session.status_reason ?? "no reason was given"}`),
    );
    setPhase("failed");
  } else {
    ui.resultBody.replaceChildren(await renderResult(detail, key));
    setPhase("complete");
  }
  void history.load();
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

/** Posts a realtime safety event for the live (or last) session; the in-browser detector calls this. */
async function reportSafetyEvent(event: unknown): Promise<{ stored: boolean; message: string }> {
  const id = live?.id ?? document.body.dataset.sessionId;
  const key = id ? keyOf(id) : null;
  if (!id || !key) return { stored: false, message: "There is no session to report to." };
  try {
    const stored = (await api.safetyEvent(id, key, event)).event as Record<string, unknown>;
    ui.safetyEvents.append(
      h("li", {}, `${String(stored.category)}: ${String(stored.decision)} (${String(stored.source)}), stored`),
    );
    ui.safetyMessage.textContent = "";
    return { stored: true, message: "stored" };
  } catch (error) {
    const message = `The server refused a safety event: ${messageOf(error)}`;
    ui.safetyMessage.textContent = message;
    return { stored: false, message };
  }
}

declare global {
  interface Window {
    sessionMonitor: { reportSafetyEvent: typeof reportSafetyEvent };
  }
}
window.sessionMonitor = { reportSafetyEvent };

ui.retry.addEventListener("click", () => void openDevices());
ui.start.addEventListener("click", () => void startSession());
ui.end.addEventListener("click", () => void endSession());
if (invitation) {
  ui.start.textContent = "Join session";
  ui.end.textContent = "Leave session";
  byId("title").textContent = "Join a session";
}
showConnection(ConnectionState.Disconnected);
void openDevices();
void history.load();
