// The API client: fetch with the stored x-api-key, errors turned into plain words.

const KEY_STORAGE = "videoscope.apiKey";
/** The Twelve Labs compatible API, relative to the page (served at "/"). */
export const BASE = "v1.3";

const STATUS_WORDS = {
  400: "The request was not accepted",
  401: "This server needs a valid API key",
  404: "That was not found on the server",
  409: "That conflicts with the current state",
  413: "The file is too large for this server",
  500: "The server failed while doing this",
  501: "This server does not offer that feature",
  503: "A model this needs is not available on the server",
};

/** An API failure: `message` is the server's own words, fit to show to a person. */
export class ApiError extends Error {
  constructor(message, status = 0, code = "") {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

export function apiKey() {
  return localStorage.getItem(KEY_STORAGE) || "";
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    for (const item of [].concat(value)) {
      if (item !== undefined && item !== null) params.append(name, item);
    }
  }
  const text = params.toString();
  return `${BASE}/${path}${text ? `?${text}` : ""}`;
}

/**
 * Call the API. `json` sends a JSON body, `form` a FormData (multipart); answers parsed JSON
 * (null for 204). Throws ApiError with a readable message on any failure.
 */
export async function call(method, path, { json, form, query } = {}) {
  const headers = {};
  const key = apiKey();
  if (key) headers["x-api-key"] = key;
  let body;
  if (json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  let response;
  try {
    response = await fetch(url(path, query), { method, headers, body });
  } catch {
    throw new ApiError("Could not reach the videoscope server. Is it still running?", 0, "network");
  }
  if (!response.ok) {
    const answer = await response.json().catch(() => null);
    const words = STATUS_WORDS[response.status] || `The server answered ${response.status}`;
    const message = answer && answer.message ? answer.message : words;
    throw new ApiError(message, response.status, answer ? answer.code : "");
  }
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path, query) => call("GET", path, { query });
export const post = (path, json) => call("POST", path, { json });
export const postForm = (path, form) => call("POST", path, { form });

/** A sentence for any error: the API's message, with a lead-in for the cases people can fix. */
export function plainWords(error) {
  if (error instanceof ApiError) {
    if (error.status === 401) return `${STATUS_WORDS[401]}: ${error.message}`;
    if (error.status === 501) return `${STATUS_WORDS[501]}: ${error.message}`;
    return error.message;
  }
  if (error instanceof SyntaxError) return `That is not valid JSON: ${error.message}`;
  return error && error.message ? error.message : String(error);
}

/** Resolve after `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
