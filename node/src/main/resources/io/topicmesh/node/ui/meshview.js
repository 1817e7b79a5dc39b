// topicmesh mesh view: polls the admin API and draws each topic's mesh as an SVG graph.
// Data: GET ../v1/cluster (the `local` command: every node's status) or, where that does not exist,
// GET ../v1/status (one node: itself and its peers). Per-edge rates are differences of the edge
// counters between two polls. No external resource, no framework.
'use strict';

(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const TOKEN_KEY = 'topicmesh.adminToken';
  const VIEW = 600;
  const MAX_TABLE_ROWS = 40;
  const MAX_LABELLED_NODES = 40;
  const query = new URLSearchParams(location.search);
  const intervalMs = Math.min(60000, Math.max(250, Number(query.get('interval')) || 2000));

  const state = {
    mode: null,          // 'cluster' | 'node', found on the first poll
    memoryToken: null,   // when sessionStorage is unavailable
    prev: new Map(),     // `${topic}|${observer}|${peer}` -> {in, out, at}
    selected: null,      // a peer id whose edges are highlighted
    topicFilter: query.get('topic') || '',
    lastOk: 0,
    timer: null,
    model: null,
  };

  // ---- token -------------------------------------------------------------------------------

  function storedToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || state.memoryToken;
    } catch (e) {
      return state.memoryToken;
    }
  }

  function storeToken(t) {
    state.memoryToken = t || null;
    try {
      if (t) {
        sessionStorage.setItem(TOKEN_KEY, t);
      } else {
        sessionStorage.removeItem(TOKEN_KEY);
      }
    } catch (e) {
      // kept in memory only
    }
    document.getElementById('forget').hidden = !t;
  }

  /** #token=… in the address: store it and drop it from the address bar and the history. */
  function takeTokenFromFragment() {
    const frag = new URLSearchParams(location.hash.replace(/^#/, ''));
    const t = frag.get('token');
    if (t) {
      storeToken(t);
      history.replaceState(null, '', location.pathname + location.search);
    }
  }

  class AuthError extends Error {}

  // ---- fetching ----------------------------------------------------------------------------

  async function getJson(path) {
    const headers = { Accept: 'application/json' };
    const t = storedToken();
    if (t) {
      headers.Authorization = 'Bearer ' + t;
    }
    const url = new URL(path, location.href);
    let r;
    try {
      r = await fetch(url, { headers, cache: 'no-store', credentials: 'omit', redirect: 'error' });
    } catch (e) {
      throw new Error('cannot reach ' + url.pathname + ': ' + e.message);
    }
    if (r.status === 401) {
      throw new AuthError(t ? 'the admin API refused the token' : 'the admin API needs a token');
    }
    if (r.status === 404) {
      return null;
    }
    if (!r.ok) {
      let detail = r.statusText;
      try {
        const body = await r.json();
        detail = (body.code || '') + ': ' + (body.message || '');
      } catch (e) {
        // not JSON
      }
      throw new Error('GET ' + url.pathname + ' answered ' + r.status + ' ' + detail);
    }
    return r.json();
  }

  async function load() {
    if (state.mode !== 'node') {
      const cluster = await getJson('../v1/cluster');
      if (cluster) {
        state.mode = 'cluster';
        return { kind: 'cluster', name: cluster.cluster || 'cluster', statuses: cluster.nodes.map((n) => n.status) };
      }
      state.mode = 'node';
    }
    const status = await getJson('../v1/status');
    if (!status) {
      throw new Error('this server has neither /v1/cluster nor /v1/status');
    }
    return { kind: 'node', name: status.peerId, statuses: [status] };
  }

  // ---- model -------------------------------------------------------------------------------

  function shortId(id) {
    return id.length > 10 ? '…' + id.slice(-6) : id;
  }

  /** A distinct, stable colour per node index, as #rrggbb (the screenshot test reads it back). */
  function colour(index, count) {
    const hue = (index * 360) / Math.max(1, count);
    const s = 0.65;
    const l = 0.45;
    const k = (n) => (n + hue / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    const f = (n) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
    const hex = (x) => Math.round(x * 255).toString(16).padStart(2, '0');
    return '#' + hex(f(0)) + hex(f(8)) + hex(f(4));
  }

  function rate(key, inCount, outCount, now) {
    const p = state.prev.get(key);
    state.next.set(key, { in: inCount, out: outCount, at: now });
    if (!p || now <= p.at || inCount < p.in || outCount < p.out) {
      return null;
    }
    const secs = (now - p.at) / 1000;
    return { in: (inCount - p.in) / secs, out: (outCount - p.out) / secs };
  }

  function buildModel(data, now) {
    state.next = new Map();
    const nodes = new Map();
    const members = data.statuses;
    members.forEach((s, i) => {
      nodes.set(s.peerId, { id: s.peerId, index: i, member: true, ready: s.ready, reason: s.readyReason,
        addr: (s.addrs || [])[0] || '', status: s });
    });
    const scores = new Map();
    for (const s of members) {
      for (const p of s.peers || []) {
        scores.set(s.peerId + '>' + p.peerId, p.score);
      }
    }
    const topicNames = new Set();
    for (const s of members) {
      for (const t of s.topics || []) {
        topicNames.add(t.topic);
      }
    }
    const topics = [];
    for (const name of [...topicNames].sort()) {
      const edges = new Map();
      const inTopic = new Set();
      const meshSizes = [];
      let params = null;
      for (const s of members) {
        const t = (s.topics || []).find((x) => x.topic === name);
        if (!t) {
          continue;
        }
        params = params || s.params;
        inTopic.add(s.peerId);
        meshSizes.push((t.mesh || []).length);
        for (const e of t.edges || []) {
          inTopic.add(e.peer);
          if (!nodes.has(e.peer)) {
            nodes.set(e.peer, { id: e.peer, index: -1, member: false, ready: true, reason: '', addr: '' });
          }
          const [a, b] = before(nodes, s.peerId, e.peer) ? [s.peerId, e.peer] : [e.peer, s.peerId];
          const key = a + '|' + b;
          let edge = edges.get(key);
          if (!edge) {
            edge = { a, b, meshBy: new Set(), fanoutBy: new Set(), reportedBy: new Set(), flow: new Map(),
              totals: new Map() };
            edges.set(key, edge);
          }
          edge.reportedBy.add(s.peerId);
          if (e.mesh) edge.meshBy.add(s.peerId);
          if (e.fanout) edge.fanoutBy.add(s.peerId);
          // the node's own clock when it reports one: right even when the browser throttles its timers
          const at = typeof s.uptimeMs === 'number' ? s.uptimeMs : now;
          const r = rate(name + '|' + s.peerId + '|' + e.peer, e.messagesIn, e.messagesOut, at);
          // what the sender counted is what went over the edge; the receiver's count stands in for it
          if (r) {
            setFlow(edge.flow, s.peerId, e.peer, r.out, true);
            setFlow(edge.flow, e.peer, s.peerId, r.in, false);
          }
          edge.duplicates = (edge.duplicates || 0) + (e.duplicatesIn || 0);
          setFlow(edge.totals, s.peerId, e.peer, e.messagesOut, true);
          setFlow(edge.totals, e.peer, s.peerId, e.messagesIn, false);
        }
      }
      for (const edge of edges.values()) {
        edge.kind = edge.meshBy.size > 0 ? 'mesh' : edge.fanoutBy.size > 0 ? 'fanout' : 'peer';
        // both ends report, yet only one has the other in its mesh: a GRAFT/PRUNE in flight or a refusal
        edge.half = edge.kind === 'mesh' && edge.reportedBy.size === 2 && edge.meshBy.size === 1;
        edge.rateAB = flowValue(edge.flow, edge.a, edge.b);
        edge.rateBA = flowValue(edge.flow, edge.b, edge.a);
        edge.totalAB = flowValue(edge.totals, edge.a, edge.b) || 0;
        edge.totalBA = flowValue(edge.totals, edge.b, edge.a) || 0;
        edge.rate = edge.rateAB === null && edge.rateBA === null ? null : (edge.rateAB || 0) + (edge.rateBA || 0);
        edge.scoreAB = scores.get(edge.a + '>' + edge.b); // a's score of b
        edge.scoreBA = scores.get(edge.b + '>' + edge.a);
        edge.negative = (edge.scoreAB != null && edge.scoreAB < 0) || (edge.scoreBA != null && edge.scoreBA < 0);
      }
      topics.push({ name, edges: [...edges.values()], inTopic, meshSizes, params });
    }
    state.prev = state.next;
    return { kind: data.kind, name: data.name, nodes, members, topics, scores };
  }

  /** Edge ends in a stable order: nodes of the view by index, then peers outside it by id. */
  function before(nodes, x, y) {
    const i = nodes.get(x).index;
    const j = nodes.get(y).index;
    if (i >= 0 && j >= 0) return i < j;
    if (i >= 0 || j >= 0) return i >= 0;
    return x < y;
  }

  function setFlow(map, from, to, value, authoritative) {
    const k = from + '>' + to;
    const have = map.get(k);
    if (!have || (authoritative && !have.authoritative)) {
      map.set(k, { value, authoritative });
    }
  }

  function flowValue(map, from, to) {
    const v = map.get(from + '>' + to);
    return v ? v.value : null;
  }

  // ---- layout and drawing ------------------------------------------------------------------

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG_NS, name);
    for (const [k, v] of Object.entries(attrs || {})) {
      e.setAttribute(k, String(v));
    }
    if (parent) parent.appendChild(e);
    return e;
  }

  function html(name, text, parent, cls) {
    const e = document.createElement(name);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }

  function fmtRate(r) {
    if (r == null) return '–';
    return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
  }

  function fmtScore(s) {
    return s == null ? '–' : Number(s).toFixed(2);
  }

  /** Positions: the cluster on a circle in node order; one node in the centre with its peers around it. */
  function layout(model, topic) {
    const pos = new Map();
    const colours = new Map();
    const c = VIEW / 2;
    let ring;
    if (model.kind === 'node') {
      const self = model.members[0].peerId;
      pos.set(self, { x: c, y: c });
      // by id, so that a peer keeps its place and its colour while the mesh changes
      ring = [...topic.inTopic].filter((id) => id !== self).sort();
    } else {
      const outside = [...topic.inTopic].filter((id) => !model.nodes.get(id).member).sort();
      ring = model.members.map((s) => s.peerId).concat(outside);
    }
    const radius = VIEW / 2 - 50;
    const order = model.kind === 'node' ? [model.members[0].peerId].concat(ring) : ring;
    order.forEach((id, i) => colours.set(id, model.nodes.get(id).member || model.kind === 'node'
      ? colour(i, order.length) : '#8a94a3'));
    ring.forEach((id, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, ring.length);
      pos.set(id, { x: c + radius * Math.cos(angle), y: c + radius * Math.sin(angle) });
    });
    return { pos, colours };
  }

  function drawTopic(model, topic, section) {
    const { pos, colours } = layout(model, topic);
    const svg = el('svg', { class: 'graph', viewBox: '0 0 ' + VIEW + ' ' + VIEW, 'data-topic': topic.name,
      role: 'img', 'aria-label': 'mesh of topic ' + topic.name });
    section.appendChild(svg);
    const count = pos.size;
    const r = Math.max(5, Math.min(18, 220 / Math.max(1, count)));
    const labelEdges = topic.edges.filter((e) => e.kind !== 'peer').length <= 12;
    const edgeLayer = el('g', { class: 'edges' }, svg);
    const nodeLayer = el('g', { class: 'nodes' }, svg);
    for (const e of topic.edges) {
      const p = pos.get(e.a);
      const q = pos.get(e.b);
      if (!p || !q) continue;
      const width = e.kind === 'peer' ? 1 : Math.min(7, 1.5 + 0.8 * Math.log2(1 + (e.rate || 0)));
      const cls = ['edge', e.kind];
      if (e.half) cls.push('half');
      if (e.negative) cls.push('negative');
      if (state.selected && e.a !== state.selected && e.b !== state.selected) cls.push('dim');
      const line = el('line', { class: cls.join(' '), x1: p.x.toFixed(1), y1: p.y.toFixed(1), x2: q.x.toFixed(1),
        y2: q.y.toFixed(1), 'stroke-width': width.toFixed(2), 'data-a': e.a, 'data-b': e.b,
        'data-kind': e.kind, 'data-rate': e.rate == null ? '' : e.rate.toFixed(3),
        'data-messages': e.totalAB + e.totalBA }, edgeLayer);
      el('title', {}, line).textContent = edgeTitle(model, e);
      if (labelEdges && e.kind !== 'peer' && e.rate != null) {
        const t = el('text', { class: 'edge-label', x: ((p.x + q.x) / 2).toFixed(1), y: ((p.y + q.y) / 2 - 3).toFixed(1) },
          edgeLayer);
        t.textContent = fmtRate(e.rate) + '/s';
      }
    }
    for (const [id, p] of pos) {
      const n = model.nodes.get(id);
      const cls = ['node'];
      if (!n.ready) cls.push('not-ready');
      if (!n.member && model.kind === 'cluster') cls.push('outside');
      if (state.selected === id) cls.push('selected');
      if (state.selected && state.selected !== id && !topic.edges.some((e) =>
        (e.a === id && e.b === state.selected) || (e.b === id && e.a === state.selected))) cls.push('dim');
      const circle = el('circle', { class: cls.join(' '), cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: r.toFixed(1),
        fill: colours.get(id), 'data-peer': id }, nodeLayer);
      el('title', {}, circle).textContent = nodeTitle(model, topic, n);
      circle.addEventListener('click', () => {
        state.selected = state.selected === id ? null : id;
        render();
      });
      if (count <= MAX_LABELLED_NODES) {
        if (n.member && model.kind === 'cluster') {
          el('text', { class: 'node-label', x: p.x.toFixed(1), y: p.y.toFixed(1) }, nodeLayer).textContent = String(n.index);
        }
        const below = el('text', { class: 'peer-label', x: p.x.toFixed(1), y: (p.y + r + 12).toFixed(1) }, nodeLayer);
        below.textContent = model.kind === 'node' && n.member ? 'this node' : shortId(id);
        if (model.kind === 'node' && !n.member) {
          const score = model.scores.get(model.members[0].peerId + '>' + id);
          const s = el('text', { class: 'peer-label', x: p.x.toFixed(1), y: (p.y + r + 24).toFixed(1) }, nodeLayer);
          s.textContent = 'score ' + fmtScore(score);
        }
      }
    }
  }

  function edgeTitle(model, e) {
    const name = (id) => {
      const n = model.nodes.get(id);
      return n.member && model.kind === 'cluster' ? 'node ' + n.index + ' (' + shortId(id) + ')' : shortId(id);
    };
    const lines = [name(e.a) + ' ↔ ' + name(e.b) + ': ' + e.kind + (e.half ? ' (one side only)' : '')];
    lines.push(name(e.a) + ' → ' + name(e.b) + ': ' + fmtRate(e.rateAB) + ' msg/s, ' + e.totalAB + ' messages');
    lines.push(name(e.b) + ' → ' + name(e.a) + ': ' + fmtRate(e.rateBA) + ' msg/s, ' + e.totalBA + ' messages');
    if (e.duplicates) lines.push('duplicates received on it: ' + e.duplicates);
    if (e.scoreAB != null) lines.push('score of ' + name(e.b) + ' at ' + name(e.a) + ': ' + fmtScore(e.scoreAB));
    if (e.scoreBA != null) lines.push('score of ' + name(e.a) + ' at ' + name(e.b) + ': ' + fmtScore(e.scoreBA));
    return lines.join('\n');
  }

  function nodeTitle(model, topic, n) {
    const lines = [n.id];
    if (n.member) {
      const s = n.status;
      const t = (s.topics || []).find((x) => x.topic === topic.name);
      lines.push((n.ready ? 'ready: ' : 'not ready: ') + n.reason);
      if (n.addr) lines.push(n.addr);
      if (t) lines.push('mesh ' + t.mesh.length + ', fanout ' + t.fanout.length + ', peers in topic ' + t.peers);
      else lines.push('not subscribed to ' + topic.name);
    } else {
      lines.push('a peer outside this view');
    }
    return lines.join('\n');
  }

  function summary(model, topic) {
    const sizes = topic.meshSizes;
    const p = topic.params || {};
    const min = sizes.length ? Math.min(...sizes) : 0;
    const max = sizes.length ? Math.max(...sizes) : 0;
    const avg = sizes.length ? sizes.reduce((x, y) => x + y, 0) / sizes.length : 0;
    let meshRate = 0;
    let known = false;
    for (const e of topic.edges) {
      if (e.kind === 'mesh' && e.rate != null) {
        meshRate += e.rate;
        known = true;
      }
    }
    const degree = model.kind === 'node' ? 'mesh degree ' + min
      : 'mesh degree min/avg/max ' + min + '/' + avg.toFixed(1) + '/' + max;
    const meshEdges = topic.edges.filter((e) => e.kind === 'mesh').length;
    return degree + ' (Dlo ' + p.dlo + ', D ' + p.d + ', Dhi ' + p.dhi + ') · ' + meshEdges + ' mesh edges · '
      + (known ? fmtRate(meshRate) : '–') + ' msg/s on them';
  }

  function table(model, topic, section) {
    const rows = topic.edges.filter((e) => e.kind !== 'peer')
      .sort((x, y) => (y.rate || 0) - (x.rate || 0) || (x.a + x.b < y.a + y.b ? -1 : 1));
    if (rows.length === 0) return;
    const one = model.kind === 'node';
    const t = html('table', null, section, 'edges');
    const head = html('tr', null, html('thead', null, t));
    const headers = one ? ['peer', 'kind', 'msg/s sent', 'msg/s received', 'score']
      : ['a ↔ b', 'kind', 'a→b msg/s', 'b→a msg/s', 'a scores b', 'b scores a'];
    for (const h of headers) html('th', h, head);
    const body = html('tbody', null, t);
    const name = (id) => {
      const n = model.nodes.get(id);
      return n.member ? (model.kind === 'cluster' ? String(n.index) : 'this node') : shortId(id);
    };
    for (const e of rows.slice(0, MAX_TABLE_ROWS)) {
      const tr = html('tr', null, body);
      html('td', one ? shortId(e.b) : name(e.a) + ' ↔ ' + name(e.b), tr);
      html('td', e.kind + (e.half ? ' (one side)' : ''), tr);
      html('td', fmtRate(e.rateAB), tr);
      html('td', fmtRate(e.rateBA), tr);
      html('td', fmtScore(e.scoreAB), tr, e.scoreAB < 0 ? 'neg' : null);
      if (!one) html('td', fmtScore(e.scoreBA), tr, e.scoreBA < 0 ? 'neg' : null);
    }
    if (rows.length > MAX_TABLE_ROWS) {
      const tr = html('tr', null, body);
      const td = html('td', '… ' + (rows.length - MAX_TABLE_ROWS) + ' more edges', tr);
      td.colSpan = headers.length;
    }
  }

  function render() {
    const model = state.model;
    if (!model) return;
    const panels = document.getElementById('panels');
    panels.replaceChildren();
    const select = document.getElementById('topic');
    const names = model.topics.map((t) => t.name);
    if ([...select.options].slice(1).map((o) => o.value).join('\n') !== names.join('\n')) {
      select.replaceChildren(new Option('all topics', ''));
      for (const n of names) select.appendChild(new Option(n, n));
      select.value = names.includes(state.topicFilter) ? state.topicFilter : '';
    }
    for (const topic of model.topics) {
      if (state.topicFilter && topic.name !== state.topicFilter) continue;
      const section = html('section', null, panels, 'topic');
      section.dataset.topic = topic.name;
      html('h2', 'topic ' + topic.name, section);
      html('div', summary(model, topic), section, 'summary');
      drawTopic(model, topic, section);
      table(model, topic, section);
    }
    if (model.topics.length === 0) {
      html('p', 'No topic is subscribed yet.', panels);
    }
    const ready = model.members.filter((s) => s.ready).length;
    document.getElementById('source').textContent = model.kind === 'cluster'
      ? model.name + ': ' + model.members.length + ' nodes, ' + ready + ' ready'
      : 'node ' + shortId(model.name) + ': ' + (model.members[0].ready ? 'ready' : 'not ready') + ' ('
        + model.members[0].readyReason + ')';
    document.body.dataset.mode = model.kind;
    document.body.dataset.nodes = String(model.members.length);
  }

  // ---- polling -----------------------------------------------------------------------------

  function showError(text) {
    const box = document.getElementById('error');
    box.hidden = !text;
    box.textContent = text || '';
  }

  async function poll() {
    clearTimeout(state.timer);
    try {
      const data = await load();
      document.getElementById('login').hidden = true;
      showError(null);
      state.model = buildModel(data, performance.now());
      state.lastOk = Date.now();
      render();
      const upd = document.getElementById('updated');
      upd.textContent = 'updated ' + new Date(state.lastOk).toLocaleTimeString() + ', every ' + intervalMs / 1000 + ' s';
      upd.className = '';
    } catch (e) {
      if (e instanceof AuthError) {
        document.getElementById('login-reason').textContent = e.message + ' (Authorization: Bearer).';
        document.getElementById('login').hidden = false;
        showError(null);
        return; // polling resumes once a token is given
      }
      showError(e.message + (state.lastOk ? ' — showing the view of ' + new Date(state.lastOk).toLocaleTimeString() : ''));
      document.getElementById('updated').className = state.lastOk ? 'stale' : '';
    }
    state.timer = setTimeout(poll, intervalMs);
  }

  function init() {
    takeTokenFromFragment();
    document.getElementById('forget').hidden = !storedToken();
    document.getElementById('login').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const input = document.getElementById('token');
      storeToken(input.value.trim());
      input.value = '';
      poll();
    });
    document.getElementById('forget').addEventListener('click', () => {
      storeToken(null);
      poll();
    });
    document.getElementById('topic').addEventListener('change', (ev) => {
      state.topicFilter = ev.target.value;
      render();
    });
    poll();
  }

  init();
}());
