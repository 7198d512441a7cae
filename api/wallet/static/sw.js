// The wallet's service worker: shows the program's pushes and opens the screen each one links
// to (the same targets as the emails: /wallet, /wallet/rewards, /wallet/tier, ...).
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { title: event.data ? event.data.text() : "" };
  }
  const data = message.data || {};
  event.waitUntil(self.registration.showNotification(message.title || "", {
    body: message.body || "", data: { link: data.link || "/wallet" }, tag: data.notification_id || undefined,
    icon: "/wallet/static/logo.svg",
  }));
});

function target(link) {
  const url = new URL(link || "/wallet", self.location.origin);
  // Only the page's own screens: a link elsewhere opens the wallet.
  return url.origin === self.location.origin && url.pathname.startsWith("/wallet") ? url.pathname + url.search : "/wallet";
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = target(event.notification.data && event.notification.data.link);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (new URL(client.url).pathname.startsWith("/wallet")) {
        client.postMessage({ open: path });
        return client.focus();
      }
    }
    return self.clients.openWindow(path);
  })());
});
