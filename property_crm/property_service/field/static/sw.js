/* The field app's service worker (scope /field): the pages are fetched from the network first and their
last copy kept, so a technician without signal still reads his jobs; the icons come from the cache.
Nothing else is touched: no POST (the outbox in the page sends those), no API call, no other site page.
Logging out (a page answered by the login redirect) forgets the stored pages. */
const PAGES = "pcrm-field-pages-v1";
const STATIC = "pcrm-field-static-v1";
const ICONS = ["/field/icon-192.png", "/field/icon-512.png"];

self.addEventListener("install", function (event) {
	event.waitUntil(
		caches.open(STATIC).then(function (cache) { return cache.addAll(ICONS); }).catch(function () {})
			.then(function () { return caches.open(PAGES); })
			.then(function (cache) { return cache.add("/field"); }).catch(function () {})
			.then(function () { return self.skipWaiting(); })
	);
});

self.addEventListener("activate", function (event) {
	event.waitUntil(
		caches.keys().then(function (keys) {
			return Promise.all(keys.filter(function (k) { return k.startsWith("pcrm-field-") && k !== PAGES && k !== STATIC; })
				.map(function (k) { return caches.delete(k); }));
		}).then(function () { return self.clients.claim(); })
	);
});

function isFieldPage(url) {
	return (url.pathname === "/field" || url.pathname.startsWith("/field/"))
		&& url.pathname !== "/field/sw.js" && url.pathname !== "/field/manifest.webmanifest";
}

self.addEventListener("fetch", function (event) {
	const request = event.request;
	if (request.method !== "GET") return;
	const url = new URL(request.url);
	if (url.origin !== self.location.origin) return;
	if (ICONS.indexOf(url.pathname) >= 0) {
		event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
		return;
	}
	if (request.mode !== "navigate" || !isFieldPage(url)) return;
	event.respondWith(
		fetch(request).then(function (response) {
			if (response.redirected || response.type === "opaqueredirect" || new URL(response.url).pathname === "/login") {
				caches.delete(PAGES);  // logged out: what was stored is his no longer
			} else if (response.ok) {
				const copy = response.clone();
				caches.open(PAGES).then(function (cache) { return cache.put(request, copy); });
			}
			return response;
		}).catch(function () {
			return caches.open(PAGES).then(function (cache) {
				return cache.match(request).then(function (hit) {
					return hit || cache.match("/field");
				});
			}).then(function (hit) {
				return hit || new Response("<!DOCTYPE html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
					+ "<p style='font-family:sans-serif;padding:24px'>离线 · Offline</p>",
					{ status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
			});
		})
	);
});
