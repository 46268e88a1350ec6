/**
 * The pages' script, inline and small: tooltips (the whole text, wrapped, scrollable; a click pins
 * one so it can be read and copied, Escape lets it go), and for each diagram: zoom in time that
 * keeps the point in focus where it is on screen, collapsing quiet stretches, hiding lanes (the
 * others move up, arrows follow), switching between the time and the event-order views, and
 * focusing a story step on a click. Elements placed in x carry `tx` (attributes x, x1, x2, cx,
 * width) or `txg` (a translate); their x at zoom 1 with nothing collapsed is kept in data-b*.
 */
export const PAGE_SCRIPT = `
(function () {
  var tip = document.getElementById('tip');
  var pinned = false;
  function tipOf(el) {
    for (var n = el; n && n.nodeType === 1; n = n.parentNode) {
      if (n.dataset && n.dataset.tip) return n.dataset.tip;
      var first = n.firstElementChild;
      if (first && first.tagName.toLowerCase() === 'title') { n.dataset.tip = first.textContent; first.remove(); return n.dataset.tip; }
      if (n.tagName && n.tagName.toLowerCase() === 'svg') return null;
    }
    return null;
  }
  function place(x, y) {
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = x + 14, top = y + 14;
    if (left + w > window.innerWidth - 4) left = Math.max(4, x - w - 14);
    if (top + h > window.innerHeight - 4) top = Math.max(4, window.innerHeight - h - 4);
    tip.style.left = left + 'px'; tip.style.top = top + 'px';
  }
  document.addEventListener('mouseover', function (e) {
    if (pinned) return;
    var text = e.target && e.target.closest && e.target.closest('svg') ? tipOf(e.target) : null;
    if (!text) { tip.hidden = true; return; }
    tip.textContent = text; tip.hidden = false; place(e.clientX, e.clientY);
  });
  document.addEventListener('mousemove', function (e) { if (!tip.hidden && !pinned) place(e.clientX, e.clientY); });
  document.addEventListener('click', function (e) {
    if (tip.contains(e.target)) return;
    var text = e.target && e.target.closest && e.target.closest('svg') ? tipOf(e.target) : null;
    if (text) { tip.textContent = text; tip.hidden = false; pinned = true; tip.classList.add('pinned'); place(e.clientX, e.clientY); }
    else if (pinned) { pinned = false; tip.classList.remove('pinned'); tip.hidden = true; }
  });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') { pinned = false; tip.classList.remove('pinned'); tip.hidden = true; } });

  function num(el, key, attr) {
    if (el.dataset[key] === undefined) el.dataset[key] = el.getAttribute(attr);
    return Number(el.dataset[key]);
  }
  function Diagram(svg) {
    var self = this;
    this.svg = svg; this.scroller = svg.parentNode; this.labels = document.querySelector('.lane-labels[data-for="' + svg.id + '"]');
    this.L = Number(svg.dataset.left); this.W = Number(svg.dataset.plotWidth); this.R = Number(svg.dataset.right); this.top = Number(svg.dataset.top);
    this.quiet = (svg.dataset.quiet || '').split(';').filter(Boolean).map(function (p) { return p.split(',').map(Number); });
    this.focus = svg.dataset.focus.split(',').map(Number);
    // Points zoom keeps in place, the first one on screen: a story step clicked, the violation, the story's middle.
    this.pin = null; this.vx = Number(svg.dataset.violationX);
    this.collapsed = this.quiet.length > 0; this.k = 1;
    this.tx = Array.prototype.slice.call(svg.querySelectorAll('.tx'));
    this.txg = Array.prototype.slice.call(svg.querySelectorAll('.txg'));
    this.labelsText = Array.prototype.slice.call(svg.querySelectorAll('.band-label'));
    this.arrowCount = svg.querySelectorAll('.msg').length;
    this.hidden = {};
    this.tx.forEach(function (el) { ['x', 'x1', 'x2', 'cx', 'width'].forEach(function (a) { if (el.hasAttribute(a)) num(el, 'b' + a, a); }); });
    this.txg.forEach(function (el) {
      var t = el.getAttribute('transform') || ''; var i = t.indexOf('('), c = t.indexOf(','), j = t.indexOf(')');
      el.dataset.bx = t.slice(i + 1, c); el.dataset.by = t.slice(c + 1, j);
    });
    this.labelsText.forEach(function (el) { el.dataset.full = el.textContent; });
    this.axisLabels = Array.prototype.slice.call(svg.querySelectorAll('.tick text.axis-label'));
  }
  Diagram.prototype.c = function (x) {
    // Collapse each quiet stretch to 26 px.
    if (!this.collapsed) return x;
    var shift = 0;
    for (var q = 0; q < this.quiet.length; q++) {
      var a = this.quiet[q][0], b = this.quiet[q][1];
      if (x >= b) shift += (b - a) - 26;
      else if (x > a) return x - shift - (x - a) + ((x - a) / (b - a)) * 26;
    }
    return x - shift;
  };
  Diagram.prototype.map = function (x) { return this.L + (this.c(x) - this.L) * this.k; };
  Diagram.prototype.width = function () { return this.map(this.L + this.W) + this.R; };
  Diagram.prototype.apply = function (k, anchorBase, anchorScreen) {
    var self = this;
    this.k = k;
    var width = this.width(), H = Number(this.svg.getAttribute('height'));
    this.svg.setAttribute('width', width); this.svg.setAttribute('viewBox', '0 0 ' + width + ' ' + H);
    this.tx.forEach(function (el) {
      ['x', 'x1', 'x2', 'cx'].forEach(function (a) { if (el.dataset['b' + a] !== undefined) el.setAttribute(a, self.map(Number(el.dataset['b' + a])).toFixed(1)); });
      if (el.dataset.bwidth !== undefined) { var x0 = Number(el.dataset.bx); el.setAttribute('width', Math.max(0.5, self.map(x0 + Number(el.dataset.bwidth)) - self.map(x0)).toFixed(1)); }
    });
    this.txg.forEach(function (el) { el.setAttribute('transform', 'translate(' + self.map(Number(el.dataset.bx)).toFixed(1) + ',' + el.dataset.by + ')'); });
    this.labelsText.forEach(function (el) {
      var rect = el.previousElementSibling; var w = rect ? Number(rect.getAttribute('width')) : 0; var full = el.dataset.full;
      var chars = Math.floor((w - 4) / 5.2);
      el.textContent = chars >= full.length ? full : chars >= 4 ? full.slice(0, chars - 1) + '…' : '';
    });
    this.svg.classList.toggle('show-labels', this.arrowCount > 0 && (this.W * k) / this.arrowCount >= 60);
    this.svg.classList.toggle('show-minor', k >= 2);
    // Axis labels that would overlap the one before (a collapsed stretch, a tight zoom) are hidden.
    [false, true].forEach(function (below) {
      var last = -1e9, lastLen = 0;
      self.axisLabels.forEach(function (t) {
        if (t.classList.contains('below') !== below) return;
        if (t.parentNode.classList.contains('minor') && k < 2) return;
        var x = Number(t.getAttribute('x')), len = t.textContent.length;
        var ok = x - last >= ((len + lastLen) / 2) * 6.5 + 8;
        t.style.visibility = ok ? '' : 'hidden';
        if (ok) { last = x; lastLen = len; }
      });
    });
    this.declutter();
    var level = document.getElementById('zoom-level');
    if (level) level.textContent = (Math.round(k * 100) / 100) + '×';
    if (anchorBase !== undefined) this.scroller.scrollLeft = this.map(anchorBase) - anchorScreen;
  };
  // Message labels that would overlap one already placed move a line up or down, else hide (the
  // arrow's tooltip still names the message). The story's labels are placed first, so they win.
  Diagram.prototype.declutter = function () {
    var all = Array.prototype.slice.call(this.svg.querySelectorAll('text.msg-label'));
    var showAll = this.svg.classList.contains('show-labels');
    var order = all.filter(function (t) { return t.classList.contains('always'); }).concat(all.filter(function (t) { return !t.classList.contains('always'); }));
    var placed = [];
    order.forEach(function (t) {
      if (t.dataset.ly === undefined) t.dataset.ly = t.getAttribute('y');
      var g = t.parentNode;
      if ((!showAll && !t.classList.contains('always')) || g.style.display === 'none') return;
      // The rendered width when the browser has laid the label out, else an estimate; a line is 13 px (10 px type, ascent and descent).
      var measured = t.getComputedTextLength ? t.getComputedTextLength() : 0;
      var w = (measured > 0 ? measured : t.textContent.length * 6.2) + 4, x = Number(t.getAttribute('x')) - w / 2, y0 = Number(t.dataset.ly), offsets = [0, -13, 13, -26, 26];
      for (var o = 0; o < offsets.length; o++) {
        var y = y0 + offsets[o], clash = false;
        for (var p = 0; p < placed.length && !clash; p++) { var b = placed[p]; clash = x < b[0] + b[2] && b[0] < x + w && y - 13 < b[1] && b[1] - 13 < y; }
        if (!clash) { placed.push([x, y, w]); t.setAttribute('y', y.toFixed(1)); t.style.visibility = ''; return; }
      }
      t.setAttribute('y', y0.toFixed(1)); t.style.visibility = 'hidden';
    });
  };
  Diagram.prototype.anchor = function () {
    // The point kept in place: the step last clicked, the violation or the story's middle, the first on screen; else the middle of the view.
    var left = this.scroller.scrollLeft, w = this.scroller.clientWidth, screen = w / 2;
    var points = [this.pin, this.vx, (this.focus[0] + this.focus[1]) / 2];
    for (var p = 0; p < points.length; p++) {
      if (points[p] === null || !isFinite(points[p])) continue;
      var fx = this.map(points[p]) - left;
      if (fx >= 0 && fx <= w) { screen = fx; break; }
    }
    var target = left + screen, lo = this.L, hi = this.L + this.W;
    for (var i = 0; i < 40; i++) { var mid = (lo + hi) / 2; if (this.map(mid) < target) lo = mid; else hi = mid; }
    return [lo, screen];
  };
  Diagram.prototype.zoom = function (k) { var a = this.anchor(); this.apply(Math.max(this.fitK() / 2, Math.min(512, k)), a[0], a[1]); };
  Diagram.prototype.fitK = function () { var w = this.scroller.clientWidth - this.R - 4; return Math.max(0.05, (w - this.L) / (this.c(this.L + this.W) - this.L)); };
  Diagram.prototype.showFocus = function (from, to) {
    var w = this.scroller.clientWidth;
    var span = Math.max(this.c(to) - this.c(from), 1);
    var k = Math.min(64, Math.max(this.fitK(), (w * 0.8) / span));
    // The middle of the stretch as drawn (quiet stretches collapsed), back in uncollapsed x.
    var mid = (this.c(from) + this.c(to)) / 2, lo = this.L, hi = this.L + this.W;
    for (var i = 0; i < 40; i++) { var m = (lo + hi) / 2; if (this.c(m) < mid) lo = m; else hi = m; }
    this.apply(k, lo, w / 2);
  };
  Diagram.prototype.layout = function () {
    var self = this, tops = {}, y = this.top;
    this.svg.querySelectorAll('g.lane').forEach(function (g) {
      var id = g.dataset.node, hide = !!self.hidden[id];
      g.style.display = hide ? 'none' : '';
      if (!hide) { tops[id] = y; g.setAttribute('transform', 'translate(0,' + y + ')'); y += Number(g.dataset.h); }
    });
    var bottom = y;
    var sel = function (q) { return self.svg.querySelectorAll(q); };
    [sel('g.lane-front'), this.labels ? this.labels.querySelectorAll('g.lane-label') : []].forEach(function (list) {
      Array.prototype.forEach.call(list, function (g) {
        var t = tops[g.dataset.node]; g.style.display = t === undefined ? 'none' : '';
        if (t !== undefined) g.setAttribute('transform', 'translate(0,' + t + ')');
      });
    });
    var lineY = 18;
    sel('g.msg').forEach(function (g) {
      var a = tops[g.dataset.from], b = tops[g.dataset.to];
      if (a === undefined || b === undefined) { g.style.display = 'none'; return; }
      g.style.display = '';
      var y1 = a + lineY, yt = b + lineY, f = Number(g.dataset.f), y2 = y1 + (yt - y1) * f;
      g.querySelectorAll('line').forEach(function (l) { l.setAttribute('y1', y1); l.setAttribute('y2', (l.classList.contains('vis') && f === 1 ? y2 - Math.sign(y2 - y1) * 2 : y2).toFixed(1)); });
      var t = g.querySelector('text.msg-label'); if (t) { t.dataset.ly = ((y1 + y2) / 2 - 3).toFixed(1); t.setAttribute('y', t.dataset.ly); }
      var e = g.querySelector('g.end'); if (e) { e.dataset.by = y2.toFixed(1); e.setAttribute('transform', 'translate(' + self.map(Number(e.dataset.bx)).toFixed(1) + ',' + y2.toFixed(1) + ')'); }
    });
    sel('.fullh').forEach(function (l) { l.setAttribute('y2', bottom); });
    sel('.axis-label.below').forEach(function (t) { t.setAttribute('y', bottom + 14); });
    var H = bottom + 24;
    this.svg.setAttribute('height', H); this.svg.setAttribute('viewBox', '0 0 ' + this.width() + ' ' + H);
    if (this.labels) { this.labels.setAttribute('height', H); this.labels.setAttribute('viewBox', '0 0 76 ' + H); }
    this.declutter();
  };

  var diagrams = {};
  document.querySelectorAll('svg.diagram').forEach(function (svg) { diagrams[svg.id] = new Diagram(svg); });
  function active() { var v = document.querySelector('.view:not([hidden]) svg.diagram'); return v ? diagrams[v.id] : null; }
  var views = document.querySelectorAll('.view');
  function showView(name) {
    views.forEach(function (v) { v.hidden = v.dataset.view !== name; });
    document.querySelectorAll('[data-view-btn]').forEach(function (b) { b.classList.toggle('on', b.dataset.viewBtn === name); });
    var d = active(); if (d && !d.ready) { d.ready = true; d.layout(); d.showFocus(d.focus[0], d.focus[1]); }
  }
  document.querySelectorAll('[data-view-btn]').forEach(function (b) { b.addEventListener('click', function () { showView(b.dataset.viewBtn); }); });
  document.querySelectorAll('[data-zoom]').forEach(function (b) {
    b.addEventListener('click', function () {
      var d = active(); if (!d) return; var z = b.dataset.zoom;
      if (z === 'in') d.zoom(d.k * 2); else if (z === 'out') d.zoom(d.k / 2); else if (z === 'story') d.showFocus(d.focus[0], d.focus[1]); else d.apply(d.fitK(), d.L, 0);
    });
  });
  var quietBtn = document.querySelector('[data-quiet]');
  if (quietBtn) quietBtn.addEventListener('click', function () {
    var d = active(); if (!d || d.quiet.length === 0) return; var a = d.anchor();
    d.collapsed = !d.collapsed; quietBtn.classList.toggle('on', d.collapsed); d.apply(d.k, a[0], a[1]);
  });
  document.addEventListener('keydown', function (e) {
    var d = active(); if (!d || (e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'TEXTAREA'))) return;
    if (e.key === '+' || e.key === '=') d.zoom(d.k * 2); else if (e.key === '-' || e.key === '_') d.zoom(d.k / 2); else if (e.key === '0') d.showFocus(d.focus[0], d.focus[1]);
  });
  // Lanes: the menu's boxes hide and show them, in every view at once.
  var boxes = document.querySelectorAll('.node-menu input[type=checkbox]');
  function applyFilter() {
    var hidden = {}, shown = 0;
    boxes.forEach(function (b) { if (!b.checked) hidden[b.value] = true; else shown++; });
    var note = document.querySelector('.filter-note'); if (note) note.textContent = shown + ' of ' + boxes.length + ' nodes shown';
    Object.keys(diagrams).forEach(function (id) { var d = diagrams[id]; d.hidden = hidden; d.layout(); });
  }
  boxes.forEach(function (b) { b.addEventListener('change', applyFilter); });
  document.querySelectorAll('[data-nodes]').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var which = btn.dataset.nodes;
      boxes.forEach(function (b) { b.checked = which === 'all' || b.dataset.story === '1'; });
      applyFilter();
    });
  });
  // A story step: focus it in the view shown (switching to one that has it), flash its mark.
  document.querySelectorAll('[data-x-diagram-time], [data-x-diagram-order]').forEach(function (li) {
    li.addEventListener('click', function () {
      li.classList.add('open');
      var d = active();
      if (!d || li.getAttribute('data-x-' + d.svg.id) === null) {
        var other = Object.keys(diagrams).filter(function (id) { return li.getAttribute('data-x-' + id) !== null; })[0];
        if (!other) return; showView(diagrams[other].svg.closest('.view').dataset.view); d = diagrams[other];
      }
      var x = Number(li.getAttribute('data-x-' + d.svg.id));
      d.focus = [x, x]; d.pin = x;
      var k = Math.max(d.k, d.fitK() * 4);
      d.apply(k, x, d.scroller.clientWidth / 2);
      d.svg.querySelectorAll('.story-mark.flash').forEach(function (m) { m.classList.remove('flash'); });
      var n = li.dataset.story; if (n) d.svg.querySelectorAll('.story-mark[data-story="' + n + '"]').forEach(function (m) { m.classList.add('flash'); });
    });
  });
  applyFilter();
  // The story's list shows the violation's step: when the list is longer than its room, its end.
  var pane = document.querySelector('#story ol.story-steps'), seen = document.querySelector('#story li.violating');
  if (pane && seen) {
    var over = seen.getBoundingClientRect().bottom - pane.getBoundingClientRect().bottom;
    if (over > 0) pane.scrollTop += over + 8;
  }
  var first = document.querySelector('.view:not([hidden])');
  if (first) showView(first.dataset.view);
})();
`;
