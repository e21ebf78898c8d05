// YASGUI over this server's /sparql only: no endpoint catalogue, no LOV or prefix.cc look-ups.
// Result links to airkg IRIs open this server's pages (/id/…), never the IRI's own host;
// the examples menu loads any saved query (its parameters written in); ?query=… opens a query.
(function () {
  "use strict";
  var element = document.getElementById("yasgui");
  if (!element || typeof Yasgui === "undefined") { return; }
  var RES = element.dataset.res || "";  // the IRIs' base, from the page (no host is written here)
  var endpoint = new URL(element.dataset.endpoint || "/sparql", window.location.href).href;
  var examples = [];
  var holder = document.getElementById("examples-data");
  if (holder) { try { examples = JSON.parse(holder.textContent); } catch (e) { examples = []; } }
  var prefixes = {};
  var prefixHolder = document.getElementById("prefixes-data");
  if (prefixHolder) { try { prefixes = JSON.parse(prefixHolder.textContent); } catch (e) { prefixes = {}; } }
  // The server knows airkg:, res:, dcterms: … without declarations; the editor's checker does not, so the
  // ones a query uses are declared at its top (the query means the same).
  function withPrefixes(text) {
    if (!text) { return text; }
    var body = text.replace(/"(?:[^"\\]|\\.)*"|<[^>\s]*>|#[^\n]*/g, " ");
    var declared = {};
    body.replace(/PREFIX\s+([A-Za-z][\w-]*)?:/gi, function (m, name) { declared[name || ""] = true; return m; });
    var lines = [];
    Object.keys(prefixes).forEach(function (name) {
      if (!declared[name] && new RegExp("(^|[\\s(/^|,;{])" + name + ":").test(body)) {
        lines.push("PREFIX " + name + ": <" + prefixes[name] + ">");
      }
    });
    return lines.length ? lines.join("\n") + "\n" + text : text;
  }
  var given = withPrefixes(new URLSearchParams(window.location.search).get("query"));
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];  // drops "prefixes" (prefix list) and LOV "property"/"class"
  Yasgui.Yasqe.defaults.prefixCcApi = null;
  Yasgui.Yasqe.defaults.value = given || [
    "PREFIX airkg: <https://airkg.example.org/ontology#>",
    "PREFIX dcterms: <http://purl.org/dc/terms/>",
    "SELECT ?plan ?title WHERE {",
    "  ?plan a airkg:Plan ; dcterms:title ?title .",
    "}"].join("\n");
  var yasgui = new Yasgui(element, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    copyEndpointOnNewTab: true,
    persistenceId: given ? null : "airkg-yasgui",
    corsProxy: undefined,
    populateFromUrl: false,
    autofocus: false,
  });
  window.airkgYasgui = yasgui;
  if (given) { yasgui.getTab().getYasqe().setValue(given); }

  // Links in the results: an airkg IRI opens its page here (the same tab, on this host).
  function localise(root) {
    if (!RES) { return; }
    root.querySelectorAll("a[href^='" + RES + "']").forEach(function (a) {
      a.setAttribute("href", "/id/" + a.getAttribute("href").slice(RES.length));
      a.removeAttribute("target");
      a.classList.add("local-link");
    });
  }
  new MutationObserver(function () { localise(element); }).observe(element, { childList: true, subtree: true });

  var menu = document.getElementById("examples");
  if (menu) {
    examples.forEach(function (example, index) {
      var option = document.createElement("option");
      option.value = String(index);
      option.textContent = example.title;
      menu.appendChild(option);
    });
    menu.addEventListener("change", function () {
      var example = examples[Number(menu.value)];
      if (!example) { return; }
      yasgui.getTab().getYasqe().setValue(withPrefixes(example.sparql));
      var plain = document.querySelector(".plain-editor textarea");
      if (plain) { plain.value = example.sparql; }
    });
  }
}());
