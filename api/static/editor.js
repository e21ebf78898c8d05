// YASGUI over this server's /sparql only: no endpoint catalogue, no LOV or prefix.cc look-ups.
(function () {
  "use strict";
  var element = document.getElementById("yasgui");
  if (!element || typeof Yasgui === "undefined") { return; }
  var endpoint = new URL(element.dataset.endpoint || "/sparql", window.location.href).href;
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];  // drops "prefixes" (prefix list) and LOV "property"/"class"
  Yasgui.Yasqe.defaults.prefixCcApi = null;
  Yasgui.Yasqe.defaults.value = [
    "PREFIX airkg: <https://airkg.example.org/ontology#>",
    "PREFIX dcterms: <http://purl.org/dc/terms/>",
    "SELECT ?plan ?title WHERE {",
    "  ?plan a airkg:Plan ; dcterms:title ?title .",
    "}"].join("\n");
  window.airkgYasgui = new Yasgui(element, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    copyEndpointOnNewTab: true,
    persistenceId: "airkg-yasgui",
    corsProxy: undefined,
    populateFromUrl: false,
    autofocus: false,
  });
}());
