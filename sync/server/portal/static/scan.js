/* The camera page of the first connection: reads the sign-in QR code that another,
 * signed-in device shows (devices_link_routes.py) and opens its address. The browser's
 * BarcodeDetector where it has one, else the vendored jsQR on frames of the video.
 * Only an address of this portal's /portal/lien page is followed.
 */
"use strict";

(() => {
  const root = document.getElementById("scan");
  if (!root) return;
  const video = document.getElementById("scan-video");
  const message = document.getElementById("scan-message");
  const say = (text) => { message.textContent = text; };
  const frame = document.createElement("canvas");

  function linkOf(text) {
    try {
      const url = new URL(text.trim());
      if (url.origin !== location.origin || url.pathname !== "/portal/lien") return null;
      if (!url.searchParams.get("jeton")) return null;
      return url.pathname + url.search;
    } catch (err) {
      return null;
    }
  }

  async function detectorRead() {
    const detector = new BarcodeDetector({ formats: ["qr_code"] });
    return async () => {
      const found = await detector.detect(video);
      return found.length ? found[0].rawValue : null;
    };
  }

  function jsqrRead() {
    const ctx = frame.getContext("2d", { willReadFrequently: true });
    return async () => {
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (!w || !h) return null;
      frame.width = w;
      frame.height = h;
      ctx.drawImage(video, 0, 0, w, h);
      const found = jsQR(ctx.getImageData(0, 0, w, h).data, w, h);
      return found ? found.data : null;
    };
  }

  async function reader() {
    if ("BarcodeDetector" in window) {
      try {
        const formats = await BarcodeDetector.getSupportedFormats();
        if (formats.includes("qr_code")) return await detectorRead();
      } catch (err) {
        // fall through to jsQR
      }
    }
    return jsqrRead();
  }

  async function start() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" }, audio: false,
      });
    } catch (err) {
      say(root.dataset.tNoCamera);
      root.dataset.state = "no-camera";
      return;
    }
    video.srcObject = stream;
    await video.play();
    say(root.dataset.tLooking);
    const read = await reader();
    let lastWrong = null;
    const look = async () => {
      const text = await read().catch(() => null);
      if (text) {
        const link = linkOf(text);
        if (link) {
          stream.getTracks().forEach((t) => t.stop());
          root.dataset.state = "found";
          location.assign(link);
          return;
        }
        if (text !== lastWrong) say(root.dataset.tNotLink);
        lastWrong = text;
      }
      setTimeout(look, 200);
    };
    look();
  }

  start();
})();
