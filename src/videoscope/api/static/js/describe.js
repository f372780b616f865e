// Gist, summary, chapters and highlights of the open video (chapters and highlights are also
// drawn as timeline tracks).

import { post } from "./api.js";
import { $, el, busy, clock } from "./ui.js";

export class Describe {
  /** @param {{video: () => object|null, timeline: TimelineView, seek: (t) => void}} app */
  constructor(app) {
    this.app = app;
    $("#describe-button").addEventListener("click", () => busy($("#describe-button"), () => this.run()));
  }

  clear() {
    for (const id of ["#gist", "#summary", "#chapters", "#highlights"]) $(id).replaceChildren();
    $("#describe-status").textContent = "";
  }

  async run() {
    const view = this.app.video();
    if (!view) throw new Error("Open a video first: pick one in the list or upload one.");
    const ids = { video_id: view.video.id, index_id: view.video.index_id };
    this.clear();
    $("#describe-status").textContent = "Reading the video…";
    const [gist, summary, chapters, highlights] = await Promise.all([
      post("gist", { ...ids, types: ["title", "topic", "hashtag"] }),
      post("summarize", { ...ids, type: "summary" }),
      post("summarize", { ...ids, type: "chapter" }),
      post("summarize", { ...ids, type: "highlight" }),
    ]).finally(() => { $("#describe-status").textContent = ""; });
    $("#gist").replaceChildren(
      el("h3", {}, gist.title || "(no title)"),
      el("div", { class: "tags" },
        ...(gist.topics || []).map((t) => el("span", {}, t)),
        ...(gist.hashtags || []).map((h) => el("span", {}, `#${h.replace(/^#/, "")}`))),
    );
    $("#summary").textContent = summary.summary || "";
    const chapterItems = (chapters.chapters || []).map((c) => ({
      start: c.start, end: c.end, text: `${c.chapter_title}: ${c.chapter_summary}`, detail: c,
    }));
    const highlightItems = (highlights.highlights || []).map((h) => ({
      start: h.start, end: h.end, text: `${h.highlight}: ${h.highlight_summary}`, detail: h,
    }));
    this.fill("#chapters", chapterItems);
    this.fill("#highlights", highlightItems);
    this.app.timeline.setTracks("describe", [
      { id: "chapters", label: "Chapters", color: "#f59e0b", seekToStart: true, items: chapterItems },
      { id: "highlights", label: "Highlights", color: "#e11d48", seekToStart: true, items: highlightItems },
    ]);
  }

  fill(selector, items) {
    $(selector).replaceChildren(...items.map((item) => el("li", {
      dataset: { start: item.start },
      onclick: () => this.app.seek(item.start),
    }, el("b", {}, `${clock(item.start)} – ${clock(item.end)} `), item.text)));
  }
}
