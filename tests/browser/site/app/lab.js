/* mod_cors browser lab: the calls, shared by the demo page and the
 * browser suite (tests/browser/).
 *
 * config.js (written by whoever starts the servers) defines window.LAB:
 *   { app, appB, appX, api, apiB }  - origins, e.g. "http://app.example.localhost:8080"
 *
 * Every scenario is one cross-origin call made by the browser. run(id, tag)
 * makes it (from this page, or from an iframe on another origin, or from a
 * sandboxed iframe whose origin is "null") and resolves with what the page
 * could observe:
 *   { outcome: "allowed" | "blocked", status, body, redirected,
 *     headers: {name: value or null}, error, errorName }
 * "blocked" means the browser refused to hand the answer to the page (fetch
 * rejected, errorName "TypeError" / XHR fired "error", errorName
 * "XMLHttpRequest error"). The error text differs by engine; its name does
 * not. Nothing here predicts what the browser does; the browser decides.
 */
(function () {
    "use strict";
    var LAB = window.LAB;
    var BASIC_DEMO = "Basic " + btoa("demo:demo");

    function json(obj) { return JSON.stringify(obj); }

    /* Each scenario: id, group, from ("app" | "appB" | "appX" | "sandbox"),
     * expect (what the configuration says), path on the API, init (fetch
     * options), optional xhr, readHeaders, before (setup), verdict (how the
     * card decides allowed/blocked when that is not "did the call succeed"),
     * block (api.conf block shown next to it), why. */
    var S = [
        {id: "simple-allowed", group: "Simple GET", from: "app", expect: "allowed",
         path: "/s/simple/data.txt", block: "simple",
         why: "The page's origin is listed in CORSAllowOrigin, so mod_cors answers with Access-Control-Allow-Origin: <page origin>."},
        {id: "simple-blocked", group: "Simple GET", from: "app", expect: "blocked",
         path: "/s/other/data.txt", block: "other",
         why: "Only http://elsewhere.example is listed: no Access-Control-Allow-Origin for this page, so the browser hides the answer (the request itself still reached the server)."},
        {id: "xhr-allowed", group: "XMLHttpRequest", from: "app", expect: "allowed", xhr: true,
         path: "/s/simple/data.txt", block: "simple",
         why: "The same rules apply to XMLHttpRequest: listed origin, readable answer."},
        {id: "xhr-blocked", group: "XMLHttpRequest", from: "app", expect: "blocked", xhr: true,
         path: "/s/other/data.txt", block: "other",
         why: "Origin not listed: the XHR fires 'error' and status stays 0."},

        {id: "cred-allowed", group: "Credentials (a cookie the API set)", from: "app", expect: "allowed",
         path: "/s/cred/echo.cgi", init: {credentials: "include"}, before: "cookie", block: "cred",
         why: "CORSAllowCredentials On adds Access-Control-Allow-Credentials: true, so a call with credentials:'include' (the API's cookie attached) is readable."},
        {id: "cred-blocked", group: "Credentials (a cookie the API set)", from: "app", expect: "blocked",
         path: "/s/nocred/echo.cgi", init: {credentials: "include"}, before: "cookie", block: "nocred",
         why: "Origin listed, but without CORSAllowCredentials On there is no Access-Control-Allow-Credentials: true, and the browser refuses credentialed answers without it."},

        {id: "put-allowed", group: "Preflighted PUT", from: "app", expect: "allowed",
         path: "/s/put/echo.cgi", block: "put",
         init: {method: "PUT", headers: {"Content-Type": "application/json"}, body: json({a: 1})},
         why: "PUT and Content-Type: application/json need a preflight (OPTIONS). PUT is in CORSAllowMethods and Content-Type in CORSAllowHeaders: mod_cors answers 204 with the grant, then the PUT goes out."},
        {id: "put-blocked-method", group: "Preflighted PUT", from: "app", expect: "blocked",
         path: "/s/put/echo.cgi", block: "put", init: {method: "DELETE"},
         why: "DELETE is not in CORSAllowMethods: mod_cors refuses the preflight with 403 and the DELETE is never sent."},
        {id: "put-blocked-header", group: "Preflighted PUT", from: "app", expect: "blocked",
         path: "/s/put/echo.cgi", block: "put",
         init: {method: "PUT", headers: {"Content-Type": "application/json", "X-Custom": "1"}, body: json({a: 1})},
         why: "X-Custom is not in CORSAllowHeaders: the preflight is refused (403), the PUT is never sent."},

        {id: "authz-star-blocked", group: "Authorization header", from: "app", expect: "blocked",
         path: "/s/authz-star/data.txt", block: "authz-star",
         init: {headers: {"Authorization": "Bearer lab-token"}},
         why: "CORSAllowHeaders * covers every request header except Authorization (Fetch standard): the preflight is refused."},
        {id: "authz-listed-allowed", group: "Authorization header", from: "app", expect: "allowed",
         path: "/s/authz-listed/data.txt", block: "authz-listed",
         init: {headers: {"Authorization": "Bearer lab-token"}},
         why: "Authorization listed by name next to *: the preflight is granted."},

        {id: "star-plain", group: "Wildcards for methods and headers", from: "app", expect: "allowed",
         path: "/s/star/echo.cgi", block: "star",
         init: {method: "DELETE", headers: {"X-Custom": "1"}},
         why: "CORSAllowMethods * and CORSAllowHeaders *: the preflight is answered with '*', which browsers honour on calls without credentials."},
        {id: "star-cred", group: "Wildcards for methods and headers", from: "app", expect: "allowed",
         path: "/s/star-cred/echo.cgi", block: "star",
         init: {method: "DELETE", headers: {"X-Custom": "1"}, credentials: "include"},
         why: "The same with credentials: browsers read '*' literally then, so mod_cors answers with the requested method and header names."},

        {id: "expose-readable", group: "Response headers", from: "app", expect: "allowed",
         path: "/s/expose/data.txt", block: "expose", readHeaders: ["X-Exposed", "X-Hidden"],
         verdict: function (r) { return r.headers["X-Exposed"] !== null && r.headers["X-Exposed"] !== undefined ? "allowed" : "blocked"; },
         why: "X-Exposed is in CORSExposeHeaders (Access-Control-Expose-Headers), so response.headers.get('X-Exposed') returns it."},
        {id: "expose-hidden", group: "Response headers", from: "app", expect: "blocked",
         path: "/s/expose/data.txt", block: "expose", readHeaders: ["X-Exposed", "X-Hidden"],
         verdict: function (r) { return r.headers["X-Hidden"] !== null && r.headers["X-Hidden"] !== undefined ? "allowed" : "blocked"; },
         why: "X-Hidden is sent too but not exposed: response.headers.get('X-Hidden') returns null."},

        {id: "maxage", group: "Preflight cache", from: "app", expect: "allowed",
         path: "/s/maxage/echo.cgi", block: "maxage",
         init: {method: "PUT", headers: {"Content-Type": "application/json"}, body: "{}"},
         why: "CORSMaxAge 600: the browser reuses the preflight answer for 10 minutes; run it twice and the network panel shows one OPTIONS."},
        {id: "maxage2", group: "Preflight cache", from: "app", expect: "allowed",
         path: "/s/maxage2/echo.cgi", block: "maxage2",
         init: {method: "PUT", headers: {"Content-Type": "application/json"}, body: "{}"},
         why: "CORSMaxAge 2: a repeat within 2 seconds reuses the preflight, a call 3 seconds later sends a new OPTIONS."},
        {id: "nomaxage", group: "Preflight cache", from: "app", expect: "allowed",
         path: "/s/nomaxage/echo.cgi", block: "nomaxage",
         init: {method: "PUT", headers: {"Content-Type": "application/json"}, body: "{}"},
         why: "No CORSMaxAge: browsers keep the preflight for 5 seconds, then send a new one."},

        {id: "error-404", group: "Error statuses", from: "app", expect: "allowed",
         path: "/s/errors/missing.txt", block: "errors",
         why: "The 404 answer carries the CORS headers, so the page reads status 404 instead of a network error."},
        {id: "error-404-other", group: "Error statuses", from: "app", expect: "blocked",
         path: "/s/other/missing.txt", block: "other",
         why: "A 404 from a location that does not grant the page: the page sees a network error, not the status."},
        {id: "error-500", group: "Error statuses", from: "app", expect: "allowed",
         path: "/s/errors/broken.cgi", block: "errors",
         why: "A CGI script that dies gives 500; the error answer carries the CORS headers too."},

        {id: "redirect-same", group: "Redirects", from: "app", expect: "allowed",
         path: "/s/redirect/same", block: "redirect",
         why: "The 302 carries the CORS headers, the browser follows it to /s/simple/ on the same API origin, which grants the page."},
        {id: "redirect-cross", group: "Redirects", from: "app", expect: "allowed",
         path: "/s/redirect/cross", block: "redirect",
         why: "Redirected to another API origin, the browser sends Origin: null (tainted origin); /s/null/ lists null, so the answer is readable."},

        {id: "redirect-cross-refused", group: "Redirects", from: "app", expect: "blocked",
         path: "/s/redirect/cross-simple", block: "redirect",
         why: "Redirected to /s/simple/ on another API origin: the browser sends Origin: null there, and that location lists only the page's origin. The target's policy decides."},
        {id: "redirect-ungranted", group: "Redirects", from: "app", expect: "blocked",
         path: "/s/other/away", block: "redirect-other",
         why: "The 302 itself is not granted to the page: the browser does not follow it."},

        {id: "wild-subdomain", group: "Wildcard subdomains", from: "appX", expect: "allowed",
         path: "/s/wild/data.txt", block: "wild",
         why: "Called from x.app...: http://*.app... matches any subdomain."},
        {id: "wild-apex", group: "Wildcard subdomains", from: "app", expect: "blocked",
         path: "/s/wild/data.txt", block: "wild",
         why: "Called from app... itself: a wildcard never matches the apex."},

        {id: "null-refused", group: "Origin null (sandboxed iframe)", from: "sandbox", expect: "blocked",
         path: "/s/simple/data.txt", block: "simple",
         why: "A sandboxed iframe has an opaque origin and sends Origin: null; the page origin's entry does not cover it."},
        {id: "null-listed", group: "Origin null (sandboxed iframe)", from: "sandbox", expect: "allowed",
         path: "/s/null/data.txt", block: "null",
         why: "CORSAllowOrigin null grants it (think twice in production: any sandboxed page anywhere sends null)."},

        {id: "htaccess-allowed", group: ".htaccess", from: "app", expect: "allowed",
         path: "/htaccess/data.txt", block: "htaccess", readHeaders: ["X-Via"],
         why: "The directory's .htaccess lists the page and exposes X-Via."},
        {id: "htaccess-blocked", group: ".htaccess", from: "appB", expect: "blocked",
         path: "/htaccess/data.txt", block: "htaccess",
         why: "Called from b.app...: not in the .htaccess list."},

        {id: "edit-child-put", group: "+/- edited child directory", from: "app", expect: "allowed",
         path: "/edit/child/echo.cgi", block: "edit",
         init: {method: "PUT", headers: {"Content-Type": "application/json"}, body: "{}"},
         why: "The child adds +PUT to the default GET HEAD POST, and inherits the origins and Content-Type."},
        {id: "edit-parent-put", group: "+/- edited child directory", from: "app", expect: "blocked",
         path: "/edit/echo.cgi", block: "edit",
         init: {method: "PUT", headers: {"Content-Type": "application/json"}, body: "{}"},
         why: "The parent keeps the default methods: PUT's preflight is refused."},
        {id: "edit-parent-b", group: "+/- edited child directory", from: "appB", expect: "allowed",
         path: "/edit/data.txt", block: "edit",
         why: "b.app... is listed in the parent."},
        {id: "edit-child-b", group: "+/- edited child directory", from: "appB", expect: "blocked",
         path: "/edit/child/data.txt", block: "edit",
         why: "The child removes it with -http://b.app...; the rest of the list stays."},

        {id: "auth-preflight", group: "Basic auth", from: "app", expect: "allowed",
         path: "/s/auth/echo.cgi", block: "auth",
         init: {method: "PUT", headers: {"Content-Type": "application/json", "Authorization": BASIC_DEMO}, body: json({a: 1})},
         why: "The preflight carries no credentials but is granted (204) before authentication; the PUT then sends Authorization and is answered 200."},
        {id: "auth-missing", group: "Basic auth", from: "app", expect: "allowed",
         path: "/s/auth/echo.cgi", block: "auth",
         init: {method: "PUT", headers: {"Content-Type": "application/json"}, body: json({a: 1})},
         why: "Without Authorization the PUT itself is answered 401 - with the CORS headers, so the page can read the 401 and ask for a login."},

        {id: "proxy-replace", group: "Reverse proxy", from: "app", expect: "allowed",
         path: "/s/proxy/data.txt", block: "proxy", init: {credentials: "include"},
         why: "The backend sends Access-Control-Allow-Origin: *; mod_cors replaces it, the browser sees one header with the page's origin."},
        {id: "proxy-keep", group: "Reverse proxy", from: "app", expect: "blocked",
         path: "/s/proxy-keep/data.txt", block: "proxy-keep", init: {credentials: "include"},
         why: "CORSUpstreamHeaders Keep leaves the backend's '*' alone; '*' is never valid for a credentialed call."}
    ];
    var BY_ID = {};
    S.forEach(function (s) { BY_ID[s.id] = s; });

    function withTag(url, tag) {
        if (!tag) { return url; }
        return url + (url.indexOf("?") < 0 ? "?" : "&") + "t=" + encodeURIComponent(tag);
    }

    function viaFetch(url, s) {
        var init = s.init || {};
        var out = {outcome: "blocked", status: 0, body: null, redirected: false,
                   headers: {}, error: null};
        return fetch(url, init).then(function (resp) {
            out.outcome = "allowed";
            out.status = resp.status;
            out.redirected = resp.redirected;
            (s.readHeaders || []).forEach(function (h) { out.headers[h] = resp.headers.get(h); });
            return resp.text().then(function (t) { out.body = t; return out; });
        }, function (e) {
            out.error = String(e);
            out.errorName = e && e.name;
            return out;
        });
    }

    function viaXhr(url, s) {
        var init = s.init || {};
        return new Promise(function (resolve) {
            var x = new XMLHttpRequest();
            var out = {outcome: "blocked", status: 0, body: null, redirected: false,
                       headers: {}, error: null};
            x.open(init.method || "GET", url);
            x.withCredentials = init.credentials === "include";
            Object.keys(init.headers || {}).forEach(function (h) { x.setRequestHeader(h, init.headers[h]); });
            x.onload = function () {
                out.outcome = "allowed";
                out.status = x.status;
                out.body = x.responseText;
                (s.readHeaders || []).forEach(function (h) { out.headers[h] = x.getResponseHeader(h); });
                resolve(out);
            };
            x.onerror = function () {
                out.error = "XMLHttpRequest error event (status " + x.status + ")";
                out.errorName = "XMLHttpRequest error";
                resolve(out);
            };
            x.send(init.body || null);
        });
    }

    function before(s, api) {
        if (s.before !== "cookie") { return Promise.resolve(); }
        /* The API sets its session cookie (SameSite=Lax: the page and the API
         * are same-site, different origins). */
        return fetch(api + "/s/cred/setcookie.cgi", {credentials: "include"})
            .then(function (r) { return r.text(); }, function () { return null; });
    }

    /* Run scenario `id` in this document (whatever origin it has); `api`
     * overrides LAB.api (the suite points it at a server without mod_cors). */
    function runHere(id, tag, api) {
        var s = BY_ID[id];
        if (!s) { return Promise.reject(new Error("no scenario " + id)); }
        api = api || LAB.api;
        var url = withTag(api + s.path, tag);
        return before(s, api).then(function () {
            return s.xhr ? viaXhr(url, s) : viaFetch(url, s);
        }).then(function (r) {
            r.id = id;
            r.url = url;
            r.origin = window.origin;
            r.verdict = s.verdict ? s.verdict(r) : r.outcome;
            return r;
        });
    }

    /* Iframes on the other origins, created on first use. */
    var frames = {};
    var pending = {};
    var seq = 0;

    function frameFor(from) {
        if (frames[from]) { return frames[from]; }
        frames[from] = new Promise(function (resolve, reject) {
            var f = document.createElement("iframe");
            f.className = "lab-frame";
            f.title = "calls from " + from;
            f.style.display = "none";
            if (from === "sandbox") {
                f.setAttribute("sandbox", "allow-scripts");
                f.src = "/frame.html";
            } else {
                f.src = LAB[from] + "/frame.html";
            }
            var timer = setTimeout(function () { reject(new Error("frame " + from + " did not load")); }, 15000);
            pending["ready-" + from] = function () { clearTimeout(timer); resolve(f); };
            f.name = "lab-" + from;
            document.body.appendChild(f);
        });
        return frames[from];
    }

    window.addEventListener("message", function (ev) {
        var m = ev.data || {};
        if (m.labReady && pending["ready-" + m.labReady]) {
            pending["ready-" + m.labReady]();
            delete pending["ready-" + m.labReady];
        } else if (m.labResult && pending[m.labResult]) {
            pending[m.labResult](m.result);
            delete pending[m.labResult];
        } else if (m.labRun && window.parent !== window) {
            /* we are the frame: run and answer */
            runHere(m.labRun, m.tag, m.api).then(function (r) {
                delete r.verdict;   // functions do not cross postMessage; recomputed by the parent
                ev.source.postMessage({labResult: m.reqId, result: r}, "*");
            });
        }
    });

    /* Run scenario `id` from its origin; `tag` makes the URL unique. */
    function run(id, tag, api) {
        var s = BY_ID[id];
        if (!s) { return Promise.reject(new Error("no scenario " + id)); }
        if (s.from === "app" && window.parent === window) { return runHere(id, tag, api); }
        return frameFor(s.from).then(function (f) {
            return new Promise(function (resolve) {
                var reqId = "r" + (++seq);
                pending[reqId] = function (r) {
                    r.verdict = s.verdict ? s.verdict(r) : r.outcome;
                    resolve(r);
                };
                f.contentWindow.postMessage({labRun: id, tag: tag, api: api, reqId: reqId}, "*");
            });
        });
    }

    window.lab = {scenarios: S, byId: BY_ID, run: run, runHere: runHere,
                  frameReady: function (from) { return frameFor(from).then(function () { return true; }); }};

    /* Inside a frame: tell the parent which origin we stand for. */
    if (window.parent !== window) {
        var me = window.origin === "null" ? "sandbox"
               : window.origin === LAB.appB ? "appB"
               : window.origin === LAB.appX ? "appX" : "app";
        window.parent.postMessage({labReady: me}, "*");
    }
})();
