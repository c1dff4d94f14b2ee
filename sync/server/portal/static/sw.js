/* The portal's service worker: keeps the badge page and its scripts so that the
 * phone badge works without a network (the key and the codes never need the hub).
 *
 * The badge page: from the network when it answers (and kept), else the kept copy.
 * Its scripts and the stylesheet: the kept copy, refreshed in the background.
 * Any other page of the portal, offline: the badge page.
 * Signing out drops everything kept.
 */
"use strict";

const CACHE = "portal-badge-v1";
const PAGE = "/portal/badge";
const SHELL = [
  "/portal/static/portal.css",
  "/portal/static/badge.js",
  "/portal/static/vendor/qrcode-generator/qrcode.js",
];

async function keepPage(cache) {
  const reply = await fetch(PAGE, { credentials: "same-origin", redirect: "manual" });
  // Only the page itself: a redirection to the sign-in is never kept as the badge.
  if (reply.status === 200) await cache.put(PAGE, reply);
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL);
    await keepPage(cache).catch(() => {});
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const reply = await fetch(request);
    if (reply.status === 200 && !reply.redirected) await cache.put(PAGE, reply.clone());
    return reply;
  } catch (err) {
    const kept = await cache.match(PAGE);
    return kept || Response.error();
  }
}

async function asset(request, path) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(path);
  const fresh = fetch(request).then(async (reply) => {
    if (reply.status === 200) await cache.put(path, reply.clone());
    return reply;
  });
  if (kept) {
    fresh.catch(() => {});
    return kept;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  if (event.request.method === "POST" && url.pathname === "/portal/deconnexion") {
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (event.request.method !== "GET") return;
  if (url.pathname === PAGE && url.search === "") {
    event.respondWith(page(event.request));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(asset(event.request, url.pathname));
  } else if (event.request.mode === "navigate" && url.pathname.startsWith("/portal/")) {
    // Offline, any page of the portal opens on the badge: what a diner needs at the till.
    event.respondWith(fetch(event.request).catch(async () => {
      const kept = await caches.match(PAGE);
      return kept || Response.error();
    }));
  }
});
