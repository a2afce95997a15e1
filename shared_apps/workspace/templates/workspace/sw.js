// Cercle's service worker: static files and an offline page, never a page with members' data.
"use strict";
const CACHE = "{{ cache_name }}";
const PRECACHE = {{ precache|safe }};
const OFFLINE = {{ offline_url|safe }};
const STATIC = {{ static_prefix|safe }};
const CACHE_STATIC = {{ cache_static|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages always come from the network; without one, the offline page.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
  } else if (CACHE_STATIC && url.pathname.startsWith(STATIC)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
