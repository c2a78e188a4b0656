// ticketgate's service worker (see docs/portal.md, "Installable portal").
// The server (adminui/pwa.go) writes VERSION, PRECACHE and OFFLINE above
// this comment. The portal works without it: it only adds the offline
// copies, the offline page and a cache of the static files.
//
// What it keeps:
//   - tg-static-VERSION: the static files, the manifest and the offline
//     page, fetched when the worker installs; files under /static/ are
//     answered from it, the manifest when the network fails.
//   - tg-pages-KEY: the signed-in person's last-viewed "My tickets" and
//     ticket pages, for reading offline. KEY comes from the X-Offline-Key
//     header the server sets on every page of a session; there is at most
//     one such cache, and it is deleted as soon as a page of another
//     session, or of nobody (signed out), arrives, and when the sign-out
//     form is sent (whose answer also says Clear-Site-Data).
'use strict';

const STATIC_CACHE = 'tg-static-' + VERSION;
const PAGES_PREFIX = 'tg-pages-';
const KEY_HEADER = 'X-Offline-Key';
const SAVED_HEADER = 'X-Offline-Saved';
const MANIFEST = '/manifest.webmanifest';
const MAX_PAGES = 30;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(STATIC_CACHE).then((c) => c.addAll(PRECACHE.concat([OFFLINE, MANIFEST]))).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith('tg-static-') && n !== STATIC_CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (req.method === 'POST' && url.pathname === '/signout') {
    event.waitUntil(clearPages()); // the request itself goes on untouched
    return;
  }
  if (req.method !== 'GET') {
    return;
  }
  if (url.pathname.startsWith('/static/')) {
    event.respondWith(staticFile(req));
    return;
  }
  if (url.pathname === MANIFEST) {
    event.respondWith(fetch(req).catch(() => caches.open(STATIC_CACHE).then((c) => c.match(MANIFEST)))
      .then((r) => r || Response.error()));
    return;
  }
  if (req.mode !== 'navigate' || url.pathname.startsWith('/api/') || /^\/tickets\/[^/]+\/attachments\//.test(url.pathname)) {
    return;
  }
  event.respondWith(navigate(event, req, url));
});

// cacheable: the pages kept for offline reading, "My tickets" and a ticket.
function cacheable(url) {
  return url.pathname === '/tickets' || /^\/tickets\/[^/]+$/.test(url.pathname);
}

// pageKey is the URL a page is kept under: without the one-time notice.
function pageKey(url) {
  const u = new URL(url.href);
  u.searchParams.delete('ok');
  u.hash = '';
  return u.href;
}

async function clearPages() {
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PAGES_PREFIX)).map((n) => caches.delete(n)));
}

async function staticFile(req) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(req);
  if (hit) {
    return hit;
  }
  return fetch(req);
}

async function navigate(event, req, url) {
  let resp;
  try {
    resp = await fetch(req);
  } catch (err) {
    return offline(url);
  }
  event.waitUntil(remember(url, resp.clone()));
  return resp;
}

// remember learns from a page whose session it is, and keeps it when it
// is one to read offline.
async function remember(url, resp) {
  if (resp.type !== 'basic' || !(resp.headers.get('Content-Type') || '').startsWith('text/html')) {
    return; // a redirect, or no page
  }
  const key = resp.headers.get(KEY_HEADER);
  if (!key) {
    await clearPages(); // nobody is signed in
    return;
  }
  const name = PAGES_PREFIX + key;
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PAGES_PREFIX) && n !== name).map((n) => caches.delete(n)));
  if (resp.status !== 200 || !cacheable(url)) {
    return;
  }
  const body = await resp.blob();
  const headers = new Headers(resp.headers);
  headers.delete('Content-Length');
  headers.set(SAVED_HEADER, new Date().toISOString());
  const cache = await caches.open(name);
  const k = pageKey(url);
  await cache.delete(k); // so that it moves to the end: the newest
  await cache.put(k, new Response(body, { status: 200, headers: headers }));
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - MAX_PAGES; i++) {
    await cache.delete(keys[i]);
  }
}

// offline answers a page the network could not fetch: its copy, marked
// as one, or the offline page.
async function offline(url) {
  if (cacheable(url)) {
    const names = (await caches.keys()).filter((n) => n.startsWith(PAGES_PREFIX));
    for (const n of names) {
      const hit = await (await caches.open(n)).match(pageKey(url));
      if (hit) {
        return markOffline(hit);
      }
    }
  }
  const page = await (await caches.open(STATIC_CACHE)).match(OFFLINE);
  return page || Response.error();
}

// savedText writes when a page was saved in the page's language and its
// reader's time zone (<html lang>, the banner's data-zone), as the portal
// writes times; in UTC and English when the browser cannot.
function savedText(d, html) {
  const lang = (/<html lang="([a-z]+)"/.exec(html) || [])[1] || 'en';
  const zone = (/<time id="offline-saved" data-zone="([^"]+)"/.exec(html) || [])[1] || 'UTC';
  try {
    return new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit',
      minute: '2-digit', timeZone: zone, timeZoneName: 'short' }).format(d);
  } catch (e) {
    const pad = (n) => String(n).padStart(2, '0');
    return d.getUTCDate() + ' ' + MONTHS[d.getUTCMonth()] + ' ' + d.getUTCFullYear() + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ' UTC';
  }
}

// markOffline shows the page's offline-copy banner with the time it was
// saved, and drops the notice it was saved with.
async function markOffline(resp) {
  const saved = resp.headers.get(SAVED_HEADER) || '';
  let when = '';
  let html = await resp.text();
  if (/^[0-9T:.Z-]+$/.test(saved)) {
    when = '<time id="offline-saved" datetime="' + saved + '">' + savedText(new Date(saved), html) + '</time>';
  }
  html = html.replace('<div id="offline-copy" hidden', '<div id="offline-copy"')
    .replace(/<time id="offline-saved"[^>]*><\/time>/, when)
    .replace(/<div id="notice"[^>]*>[^<]*<\/div>/, '');
  const headers = new Headers(resp.headers);
  headers.delete('Content-Length');
  return new Response(html, { status: 200, headers: headers });
}
