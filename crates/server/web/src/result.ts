// A processed session's result: scores with their sub-scores, quality issues as sentences, the
// transcript, safety verdicts and links to every artifact (docs/outputs.md has the files' fields).

import { type Artifact, type EventRow, type SessionDetail, api } from "./api";
import { h, score } from "./dom";

type Json = Record<string, any>;

/** The artifacts' JSON reports, by name; a report that cannot be read is left out. */
async function reports(artifacts: Artifact[]): Promise<Map<string, Json>> {
  const wanted = artifacts.filter((a) => a.name.endsWith(".json") && !a.name.startsWith("safety/"));
  const loaded = await Promise.all(
    wanted.map(async (a) => {
      try {
        return [a.name, (await api.artifact(a.api_url)) as Json] as const;
      } catch {
        return null;
      }
    }),
  );
  return new Map(loaded.filter((entry): entry is readonly [string, Json] => entry !== null));
}

/** `key` opens the server's own artifact route; S3 links are presigned. The reports are read
 * through the server's route either way, so a bucket needs no CORS rule for this page. */
export async function renderResult(given: SessionDetail, key: string): Promise<HTMLElement> {
  const detail = {
    ...given,
    artifacts: given.artifacts.map((a) => ({ ...a, url: withKey(a.url, key), api_url: withKey(a.api_url, key) })),
  };
  const found = await reports(detail.artifacts);
  const people = participants(detail.artifacts);
  const prefix = (p: string | null) => (p ? `participants/${p}/` : "");
  const sections: HTMLElement[] = [summary(detail, found)];
  for (const person of people.length ? people : [null]) {
    const quality = found.get(`${prefix(person)}quality.json`);
    const engagement = found.get(`${prefix(person)}engagement.json`);
    const transcript = found.get(`${prefix(person)}transcript.json`);
    sections.push(
      h(
        "section",
        { class: "participant", "data-participant": person ?? "" },
        h("h3", {}, person ? `Participant ${person}` : "Recording"),
        quality ? qualityScores(quality) : h("p", {}, "No quality report."),
        engagement ? engagementScores(engagement) : null,
        transcriptBlock(transcript),
      ),
    );
  }
  const conversation = found.get("engagement.json")?.conversation;
  if (conversation && people.length > 1) sections.push(conversationBlock(conversation));
  sections.push(issues(found.get("quality.json")), safety(found.get("safety-scan.json"), detail.events));
  sections.push(artifactLinks(detail.artifacts));
  return h("div", { class: "result" }, ...sections);
}

function withKey(url: string, key: string): string {
  return url.startsWith("/api/") ? `${url}?key=${encodeURIComponent(key)}` : url;
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function participants(artifacts: Artifact[]): string[] {
  const names = artifacts
    .map((a) => /^participants\/([^/]+)\/quality\.json$/.exec(a.name)?.[1])
    .filter((p): p is string => Boolean(p));
  return [...new Set(names)].sort();
}

function summary(detail: SessionDetail, found: Map<string, Json>): HTMLElement {
  const s = detail.session.score_summary;
  const combined = found.get("combined-score.json");
  return h(
    "section",
    { class: "scores" },
    h("h3", {}, "Scores"),
    h(
      "dl",
      { class: "score-grid" },
      h("dt", {}, "Overall"),
      h("dd", { "data-score": "combined" }, score(combined?.score ?? s?.combined)),
      h("dt", {}, "Quality"),
      h("dd", { "data-score": "quality" }, score(s?.quality)),
      h("dt", {}, "Engagement"),
      h("dd", { "data-score": "engagement" }, score(s?.engagement)),
    ),
    combined?.missing?.length
      ? h("p", { class: "note" }, ...combined.missing.map((m: Json) => `${m.name}: ${m.reason}. `))
      : null,
  );
}

function subScores(title: string, value: Json | null | undefined): HTMLElement | null {
  if (!value) return null;
  const items = Object.entries((value.sub_scores ?? value.components ?? {}) as Record<string, Json>);
  return h(
    "div",
    { class: "sub-scores" },
    h("h4", {}, `${title}: ${score(value.score)}`),
    value.reason ? h("p", { class: "note" }, String(value.reason)) : null,
    h(
      "ul",
      {},
      ...items.map(([name, sub]) =>
        h("li", {}, `${name.replace(/_/g, " ")}: ${score(sub.score)}`, sub.reason ? ` (${sub.reason})` : ""),
      ),
    ),
  );
}

function qualityScores(quality: Json): HTMLElement {
  return h(
    "div",
    {},
    subScores("Quality", { score: quality.score, reason: quality.reason, sub_scores: {} }),
    subScores("Audio", quality.audio),
    subScores("Video", quality.video),
  );
}

function engagementScores(engagement: Json): HTMLElement | null {
  return subScores("Engagement", engagement);
}

function transcriptBlock(transcript: Json | undefined): HTMLElement {
  const text = typeof transcript?.text === "string" ? transcript.text.trim() : "";
  return h(
    "div",
    { class: "transcript" },
    h("h4", {}, "Transcript"),
    h("p", { "data-transcript": "" }, text || "No transcript (no speech was recognised, or transcription is off)."),
  );
}

function conversationBlock(c: Json): HTMLElement {
  return h(
    "section",
    { class: "conversation" },
    h("h3", {}, "Conversation"),
    h(
      "ul",
      {},
      h("li", {}, `Turns: ${c.turn_count ?? "—"} (${score(c.turns_per_minute)} a minute)`),
      h("li", {}, `Balance: ${score(typeof c.balance === "number" ? c.balance * 100 : null)} of 100`),
      h("li", {}, `Overlap: ${score(c.overlap_s)} s; interruptions: ${c.interruption_count ?? "—"}`),
      ...((c.participants ?? []) as Json[]).map((p) =>
        h("li", {}, `${p.participant}: ${score(p.talk_time_s)} s of talk (${score((p.talk_share ?? 0) * 100)} %)`),
      ),
    ),
  );
}

function issues(quality: Json | undefined): HTMLElement {
  const list = (quality?.issues ?? []) as Json[];
  return h(
    "section",
    { class: "issues" },
    h("h3", {}, "Quality issues"),
    list.length
      ? h("ul", {}, ...list.map((i) => h("li", { class: `severity-${i.severity}` }, sentence(String(i.message)))))
      : h("p", {}, "No quality issues were found."),
  );
}

function safety(scan: Json | undefined, events: EventRow[]): HTMLElement {
  const categories = (scan?.categories ?? []) as Json[];
  const realtime = events.filter((e) => e.event_type === "safety_event").map((e) => (e.payload as Json).event as Json);
  return h(
    "section",
    { class: "safety" },
    h("h3", {}, "Safety"),
    categories.length
      ? h(
          "ul",
          {},
          ...categories.map((c) =>
            h(
              "li",
              { "data-category": String(c.category) },
              `${c.category}: `,
              c.score === null ? `not judged (${c.reason})` : `${c.decision} (score ${Number(c.score).toFixed(2)})`,
            ),
          ),
        )
      : h("p", {}, "No post-session safety scan."),
    h("p", {}, `Realtime safety events: ${realtime.length}`),
    realtime.length
      ? h("ul", {}, ...realtime.map((e) => h("li", {}, `${e.category} ${e.decision} by ${e.source} at ${e.detected_at}`)))
      : null,
  );
}

function artifactLinks(artifacts: Artifact[]): HTMLElement {
  return h(
    "section",
    { class: "artifacts" },
    h("h3", {}, "Files"),
    h(
      "ul",
      {},
      ...artifacts.map((a) => h("li", {}, h("a", { href: a.url, target: "_blank", rel: "noopener" }, a.name))),
    ),
  );
}
