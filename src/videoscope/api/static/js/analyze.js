// Time-based metadata: write or pick a segment_definitions schema, run it on the open video,
// draw each definition's segments as a coloured timeline track, list them, offer the JSON.

import { get, post, sleep } from "./api.js";
import { $, el, busy, clock, offerJson } from "./ui.js";
import { PALETTE } from "./timeline.js";

const FINAL = new Set(["ready", "failed", "canceled"]);

/** Seconds from a number or an "hh:mm:ss(.fff)" string. */
export function seconds(value) {
  if (typeof value === "number") return value;
  return String(value).split(":").reduce((total, part) => total * 60 + Number(part), 0);
}

export class Analyze {
  /** @param {{video: () => object|null, timeline: TimelineView, seek, select}} app */
  constructor(app) {
    this.app = app;
    $("#schema-example").addEventListener("change", (event) => {
      if (event.target.value) busy(event.target, () => this.loadExample(event.target.value));
    });
    $("#analyze-button").addEventListener("click", () => busy($("#analyze-button"), () => this.run()));
  }

  async loadExample(name) {
    const response = await fetch(`playground/examples/${name}.json`);
    if (!response.ok) throw new Error(`The example "${name}" could not be loaded.`);
    $("#schema").value = JSON.stringify(await response.json(), null, 2);
  }

  /** The request body from the schema box: a response_format, or bare definitions. */
  request(video) {
    const text = $("#schema").value.trim();
    if (!text) throw new Error("Write a schema or pick an example first.");
    let format = JSON.parse(text);
    if (Array.isArray(format)) format = { segment_definitions: format };
    if (typeof format !== "object" || format === null) {
      throw new Error("The schema must be a JSON object with segment_definitions.");
    }
    return {
      video: { type: "video_id", index_id: video.index_id, video_id: video.id },
      analysis_mode: "time_based_metadata",
      response_format: { type: "segment_definitions", ...format },
    };
  }

  async run() {
    const view = this.app.video();
    if (!view) throw new Error("Open a video first: pick one in the list or upload one.");
    const body = this.request(view.video);
    const status = $("#analyze-status");
    $("#download-json").hidden = true;
    status.textContent = "sending…";
    const created = await post("analyze/tasks", body).catch((error) => {
      status.textContent = "";
      throw error;
    });
    let task;
    for (;;) {
      task = await get(`analyze/tasks/${created.task_id}`);
      status.textContent = `${task.status} · ${Math.round(100 * (task.progress || 0))}%`;
      if (FINAL.has(task.status)) break;
      await sleep(500);
    }
    if (task.status !== "ready") {
      status.textContent = task.status;
      const why = task.error ? task.error.message : `the analysis was ${task.status}`;
      throw new Error(`The analysis failed: ${why}`);
    }
    const data = JSON.parse(task.result.data);
    const count = Object.values(data).reduce((n, list) => n + list.length, 0);
    status.textContent = `ready · ${count} segment${count === 1 ? "" : "s"}`;
    this.show(data, body);
    offerJson($("#download-json"), data, `${view.video.filename.replace(/\.[^.]*$/, "")}-segments.json`);
  }

  show(data, body) {
    const tracks = Object.entries(data).map(([id, segments], i) => ({
      id: `segment:${id}`,
      label: id,
      color: PALETTE[i % PALETTE.length],
      seekToStart: true,
      items: segments.map((s) => ({
        start: seconds(s.start_time),
        end: seconds(s.end_time),
        text: `${id}: ${JSON.stringify(s.metadata)}`,
        detail: { definition: id, ...s },
      })),
    }));
    this.app.timeline.setTracks("segments", tracks);
    const fields = new Map(body.response_format.segment_definitions.map(
      (d) => [d.id, (d.fields || []).map((f) => f.name)]));
    $("#segments").replaceChildren(...tracks.map((track) => {
      const names = fields.get(track.label) || [];
      return el("div", { dataset: { definition: track.label } },
        el("h3", {}, el("span", { class: "swatch", style: `background:${track.color}` }),
          `${track.label} (${track.items.length})`),
        el("table", {},
          el("tr", {}, el("th", {}, "start"), el("th", {}, "end"), ...names.map((n) => el("th", {}, n))),
          ...track.items.map((item) => el("tr", {
            class: "segment",
            onclick: () => {
              this.app.seek(item.start);
              this.app.select(item, track);
            },
          },
          el("td", {}, clock(item.start)), el("td", {}, clock(item.end)),
          ...names.map((n) => el("td", {}, format(item.detail.metadata[n])))))));
    }));
  }
}

function format(value) {
  if (Array.isArray(value)) return value.join(", ");
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
