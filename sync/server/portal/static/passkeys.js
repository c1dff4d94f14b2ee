/* Passkeys (WebAuthn) in the diner portal: add one from the devices page, sign in
 * with one from the connection page. The hub makes the options and checks the
 * answers (passkeys_routes.py); this script only passes them to the browser with
 * its JSON helpers, and shows nothing where the browser lacks them.
 */
"use strict";

(() => {
  const PKC = window.PublicKeyCredential;
  const able = !!(PKC && PKC.parseCreationOptionsFromJSON && PKC.parseRequestOptionsFromJSON);

  async function call(url, csrf, body) {
    const reply = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
    });
    const data = await reply.json().catch(() => ({}));
    if (!reply.ok) throw new Error(data.message || String(reply.status));
    return data;
  }

  function failed(root, err) {
    const text = err && err.name === "NotAllowedError" ? err.name : (err && err.message) || err;
    root.querySelector("#passkey-message").textContent =
      root.dataset.tFailed.replace("{reason}", String(text));
  }

  const adder = document.getElementById("passkeys");
  if (adder) {
    const form = document.getElementById("passkey-add");
    if (!able) {
      adder.querySelector("#passkey-message").textContent = adder.dataset.tUnsupported;
    } else {
      form.hidden = false;
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        try {
          const options = await call("/portal/cles/options/ajout", adder.dataset.csrf);
          const credential = await navigator.credentials.create({
            publicKey: PKC.parseCreationOptionsFromJSON(options),
          });
          await call("/portal/cles/ajout", adder.dataset.csrf, {
            credential: credential.toJSON(),
            label: document.getElementById("passkey-label").value,
          });
          location.reload();
        } catch (err) {
          failed(adder, err);
        }
      });
    }
  }

  const signer = document.getElementById("passkey-sign-in");
  if (signer && able) {
    signer.hidden = false;
    document.getElementById("passkey-go").addEventListener("click", async () => {
      try {
        const options = await call("/portal/cles/options/connexion", signer.dataset.csrf);
        const credential = await navigator.credentials.get({
          publicKey: PKC.parseRequestOptionsFromJSON(options),
        });
        const done = await call("/portal/cles/connexion", signer.dataset.csrf, {
          credential: credential.toJSON(),
        });
        location.assign(done.next);
      } catch (err) {
        failed(signer, err);
      }
    });
  }
})();
