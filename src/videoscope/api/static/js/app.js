// The playground page: wires the library, player, timeline, search, analysis and summaries.

import { get, setApiKey, apiKey, ApiError } from "./api.js";
import { $, clearError, clock, showError } from "./ui.js";
import { TimelineView, baseTracks } from "./timeline.js";
import { Library } from "./library.js";
import { Search } from "./search.js";
import { Analyze } from "./analyze.js";
import { Describe } from "./describe.js";

const player = $("#player");
/** The open video: {video, timeline, media_url, thumbnail_url} from playground/videos. */
let view = null;

function seek(time) {
  const apply = () => { player.currentTime = Math.max(0, time); timeline.setTime(time); };
  if (player.readyState >= 1) apply();
  else player.addEventListener("loadedmetadata", apply, { once: true });
}

function select(item, track) {
  const detail = $("#detail");
  const shown = item.detail || { text: item.text };
  detail.textContent = `${track.label} · ${clock(item.start)} – ${clock(item.end)}\n`
    + JSON.stringify(shown, null, 2);
  detail.hidden = false;
}

const timeline = new TimelineView($("#timeline"), $("#tooltip"), { onSeek: seek, onSelect: select });

const app = {
  timeline,
  seek,
  select,
  video: () => view,
  currentVideoId: () => (view ? view.video.id : ""),
  indexId: () => library.indexId,
  onIndex: () => {},
  onPick: (indexId, videoId, at) => openVideo(indexId, videoId, at).catch(showError),
};

const library = new Library(app);
new Search(app);
new Analyze(app);
const describe = new Describe(app);

/** Open a video (its media, its Timeline tracks) and seek to `at` seconds if given. */
async function openVideo(indexId, videoId, at) {
  clearError();
  if (!view || view.video.id !== videoId || view.video.index_id !== indexId) {
    const next = await get(`playground/videos/${encodeURIComponent(indexId)}/${encodeURIComponent(videoId)}`);
    view = next;
    $("#video-title").textContent = `${next.video.filename} · ${clock(next.video.duration)}`;
    player.dataset.videoId = next.video.id;
    player.src = next.media_url;
    timeline.reset(next.video.duration);
    timeline.setTracks("base", baseTracks(next.timeline));
    $("#segments").replaceChildren();
    $("#analyze-status").textContent = "";
    $("#download-json").hidden = true;
    $("#detail").hidden = true;
    describe.clear();
    library.markCurrent(next.video.id);
  }
  if (at !== undefined) seek(at);
}

player.addEventListener("timeupdate", () => timeline.setTime(player.currentTime));
player.addEventListener("seeked", () => timeline.setTime(player.currentTime));
player.addEventListener("error", async () => {
  if (!player.currentSrc) return;
  // The element does not say why; ask the server for its plain-words error.
  try {
    const response = await fetch(player.currentSrc, { headers: { range: "bytes=0-0" } });
    const body = response.ok ? null : await response.json().catch(() => null);
    showError(new ApiError(body ? body.message : "This browser cannot play this video's format.",
      response.status));
  } catch {
    showError(new Error("The video could not be loaded from the server."));
  }
});

for (const tab of document.querySelectorAll("#tabs button")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("#tabs button")) {
      const chosen = other === tab;
      other.setAttribute("aria-selected", String(chosen));
      $(`#${other.dataset.panel}`).hidden = !chosen;
    }
  });
}

$("#error-close").addEventListener("click", clearError);
$("#api-key-toggle").addEventListener("click", () => {
  $("#api-key-box").hidden = !$("#api-key-box").hidden;
  $("#api-key").value = apiKey();
});
$("#api-key-box").addEventListener("submit", (event) => {
  event.preventDefault();
  setApiKey($("#api-key").value.trim());
  $("#api-key-box").hidden = true;
  start();
});

async function start() {
  clearError();
  try {
    await library.refreshIndexes();
  } catch (error) {
    showError(error);
  } finally {
    document.body.dataset.ready = "true";
  }
}

start();
