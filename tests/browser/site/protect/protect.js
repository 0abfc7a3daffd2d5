/* Calls of the cross-origin protection browser tests, on any origin.
 * autoSubmit(): the page's query names the form's target (?action=URL);
 * the form posts at once, as a CSRF page would. The others are run by the
 * tests through execute_async_script and report what the page saw. */
(function () {
    "use strict";
    function param(name) {
        return new URLSearchParams(location.search).get(name);
    }
    window.protect = {
        autoSubmit: function () {
            var f = document.createElement("form");
            f.method = "POST";
            f.action = param("action");
            var i = document.createElement("input");
            i.name = "amount";
            i.value = "1000";
            f.appendChild(i);
            document.body.appendChild(f);
            f.submit();
        },
        /* fetch(); resolves {ok, status, type, body} or {error} */
        fetch: function (url, init) {
            return fetch(url, init).then(function (r) {
                return r.text().then(function (body) {
                    return {ok: r.ok, status: r.status, type: r.type, body: body};
                });
            }, function (e) {
                return {error: String(e), errorName: e.name};
            });
        },
        /* A WebSocket: resolves {opened, echo} or {opened: false, code} */
        socket: function (url, message) {
            return new Promise(function (resolve) {
                var opened = false, ws;
                try {
                    ws = new WebSocket(url);
                } catch (e) {
                    resolve({opened: false, error: String(e)});
                    return;
                }
                ws.onopen = function () { opened = true; ws.send(message); };
                ws.onmessage = function (ev) { resolve({opened: true, echo: ev.data}); ws.close(); };
                ws.onclose = function (ev) { resolve({opened: opened, code: ev.code}); };
                setTimeout(function () { resolve({opened: opened, timeout: true}); }, 10000);
            });
        }
    };
})();
