// The library side bar: pick or create an index, upload a file or URL, follow indexing
// progress, list the index's videos.

import { get, post, postForm, sleep } from "./api.js";
import { $, el, busy, clearError, clock, showError } from "./ui.js";

const FINAL = new Set(["ready", "failed"]);

export class Library {
  /** @param {{onIndex: (id: string) => void, onPick: (indexId: string, videoId: string) => void}} app */
  constructor(app) {
    this.app = app;
    this.indexId = "";
    $("#index-select").addEventListener("change", (e) => {
      clearError();
      this.choose(e.target.value).catch(showError);
    });
    $("#new-index-form").addEventListener("submit", (e) => {
      e.preventDefault();
      busy($("#create-index"), () => this.createIndex());
    });
    $("#upload-form").addEventListener("submit", (e) => {
      e.preventDefault();
      busy($("#upload-button"), () => this.upload());
    });
  }

  /** Load the index list; keep `preferred` (or the stored choice) selected. */
  async refreshIndexes(preferred) {
    const answer = await get("indexes", { page_limit: 50 });
    const select = $("#index-select");
    select.replaceChildren(
      ...answer.data.map((index) =>
        el("option", { value: index._id }, `${index.index_name} (${index.video_count ?? 0} videos)`)),
    );
    if (!answer.data.length) {
      select.append(el("option", { value: "" }, "No index yet: create one"));
      $("#new-index").open = true;
    }
    const wanted = preferred || localStorage.getItem("videoscope.index") || "";
    const ids = answer.data.map((index) => index._id);
    await this.choose(ids.includes(wanted) ? wanted : ids[0] || "");
  }

  async choose(indexId) {
    this.indexId = indexId;
    $("#index-select").value = indexId;
    if (indexId) localStorage.setItem("videoscope.index", indexId);
    this.app.onIndex(indexId);
    await this.refreshVideos();
  }

  async createIndex() {
    const options = [];
    if ($("#new-index-visual").checked) options.push("visual");
    if ($("#new-index-audio").checked) options.push("audio");
    const created = await post("indexes", {
      index_name: $("#new-index-name").value.trim(),
      models: [{ model_name: "marengo3.0", model_options: options }],
    });
    $("#new-index").open = false;
    await this.refreshIndexes(created._id);
  }

  async refreshVideos() {
    const list = $("#videos");
    if (!this.indexId) {
      list.replaceChildren(el("li", { class: "empty" }, "No index chosen."));
      return;
    }
    const answer = await get(`indexes/${encodeURIComponent(this.indexId)}/videos`, { page_limit: 50 });
    if (!answer.data.length) {
      list.replaceChildren(el("li", { class: "empty" }, "No videos yet."));
      return;
    }
    list.replaceChildren(...answer.data.map((video) => el("li", {},
      el("button", {
        type: "button",
        dataset: { videoId: video._id },
        onclick: () => this.app.onPick(this.indexId, video._id),
      }, `${video.system_metadata.filename} · ${clock(video.system_metadata.duration)}`))));
    this.markCurrent(this.app.currentVideoId());
  }

  markCurrent(videoId) {
    for (const button of document.querySelectorAll("#videos button")) {
      button.classList.toggle("current", button.dataset.videoId === videoId);
    }
  }

  /** Send the chosen file (or URL) to POST /tasks and follow the task. */
  async upload() {
    if (!this.indexId) throw new Error("Create or choose an index first.");
    const file = $("#video-file").files[0];
    const url = $("#video-url").value.trim();
    if (!file && !url) throw new Error("Choose a video file or give its URL first.");
    const form = new FormData();
    form.append("index_id", this.indexId);
    if (file) form.append("video_file", file, file.name);
    else form.append("video_url", url);
    const created = await postForm("tasks", form);
    $("#upload-form").reset();
    this.follow(created._id, file ? file.name : url);
  }

  /** Show a task's status, stage and progress until it is ready (then open it) or failed. */
  async follow(taskId, name) {
    const fill = el("div", { style: "width:0%" });
    const stage = el("span", { class: "stage" }, "pending");
    const row = el("li", { class: "task", dataset: { taskId, status: "pending" } },
      el("div", {}, name), el("div", { class: "bar" }, fill), stage);
    $("#tasks").prepend(row);
    let task;
    for (;;) {
      try {
        task = await get(`tasks/${taskId}`);
      } catch (error) {
        showError(error);
        return;
      }
      row.dataset.status = task.status;
      fill.style.width = `${Math.round(100 * (task.status === "ready" ? 1 : task.progress || 0))}%`;
      const where = task.stage ? ` · ${task.stage}` : "";
      stage.textContent = `${task.status}${where} · ${Math.round(100 * (task.progress || 0))}%`;
      if (FINAL.has(task.status)) break;
      await sleep(600);
    }
    if (task.status === "failed") {
      const why = task.error ? task.error.message : "indexing failed";
      stage.textContent = `failed: ${why}`;
      showError(new Error(`Indexing ${name} failed: ${why}`));
      return;
    }
    stage.textContent = "ready";
    await this.refreshIndexes(task.index_id);
    this.app.onPick(task.index_id, task.video_id);
  }
}
