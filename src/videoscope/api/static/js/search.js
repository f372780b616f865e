// Search the chosen index by text and/or image; each result shows its thumbnail, times and
// the evidence that matched; clicking one opens its video at that moment.

import { postForm } from "./api.js";
import { $, el, busy, clock } from "./ui.js";

const EVIDENCE_WORDS = {
  transcription: "said",
  conversation: "said",
  audio: "heard",
  text_in_video: "on screen",
  visual: "seen",
};

export class Search {
  /** @param {{indexId: () => string, onPick: (indexId, videoId, time) => void}} app */
  constructor(app) {
    this.app = app;
    $("#search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      busy($("#search-button"), () => this.run());
    });
  }

  async run() {
    const indexId = this.app.indexId();
    if (!indexId) throw new Error("Create or choose an index first.");
    const text = $("#search-text").value.trim();
    const image = $("#search-image").files[0];
    const options = [...document.querySelectorAll("input[name=search-option]:checked")]
      .map((box) => box.value);
    if (!options.length) throw new Error("Tick at least one of visual, audio or text in video.");
    if (!text && !image) throw new Error("Type some words or choose an image to search for.");
    const form = new FormData();
    form.append("index_id", indexId);
    for (const option of options) form.append("search_options", option);
    if (text) form.append("query_text", text);
    if (image) form.append("query_media_file", image, image.name);
    $("#search-status").textContent = "Searching…";
    const answer = await postForm("playground/search", form).finally(() => {
      $("#search-status").textContent = "";
    });
    this.show(answer.data);
  }

  show(hits) {
    const list = $("#search-results");
    $("#search-status").textContent = hits.length
      ? `${hits.length} moment${hits.length > 1 ? "s" : ""} found`
      : "Nothing matched. Try other words, or tick more options.";
    list.replaceChildren(...hits.map((hit) => el("li", {
      class: "result",
      tabindex: "0",
      dataset: { videoId: hit.video_id, indexId: hit.index_id, start: hit.start, end: hit.end },
      onclick: () => this.app.onPick(hit.index_id, hit.video_id, hit.start),
    },
    el("img", { src: hit.thumbnail_url, alt: `Frame at ${clock(hit.thumbnail_time)}`, loading: "lazy" }),
    el("div", {}, el("span", { class: "when" }, `${clock(hit.start)} – ${clock(hit.end)}`),
      ` · ${hit.filename}`),
    el("div", { class: "muted" }, `#${hit.rank} · ${hit.confidence} · ${hit.modules.join(", ")}`),
    el("ul", { class: "evidence" }, ...hit.evidence.map((e) => el("li", {},
      el("b", {}, EVIDENCE_WORDS[e.modality] || e.modality),
      e.text ? `“${e.text}”` : `similar picture at ${clock(e.start)}`))))));
  }
}
