// Past sessions from `GET /api/sessions`, newest first; those this browser started can be opened.

import { ApiError, type SessionRow, api } from "./api";
import { byId, h, score } from "./dom";
import { keyOf } from "./keys";

export class History {
  private next: string | null = null;
  private readonly list = byId("sessions");
  private readonly more = byId<HTMLButtonElement>("more-sessions");
  private readonly message = byId("history-message");

  constructor(private readonly open: (id: string, key: string) => void) {
    this.more.addEventListener("click", () => void this.load(false));
  }

  async load(fromTop = true): Promise<void> {
    if (fromTop) this.next = null;
    try {
      const page = await api.list(this.next ?? undefined);
      if (fromTop) this.list.replaceChildren();
      this.list.append(...page.sessions.map((s) => this.item(s)));
      this.next = page.next;
      this.more.hidden = !page.next;
      this.message.textContent = this.list.childElementCount ? "" : "No sessions yet.";
      this.list.dataset.loaded = "true";
    } catch (error) {
      this.message.textContent = `Past sessions could not be loaded. ${error instanceof ApiError ? error.message : String(error)}`;
    }
  }

  private item(session: SessionRow): HTMLElement {
    const key = keyOf(session.id);
    const started = new Date(session.started_at).toLocaleString();
    const overall = session.score_summary ? ` · overall ${score(session.score_summary.combined)}` : "";
    const open = key
      ? h("button", { type: "button", class: "link" }, "Open")
      : h("span", { class: "note" }, "started in another browser");
    open.addEventListener("click", () => key && this.open(session.id, key));
    return h(
      "li",
      { "data-session-id": session.id, "data-status": session.status },
      h("span", {}, `${started} · `, h("code", {}, session.id), ` · ${session.status}${overall} `),
      open,
    );
  }
}
