// The grid worker's drafts (草稿): what the report form, the zero report and the answers to
// instructions hold when the worker presses send is first saved in this phone's IndexedDB,
// then sent through the API (js/sw-register.js installs the offline pages). Online, a
// draft is sent at once; offline, it waits and the worker is told so. A badge on every
// page counts the drafts waiting; the drafts page (待发送) lists them with their state and
// last error, and sends, reopens or deletes each. They are tried again when the phone
// comes online and when a page opens online; a draft is removed only when everything in
// it has been taken by the server, never silently.
//
// Each draft carries an Idempotency-Key, made once: a send repeated after a timeout
// answers the first answer again, so one report makes one matter. Its photos go after
// the matter, one request each, keyed "<key>-photo-<n>"; the matter's id is kept in the
// draft, so a send cut off halfway goes on with the photos. A refusal (400: a subtype
// retired meanwhile, a grid closed) keeps the draft as "needs changes" with the server's
// message, and the form reopens it (?draft=<id>) to be corrected. An ended session keeps
// it until the worker has logged in again.
//
// No text lives here: the page passes the words in its language (#qf-app-words,
// workbench/worker_app.py). window.qfDrafts is the same API for the pages and the tests.

const API = "/api/v1/";
const DATABASE = "quanfu-drafts";
const STORE = "drafts";
const FLASH = "qf-flash";
const TIMEOUT_MS = 30000;
const ONLINE_SETTLE_MS = 3000;
const STATES = {
  pending: ["statePending", "text-bg-secondary"],
  failed: ["stateFailed", "text-bg-warning"],
  login: ["stateLogin", "text-bg-warning"],
  needs_fix: ["stateNeedsFix", "text-bg-danger"],
  sending: ["stateSending", "text-bg-info"],
};
// States sent again without the worker (online again, a page opened online).
const RETRIED = ["pending", "failed", "login"];
// Answers after which the server has done nothing: a changed draft may take a new key.
const DEFINITIVE = [400, 401, 403, 404];
// A refusal naming a field the form shows under another name.
const FIELD_ON_FORM = {parties: "party_name", content: "answer"};

const script = document.querySelector("script[data-qf-drafts-script]");
const wordsElement = document.getElementById("qf-app-words");
const WORDS = wordsElement ? JSON.parse(wordsElement.textContent) : {};
const USER = document.body.getAttribute("data-qf-user") || readStorage("qf-user") || "";
const sending = new Set();
const channel = "BroadcastChannel" in window ? new BroadcastChannel("qf-drafts") : null;

function readStorage(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (error) {
    return null;
  }
}

function word(key, values) {
  let text = WORDS[key] || "";
  Object.entries(values || {}).forEach(([name, value]) => {
    text = text.split(`%(${name})s`).join(String(value));
  });
  return text;
}

// IndexedDB ------------------------------------------------------------------------------

let opened = null;

function database() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(STORE, {keyPath: "id", autoIncrement: true});
        store.createIndex("user", "user");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(mode) {
  return (await database()).transaction(STORE, mode).objectStore(STORE);
}

async function allDrafts() {
  if (!USER) {
    return [];
  }
  const drafts = await done((await store("readonly")).index("user").getAll(USER));
  return drafts.sort((a, b) => a.created.localeCompare(b.created));
}

async function getDraft(id) {
  const draft = await done((await store("readonly")).get(Number(id)));
  return draft && draft.user === USER ? draft : undefined;
}

async function putDraft(draft) {
  draft.user = USER;
  draft.updated = new Date().toISOString();
  if (draft.id === undefined || draft.id === null) {
    delete draft.id;
  }
  draft.id = await done((await store("readwrite")).put(draft));
  changed();
  return draft;
}

async function deleteDraft(id) {
  const draft = await getDraft(id);
  if (draft) {
    await done((await store("readwrite")).delete(Number(id)));
  }
  changed();
}

// A random UUID (version 4); crypto.randomUUID exists only on https and localhost.
function newKey() {
  if (crypto.randomUUID) {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-` +
    hex.slice(20);
}

function newDraft(kind) {
  const now = new Date().toISOString();
  return {kind, key: newKey(), created: now, state: "pending", error: "", errors: {},
          photos: [], attempts: 0, lastStatus: null};
}

// Sending --------------------------------------------------------------------------------

function csrfToken() {
  const cookie = document.cookie.split(";").map((part) => part.trim())
    .find((part) => part.startsWith("csrftoken="));
  if (cookie) {
    return decodeURIComponent(cookie.slice("csrftoken=".length));
  }
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}

// A photo as multipart/form-data with a boundary made from its key: the same photo sent
// again is the same bytes, as the Idempotency-Key asks.
function multipart(key, name, blob) {
  const boundary = `qf-${key.replace(/[^A-Za-z0-9-]/g, "")}`;
  const type = blob.type || "application/octet-stream";
  // the file's own name, written as browsers write it in a form
  const filename = name.replace(/[\r\n]/g, " ").replace(/"/g, "%22");
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; ` +
    `filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return {body: new Blob([head, blob, `\r\n--${boundary}--\r\n`]),
          type: `multipart/form-data; boundary=${boundary}`};
}

async function post(path, key, payload) {
  const headers = {"Accept": "application/json", "X-CSRFToken": csrfToken(),
                   "Idempotency-Key": key};
  let body;
  if (payload instanceof Blob || (payload && payload.body instanceof Blob)) {
    headers["Content-Type"] = payload.type;
    body = payload.body;
  } else {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(payload);
  }
  const controller = new AbortController();
  // a photo on a slow line takes its time: about 20 kB a second more
  const patience = TIMEOUT_MS + (body instanceof Blob ? body.size / 20 : 0);
  const timer = setTimeout(() => controller.abort(), patience);
  try {
    const response = await fetch(API + path, {method: "POST", headers, body,
                                              credentials: "same-origin",
                                              signal: controller.signal});
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    return {status: response.status, data};
  } catch (error) {
    return {status: 0, data: null, timeout: controller.signal.aborted};
  } finally {
    clearTimeout(timer);
  }
}

// 403 is a refusal, or an ended session (no user, or a CSRF token of another session):
// asking something any signed-in person may read tells them apart.
async function signedIn() {
  try {
    const response = await fetch(`${API}categories/`, {credentials: "same-origin",
                                                       headers: {"Accept": "application/json"}});
    return response.ok;
  } catch (error) {
    return true;
  }
}

function messagesOf(value) {
  if (value === null || value === undefined) {
    return [];
  }
  if (typeof value === "string") {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap(messagesOf);
  }
  if (typeof value === "object") {
    return Object.values(value).flatMap(messagesOf);
  }
  return [String(value)];
}

async function failure(answer) {
  const result = {ok: false, status: answer.status, errors: {}};
  if (answer.status === 0) {
    result.state = "failed";
    result.error = word(answer.timeout ? "timeout" : "noNetwork");
  } else if (answer.status === 400 || answer.status === 404 || answer.status === 413 ||
             answer.status === 415) {
    result.state = "needs_fix";
    result.errors = answer.data && typeof answer.data === "object" ? answer.data : {};
    result.error = messagesOf(answer.data).join(" ") || word("fixAndSend");
  } else if (answer.status === 422) {
    result.state = "needs_fix";
    result.error = word("conflict");
  } else if (answer.status === 401 || (answer.status === 403 && !(await signedIn()))) {
    result.state = "login";
    result.error = word("loginAgain");
  } else if (answer.status === 403) {
    result.state = "needs_fix";
    result.error = messagesOf(answer.data).join(" ") || word("fixAndSend");
  } else {
    result.state = "failed";
    result.error = word("serverError", {status: answer.status});
  }
  return result;
}

function accepted(answer) {
  return answer.status >= 200 && answer.status < 300;
}

async function sendReport(draft) {
  if (!draft.riskId) {
    const answer = await post("risks/", draft.key, draft.body);
    draft.lastStatus = answer.status;
    if (!accepted(answer)) {
      return failure(answer);
    }
    draft.riskId = answer.data.id;
    draft.riskCode = answer.data.code;
    draft.duplicates = (answer.data.duplicate_suggestions || []).length;
    await putDraft(draft);
  }
  for (let index = 0; index < draft.photos.length; index += 1) {
    const photo = draft.photos[index];
    if (photo.sent) {
      continue;
    }
    const answer = await post(`risks/${draft.riskId}/attachments/`,
                              `${draft.key}-photo-${index + 1}`,
                              multipart(draft.key, photo.name || `photo-${index + 1}.jpg`,
                                        photo.blob));
    draft.lastStatus = answer.status;
    if (!accepted(answer)) {
      return failure(answer);
    }
    photo.sent = true;
    photo.blob = null;
    await putDraft(draft);
  }
  return {ok: true, data: {id: draft.riskId, code: draft.riskCode,
                           duplicates: draft.duplicates || 0}};
}

async function sendOne(draft) {
  const answer = await post(draft.path, draft.key, draft.body);
  draft.lastStatus = answer.status;
  return accepted(answer) ? {ok: true, data: answer.data} : failure(answer);
}

async function sendLocked(id) {
  const draft = await getDraft(id);
  if (!draft) {
    return {ok: false, gone: true};
  }
  sending.add(draft.id);
  changed();
  let outcome;
  try {
    draft.attempts = (draft.attempts || 0) + 1;
    draft.tried = new Date().toISOString();
    outcome = draft.kind === "report" ? await sendReport(draft) : await sendOne(draft);
  } catch (error) {
    outcome = {ok: false, state: "failed", error: String(error), errors: {}};
  } finally {
    sending.delete(draft.id);
  }
  if (outcome.ok) {
    await deleteDraft(draft.id);
  } else {
    draft.state = outcome.state;
    draft.error = outcome.error;
    draft.errors = outcome.errors || {};
    await putDraft(draft);
  }
  return {...outcome, draft};
}

// One send of a draft at a time, across this phone's tabs (the key would make a second
// one harmless; the lock saves the request).
function sendDraft(id) {
  if (navigator.locks) {
    return navigator.locks.request(`qf-draft-${USER}-${id}`, {ifAvailable: true},
                                   (lock) => (lock ? sendLocked(id) : {ok: false, busy: true}));
  }
  return sending.has(Number(id)) ? Promise.resolve({ok: false, busy: true}) : sendLocked(id);
}

let retrying = null;
let editing = null;  // the draft open in this page's form is sent by its own button

function sendWaiting() {
  if (!retrying) {
    retrying = (async () => {
      const outcomes = [];
      for (const draft of await allDrafts()) {
        if (RETRIED.includes(draft.state) && draft.id !== editing) {
          const outcome = await sendDraft(draft.id);
          tellOutcome(outcome);
          outcomes.push(outcome);
        }
      }
      return outcomes;
    })().finally(() => { retrying = null; });
  }
  return retrying;
}

// On every page: the badge, the flash message, the list ---------------------------------

function changed() {
  refresh();
  if (channel) {
    channel.postMessage("changed");
  }
}

let refreshing = Promise.resolve();

function refresh() {
  refreshing = refreshing.then(async () => {
    const drafts = await allDrafts();
    document.querySelectorAll("[data-qf-drafts-count]").forEach((count) => {
      count.textContent = String(drafts.length);
      count.hidden = drafts.length === 0;
    });
    document.querySelectorAll("[data-qf-drafts-badge]").forEach((badge) => {
      badge.hidden = drafts.length === 0;
    });
    document.querySelectorAll("[data-qf-drafts-list]").forEach((list) => drawList(list, drafts));
  }).catch(() => undefined);
  return refreshing;
}

function flash(text, kind = "success") {
  try {
    const kept = JSON.parse(window.sessionStorage.getItem(FLASH) || "[]");
    kept.push({text, kind});
    window.sessionStorage.setItem(FLASH, JSON.stringify(kept));
  } catch (error) {
    // no session storage: the next page simply says nothing
  }
}

function alertBox(text, kind) {
  const box = document.createElement("div");
  box.className = `alert alert-${kind}`;
  box.setAttribute("role", kind === "danger" ? "alert" : "status");
  box.textContent = text;
  return box;
}

function showFlash() {
  let kept = [];
  try {
    kept = JSON.parse(window.sessionStorage.getItem(FLASH) || "[]");
    window.sessionStorage.removeItem(FLASH);
  } catch (error) {
    return;
  }
  const main = document.querySelector("main");
  kept.reverse().forEach((message) => {
    const box = alertBox(message.text, message.kind);
    box.setAttribute("data-testid", "flash");
    main.prepend(box);
  });
}

// 2026-11-28 09:30, in the site's time zone (Asia/Shanghai), whatever the phone's.
function localTime(iso) {
  const zone = (script && script.getAttribute("data-time-zone")) || undefined;
  let parts;
  try {
    parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
      minute: "2-digit", hourCycle: "h23"}).formatToParts(new Date(iso));
  } catch (error) {
    return iso.slice(0, 16).replace("T", " ");
  }
  const part = (type) => (parts.find((found) => found.type === type) || {}).value;
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) {
    made.className = className;
  }
  if (text !== undefined) {
    made.textContent = text;
  }
  return made;
}

const KINDS = {report: "kindReport", zero_report: "kindZeroReport",
               instruction_answer: "kindAnswer"};

function editUrl(draft) {
  if (draft.kind === "report" && !draft.riskId) {
    return `${draft.form}?draft=${draft.id}`;
  }
  if (draft.kind === "instruction_answer") {
    return `${draft.form}?draft=${draft.id}#instructions`;
  }
  return "";
}

function matterUrl(id) {
  const pattern = (script && script.getAttribute("data-matter-url")) || "/risks/0/";
  return pattern.replace("/0/", `/${id}/`);
}

function drawDraft(draft) {
  const state = sending.has(draft.id) ? "sending" : draft.state;
  const [stateWord, stateColour] = STATES[state] || STATES.pending;
  const card = element("article", "card mb-2");
  card.setAttribute("data-testid", "draft");
  card.setAttribute("data-draft", String(draft.id));
  card.setAttribute("data-state", state);
  const body = element("div", "card-body");
  const badges = element("div", "d-flex flex-wrap gap-1 mb-1");
  badges.append(element("span", "badge text-bg-dark", word(KINDS[draft.kind])));
  const stateBadge = element("span", `badge ${stateColour}`, word(stateWord));
  stateBadge.setAttribute("data-testid", "draft-state");
  badges.append(stateBadge);
  body.append(badges);
  body.append(element("p", "mb-1 fw-semibold qf-prewrap", draft.summary || ""));
  const facts = [word("savedAt", {time: localTime(draft.created)})];
  const photos = (draft.photos || []).filter((photo) => !photo.sent).length;
  if (photos) {
    facts.push(word("photos", {count: photos}));
  }
  body.append(element("p", "small text-muted mb-2", facts.join(" · ")));
  if (draft.riskId) {
    const partly = element("p", "small mb-2", `${word("partlySent", {code: draft.riskCode})} `);
    const link = element("a", "", word("openMatter"));
    link.href = matterUrl(draft.riskId);
    partly.append(link);
    body.append(partly);
  }
  if (draft.error && state !== "sending") {
    const error = element("div", "alert alert-danger py-2 px-2 small mb-2");
    error.setAttribute("data-testid", "draft-error");
    error.append(element("strong", "", `${word("lastError")}：`), document.createTextNode(draft.error));
    body.append(error);
  }
  const actions = element("div", "d-flex flex-wrap gap-2");
  const send = element("button", "btn btn-primary", word("send"));
  send.type = "button";
  send.disabled = state === "sending";
  send.setAttribute("data-testid", "draft-send");
  send.addEventListener("click", () => sendFromList(draft.id));
  actions.append(send);
  const url = editUrl(draft);
  if (url) {
    const edit = element("a", "btn btn-outline-secondary", word("edit"));
    edit.href = url;
    edit.setAttribute("data-testid", "draft-edit");
    actions.append(edit);
  }
  const remove = element("button", "btn btn-outline-danger ms-auto", word("delete"));
  remove.type = "button";
  remove.setAttribute("data-testid", "draft-delete");
  remove.addEventListener("click", () => {
    if (window.confirm(word("confirmDelete"))) {
      deleteDraft(draft.id);
    }
  });
  actions.append(remove);
  body.append(actions);
  card.append(body);
  return card;
}

function drawList(list, drafts) {
  const cards = drafts.map(drawDraft);
  if (!cards.length) {
    const empty = element("p", "text-muted qf-empty-state text-center", word("empty"));
    empty.setAttribute("data-testid", "no-drafts");
    cards.push(empty);
  }
  list.replaceChildren(...cards);
  document.querySelectorAll("[data-qf-send-all]").forEach((button) => {
    button.hidden = drafts.length < 2;
  });
}

function listMessage(text, kind) {
  const place = document.querySelector("[data-qf-list-message]");
  if (place) {
    const box = alertBox(text, kind);
    box.setAttribute("data-testid", "list-message");
    place.append(box);
  }
}

function tellOutcome(outcome) {
  if (outcome.ok && outcome.draft.kind === "report") {
    listMessage(word("reported", {code: outcome.data.code}), "success");
  } else if (outcome.ok) {
    listMessage(word(outcome.draft.kind === "zero_report" ? "zeroReportFiled" : "answerSent"),
                "success");
  }
}

async function sendFromList(id) {
  const outcome = await sendDraft(id);
  tellOutcome(outcome);
  refresh();
  return outcome;
}

// The forms ------------------------------------------------------------------------------

function formStatus(form, text, kind) {
  let place = form.previousElementSibling;
  if (!place || !place.hasAttribute("data-qf-form-status")) {
    place = element("div");
    place.setAttribute("data-qf-form-status", "");
    place.setAttribute("data-testid", "draft-status");
    form.before(place);
  }
  place.replaceChildren(...(text ? [alertBox(text, kind)] : []));
}

function clearErrors(form) {
  form.querySelectorAll("[data-qf-error]").forEach((error) => error.remove());
  form.querySelectorAll("[data-qf-invalid]").forEach((field) => {
    field.classList.remove("qf-invalid");
    field.removeAttribute("data-qf-invalid");
  });
}

// The server's refusals next to the fields they name; the rest above the form.
function showErrors(form, errors) {
  clearErrors(form);
  const above = [];
  Object.entries(errors || {}).forEach(([name, value]) => {
    const wrapper = form.querySelector(`[data-field="${FIELD_ON_FORM[name] || name}"]`);
    const messages = messagesOf(value);
    if (!wrapper) {
      above.push(...messages);
      return;
    }
    wrapper.classList.add("qf-invalid");
    wrapper.setAttribute("data-qf-invalid", "");
    messages.forEach((message) => {
      const error = element("div", "invalid-feedback d-block", message);
      error.setAttribute("data-qf-error", "");
      error.setAttribute("data-testid", `error-${FIELD_ON_FORM[name] || name}`);
      wrapper.append(error);
    });
  });
  return above;
}

function fieldsOf(form) {
  const fields = {};
  Array.from(form.elements).forEach((control) => {
    if (!control.name || control.disabled || control.type === "file" ||
        control.name === "csrfmiddlewaretoken" || control.type === "submit") {
      return;
    }
    if ((control.type === "checkbox" || control.type === "radio") && !control.checked) {
      return;
    }
    if (control.type === "select-multiple") {
      fields[control.name] = Array.from(control.selectedOptions).map((option) => option.value);
    } else {
      fields[control.name] = control.value;
    }
  });
  return fields;
}

function fill(form, fields) {
  const first = ["area", "category"];
  const names = [...first, ...Object.keys(fields).filter((name) => !first.includes(name))];
  names.forEach((name) => {
    if (!(name in fields)) {
      return;
    }
    const control = form.elements.namedItem(name);
    if (!control || control.type === "file") {
      return;
    }
    const value = fields[name];
    if (control.type === "select-multiple") {
      Array.from(control.options).forEach((option) => {
        option.selected = value.includes(option.value);
      });
    } else if (control.type === "checkbox") {
      control.checked = true;
    } else if (control.tomselect) {
      control.tomselect.setValue(value, true);  // a searched picker (js/pickers.js)
    } else {
      control.value = value;
    }
    control.dispatchEvent(new Event("input", {bubbles: true}));
    control.dispatchEvent(new Event("change", {bubbles: true}));
  });
  showLocation(form);
}

// The point a draft holds, shown as js/location.js shows the one it takes.
function showLocation(form) {
  const block = form.querySelector("[data-location]");
  const lat = form.elements.namedItem("location_lat");
  const lng = form.elements.namedItem("location_lng");
  if (!block || !lat || !lng || !lat.value || !lng.value) {
    return;
  }
  const status = block.querySelector("[data-location-status]");
  const clear = block.querySelector("[data-location-clear]");
  if (status) {
    status.textContent = (block.getAttribute("data-text-point") || "")
      .replace(/\{lat\}|%\(lat\)s/, lat.value).replace(/\{lng\}|%\(lng\)s/, lng.value);
  }
  if (clear) {
    clear.hidden = false;
  }
}

function number(value) {
  return value === undefined || value === null || String(value).trim() === "" ?
    null : Number(value);
}

function selectedText(form, name) {
  const control = form.elements.namedItem(name);
  const option = control && control.selectedOptions && control.selectedOptions[0];
  return option && option.value ? option.textContent.trim() : "";
}

// A location from the form, whichever way it holds it: "lat,lng" in one field or two fields.
function locationOf(fields) {
  const pairs = [["lat", "lng"], ["latitude", "longitude"], ["location_lat", "location_lng"]];
  for (const [lat, lng] of pairs) {
    if (number(fields[lat]) !== null && number(fields[lng]) !== null) {
      return {lat: number(fields[lat]), lng: number(fields[lng])};
    }
  }
  const text = (fields.location || "").trim();
  if (text) {
    try {
      const parsed = JSON.parse(text);
      if (parsed && number(parsed.lat) !== null && number(parsed.lng) !== null) {
        return {lat: number(parsed.lat), lng: number(parsed.lng)};
      }
    } catch (error) {
      const [lat, lng] = text.split(",").map(number);
      if (lat !== null && lng !== null && !Number.isNaN(lat) && !Number.isNaN(lng)) {
        return {lat, lng};
      }
    }
  }
  return null;
}

// The report form's fields as risks/api/serializers.py RiskCreateSerializer takes them:
// category and subtype by code (#qf-report-codes), the party box as one party.
function reportBody(fields, codes, created) {
  const body = {
    area: number(fields.area),
    category: codes.categories[fields.category] || null,
    subtype: fields.subtype ? (codes.subtypes[fields.subtype] || null) : null,
    title: (fields.title || "").trim(),
    description: (fields.description || "").trim(),
    people_involved: number(fields.people_involved),
    // found when it was saved, not when it reached the server
    discovered_at: fields.discovered_at || created,
  };
  if (fields.source) {
    body.source = fields.source;
  }
  if ((fields.address || "").trim()) {
    body.address = fields.address.trim();
  }
  const location = locationOf(fields);
  if (location) {
    body.location = location;
  }
  // a phone without a name is sent as it is: the server says the name is missing
  if ((fields.party_name || "").trim() || (fields.party_phone || "").trim()) {
    const party = {name: (fields.party_name || "").trim(),
                   phone: (fields.party_phone || "").trim()};
    if (fields.party_relation) {
      party.relation = fields.party_relation;
    }
    body.parties = [party];
  }
  return body;
}

let downscaler = null;

function loadDownscaler() {
  const source = script && script.getAttribute("data-downscale");
  if (!downscaler) {
    downscaler = source ? import(source).catch(() => null) : Promise.resolve(null);
  }
  return downscaler;
}

// A photo made smaller on the phone (js/photo_downscale.js) before it is kept; a file the
// module cannot read is kept as it is (the server checks it either way).
async function keptPhoto(file) {
  let blob = file;
  if (file.type.startsWith("image/")) {
    try {
      const module = await loadDownscaler();
      const downscale = module && (module.downscalePhoto || module.downscale || module.default);
      if (typeof downscale === "function") {
        blob = (await downscale(file)) || file;
      }
    } catch (error) {
      blob = file;
    }
  }
  return {blob, name: blob.name || file.name, type: blob.type || file.type, sent: false};
}

async function photosOf(form) {
  const files = Array.from(form.querySelectorAll("input[type=file]"))
    .flatMap((input) => Array.from(input.files || []));
  const kept = [];
  for (const file of files) {
    kept.push(await keptPhoto(file));  // one at a time: a phone has little memory
  }
  return kept;
}

// A draft changed after an answer that did nothing on the server takes a new key; after
// no answer (a timeout) it keeps its key, so that a matter made meanwhile is not made twice.
function rekeyIfChanged(draft, body) {
  if (JSON.stringify(draft.body) !== JSON.stringify(body) &&
      DEFINITIVE.includes(draft.lastStatus)) {
    draft.key = newKey();
    draft.lastStatus = null;
  }
  draft.body = body;
}

function lockForm(form, locked) {
  form.querySelectorAll("button[type=submit], button:not([type])").forEach((button) => {
    button.disabled = locked;
  });
}

function draftIdFromUrl() {
  const id = new URLSearchParams(window.location.search).get("draft");
  return id && /^\d+$/.test(id) ? Number(id) : null;
}

function setUpReportForm(form) {
  const codesElement = document.getElementById("qf-report-codes");
  if (!codesElement) {
    return;  // without the codes the form posts as it always did
  }
  const codes = JSON.parse(codesElement.textContent);
  let current = null;
  const opening = draftIdFromUrl();
  editing = opening;
  if (opening !== null) {
    getDraft(opening).then((draft) => {
      if (!draft || draft.kind !== "report" || draft.riskId) {
        formStatus(form, word("draftMissing"), "warning");
        return;
      }
      current = draft;
      fill(form, draft.fields);
      const notes = [word("editing", {time: localTime(draft.created)})];
      if ((draft.photos || []).length) {
        notes.push(word("photosKept", {count: draft.photos.length}));
      }
      const above = showErrors(form, draft.errors);
      if (draft.error) {
        notes.push(...(above.length ? above : [word("fixAndSend")]));
      }
      formStatus(form, notes.join(" "), draft.state === "needs_fix" ? "danger" : "info");
    });
  }
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) {
      return;
    }
    if (!navigator.onLine && !form.reportValidity()) {
      return;  // offline, the browser's own checks stand in for the server's
    }
    busy = true;
    lockForm(form, true);
    try {
      const draft = current || newDraft("report");
      draft.form = window.location.pathname;
      draft.fields = fieldsOf(form);
      rekeyIfChanged(draft, reportBody(draft.fields, codes, draft.created));
      const photos = await photosOf(form);
      if (photos.length || !current) {
        draft.photos = photos;
      }
      draft.summary = [selectedText(form, "category"), draft.body.title]
        .filter(Boolean).join(" · ");
      draft.state = "pending";
      draft.error = "";
      draft.errors = {};
      try {
        current = await putDraft(draft);
      } catch (error) {
        form.submit();  // no storage on this phone (a private window): the plain POST
        return;
      }
      editing = current.id;
      window.history.replaceState(null, "", `${window.location.pathname}?draft=${current.id}`);
      if (!navigator.onLine) {
        flash(word("savedOffline"), "info");
        window.location.assign(script.getAttribute("data-drafts-url"));
        return;
      }
      formStatus(form, word("sending"), "info");
      const outcome = await sendDraft(current.id);
      if (outcome.ok) {
        flash(word("reported", {code: outcome.data.code}));
        if (outcome.data.duplicates) {
          flash(word("duplicates"), "warning");
        }
        window.location.assign(matterUrl(outcome.data.id));
        return;
      }
      if (outcome.busy) {
        return;
      }
      if (outcome.draft.riskId) {
        flash(word("partlySent", {code: outcome.draft.riskCode}), "warning");
        window.location.assign(script.getAttribute("data-drafts-url"));
        return;
      }
      current = outcome.draft;
      if (outcome.state === "needs_fix") {
        const above = showErrors(form, outcome.errors);
        formStatus(form, [word("fixAndSend"), ...above].join(" "), "danger");
      } else if (outcome.state === "login") {
        formStatus(form, word("loginAgain"), "warning");
      } else {
        flash(`${outcome.error} ${word("savedOffline")}`, "warning");
        window.location.assign(script.getAttribute("data-drafts-url"));
      }
    } finally {
      busy = false;
      lockForm(form, false);
    }
  });
}

// The zero report and the answers to instructions (rhythm's day in the grid): one draft
// per grid and day, one per instruction.
function setUpSmallForm(form) {
  const kind = form.getAttribute("data-qf-draft");
  const opening = draftIdFromUrl();
  if (kind === "instruction_answer" && opening !== null) {
    editing = opening;
    getDraft(opening).then((draft) => {
      if (draft && draft.kind === kind &&
          String(draft.instruction) === form.getAttribute("data-instruction")) {
        fill(form, draft.fields);
        showErrors(form, draft.errors);
        if (draft.error) {
          formStatus(form, draft.error, "danger");
        }
        form.scrollIntoView();
      }
    });
  }
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) {
      return;
    }
    busy = true;
    lockForm(form, true);
    try {
      const drafts = await allDrafts().catch(() => null);
      if (drafts === null) {
        form.submit();  // no storage on this phone (a private window): the plain POST
        return;
      }
      let draft;
      let body;
      if (kind === "zero_report") {
        body = {grid: number(form.getAttribute("data-grid")), day: form.getAttribute("data-day")};
        draft = drafts.find((kept) => kept.kind === kind && kept.body.grid === body.grid &&
                                      kept.body.day === body.day) || newDraft(kind);
        draft.path = "zero-reports/";
      } else {
        const instruction = number(form.getAttribute("data-instruction"));
        draft = drafts.find((kept) => kept.kind === kind && kept.instruction === instruction) ||
          newDraft(kind);
        draft.instruction = instruction;
        draft.fields = fieldsOf(form);
        body = {content: (draft.fields.answer || "").trim()};
        draft.path = `instructions/${instruction}/answer/`;
      }
      draft.form = window.location.pathname;
      rekeyIfChanged(draft, body);
      draft.summary = form.getAttribute("data-summary") || "";
      if (kind === "instruction_answer") {
        draft.summary = `${draft.summary}：${body.content}`;
      }
      draft.state = "pending";
      draft.error = "";
      draft.errors = {};
      try {
        draft = await putDraft(draft);
      } catch (error) {
        form.submit();  // no storage on this phone (a private window): the plain POST
        return;
      }
      if (!navigator.onLine) {
        formStatus(form, word("savedOffline"), "info");
        return;
      }
      formStatus(form, word("sending"), "info");
      const outcome = await sendDraft(draft.id);
      if (outcome.ok) {
        flash(word(kind === "zero_report" ? "zeroReportFiled" : "answerSent"));
        if (window.location.search || window.location.hash) {
          window.location.assign(window.location.pathname);
        } else {
          window.location.reload();
        }
        return;
      }
      if (outcome.busy) {
        return;
      }
      if (outcome.state === "needs_fix") {
        const above = showErrors(form, outcome.errors);
        formStatus(form, above.join(" ") || outcome.error, "danger");
      } else if (outcome.state === "login") {
        formStatus(form, word("loginAgain"), "warning");
      } else {
        formStatus(form, `${outcome.error} ${word("savedOffline")}`, "warning");
      }
    } finally {
      busy = false;
      lockForm(form, false);
    }
  });
}

function setUpListPage() {
  document.querySelectorAll("[data-qf-send-all]").forEach((button) => {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        for (const draft of await allDrafts()) {
          tellOutcome(await sendDraft(draft.id));
        }
      } finally {
        button.disabled = false;
        refresh();
      }
    });
  });
  const network = document.querySelector("[data-qf-network]");
  const showNetwork = () => {
    if (network) {
      network.hidden = navigator.onLine;
    }
  };
  showNetwork();
  window.addEventListener("online", showNetwork);
  window.addEventListener("offline", showNetwork);
}

// Start ----------------------------------------------------------------------------------

window.qfDrafts = {
  all: allDrafts, get: getDraft, put: putDraft, remove: deleteDraft, send: sendDraft,
  sendWaiting, refresh,
};

if ("indexedDB" in window && USER) {
  showFlash();
  setUpListPage();
  const reportForm = document.getElementById("risk-report-form");
  if (reportForm) {
    setUpReportForm(reportForm);
  }
  document.querySelectorAll("form[data-qf-draft]").forEach(setUpSmallForm);
  if (channel) {
    channel.onmessage = () => refresh();
  }
  // A connection that has just come back often drops again: wait a moment (a tap on
  // 发送 meanwhile sends at once).
  window.addEventListener("online", () => { setTimeout(sendWaiting, ONLINE_SETTLE_MS); });
  refresh().then(() => {
    if (navigator.onLine) {
      sendWaiting();
    }
  });
  document.documentElement.setAttribute("data-qf-drafts-ready", "1");
} else {
  showFlash();
}
