// Copy-link buttons. Without JavaScript the buttons stay hidden and the link is an ordinary
// read-only field whose text the reader selects and copies.
(function () {
  'use strict';
  function selectAll(el) {
    el.focus();
    el.select();
    if (el.setSelectionRange) el.setSelectionRange(0, el.value.length);
  }
  document.querySelectorAll('[data-select-on-focus]').forEach(function (el) {
    el.addEventListener('focus', function () {
      el.select();
    });
    el.addEventListener('click', function () {
      el.select();
    });
  });
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    var field = document.getElementById(button.getAttribute('data-copy'));
    var status = document.getElementById(button.getAttribute('aria-describedby'));
    if (!field) return;
    function say(text) {
      if (status) status.textContent = text;
    }
    button.hidden = false;
    button.addEventListener('click', function () {
      selectAll(field);
      var done = function () {
        say(button.getAttribute('data-copied'));
      };
      var failed = function () {
        // Older browsers: the legacy command still copies the selection.
        var ok = false;
        try {
          ok = document.execCommand('copy');
        } catch (e) {
          ok = false;
        }
        say(button.getAttribute(ok ? 'data-copied' : 'data-failed'));
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, failed);
      } else {
        failed();
      }
    });
  });
})();
