// The Timeline drawn under the player: one SVG lane per track, hover shows the item,
// click anywhere seeks, a playhead follows the video.

import { el, clock } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
export const PALETTE = [
  "#2f6fed", "#f59e0b", "#10b981", "#e11d48", "#8b5cf6", "#0ea5e9", "#84cc16", "#f97316",
  "#14b8a6", "#d946ef",
];

/** A stable colour for a text (audio labels, segment definitions). */
export function colorOf(text) {
  let hash = 0;
  for (const char of String(text)) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

const round = (value) => Math.round(value * 1000) / 1000;

/** The measured tracks of a Timeline (the API's JSON) as drawable tracks. */
export function baseTracks(timeline) {
  const tracks = [
    {
      id: "shots",
      label: "Shots",
      items: timeline.shots.map((s, i) => ({
        start: s.start, end: s.end, color: PALETTE[i % 2], text: `Shot ${s.index + 1} (${s.transition})`,
      })),
    },
    {
      id: "utterances",
      label: "Speech",
      items: timeline.utterances.map((u) => ({ start: u.start, end: u.end, text: `“${u.text}”` })),
      color: "#10b981",
    },
    {
      id: "words",
      label: "Words",
      items: timeline.words.map((w) => ({ start: w.start, end: w.end, text: w.text })),
      color: "#34d399",
    },
    {
      id: "texts",
      label: "On-screen text",
      items: timeline.texts.map((t) => ({ start: t.start, end: t.end, text: `“${t.text}” on screen` })),
      color: "#8b5cf6",
    },
    {
      id: "audio_events",
      label: "Audio events",
      items: timeline.audio_events.map((a) => ({
        start: a.start, end: a.end, color: colorOf(a.label), text: `${a.label} (${a.score.toFixed(2)})`,
      })),
    },
  ];
  if (timeline.silences.length) {
    tracks.push({
      id: "silences",
      label: "Silences",
      items: timeline.silences.map((s) => ({ start: s.start, end: s.end, text: "silence" })),
      color: "#94a3b8",
    });
  }
  if (timeline.visual_tags.length) {
    tracks.push({
      id: "visual_tags",
      label: "Visual tags",
      items: timeline.visual_tags.map((v) => ({ start: v.start, end: v.end, text: v.label })),
      color: "#0ea5e9",
    });
  }
  return tracks;
}

export class TimelineView {
  /**
   * @param {HTMLElement} container where the lanes go
   * @param {HTMLElement} tooltip shown on hover
   * @param {{onSeek: (t: number) => void, onSelect: (item: object, track: object) => void}} handlers
   */
  constructor(container, tooltip, { onSeek, onSelect }) {
    this.container = container;
    this.tooltip = tooltip;
    this.onSeek = onSeek;
    this.onSelect = onSelect;
    this.duration = 0;
    this.groups = new Map(); // group name -> tracks, drawn in insertion order
    this.time = 0;
  }

  /** Start over for a video of `duration` seconds. */
  reset(duration) {
    this.duration = duration;
    this.groups.clear();
    this.render();
  }

  /** Replace the tracks of one group ("base", "segments", "describe"). */
  setTracks(group, tracks) {
    this.groups.set(group, tracks);
    this.render();
  }

  render() {
    this.container.replaceChildren();
    for (const [group, tracks] of this.groups) {
      for (const track of tracks) this.container.append(this.lane(track, group !== "base"));
    }
    this.setTime(this.time);
  }

  lane(track, extra) {
    const svg = document.createElementNS(SVG, "svg");
    svg.dataset.lane = track.id;
    const span = Math.max(this.duration, 1e-6);
    for (const item of track.items) {
      const rect = document.createElementNS(SVG, "rect");
      const left = (100 * Math.max(0, item.start)) / span;
      const width = Math.max(0.25, (100 * (item.end - item.start)) / span);
      rect.setAttribute("x", `${left}%`);
      rect.setAttribute("width", `${Math.min(width, 100 - left)}%`);
      rect.setAttribute("y", "2");
      rect.setAttribute("height", "16");
      rect.setAttribute("rx", "2");
      rect.setAttribute("fill", item.color || track.color || "#2f6fed");
      rect.classList.add("item");
      rect.dataset.track = track.id;
      rect.dataset.start = round(item.start);
      rect.dataset.end = round(item.end);
      rect.addEventListener("mousemove", (event) => this.hover(event, item));
      rect.addEventListener("mouseleave", () => { this.tooltip.hidden = true; });
      rect.addEventListener("click", (event) => {
        event.stopPropagation();
        if (track.seekToStart) this.onSeek(item.start);
        else this.onSeek(this.timeAt(event, svg));
        this.onSelect(item, track);
      });
      svg.append(rect);
    }
    const head = document.createElementNS(SVG, "line");
    head.classList.add("playhead");
    head.setAttribute("y1", "0");
    head.setAttribute("y2", "20");
    svg.append(head);
    svg.addEventListener("click", (event) => this.onSeek(this.timeAt(event, svg)));
    const label = el("span", { class: "label", title: track.label }, track.label);
    if (track.color && extra) label.prepend(el("span", { class: "swatch", style: `background:${track.color}` }));
    return el("div", { class: `track${extra ? " extra" : ""}`, dataset: { track: track.id } }, label, svg);
  }

  timeAt(event, svg) {
    const box = svg.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    return fraction * this.duration;
  }

  hover(event, item) {
    this.tooltip.textContent = `${clock(item.start)} – ${clock(item.end)}  ${item.text || ""}`;
    this.tooltip.style.left = `${event.clientX + 12}px`;
    this.tooltip.style.top = `${event.clientY + 12}px`;
    this.tooltip.hidden = false;
  }

  /** Move the playhead to `time` seconds. */
  setTime(time) {
    this.time = time;
    const x = `${this.duration ? (100 * time) / this.duration : 0}%`;
    for (const line of this.container.querySelectorAll("line.playhead")) {
      line.setAttribute("x1", x);
      line.setAttribute("x2", x);
    }
  }
}
