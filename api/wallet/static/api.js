// The GraphQL client. The access token is kept in this module's memory only and renewed a
// minute before it expires through /wallet/session/refresh, which rotates the refresh token in
// its HttpOnly cookie; the page's script never sees that token after signing in.
// The API is the page's own origin, or the one its document names in <meta name="wallet-api">
// (a copy of the page on another same-site origin: `loyalty export-wallet`).
const meta = document.querySelector('meta[name="wallet-api"]');
const BASE = (meta ? meta.content : "").replace(/\/$/, "");
const CREDENTIALS = BASE ? "include" : "same-origin";
let config = null;
let access = null; // { token, expiresAt (ms) }
let timer = null;
let renewing = null;
const listeners = new Set();

export function apiUrl(path) {
  return BASE + path;
}

export async function loadConfig() {
  const response = await fetch(apiUrl("/wallet/config.json"), { credentials: CREDENTIALS });
  config = await response.json();
  return config;
}

export function getConfig() {
  return config;
}

export function onSession(listener) {
  listeners.add(listener);
}

export function accessToken() {
  return access ? access.token : null;
}

export function signedIn() {
  return access !== null;
}

async function session(path, body) {
  const response = await fetch(apiUrl(`/wallet/session${path}`), {
    method: "POST", credentials: CREDENTIALS,
    headers: { "content-type": "application/json", "x-csrf-token": config.csrfToken },
    body: body ? JSON.stringify(body) : "{}",
  });
  if (response.status === 204) return null;
  const data = await response.json();
  if (!response.ok) throw Object.assign(new Error("session"), { status: response.status, data });
  return data;
}

function keep(data) {
  access = { token: data.accessToken, expiresAt: Date.parse(data.accessTokenExpiresAt) };
  clearTimeout(timer);
  const lead = Math.min(60_000, (access.expiresAt - Date.now()) / 5);
  timer = setTimeout(() => renew().catch(() => {}), Math.max(1_000, access.expiresAt - Date.now() - lead));
  for (const listener of listeners) listener("token");
}

function forget() {
  access = null;
  clearTimeout(timer);
  for (const listener of listeners) listener("signedOut");
}

// Hands the refresh token of logIn or signUp to the session route, which rotates it into the cookie.
export async function startSession(payload) {
  keep(await session("", { refreshToken: payload.refreshToken }));
}

// On load: the cookie's session, if any.
export async function resume() {
  try {
    keep(await session("/refresh"));
    return true;
  } catch (error) {
    return false;
  }
}

export function renew() {
  if (!renewing) {
    renewing = session("/refresh").then(keep, (error) => {
      if (error.status === 401) forget();
      throw error;
    }).finally(() => { renewing = null; });
  }
  return renewing;
}

export async function signOut() {
  await session("/end").catch(() => {});
  forget();
}

function unauthenticated(body) {
  return (body.errors || []).some((e) => e.extensions && e.extensions.code === "UNAUTHENTICATED");
}

async function post(query, variables) {
  const headers = { "content-type": "application/json" };
  if (access) headers.authorization = `Bearer ${access.token}`;
  const response = await fetch(apiUrl(config.graphqlPath), {
    method: "POST", headers, body: JSON.stringify({ query, variables }), credentials: "omit",
  });
  return response.json();
}

// The data of a query or mutation; a renewed token and one retry when the token was refused.
export async function gql(query, variables = {}) {
  if (access && access.expiresAt - Date.now() < 5_000) await renew().catch(() => {});
  let body = await post(query, variables);
  if (access && unauthenticated(body)) {
    await renew();
    body = await post(query, variables);
  }
  if (body.errors && body.errors.length) {
    throw Object.assign(new Error(body.errors[0].message), { errors: body.errors });
  }
  return body.data;
}

// A mutation's payload; its UserErrors thrown as one error with `userErrors`.
export async function mutate(query, variables = {}) {
  const data = await gql(query, variables);
  const payload = Object.values(data)[0];
  if (payload && payload.errors && payload.errors.length) {
    throw Object.assign(new Error(payload.errors[0].message), { userErrors: payload.errors });
  }
  return payload;
}

// A QR code or barcode of `text` as a data: image; the text goes in the body, never in a URL.
export async function codeSvg(kind, text) {
  const response = await fetch(apiUrl(`/wallet/code/${kind}.svg`), {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }), credentials: "omit",
  });
  if (!response.ok) throw new Error("code");
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(await response.text())}`;
}
