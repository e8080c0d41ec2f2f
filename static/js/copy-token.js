// The profile page's API tokens: the "Copy" button beside a new token's secret,
// and a confirmation before a token is revoked. Without JavaScript the secret
// can still be selected and copied by hand, and revoking needs no confirmation.
(function () {
  "use strict";

  function copied(button, status, ok) {
    button.textContent = ok ? "Copied" : "Copy";
    status.textContent = ok ? "Copied to the clipboard." : "Press Ctrl+C (⌘C) to copy the selected token.";
  }

  document.querySelectorAll(".js-copy-token").forEach(function (button) {
    var input = document.getElementById(button.dataset.copyTarget);
    var status = document.querySelector(".js-copy-status");
    if (!input || !status) { return; }
    input.addEventListener("focus", function () { input.select(); });
    button.addEventListener("click", function () {
      input.focus();
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(
          function () { copied(button, status, true); },
          function () { copied(button, status, document.execCommand("copy")); }
        );
      } else {
        copied(button, status, document.execCommand("copy"));
      }
    });
  });

  document.querySelectorAll("form.js-confirm").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
