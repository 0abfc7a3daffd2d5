/* The demo view: one card per lab scenario (lab.js), grouped so that the
 * allowed and blocked variants sit side by side. Runs every call on load
 * (unless the URL has ?auto=0, as the test suite uses it). */
(function () {
    "use strict";
    var lab = window.lab;
    var blocks = {};

    function el(tag, cls, text) {
        var e = document.createElement(tag);
        if (cls) { e.className = cls; }
        if (text !== undefined) { e.textContent = text; }
        return e;
    }

    function describe(s) {
        var init = s.init || {};
        var parts = [(init.method || "GET") + " " + LAB.api + s.path];
        Object.keys(init.headers || {}).forEach(function (h) {
            parts.push(h + ": " + (h === "Authorization" ? init.headers[h].split(" ")[0] + " ..." : init.headers[h]));
        });
        if (init.credentials) { parts.push("credentials: '" + init.credentials + "'"); }
        if (s.xhr) { parts.push("(XMLHttpRequest)"); }
        var from = s.from === "sandbox" ? "a sandboxed iframe (origin null)"
                 : s.from === "app" ? LAB.app : LAB[s.from] + " (iframe)";
        return {from: from, req: parts.join("\n")};
    }

    function parseBlocks(text) {
        var out = {}, name = null, buf = [];
        text.split("\n").forEach(function (line) {
            var m = /^#@ block (\S+)/.exec(line);
            if (m) { name = m[1]; buf = []; return; }
            if (/^#@ end/.test(line)) { if (name) { out[name] = buf.join("\n"); } name = null; return; }
            if (name) { buf.push(line); }
        });
        return out;
    }

    function render() {
        var main = document.getElementById("groups");
        main.textContent = "";
        var groups = {};
        lab.scenarios.forEach(function (s) {
            if (!groups[s.group]) {
                var sec = el("section", "group");
                sec.appendChild(el("h2", null, s.group));
                var pair = el("div", "pair");
                sec.appendChild(pair);
                main.appendChild(sec);
                groups[s.group] = pair;
            }
            var d = describe(s);
            var card = el("article", "card");
            card.id = "card-" + s.id;
            card.appendChild(el("h3", null, s.id));
            var req = el("div", "req");
            req.appendChild(el("span", null, "From " + d.from + ":"));
            req.appendChild(el("pre", null, d.req));
            card.appendChild(req);
            card.appendChild(el("div", "expect", "The configuration says: " + s.expect));
            var res = el("div", "res");
            res.appendChild(el("span", "verdict", "running..."));
            res.appendChild(el("span", "detail"));
            card.appendChild(res);
            card.appendChild(el("p", "why", s.why));
            var det = el("details");
            det.appendChild(el("summary", null, "configuration"));
            det.appendChild(el("pre", "conf", blocks[s.block] || "(block " + s.block + ")"));
            card.appendChild(det);
            groups[s.group].appendChild(card);
        });
    }

    function show(s, r) {
        var card = document.getElementById("card-" + s.id);
        card.classList.remove("allowed", "blocked");
        card.classList.add(r.verdict);
        var v = card.querySelector(".verdict");
        v.textContent = "Your browser: " + r.verdict.toUpperCase();
        var detail;
        if (r.outcome === "allowed") {
            detail = " - status " + r.status;
            Object.keys(r.headers || {}).forEach(function (h) {
                detail += ", headers.get('" + h + "') = " + JSON.stringify(r.headers[h]);
            });
            if (r.redirected) { detail += ", redirected"; }
            if (r.body) { detail += ", body: \u201c" + r.body.trim().replace(/\s*\n\s*/g, " \u00b7 ").slice(0, 80) + "\u201d"; }
        } else {
            detail = " - " + r.error;
        }
        card.querySelector(".detail").textContent = detail;
        if (r.verdict !== s.expect) {
            v.appendChild(el("span", "mismatch", " (not what the configuration says)"));
        }
        return r.verdict === s.expect;
    }

    function runAll() {
        var n = 0, ok = 0;
        var summary = document.getElementById("summary");
        summary.textContent = "running...";
        var chain = Promise.resolve();
        lab.scenarios.forEach(function (s) {
            chain = chain.then(function () {
                return lab.run(s.id, "demo-" + Date.now() + "-" + n).then(function (r) {
                    n++;
                    if (show(s, r)) { ok++; }
                }, function (e) {
                    n++;
                    show(s, {verdict: "not run", outcome: "error", error: String(e)});
                });
            });
        });
        return chain.then(function () {
            summary.textContent = ok + " of " + n + " calls behaved as the configuration says";
            document.body.setAttribute("data-done", String(ok) + "/" + String(n));
        });
    }

    document.getElementById("page-origin").textContent = LAB.app;
    document.getElementById("api-origin").textContent = LAB.api;
    document.getElementById("run-all").addEventListener("click", function () { render(); runAll(); });
    fetch("/api.conf.txt").then(function (r) { return r.ok ? r.text() : ""; }, function () { return ""; })
        .then(function (t) {
            blocks = parseBlocks(t);
            render();
            if (!/[?&]auto=0/.test(location.search)) { runAll(); }
        });
})();
