// The grid worker's app offline (served at /sw.js by quanfu.site_files.service_worker, which
// puts its settings in front of this file as self.QF_SW: the version, the static files to
// keep, the worker's pages, the offline page).
//
// Static files: cache first (their names carry a hash in production; the cache's name
// carries the version, and older caches are deleted when this worker takes over).
// The worker's pages: network first, the last copy when there is no network, the offline
// page when there is no copy. Nothing else is kept: no API answer, no POST, no other page.
// The pages' cache is emptied by the page (js/sw-register.js) when another person, or
// nobody, is signed in, and on logging out: a shared phone shows no one else's pages.
/* global self, caches */
"use strict";

var CONFIG = self.QF_SW;
var STATIC_CACHE = "qf-static-" + CONFIG.version;
var PAGES_CACHE = "qf-pages-" + CONFIG.version;
var NETWORK_PATIENCE_MS = 8000;  // then a kept copy is shown while the network goes on

function isShellPage(url) {
  return CONFIG.shell.indexOf(url.pathname) !== -1;
}

function keepable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) {
    return cache.addAll(CONFIG.precache.concat([CONFIG.offline]));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("qf-") === 0 && name !== STATIC_CACHE && name !== PAGES_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function fromStaticCache(request) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(request).then(function (kept) {
      if (kept) {
        return kept;
      }
      return fetch(request).then(function (response) {
        if (keepable(response)) {
          cache.put(request, response.clone());
        }
        return response;
      });
    });
  });
}

function offlinePage() {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(CONFIG.offline);
  }).then(function (page) {
    return page || new Response("offline", {status: 503, headers: {"Content-Type": "text/plain"}});
  });
}

function keptPage(url) {
  if (!isShellPage(url)) {
    return Promise.resolve(undefined);
  }
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.match(url.pathname, {ignoreSearch: true, ignoreVary: true});
  });
}

function networkFirst(request, url) {
  var network = fetch(request).then(function (response) {
    if (isShellPage(url) && keepable(response)) {
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { return cache.put(url.pathname, copy); });
    }
    return response;
  });
  var patience = new Promise(function (resolve) {
    setTimeout(function () {
      keptPage(url).then(function (kept) { if (kept) { resolve(kept); } });
    }, NETWORK_PATIENCE_MS);
  });
  var answer = network.catch(function () {
    return keptPage(url).then(function (kept) { return kept || offlinePage(); });
  });
  return Promise.race([answer, patience]);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.indexOf(CONFIG.static) === 0) {
    event.respondWith(fromStaticCache(request));
  } else if (request.mode === "navigate" && CONFIG.passThrough.every(function (prefix) {
    return url.pathname.indexOf(prefix) !== 0;
  })) {
    event.respondWith(networkFirst(request, url));
  }
  // anything else (the API, downloads, htmx fragments) goes to the network untouched
});

// The static files a kept page names (its <link href> and <script src>), so that the page
// works offline although the browser has not loaded it since this worker was installed.
function staticFilesOf(html) {
  var found = [];
  var pattern = /(?:href|src|data-[a-z-]+)="([^"]+)"/g;
  var match;
  while ((match = pattern.exec(html)) !== null) {
    var value = match[1].replace(/&amp;/g, "&");
    if (value.indexOf(CONFIG.static) === 0 && found.indexOf(value) === -1) {
      found.push(value);
    }
  }
  return found;
}

function warm() {
  return caches.open(PAGES_CACHE).then(function (pages) {
    return Promise.all(CONFIG.shell.map(function (path) {
      return fetch(path, {credentials: "same-origin"}).then(function (response) {
        if (!keepable(response)) {
          return [];
        }
        return response.clone().text().then(function (html) {
          return pages.put(path, response).then(function () { return staticFilesOf(html); });
        });
      }).catch(function () { return []; });
    }));
  }).then(function (lists) {
    var wanted = [].concat.apply([], lists);
    return caches.open(STATIC_CACHE).then(function (cache) {
      return Promise.all(wanted.map(function (path) {
        return cache.match(path).then(function (kept) {
          if (kept) {
            return undefined;
          }
          return fetch(path).then(function (response) {
            if (keepable(response)) {
              return cache.put(path, response);
            }
            return undefined;
          }).catch(function () { return undefined; });
        });
      }));
    });
  });
}

function forget() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("qf-pages-") === 0;
    }).map(function (name) { return caches.delete(name); }));
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  var done = function () {
    if (port) {
      port.postMessage({type: data.type, version: CONFIG.version});
    }
  };
  if (data.type === "warm") {
    event.waitUntil(warm().then(done, done));
  } else if (data.type === "forget") {
    event.waitUntil(forget().then(done, done));
  } else if (data.type === "version") {
    done();
  }
});
