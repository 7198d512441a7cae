// walletUpdated over graphql-transport-ws: connects with the current access token, reconnects
// with a growing delay (1 s doubling to 30 s, with jitter) after a drop, and at once with a
// fresh token when the server closes for an expired one (4401).
import { accessToken, apiUrl, getConfig, renew } from "./api.js";

const SUBSCRIPTION = "subscription { walletUpdated { wallet { points } entry { id } } }";
let socket = null;
let attempt = 0;
let stopped = true;
let connectedBefore = false;
let retry = null;
let onUpdate = () => {};
let onState = () => {};

export function startLive(update, state) {
  onUpdate = update;
  onState = state;
  stopped = false;
  attempt = 0;
  connectedBefore = false;
  connect();
}

export function stopLive() {
  stopped = true;
  clearTimeout(retry);
  if (socket) socket.close(1000);
  socket = null;
}

function connect() {
  const token = accessToken();
  if (stopped || !token) return;
  const url = new URL(apiUrl(getConfig().graphqlPath), location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url, "graphql-transport-ws");
  socket = ws;
  ws.onopen = () => ws.send(JSON.stringify({ type: "connection_init", payload: { accessToken: token } }));
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "connection_ack") {
      attempt = 0;
      onState(true);
      ws.send(JSON.stringify({ id: "wallet", type: "subscribe", payload: { query: SUBSCRIPTION } }));
      if (connectedBefore) onUpdate(null); // what changed while disconnected: the screen reloads its data
      connectedBefore = true;
    } else if (message.type === "next") {
      onUpdate(message.payload.data && message.payload.data.walletUpdated);
    } else if (message.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
    }
  };
  ws.onclose = (event) => {
    if (socket !== ws || stopped) return;
    socket = null;
    onState(false);
    if (event.code === 4401) {
      renew().then(connect, () => schedule());
      return;
    }
    schedule();
  };
}

function schedule() {
  const delay = Math.min(30_000, 1_000 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
  attempt += 1;
  clearTimeout(retry);
  retry = setTimeout(connect, delay);
}
