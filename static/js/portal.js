// The little the pages need beyond htmx: theme, copy/share account details, the receipt dialog.
(function () {
  "use strict";
  var root = document.documentElement;
  var saved = localStorage.getItem("theme");
  if (saved) root.setAttribute("data-theme", saved);
  function isDark() {
    return root.getAttribute("data-theme") === "dark" ||
      (root.getAttribute("data-theme") === "auto" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  }
  // The button says "Tema oscuro" and is pressed while the dark theme shows.
  function showTheme() {
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", isDark() ? "true" : "false");
    });
  }
  showTheme();

  document.addEventListener("click", function (event) {
    var themeButton = event.target.closest("[data-theme-toggle]");
    if (themeButton) {
      var next = isDark() ? "light" : "dark";
      root.setAttribute("data-theme", next);
      localStorage.setItem("theme", next);
      showTheme();
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
      // A table wider than its box scrolls sideways: the box must take the keyboard (WCAG 2.1.1).
      var wrap = table.parentElement;
      if (wrap.scrollWidth > wrap.clientWidth && !wrap.hasAttribute("tabindex")) {
        var caption = table.querySelector("caption") || table.getAttribute("aria-label");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", caption ? (caption.textContent || caption) : "Tabla");
      }
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
  // A phone turned sideways, a window made narrower: which tables scroll may change.
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { labelTables(document); showCurrentMenuEntry(); }, 150);
  });
})();

// Dialogs: whatever htmx puts into #modal is a modal dialog named by its heading. It takes the
// focus when it opens, keeps it inside while open, closes with Escape or its close buttons and
// gives the focus back to what opened it. After a failed submit the focus goes to the errors.
(function () {
  "use strict";
  var modal = document.getElementById("modal");
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), " +
    "select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
  var opener = null, lastOutside = null, open = false, counter = 0;

  function visible(el) { return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length); }
  function focusables(scope) {
    return Array.prototype.filter.call(scope.querySelectorAll(FOCUSABLE), visible);
  }
  function card() { return modal && modal.querySelector(".modal-card, .sheet, [role=alertdialog]"); }
  function errorsIn(scope) {
    var summary = scope.querySelector(".errorlist, [data-otp-error], [data-testid=otp-error]");
    if (summary && visible(summary)) return summary;
    return scope.querySelector("[aria-invalid=true]");
  }
  function focusErrors(scope) {
    var target = errorsIn(scope);
    if (!target) return false;
    if (!target.matches(FOCUSABLE)) target.setAttribute("tabindex", "-1");
    target.focus();
    return true;
  }
  function name(dialog) {
    if (!dialog.getAttribute("role")) dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    if (dialog.hasAttribute("aria-labelledby") || dialog.hasAttribute("aria-label")) return;
    var heading = dialog.querySelector("h1, h2, h3");
    if (!heading) return;
    if (!heading.id) heading.id = "dialog-title-" + (++counter);
    dialog.setAttribute("aria-labelledby", heading.id);
  }
  function opened() {
    var dialog = card();
    if (!dialog) return;
    name(dialog);
    if (!open) opener = lastOutside;
    open = true;
  }
  // The focus moves once htmx has settled the dialog: htmx focuses [autofocus] itself at that
  // point, and a focus given earlier would be taken back while the person is already typing.
  function focusDialog() {
    var dialog = card();
    if (!dialog) return;
    if (focusErrors(dialog)) return;
    var first = dialog.querySelector("[autofocus], [data-otp-boxes] input") || focusables(dialog)[0];
    if (!first) { dialog.setAttribute("tabindex", "-1"); first = dialog; }
    first.focus();
  }
  function closed() {
    open = false;
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }
  function close() {
    var alert = modal.querySelector("[role=alertdialog] [data-escape]");
    if (alert) { alert.click(); return; }  // the idle warning: Escape means "I am still here"
    modal.innerHTML = "";
  }
  if (modal) {
    new MutationObserver(function () {
      if (modal.children.length) opened(); else if (open) closed();
    }).observe(modal, { childList: true });
    document.addEventListener("focusin", function (event) {
      if (!modal.contains(event.target)) lastOutside = event.target;
    });
    document.addEventListener("click", function (event) {
      if (event.target.closest("#modal [data-close-modal]")) { event.preventDefault(); close(); }
    });
    document.addEventListener("keydown", function (event) {
      if (!open || !modal.children.length) return;
      if (event.key === "Escape") { event.preventDefault(); close(); return; }
      if (event.key !== "Tab") return;
      var dialog = card() || modal, items = focusables(dialog);
      if (!items.length) { event.preventDefault(); return; }
      var first = items[0], last = items[items.length - 1];
      if (!dialog.contains(document.activeElement)) { event.preventDefault(); first.focus(); }
      else if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    });
  }
  // A page that comes back with errors (a failed submit) starts at them, as does a form htmx
  // swaps back in with its errors.
  var main = document.getElementById("main");
  if (main) focusErrors(main);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (modal && (modal === event.target || modal.contains(event.target))) {
      if (modal.children.length) focusDialog();
      return;
    }
    focusErrors(event.target);
  });
})();
