package io.lsbridge.admin;

/**
 * The admin page's stylesheet and script, served from /admin/assets/ (no build chain). The script
 * asks before "forget" and reloads the rows every few seconds; the page works without it.
 */
public class AdminAssets {

    public String css() {
        return """
                body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:78em;padding:0 1em;color:#222}
                header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #ddd}
                h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}
                table{border-collapse:collapse;width:100%;font-size:.92em}
                th,td{text-align:left;padding:.35em .5em;border-bottom:1px solid #eee;vertical-align:top}
                th{background:#f6f6f6}
                tr.status-NEEDS_REAUTH td,dl.status-NEEDS_REAUTH{background:#fde8e8}
                tr.status-NEEDS_REAUTH td.status,dl.status-NEEDS_REAUTH dd{color:#a40000;font-weight:600}
                tr.status-REVOKED td{color:#777}
                td.actions{white-space:nowrap}td.actions form,div.actions form{display:inline}
                button{cursor:pointer;margin-right:.3em}
                button.forget{color:#a40000}
                .notice{background:#eef6ff;border:1px solid #b8d8ff;padding:.5em .8em}
                .notice.error{background:#fde8e8;border-color:#f3b6b6}
                .hint{color:#666;font-size:.9em}
                .unusable{color:#777}
                dl.connection{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;padding:.5em}
                dt{font-weight:600}dd{margin:0}
                code{background:#f3f3f3;padding:0 .3em}
                """;
    }

    public String js() {
        return """
                // Lightspeed OAuth Bridge admin: ask before "forget"; reload the list every few seconds.
                (function () {
                  'use strict';
                  document.addEventListener('submit', function (event) {
                    var form = event.target;
                    if (form.classList.contains('forget') && !window.confirm('Forget ' + form.dataset.name
                        + '? Its tokens are erased and the store must be connected again.')) {
                      event.preventDefault();
                    }
                  });
                  var table = document.getElementById('connections');
                  if (!table) {
                    return;
                  }
                  var every = Math.max(1, parseInt(table.dataset.every, 10) || 5) * 1000;
                  var busy = false;
                  function reload() {
                    if (busy) {
                      return;
                    }
                    busy = true;
                    fetch(table.dataset.rows, {credentials: 'same-origin', cache: 'no-store'})
                      .then(function (response) {
                        if (response.status === 401) {
                          window.location.reload();
                          return null;
                        }
                        return response.ok ? response.text() : null;
                      })
                      .then(function (html) {
                        if (html !== null) {
                          document.getElementById('rows').innerHTML = html;
                          document.getElementById('updated').textContent = 'Updated ' + new Date().toLocaleTimeString() + '.';
                        }
                      })
                      .catch(function () { /* keep the last list; try again next time */ })
                      .finally(function () { busy = false; });
                  }
                  setInterval(reload, every);
                })();
                """;
    }
}
