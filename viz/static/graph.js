/* airkg graph view: draws the nodes and edges of #graph-data with vis-network.
 *
 * Every piece of document text reaches the page through textContent or as a vis label drawn on the
 * canvas; nothing here assigns innerHTML, so text from a plan can never become markup or script.
 * Links are only followed when they are same-origin paths or http(s) URLs built by the server.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var container = document.getElementById("network");
  var details = document.getElementById("details");
  var state = { network: null, nodes: null, edges: null, ready: false, selected: null, errors: [] };
  window.airkgGraph = state;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function safeHref(href) {
    if (typeof href !== "string") { return null; }
    if (href.charAt(0) === "/" && href.charAt(1) !== "/") { return href; }
    if (/^https?:\/\//i.test(href)) { return href; }
    return null;
  }

  function clip(text, limit) {
    text = String(text);
    return text.length > limit ? text.slice(0, limit - 1) + "\u2026" : text;
  }

  /* The hover tooltip: a DOM element, handed to vis-network as the node's title. */
  function tooltip(info) {
    var box = el("div", "tip");
    box.appendChild(el("div", "tip-kind", info.kind));
    box.appendChild(el("div", "tip-heading", info.heading));
    (info.rows || []).slice(0, 8).forEach(function (row) {
      var line = el("div", "tip-row");
      if (row[0]) { line.appendChild(el("span", "tip-name", row[0] + ": ")); }
      line.appendChild(el("span", "tip-value", clip(row[1], 220)));
      box.appendChild(line);
    });
    if (info.text) { box.appendChild(el("div", "tip-text", clip(info.text, data.tipText || 280))); }
    if (info.sentences && info.sentences.length) {
      box.appendChild(el("div", "tip-text", clip(info.sentences[0][1], 160)));
    }
    return box;
  }

  function showDetails(info, id) {
    details.replaceChildren();
    details.appendChild(el("p", "details-kind", info.kind));
    details.appendChild(el("h2", "details-heading", info.heading));
    var links = el("ul", "details-links");
    (info.links || []).forEach(function (link) {
      var href = safeHref(link.href);
      if (!href) { return; }
      var a = el("a", null, link.text);
      a.setAttribute("href", href);
      a.setAttribute("data-rel", link.rel || "");
      var item = el("li");
      item.appendChild(a);
      links.appendChild(item);
    });
    if (links.childNodes.length) { details.appendChild(links); }
    if (info.rows && info.rows.length) {
      var list = el("dl", "details-rows");
      info.rows.forEach(function (row) {
        list.appendChild(el("dt", null, row[0]));
        list.appendChild(el("dd", null, row[1]));
      });
      details.appendChild(list);
    }
    if (info.text) {
      details.appendChild(el("h3", null, "Source text (verbatim)"));
      details.appendChild(el("blockquote", "source-text", info.text));
    }
    if (info.sentences && info.sentences.length) {
      details.appendChild(el("h3", null, "Where it is named"));
      var sentences = el("ul", "sentences");
      info.sentences.forEach(function (pair) {
        var item = el("li");
        item.appendChild(el("span", "sentence-where", pair[0]));
        item.appendChild(el("blockquote", "source-text", pair[1]));
        sentences.appendChild(item);
      });
      details.appendChild(sentences);
    }
    state.selected = id;
  }

  function entityHref(info) {
    var link = (info.links || []).filter(function (l) { return l.rel === "entity"; })[0];
    return link ? safeHref(link.href) : null;
  }

  function draw() {
    var nodes = data.nodes.map(function (node) {
      var copy = Object.assign({}, node);
      copy.title = tooltip(node.info);
      return copy;
    });
    var edges = data.edges.map(function (edge) {
      var copy = Object.assign({}, edge);
      copy.title = tooltip(edge.info);
      return copy;
    });
    state.nodes = new vis.DataSet(nodes);
    state.edges = new vis.DataSet(edges);
    if (!nodes.length) {
      state.ready = true;
      container.classList.add("empty");
      return;
    }
    var network = new vis.Network(container, { nodes: state.nodes, edges: state.edges }, data.options);
    state.network = network;
    network.on("click", function (params) {
      if (params.nodes.length) {
        showDetails(state.nodes.get(params.nodes[0]).info, params.nodes[0]);
      } else if (params.edges.length) {
        showDetails(state.edges.get(params.edges[0]).info, params.edges[0]);
      }
    });
    network.on("doubleClick", function (params) {
      if (!params.nodes.length) { return; }
      var href = entityHref(state.nodes.get(params.nodes[0]).info);
      if (href) { window.location.assign(href); }
    });
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      if (data.focus && state.nodes.get(data.focus)) {
        network.selectNodes([data.focus]);
        showDetails(state.nodes.get(data.focus).info, data.focus);
      }
      network.fit();
      state.ready = true;
      container.setAttribute("data-ready", "true");
    });
  }

  var toggle = document.getElementById("edge-labels");
  if (toggle) {
    toggle.checked = !!data.edgeLabels;
    toggle.addEventListener("change", function () {
      if (!state.edges) { return; }
      state.edges.update(state.edges.get().map(function (edge) {
        return { id: edge.id, label: toggle.checked || edge.relation === "count" ? edge.fullLabel : "" };
      }));
    });
  }

  try {
    draw();
  } catch (error) {
    state.errors.push(String(error));
    details.replaceChildren(el("p", "notice", "The graph could not be drawn: " + error));
    throw error;
  }
})();
