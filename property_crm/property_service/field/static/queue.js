/* The phone's outbox (IndexedDB): every change a technician makes — a workflow action with its fields, a
photo, a signature — is an item with its own id (client_id: the server answers a replay with its first
answer and writes nothing) and the `modified` stamp of the order as the technician saw it (the server
refuses a change based on an older version: 409, shown here, never overwritten). Items are sent at once
when there is a connection, else kept and sent when it returns (the `online` event, the next page load,
pull to refresh), oldest first; an item that failed holds back the later items of the same order. */
window.fieldq = (function () {
	"use strict";
	const L = window.FIELD_LABELS || {};
	const METHODS = {
		act: "property_crm.property_service.field.api.act",
		upload: "property_crm.property_service.field.api.upload_photo",
		sign: "property_crm.property_service.field.api.sign",
	};
	const DB = "pcrm-field", STORE = "outbox";
	let dbp = null, flushing = null, again = false;
	// the last send found no network (navigator.onLine says "online" on a phone whose Wi-Fi has no uplink)
	let netDown = false;
	const RETRY_MS = 5000;
	const listeners = [], idle = [];

	function db() {
		if (!dbp) {
			dbp = new Promise(function (resolve, reject) {
				const request = indexedDB.open(DB, 1);
				request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
				request.onsuccess = function () { resolve(request.result); };
				request.onerror = function () { reject(request.error); };
			});
		}
		return dbp;
	}
	function tx(mode, work) {
		return db().then(function (d) {
			return new Promise(function (resolve, reject) {
				const t = d.transaction(STORE, mode);
				const result = work(t.objectStore(STORE));
				t.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
				t.onerror = function () { reject(t.error); };
			});
		});
	}
	// the signed-in user's items only: a phone shared by two technicians sends each one's changes under
	// his own session
	const all = function () {
		return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
			return (items || []).filter(function (i) { return i.user === L.user; })
				.sort(function (a, b) { return a.created - b.created; });
		});
	};
	const get = function (id) { return tx("readonly", function (s) { return s.get(id); }); };
	const put = function (item) { return tx("readwrite", function (s) { s.put(item); }); };
	const remove = function (id) { return tx("readwrite", function (s) { s.delete(id); }); };

	function uuid() {
		if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
		return "x" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
	}
	function fmt(text, args) {
		return String(text || "").replace(/\{(\d+)\}/g, function (m, i) { return args[i] == null ? "" : args[i]; });
	}
	function csrf() {
		const meta = document.querySelector('meta[name="csrf-token"]');
		return meta ? meta.content : "";
	}

	async function send(item) {
		const body = new FormData();
		Object.keys(item.data || {}).forEach(function (key) {
			const value = item.data[key];
			if (value !== null && value !== undefined) body.append(key, typeof value === "string" ? value : JSON.stringify(value));
		});
		body.append("client_id", item.id);
		if (item.kind === "upload") body.append("file", item.blob, item.filename || "photo.jpg");
		const response = await fetch("/api/method/" + METHODS[item.kind], {
			method: "POST", body: body, credentials: "same-origin",
			headers: { "X-Frappe-CSRF-Token": csrf(), "Accept": "application/json" },
		});
		let json = {};
		try { json = await response.json(); } catch (e) { json = {}; }
		return { status: response.status, ok: response.ok, body: json };
	}

	function messageOf(body) {
		let message = "";
		try { message = JSON.parse(JSON.parse(body._server_messages)[0]).message; } catch (e) { message = ""; }
		return message || body.exception || body.exc_type || "";
	}
	function conflictOf(body) {
		if (body.conflict) return body.conflict;
		if (body.message && body.message.conflict) return body.message.conflict;
		if (body.exc_type && /conflict|timestamp/i.test(body.exc_type)) return { what: messageOf(body) };
		try {
			const first = JSON.parse(JSON.parse(body._server_messages)[0]);
			if (first.conflict) return first.conflict;
		} catch (e) { /* none */ }
		return null;
	}

	// One pass over the outbox; flush() runs passes until nothing new was queued meanwhile (a photo taken
	// while the one before it is uploading is sent right after it, not at the next timer tick).
	async function flush() {
		if (flushing) { again = true; return flushing; }
		flushing = (async function () {
			do {
				again = false;
				await pass();
			} while (again && navigator.onLine && !netDown);
		})().finally(function () {
			flushing = null; render();
			idle.forEach(function (fn) { try { fn(); } catch (e) { /* page's own */ } });
		});
		return flushing;
	}

	async function pass() {
		{
			const items = await all();
			const held = new Set();  // orders with an earlier item that did not go through
			for (const listed of items) {
				// as stored now: an earlier item's answer may have moved its `modified` on
				const item = await get(listed.id);
				if (!item || held.has(item.order)) continue;
				if (item.status === "conflict" || item.status === "error") { held.add(item.order); continue; }
				if (!navigator.onLine) break;
				item.status = "sending"; await put(item); render();
				let answer;
				try {
					answer = await send(item);
				} catch (e) {  // no connection after all: stays waiting
					item.status = "waiting"; await put(item); netDown = true; break;
				}
				netDown = false;
				if (answer.ok) {
					await remove(item.id);
					const result = answer.body.message || {};
					// the later changes of this order were made on the version this one was based on
					if (result.modified && item.data && item.data.modified) {
						const rest = await all();
						for (const later of rest) {
							if (later.order === item.order && later.data && later.data.modified === item.data.modified) {
								later.data.modified = result.modified; await put(later);
							}
						}
					}
					listeners.forEach(function (fn) { try { fn(item, result); } catch (e) { /* page's own */ } });
				} else if (answer.status === 409) {
					item.status = "conflict"; item.conflict = conflictOf(answer.body) || {}; await put(item); held.add(item.order);
				} else if (answer.status >= 500 || answer.status === 429 || answer.status === 401 || answer.status === 0) {
					item.status = "waiting"; item.error = answer.status === 401 ? L.login : messageOf(answer.body); await put(item); break;
				} else if (answer.status === 400 && /CSRF/i.test(answer.body.exc_type || "")) {
					item.status = "waiting"; item.error = L.login; await put(item); break;
				} else {
					item.status = "error"; item.error = messageOf(answer.body) || String(answer.status); await put(item); held.add(item.order);
				}
				render();
			}
		}
	}

	/* Queue one change: kind "act" | "upload" | "sign"; data: the method's fields (name, modified…);
	label: what the technician sees in the list. Sent at once when online. */
	async function add(kind, order, data, extra) {
		const item = Object.assign({
			id: uuid(), kind: kind, order: order, data: data || {}, status: "waiting", created: Date.now(), user: L.user,
		}, extra || {});
		await put(item);
		render();
		if (navigator.onLine) flush(); else toast(L.queued);
		return item;
	}

	function statusText(item) {
		return { waiting: L.waiting, sending: L.sending, conflict: L.conflict, error: L.error }[item.status] || item.status;
	}
	function kindText(item) {
		if (item.kind === "act") {
			const action = item.data && item.data.action;
			return action ? ((L.action_labels || {})[action] || action) : L.save;
		}
		return item.kind === "upload" ? L.upload : L.sign;
	}

	async function render() {
		const banner = document.getElementById("qbanner");
		if (!banner) return;
		let items = [];
		try { items = await all(); } catch (e) { items = []; }
		const problems = items.filter(function (i) { return i.status === "conflict" || i.status === "error"; });
		const offline = !navigator.onLine || netDown;
		banner.classList.toggle("show", items.length > 0 || offline);
		banner.classList.toggle("offline", offline || problems.length > 0);
		const pending = items.length - problems.length;
		const parts = [];
		if (offline) parts.push(fmt(L.offline, [pending]));
		else if (pending) parts.push(fmt(L.pending, [pending]));
		if (problems.length) parts.push(fmt(L.problems, [problems.length]));
		document.getElementById("qsummary").textContent = parts.join(" · ");
		const list = document.getElementById("qitems");
		list.textContent = "";
		items.forEach(function (item) {
			const li = document.createElement("li");
			li.className = item.status;
			li.dataset.id = item.id;
			const st = document.createElement("span");
			st.className = "st"; st.textContent = statusText(item);
			li.appendChild(st);
			li.appendChild(document.createTextNode(kindText(item) + " · " + (item.title || item.order)));
			if (item.status === "conflict") {
				const c = item.conflict || {};
				const p = document.createElement("div");
				p.className = "conflict-text";
				p.textContent = c.what || fmt(L.conflict_text, [c.modified_by || "?", c.modified || "?", c.status_label || c.status || "?"]);
				li.appendChild(p);
				li.appendChild(button(L.reload, function () { drop(item, true); }));
			} else if (item.status === "error") {
				const p = document.createElement("div");
				p.textContent = item.error || "";
				li.appendChild(p);
				li.appendChild(button(L.dismiss, function () { drop(item, false); }));
			} else if (item.error) {
				const p = document.createElement("div");
				p.className = "muted"; p.textContent = item.error;
				li.appendChild(p);
			}
			list.appendChild(li);
		});
		if (problems.length) document.getElementById("qdetails").open = true;
	}
	function button(text, fn) {
		const b = document.createElement("button");
		b.type = "button"; b.className = "btn"; b.textContent = text;
		b.addEventListener("click", fn);
		return b;
	}

	/* Give up a change that cannot go through. After a conflict ("reload"), the order's other waiting
	changes that were made on the same old version go too (they would conflict as well; photos stay), and
	the technician sees the order as it is now. */
	async function drop(item, reload) {
		await remove(item.id);
		if (reload) {
			const rest = await all();
			for (const other of rest) {
				if (other.order === item.order && other.kind !== "upload") await remove(other.id);
			}
			location.href = "/field/jobs/" + encodeURIComponent(item.order);
			return;
		}
		render();
		flush();
	}

	function toast(text) {
		const el = document.getElementById("toast");
		if (!el || !text) return;
		el.textContent = text; el.classList.add("show");
		clearTimeout(el._t); el._t = setTimeout(function () { el.classList.remove("show"); }, 3500);
	}

	// A phone shared by two people: the pages kept for reading without signal are one user's. A page kept for
	// somebody else than who is signed in now (Frappe's user_id cookie; logging out anywhere removes it,
	// logging in sets it) is not shown, and the kept pages are forgotten; so are they when another user's
	// page is loaded after them.
	(function () {
		const found = document.cookie.match(/(?:^|;\s*)user_id=([^;]*)/);
		let now = "";
		try { now = found ? decodeURIComponent(found[1]) : ""; } catch (e) { now = ""; }
		let last = "";
		try { last = localStorage.getItem("pcrm-field-user") || ""; } catch (e) { last = ""; }
		const foreign = Boolean(now) && now !== L.user;
		if ((foreign || (last && last !== L.user)) && window.caches) caches.delete("pcrm-field-pages-v1");
		if (foreign) {
			document.documentElement.textContent = "";
			location.replace("/login?redirect-to=" + encodeURIComponent(location.pathname));
			return;
		}
		try { if (L.user) localStorage.setItem("pcrm-field-user", L.user); } catch (e) { /* private mode */ }
	})();

	// logging out forgets the pages kept for reading without signal (not the changes still to be sent)
	document.addEventListener("click", function (e) {
		const link = e.target.closest && e.target.closest('a[href*="cmd=web_logout"]');
		if (!link || !window.caches) return;
		e.preventDefault();
		caches.delete("pcrm-field-pages-v1").finally(function () { location.href = link.href; });
	});
	window.addEventListener("online", function () { render(); flush(); });
	window.addEventListener("offline", render);
	document.addEventListener("visibilitychange", function () { if (!document.hidden && navigator.onLine) flush(); });
	// what waits is tried again every few seconds (one request while there is no network): the browser's
	// `online` event does not come when the phone was on Wi-Fi or 4G without a way through
	setInterval(function () { if (navigator.onLine) all().then(function (i) { if (i.some(function (x) { return x.status === "waiting"; })) flush(); }); }, RETRY_MS);
	document.addEventListener("DOMContentLoaded", function () { render(); if (navigator.onLine) flush(); });

	// the app's service worker: caches the field pages for reading without signal
	if ("serviceWorker" in navigator) {
		navigator.serviceWorker.register("/field/sw.js", { scope: "/field" }).then(function () {
			// the page the phone opened first is stored too (later ones are stored by the worker)
			if (!navigator.serviceWorker.controller && window.caches) {
				caches.open("pcrm-field-pages-v1").then(function (c) { return c.add(location.pathname + location.search); }).catch(function () {});
			}
		}).catch(function () {});
	}

	return {
		add: add, flush: flush, all: all, render: render, toast: toast, uuid: uuid, fmt: fmt,
		onSent: function (fn) { listeners.push(fn); },
		// after a round of sending (nothing is on its way any more)
		onIdle: function (fn) { idle.push(fn); },
	};
})();
