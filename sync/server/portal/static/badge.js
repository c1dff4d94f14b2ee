/* The phone badge of the diner portal.
 *
 * At the diner's request this browser makes an Ed25519 key pair with WebCrypto: the
 * private key is non-extractable and kept in IndexedDB (it never leaves the device),
 * only the public key goes to the hub, which registers it as a phone credential. The
 * page then shows a QR code signed with that key, new every 30 seconds, exactly as the
 * tills verify it offline (sync/phonebadge.py):
 *
 *   "MB1." + base64url(credential id, 8 bytes | time step, 4 bytes big-endian |
 *                      Ed25519 signature of "MB1" + credential id + time step, 64 bytes)
 *
 * with time step = floor(unix seconds / 30). Where the browser has no Ed25519, the page
 * says so plainly; there is no fallback. A service worker (sw.js) keeps the page for
 * use without a network.
 */
"use strict";

(() => {
  const STEP_MS = 30000;
  const PREFIX = "MB1";
  const root = document.getElementById("badge");
  if (!root) return;
  const account = root.dataset.account;
  const message = document.getElementById("badge-message");
  const codeBox = document.getElementById("badge-code");
  const canvas = document.getElementById("badge-qr");
  const countdown = document.getElementById("badge-countdown");
  const enrolForm = document.getElementById("badge-enrol");
  const say = (text) => { message.textContent = text; };
  const ED25519 = { name: "Ed25519" };

  // IndexedDB: one record per account, {account, credential, privateKey} ----------------

  function db() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open("portal-badge", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("keys", { keyPath: "account" });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }

  async function store(mode, act) {
    const conn = await db();
    try {
      return await new Promise((resolve, reject) => {
        const tx = conn.transaction("keys", mode);
        const req = act(tx.objectStore("keys"));
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      conn.close();
    }
  }

  const load = () => store("readonly", (s) => s.get(account));
  const save = (record) => store("readwrite", (s) => s.put(record));
  const forget = () => store("readwrite", (s) => s.delete(account));

  // The code ---------------------------------------------------------------------------

  function b64url(bytes) {
    let bin = "";
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function b64(bytes) {
    let bin = "";
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
  }

  function credentialId(credential) {
    const hex = credential.replace(/^phone:/, "");
    const out = new Uint8Array(8);
    for (let i = 0; i < 8; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
    return out;
  }

  function bigEndian32(n) {
    return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  }

  async function codeFor(record, step) {
    const id = credentialId(record.credential);
    const stepBytes = bigEndian32(step);
    const signed = new Uint8Array(3 + 8 + 4);
    signed.set(new TextEncoder().encode(PREFIX), 0);
    signed.set(id, 3);
    signed.set(stepBytes, 11);
    const signature = new Uint8Array(await crypto.subtle.sign(ED25519, record.privateKey, signed));
    const packed = new Uint8Array(8 + 4 + 64);
    packed.set(id, 0);
    packed.set(stepBytes, 8);
    packed.set(signature, 12);
    return PREFIX + "." + b64url(packed);
  }

  function draw(text) {
    const qr = qrcode(0, "M");
    qr.addData(text, "Byte");
    qr.make();
    const count = qr.getModuleCount();
    const quiet = 4;
    const cell = Math.max(2, Math.floor(318 / (count + 2 * quiet)));
    const size = (count + 2 * quiet) * cell;
    canvas.width = size;
    canvas.height = size;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, size, size);
    ctx.fillStyle = "#000";
    for (let r = 0; r < count; r++) {
      for (let c = 0; c < count; c++) {
        if (qr.isDark(r, c)) ctx.fillRect((c + quiet) * cell, (r + quiet) * cell, cell, cell);
      }
    }
  }

  // Showing and rotating ---------------------------------------------------------------

  let shownStep = null;
  let timer = null;

  async function tick(record) {
    // The hub's time, as last measured online: a phone whose clock is off still
    // shows the code the tills expect.
    const now = Date.now() + (record.offsetMs || 0);
    const step = Math.floor(now / STEP_MS);
    if (step !== shownStep) {
      draw(await codeFor(record, step));
      shownStep = step;
      canvas.dataset.step = String(step);
    }
    const left = Math.ceil(((step + 1) * STEP_MS - now) / 1000);
    countdown.textContent = root.dataset.tNext.replace("{s}", String(left));
    timer = setTimeout(() => tick(record), 1000 - (now % 1000) + 5);
  }

  function show(record) {
    enrolForm.hidden = true;
    codeBox.hidden = false;
    say(navigator.onLine ? root.dataset.tReady : root.dataset.tOffline);
    if (timer !== null) clearTimeout(timer);
    shownStep = null;
    tick(record).catch((err) => say(root.dataset.tFailed.replace("{reason}", String(err))));
  }

  // Making the key and registering it --------------------------------------------------

  async function hasEd25519() {
    try {
      await crypto.subtle.generateKey(ED25519, false, ["sign", "verify"]);
      return true;
    } catch (err) {
      return false;
    }
  }

  async function enrol(label) {
    const pair = await crypto.subtle.generateKey(ED25519, false, ["sign", "verify"]);
    // Keep the key first: a browser that cannot store it (private browsing) must not
    // leave a registered badge behind that no page can ever show.
    try {
      await save({ account, credential: null, privateKey: pair.privateKey });
      const back = await load();
      await crypto.subtle.sign(ED25519, back.privateKey, new Uint8Array(1));
    } catch (err) {
      say(root.dataset.tNoStorage);
      return;
    }
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    const reply = await fetch(root.dataset.enrolUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf },
      body: JSON.stringify({ public_key: b64(raw), label }),
    });
    const body = await reply.json().catch(() => ({}));
    if (reply.status !== 201) {
      await forget();
      say(root.dataset.tFailed.replace("{reason}", body.message || String(reply.status)));
      return;
    }
    const record = { account, credential: body.credential, privateKey: pair.privateKey };
    await save(record);
    await stillActive(record);
    root.dataset.credential = record.credential;
    show(record);
  }

  // Whether the hub still holds this device's badge; also measures the offset of this
  // device's clock from the hub's and keeps it with the key, for use offline.
  async function stillActive(record) {
    if (!navigator.onLine) return true;
    try {
      const url = root.dataset.statusUrl + "?credential=" + encodeURIComponent(record.credential);
      const sent = Date.now();
      const reply = await fetch(url, { credentials: "same-origin" });
      if (reply.status !== 200) return true; // signed out or offline: keep showing it
      const body = await reply.json();
      const back = Date.now();
      if (Number.isFinite(body.now_ms)) {
        record.offsetMs = Math.round(body.now_ms - (sent + back) / 2);
        await save(record).catch(() => {});
      }
      return body.status === "active";
    } catch (err) {
      return true;
    }
  }

  function offerEnrol() {
    codeBox.hidden = true;
    enrolForm.hidden = false;
  }

  async function start() {
    if (!window.crypto || !crypto.subtle || !window.indexedDB || !(await hasEd25519())) {
      say(root.dataset.tUnsupported);
      root.dataset.state = "unsupported";
      return;
    }
    enrolForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const label = document.getElementById("badge-label").value;
      enrol(label).catch((err) => say(root.dataset.tFailed.replace("{reason}", String(err))));
    });
    let record = null;
    try {
      record = await load();
    } catch (err) {
      record = null;
    }
    if (record && record.credential) {
      if (await stillActive(record)) {
        root.dataset.credential = record.credential;
        show(record);
        return;
      }
      await forget();
      say(root.dataset.tRevoked);
    }
    offerEnrol();
  }

  window.addEventListener("online", () => { if (!codeBox.hidden) say(root.dataset.tReady); });
  window.addEventListener("offline", () => { if (!codeBox.hidden) say(root.dataset.tOffline); });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/portal/sw.js", { scope: "/portal/" })
      .then(() => navigator.serviceWorker.ready)
      .then(() => caches.match("/portal/badge"))
      .then((kept) => { if (kept) root.dataset.offline = "ready"; })
      .catch(() => {});
  }

  start().finally(() => { root.dataset.started = "yes"; });
})();
