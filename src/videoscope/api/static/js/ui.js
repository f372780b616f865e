// Small DOM helpers shared by the page's modules.

import { plainWords, ApiError } from "./api.js";

export const $ = (selector) => document.querySelector(selector);

/** Create an element: el("li", {class: "x", dataset: {a: 1}, onclick}, child, "text", ...). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Seconds as m:ss.s (or h:mm:ss.s). */
export function clock(seconds) {
  const s = Math.max(0, Number(seconds) || 0);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = (s % 60).toFixed(1).padStart(4, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** Show an error in plain words in the page's alert (and the API key box on a 401). */
export function showError(error) {
  const box = $("#error");
  $("#error-text").textContent = plainWords(error);
  box.hidden = false;
  if (error instanceof ApiError && error.status === 401) $("#api-key-box").hidden = false;
}

export function clearError() {
  $("#error").hidden = true;
}

/** Run `work` with `button` disabled; any error is shown in plain words. */
export async function busy(button, work) {
  button.disabled = true;
  try {
    clearError();
    return await work();
  } catch (error) {
    showError(error);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

/** Offer `data` as a JSON file download through `link`. */
export function offerJson(link, data, name) {
  if (link.href) URL.revokeObjectURL(link.href);
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.hidden = false;
}
