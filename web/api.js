// api.js — the admin API as the dashboard calls it: the key (asked once, kept for the tab in
// sessionStorage, or in localStorage when the user asks to be remembered) and JSON requests
// whose failures become exceptions the page can show.

const KEY_NAME = 'xynergy.admin_key';

// The node refused the key (401): the page asks for it again.
export class AuthError extends Error {}

// Any other failure: `status` 0 when the node did not answer at all.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function savedKey() {
  return sessionStorage.getItem(KEY_NAME) || localStorage.getItem(KEY_NAME) || '';
}

export function saveKey(key, remember) {
  forgetKey();
  (remember ? localStorage : sessionStorage).setItem(KEY_NAME, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_NAME);
  localStorage.removeItem(KEY_NAME);
}

// GET `path` (or `method` with a JSON `body`) with the key; resolves to the parsed answer.
export async function api(path, {method = 'GET', body} = {}) {
  const headers = {Authorization: `Bearer ${savedKey()}`};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  } catch {
    throw new ApiError(0, 'unreachable', 'The node does not answer.');
  }
  const text = await res.text();
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    // not JSON: reported below if it was an error
  }
  const message = data?.error?.message || text || res.statusText;
  if (res.status === 401) throw new AuthError(message);
  if (!res.ok) throw new ApiError(res.status, data?.error?.code || `http_${res.status}`, message);
  return data;
}
