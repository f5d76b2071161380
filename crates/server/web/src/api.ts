// The platform's HTTP API, as the page calls it: typed answers and errors a person can act on.

/** Why a call failed: the server could not be reached at all, or it answered with an error. */
export type ApiFailure = "unreachable" | "http";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly failure: ApiFailure,
    readonly status: number | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface StartedSession {
  session_id: string;
  room_name: string;
  livekit_url: string;
  identity: string;
  token: string;
  session_key: string;
  recording: string;
}

export interface JoinedSession {
  session_id: string;
  livekit_url: string;
  identity: string;
  token: string;
}

export interface SessionRow {
  id: string;
  room_name: string;
  status: string;
  status_reason: string | null;
  started_at: string;
  ended_at: string | null;
  processing_started_at: string | null;
  processing_finished_at: string | null;
  score_summary: ScoreSummary | null;
}

export interface ScoreSummary {
  combined: number | null;
  quality: number | null;
  engagement: number | null;
  safety_flagged: string[];
}

export interface EventRow {
  id: number;
  event_type: string;
  payload: Record<string, unknown>;
  created_at: string;
}

export interface EgressRow {
  egress_id: string;
  participant_identity: string;
  status: string;
}

export interface Artifact {
  name: string;
  /** Where a person opens it: a presigned S3 link, or the API's route. */
  url: string;
  /** The API's route to it (same origin: no CORS rule needed on a bucket). */
  api_url: string;
}

export interface SessionDetail {
  session: SessionRow;
  egresses: EgressRow[];
  events: EventRow[];
  artifacts: Artifact[];
}

export interface SessionPage {
  sessions: SessionRow[];
  next: string | null;
}

const UNREACHABLE =
  "The Session Monitor server cannot be reached. Check that it is running (scripts/start) and that this computer is online, then try again.";

/** What a 404 means for calls about one session. */
const NO_SUCH_SESSION = "The server does not know this session, or this browser does not hold its key.";

async function call<T>(method: string, path: string, key?: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (key) headers["X-Session-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(UNREACHABLE, "unreachable");
  }
  const text = await response.text();
  const parsed = parseJson(text);
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    const message = error?.message ?? (text.trim() || response.statusText);
    throw new ApiError(explain(response.status, message, path), "http", response.status, error?.code ?? null);
  }
  return parsed as T;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function explain(status: number, message: string, path: string): string {
  switch (status) {
    case 401:
      return `The server needs an API token for this (${message}).`;
    case 404:
      return path.startsWith("/api/sessions/") ? NO_SUCH_SESSION : `This server has no Session Monitor API at ${path}.`;
    case 502:
      return `The server could not reach LiveKit: ${message}`;
    case 503:
      return "The server is temporarily unavailable; try again shortly.";
    default:
      return message;
  }
}

export const api = {
  start: (identity: string) => call<StartedSession>("POST", "/api/sessions", undefined, { identity }),
  join: (id: string, key: string, identity: string) =>
    call<JoinedSession>("POST", `/api/sessions/${encodeURIComponent(id)}/participants`, key, { identity }),
  end: (id: string, key: string) => call<{ status: string }>("POST", `/api/sessions/${encodeURIComponent(id)}/end`, key),
  get: (id: string, key: string) => call<SessionDetail>("GET", `/api/sessions/${encodeURIComponent(id)}`, key),
  list: (before?: string) =>
    call<SessionPage>("GET", `/api/sessions?limit=10${before ? `&before=${encodeURIComponent(before)}` : ""}`),
  /** `event` is sent as given (JSON text or a value): the server validates it. */
  safetyEvent: (id: string, key: string, event: unknown) =>
    call<Record<string, unknown>>("POST", `/api/sessions/${encodeURIComponent(id)}/safety-events`, key, event),
  artifact: async (url: string): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(url);
    } catch {
      throw new ApiError(`Could not download ${url}`, "unreachable");
    }
    if (!response.ok) throw new ApiError(`Could not download an artifact (HTTP ${response.status})`, "http", response.status);
    return response.json();
  },
};
