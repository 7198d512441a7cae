// Web Push: the service worker at /wallet/sw.js, the browser's subscription with the program's
// VAPID public key, and registerDevice with the subscription under the current session.
import { getConfig, mutate } from "./api.js";

function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function key(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

export async function pushState() {
  if (!getConfig().webPushPublicKey) return "unavailable";
  if (!supported()) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  const registration = await navigator.serviceWorker.getRegistration("/wallet/");
  const subscription = registration && (await registration.pushManager.getSubscription());
  return subscription ? "enabled" : "off";
}

export async function enablePush() {
  const registration = await navigator.serviceWorker.register("/wallet/sw.js", { scope: "/wallet/" });
  await navigator.serviceWorker.ready;
  if ((await Notification.requestPermission()) !== "granted") return "blocked";
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: key(getConfig().webPushPublicKey),
  });
  await mutate(`mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { ok errors { code field message } } }`,
    { input: { platform: "WEB", token: JSON.stringify(subscription.toJSON()) } });
  return "enabled";
}
