// The little the pages need beyond htmx: theme, copy/share account details, the receipt dialog.
(function () {
  "use strict";
  var root = document.documentElement;
  var saved = localStorage.getItem("theme");
  if (saved) root.setAttribute("data-theme", saved);

  document.addEventListener("click", function (event) {
    var themeButton = event.target.closest("[data-theme-toggle]");
    if (themeButton) {
      var dark = root.getAttribute("data-theme") === "dark" ||
        (root.getAttribute("data-theme") === "auto" && window.matchMedia("(prefers-color-scheme: dark)").matches);
      var next = dark ? "light" : "dark";
      root.setAttribute("data-theme", next);
      localStorage.setItem("theme", next);
      return;
    }
    var share = event.target.closest("[data-share]");
    if (share) {
      var text = share.getAttribute("data-share");
      var done = function () {
        share.setAttribute("data-copied", "true");
        share.textContent = "Copiado ✓";
      };
      if (navigator.share && window.matchMedia("(pointer: coarse)").matches) {
        navigator.share({ text: text }).catch(function () {});
      } else if (navigator.clipboard) {
        navigator.clipboard.writeText(text).then(done, function () { window.prompt("Copia los datos:", text); });
      } else {
        window.prompt("Copia los datos:", text);
      }
      return;
    }
    if (event.target.closest("[data-close-modal]")) {
      event.preventDefault();
      document.getElementById("modal").innerHTML = "";
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var modal = document.getElementById("modal");
      if (modal) modal.innerHTML = "";
    }
  });

  // One-time code: six boxes that behave as one field (typing moves on, pasting fills all).
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-otp-boxes] input")) return;
    var boxes = Array.prototype.slice.call(box.closest("[data-otp-boxes]").querySelectorAll("input"));
    var digits = box.value.replace(/\D/g, "");
    var start = boxes.indexOf(box);
    if (digits.length > 1) {
      for (var i = 0; i < digits.length && start + i < boxes.length; i++) boxes[start + i].value = digits[i];
      var last = Math.min(start + digits.length, boxes.length) - 1;
      boxes[last].focus();
      if (start + digits.length >= boxes.length) box.form.querySelector("[value=verify]").focus();
      return;
    }
    box.value = digits;
    if (digits && boxes[start + 1]) boxes[start + 1].focus();
  });
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Backspace" || !box.matches || !box.matches("[data-otp-boxes] input")) return;
    if (box.value) return;
    var previous = box.previousElementSibling;
    if (previous && previous.tagName === "INPUT") previous.focus();
  });

  // Countdowns (code expiry, idle warning): the server says how many seconds are left.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  setInterval(function () {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      if (!el.dataset.deadline) el.dataset.deadline = String(now + Number(el.dataset.countdown) * 1000);
      var left = Math.max(0, Math.round((Number(el.dataset.deadline) - now) / 1000));
      var target = el.querySelector("strong") || el;
      if (left > 0) {
        target.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
      } else if (!el.dataset.expired) {
        el.dataset.expired = "true";
        if (el.dataset.onExpire === "logout") {
          // Sign out on the server (a page load would count as activity and keep the session).
          var logout = document.querySelector("[data-idle-logout]");
          if (logout) logout.submit(); else window.location.href = document.body.dataset.loginUrl;
        } else {
          el.textContent = el.dataset.expiredText;
        }
      }
    });
  }, 1000);

  // Idle sessions: a minute before the server ends the session, ask whether to stay.
  var body = document.body;
  var idle = Number(body.dataset.idleSeconds || 0);
  if (idle && window.htmx) {
    var warnAfter = Math.max(1, idle - Number(body.dataset.idleWarning || 60)) * 1000;
    var timer = null;
    var restart = function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        window.htmx.ajax("GET", body.dataset.idleUrl, { target: "#modal", swap: "innerHTML" });
      }, warnAfter);
    };
    restart();
    document.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.pathInfo && event.detail.pathInfo.requestPath === body.dataset.idleUrl) return;
      restart();
    });
    document.body.addEventListener("session-kept", restart);
  }

  // Passkeys (WebAuthn): the server's options in a JSON script tag, the browser's answer back
  // in a hidden field of the same form.
  function fromB64url(value) {
    var text = atob(value.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((value.length + 3) % 4));
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes.buffer;
  }
  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function credentialJSON(credential) {
    var r = credential.response, response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      if (r.userHandle) response.userHandle = toB64url(r.userHandle);
    }
    return JSON.stringify({
      id: credential.id, rawId: toB64url(credential.rawId), type: credential.type, response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined
    });
  }
  function descriptors(list) {
    return (list || []).map(function (d) { return { type: d.type, id: fromB64url(d.id), transports: d.transports }; });
  }
  function passkey(button, create) {
    var form = button.closest("form");
    var options = JSON.parse(form.querySelector(create ? "#passkey-creation" : "#passkey-request").textContent);
    var error = form.querySelector("[data-passkey-error]");
    if (error) error.hidden = true;
    options.challenge = fromB64url(options.challenge);
    if (create) {
      options.user.id = fromB64url(options.user.id);
      options.excludeCredentials = descriptors(options.excludeCredentials);
    } else {
      options.allowCredentials = descriptors(options.allowCredentials);
    }
    if (!window.PublicKeyCredential) { if (error) error.hidden = false; return; }
    var call = create ? navigator.credentials.create({ publicKey: options }) : navigator.credentials.get({ publicKey: options });
    call.then(function (credential) {
      form.querySelector("[data-passkey-result]").value = credentialJSON(credential);
      form.requestSubmit(form.querySelector("[data-passkey-submit]"));
    }).catch(function () { if (error) error.hidden = false; });
  }
  document.addEventListener("click", function (event) {
    var get = event.target.closest("[data-passkey-get]");
    if (get) { event.preventDefault(); passkey(get, false); return; }
    var create = event.target.closest("[data-passkey-create]");
    if (create) { event.preventDefault(); passkey(create, true); }
  });
})();

// Tables read as lists of cards on a phone (portal.css): each cell is told its column's name,
// here once for the page and again for every fragment htmx swaps in.
(function () {
  "use strict";
  function labelTables(scope) {
    var tables = (scope.querySelectorAll ? scope : document).querySelectorAll(".table-wrap table");
    Array.prototype.forEach.call(tables, function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.replace(/\s+/g, " ").trim();
      });
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (!cell.hasAttribute("data-label") && cell.colSpan === 1) {
            cell.setAttribute("data-label", heads[column] || "");
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }
  // The phone's menu scrolls sideways: the page's own entry is brought into view.
  function showCurrentMenuEntry() {
    var menu = document.querySelector(".sidemenu");
    var current = menu && menu.querySelector("[aria-current=page]");
    if (!current || menu.scrollWidth <= menu.clientWidth) return;
    menu.scrollLeft = current.offsetLeft - (menu.clientWidth - current.offsetWidth) / 2;
  }
  labelTables(document);
  showCurrentMenuEntry();
  document.addEventListener("htmx:afterSettle", function (event) { labelTables(event.target); });
})();
