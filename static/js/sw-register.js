// Installs the grid worker's offline app (the service worker at /sw.js) and keeps a shared
// phone from showing one person's pages to another (templates/worker_app/head.html sets
// <body data-qf-app>: "worker" for a signed-in grid worker, "offline" on the offline
// page, "none" for anyone else and on the sign-in page).
(function () {
  "use strict";
  var body = document.body;
  var app = body.getAttribute("data-qf-app") || "none";
  var LAST_USER = "qf-user";

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  // The pages kept for offline use: emptied from here as well as by the worker, so that
  // it happens even before the worker runs.
  function forgetPages() {
    var jobs = [];
    if ("caches" in window) {
      jobs.push(caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("qf-pages-") === 0;
        }).map(function (name) { return caches.delete(name); }));
      }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({type: "forget"});
    }
    return Promise.all(jobs).catch(function () { return undefined; });
  }

  function ask(worker, message) {
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) { resolve(event.data); };
      worker.postMessage(message, [channel.port2]);
    });
  }

  function shellIsKept(paths) {
    if (!("caches" in window)) {
      return Promise.resolve(true);
    }
    return Promise.all(paths.map(function (path) {
      return caches.match(path, {ignoreSearch: true, ignoreVary: true});
    })).then(function (kept) {
      return kept.every(Boolean);
    });
  }

  var store = storage();
  if (app === "offline") {
    return;
  }
  if (app !== "worker") {
    // someone else, or nobody, is signed in on this phone
    if (store) {
      store.removeItem(LAST_USER);
    }
    forgetPages();
    return;
  }
  var user = body.getAttribute("data-qf-user");
  var previous = store && store.getItem(LAST_USER);
  var forgotten = previous && previous !== user ? forgetPages() : Promise.resolve();
  if (store) {
    store.setItem(LAST_USER, user);
  }
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-qf-logout]")) {
      if (store) {
        store.removeItem(LAST_USER);
      }
      forgetPages();
    }
  }, true);
  if (!("serviceWorker" in navigator)) {
    return;
  }
  var shell = JSON.parse(body.getAttribute("data-qf-shell") || "[]");
  forgotten.then(function () {
    return navigator.serviceWorker.register(body.getAttribute("data-qf-sw"), {scope: "/"});
  }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    return shellIsKept(shell).then(function (kept) {
      if (kept || !navigator.onLine) {
        return undefined;
      }
      return ask(registration.active, {type: "warm"});
    });
  }).then(function () {
    // The pages work offline from now on (the tests wait for this). This page itself may
    // have opened while the worker was being installed: the next one is served by it.
    document.documentElement.setAttribute("data-qf-offline-ready", "1");
  }).catch(function () {
    return undefined;
  });
}());
