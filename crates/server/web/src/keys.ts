// Session keys this browser holds: Start Session shows a key once, and only its holder may end
// the session, post events to it and read its result. Kept in localStorage, per session id.

const STORE = "session-monitor.keys";

function all(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORE) ?? "{}");
    return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export function rememberKey(sessionId: string, key: string): void {
  localStorage.setItem(STORE, JSON.stringify({ ...all(), [sessionId]: key }));
}

export function keyOf(sessionId: string): string | null {
  return all()[sessionId] ?? null;
}
