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
    var hidden = hiddenFromUrl();
    nodes.forEach(function (node) { if (hidden[node.kind]) { node.hidden = true; } });
    state.nodes = new vis.DataSet(nodes);
    state.edges = new vis.DataSet(edges);
    countKinds();
    if (!nodes.length) {
      state.ready = true;
      container.classList.add("empty");
      doneLoading();
      return;
    }
    var network = new vis.Network(container, { nodes: state.nodes, edges: state.edges }, data.options);
    state.network = network;
    if (!data.focus && nodes.length > COLLAPSE_AT) { collapseConcepts(); }  // before the layout runs
    network.on("click", function (params) {
      if (params.nodes.length) {
        showDetails(state.nodes.get(params.nodes[0]).info, params.nodes[0]);
      } else if (params.edges.length) {
        showDetails(state.edges.get(params.edges[0]).info, params.edges[0]);
      }
    });
    network.on("stabilizationProgress", function (progress) {
      if (loading) {
        loading.textContent = "Laying out " + nodes.length + " nodes\u2026 " +
          Math.round(100 * progress.iterations / Math.max(progress.total, 1)) + "%";
      }
    });
    network.on("doubleClick", function (params) {
      if (!params.nodes.length) { return; }
      if (network.isCluster(params.nodes[0])) { network.openCluster(params.nodes[0]); return; }
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
      doneLoading();
    });
  }

  /* ---- reading a big graph: classes hidden or shown, concepts collapsed, clusters by plan or agency ---- */
  var COLLAPSE_AT = 120;
  var loading = document.getElementById("loading");
  var KIND_NAMES = { pollutant: ["pollutant", "pollutants"], sector: ["sector", "sectors"] };

  function doneLoading() {
    if (loading) { loading.hidden = true; }
  }

  function hiddenFromUrl() {
    var out = {};
    var raw = new URLSearchParams(window.location.search).get("hide") || "";
    raw.split(",").forEach(function (kind) { if (kind) { out[kind.trim()] = true; } });
    document.querySelectorAll(".class-toggle input[data-kind]").forEach(function (box) {
      if (out[box.getAttribute("data-kind")]) { box.checked = false; }
    });
    return out;
  }

  function countKinds() {
    var counts = {};
    state.nodes.forEach(function (node) { counts[node.kind] = (counts[node.kind] || 0) + 1; });
    document.querySelectorAll("[data-count]").forEach(function (span) {
      span.textContent = "(" + (counts[span.getAttribute("data-count")] || 0) + ")";
    });
  }

  function setKindHidden(kind, hide) {
    if (!state.nodes) { return; }
    if (state.network) { openClustersOf(kind); }
    state.nodes.update(state.nodes.get({ filter: function (n) { return n.kind === kind; } }).map(function (n) {
      return { id: n.id, hidden: hide };
    }));
    state.hiddenKinds = state.hiddenKinds || {};
    state.hiddenKinds[kind] = hide;
    container.setAttribute("data-visible", String(visibleCount()));
  }

  function visibleCount() {
    return state.nodes.get({ filter: function (n) { return !n.hidden; } }).length;
  }
  state.visibleCount = visibleCount;

  function openClustersOf(kind) {
    var network = state.network;
    Object.keys(state.clusters || {}).forEach(function (id) {
      if (state.clusters[id] === kind && network.isCluster(id)) { network.openCluster(id); delete state.clusters[id]; }
    });
  }

  function clusterNode(id, kind, label, style) {
    state.clusters = state.clusters || {};
    state.clusters[id] = kind;
    return Object.assign({ id: id, label: label, kind: "cluster", borderWidth: 2, font: { size: 13 },
                           title: label + " \u2014 double-click to open" }, style);
  }

  /* Sectors and pollutants each collapsed into one node saying how many there are (double-click opens). */
  function collapseConcepts() {
    var network = state.network;
    var notes = [];
    ["sector", "pollutant"].forEach(function (kind) {
      var members = state.nodes.get({ filter: function (n) { return n.kind === kind && !n.hidden; } });
      if (members.length < 2) { return; }
      var id = "cluster:" + kind;
      var color = members[0].color;
      network.cluster({
        joinCondition: function (node) { return node.kind === kind; },
        clusterNodeProperties: clusterNode(id, kind, members.length + " " + KIND_NAMES[kind][1],
                                           { shape: members[0].shape, size: 22, color: color })
      });
      notes.push(members.length + " " + KIND_NAMES[kind][1]);
    });
    if (notes.length) {
      notice("Collapsed to keep the graph readable: " + notes.join(" and ") +
             " drawn as one node each (double-click one to open it, or \u201copen all\u201d).");
    }
    container.setAttribute("data-collapsed", String(notes.length));
  }

  function notice(text) {
    var box = document.getElementById("notices");
    if (box) { box.appendChild(el("p", "notice", text)); }
  }

  /* One node per plan (its measures inside) or per agency (the measures it leads or is responsible for). */
  function clusterBy(kind) {
    var network = state.network;
    if (!network) { return; }
    uncluster();
    var owner = {};
    var wanted = kind === "plan" ? { part_of_plan: 1 } : { lead: 1, responsible: 1 };
    state.edges.forEach(function (edge) {
      if (!wanted[edge.relation]) { return; }
      var measure = kind === "plan" ? edge.from : edge.from;
      var target = edge.to;
      if (state.nodes.get(measure) && state.nodes.get(measure).kind === "measure" && !owner[measure]) {
        owner[measure] = target;
      }
    });
    var made = 0;
    state.nodes.get({ filter: function (n) { return n.kind === kind; } }).forEach(function (head) {
      var inside = Object.keys(owner).filter(function (m) { return owner[m] === head.id; });
      if (!inside.length) { return; }
      var members = {};
      inside.forEach(function (m) { members[m] = true; });
      members[head.id] = true;
      network.cluster({
        joinCondition: function (node) { return !!members[node.id]; },
        clusterNodeProperties: clusterNode("cluster:" + head.id, kind,
          clip(head.label, 28) + " (" + inside.length + " measures)",
          { shape: head.shape, color: head.color, font: { size: 13, color: kind === "plan" ? "#ffffff" : "#1b1b1b" } })
      });
      made += 1;
    });
    container.setAttribute("data-clusters", String(made));
    network.fit();
  }

  function uncluster() {
    var network = state.network;
    if (!network) { return; }
    Object.keys(state.clusters || {}).forEach(function (id) {
      if (network.isCluster(id)) { network.openCluster(id); }
    });
    state.clusters = {};
    container.setAttribute("data-clusters", "0");
  }
  state.clusterBy = clusterBy;
  state.uncluster = uncluster;
  state.setKindHidden = setKindHidden;

  document.querySelectorAll(".class-toggle input[data-kind]").forEach(function (box) {
    box.addEventListener("change", function () { setKindHidden(box.getAttribute("data-kind"), !box.checked); });
  });
  [["cluster-plan", function () { clusterBy("plan"); }], ["cluster-agency", function () { clusterBy("agency"); }],
   ["uncluster", uncluster]].forEach(function (pair) {
    var button = document.getElementById(pair[0]);
    if (button) { button.addEventListener("click", pair[1]); }
  });

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
