// The overview's policy table: sort by a header click, filter by text or
// flag, show PAGE rows at a time (a 100,000-policy corpus stays fast). Rows
// are built with textContent, never innerHTML: policy ids and operator
// names are untrusted text. Sets data-ready="1" on <body> when done, and
// data-jserror on any script error (the tests look for both).
(function () {
  'use strict';
  window.addEventListener('error', function (e) {
    document.body.setAttribute('data-jserror', String(e.message || e));
  });
  var PAGE = 200;
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var flags = data.flags;
  function flagNames(bits) {
    var out = [];
    for (var i = 0; i < flags.length; i++) if (bits & (1 << i)) out.push(flags[i]);
    return out;
  }
  var rows = data.policies.map(function (r, i) {
    var names = flagNames(r[6]);
    return {
      n: i + 1, id: r[0], op: r[1], present: r[2], applicable: r[3],
      share: r[3] ? r[2] / r[3] : 0, missing: r[4], segments: r[5],
      bits: r[6], flags: names, nflags: names.length, page: r[7],
      text: (r[0] + '\u0001' + r[1] + '\u0001' + names.join('\u0001')).toLowerCase()
    };
  });
  var state = { key: 'n', dir: 1, filter: '', flag: -1, page: 0 };
  var view = rows;
  var tbody = document.getElementById('pbody');
  var heads = document.querySelectorAll('#ptable th[data-key]');
  var select = document.getElementById('flag');
  flags.forEach(function (f, i) {
    var o = document.createElement('option');
    o.value = String(i);
    o.textContent = f;
    select.appendChild(o);
  });

  function compute() {
    var q = state.filter.trim().toLowerCase();
    var f = state.flag;
    view = rows.filter(function (r) {
      if (f === -2 && r.bits !== 0) return false;
      if (f >= 0 && !(r.bits & (1 << f))) return false;
      return !q || r.text.indexOf(q) >= 0;
    });
    var k = state.key, d = state.dir;
    view.sort(function (a, b) {
      var x = a[k], y = b[k];
      var c = typeof x === 'string' ? x.localeCompare(y, 'zh-CN') : x - y;
      return c ? c * d : a.n - b.n;
    });
    heads.forEach(function (h) {
      h.setAttribute('aria-sort', h.getAttribute('data-key') === k ? (d > 0 ? 'ascending' : 'descending') : 'none');
    });
  }

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    if (cls) td.className = cls;
    if (text !== null) td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function render() {
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * PAGE;
    var slice = view.slice(start, start + PAGE);
    var frag = document.createDocumentFragment();
    slice.forEach(function (r) {
      var tr = document.createElement('tr');
      cell(tr, String(r.n), 'num');
      var a = document.createElement('a');
      a.href = data.folder + r.page;
      a.textContent = r.id;
      cell(tr, null, 'id').appendChild(a);
      cell(tr, r.op || '—');
      cell(tr, String(r.present), 'num');
      cell(tr, String(r.applicable), 'num');
      cell(tr, r.applicable ? Math.round(r.share * 100) + '%' : '—', 'num');
      cell(tr, String(r.missing), 'num');
      cell(tr, String(r.segments), 'num');
      var fl = cell(tr, null);
      if (!r.flags.length) fl.textContent = 'none';
      r.flags.forEach(function (f) {
        var s = document.createElement('span');
        s.className = 'flag';
        s.textContent = f;
        fl.appendChild(s);
      });
      frag.appendChild(tr);
    });
    tbody.textContent = '';
    tbody.appendChild(frag);
    tbody.setAttribute('data-rendered', String(slice.length));
    document.getElementById('shown').textContent = view.length === rows.length
      ? rows.length + ' policies'
      : view.length + ' of ' + rows.length + ' policies match';
    document.getElementById('pageinfo').textContent = view.length
      ? 'rows ' + (start + 1) + '–' + (start + slice.length) + ' of ' + view.length + ' · page ' + (state.page + 1) + ' of ' + pages
      : 'no policy matches';
    document.getElementById('prev').disabled = state.page === 0;
    document.getElementById('next').disabled = state.page >= pages - 1;
  }

  function update() { compute(); render(); }

  heads.forEach(function (h) {
    h.tabIndex = 0;
    function go() {
      var k = h.getAttribute('data-key');
      if (state.key === k) state.dir = -state.dir;
      else { state.key = k; state.dir = (k === 'id' || k === 'op' || k === 'n') ? 1 : -1; }
      state.page = 0;
      update();
    }
    h.addEventListener('click', go);
    h.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } });
  });
  var timer = null;
  document.getElementById('filter').addEventListener('input', function (e) {
    clearTimeout(timer);
    var v = e.target.value;
    timer = setTimeout(function () { state.filter = v; state.page = 0; update(); }, rows.length > 5000 ? 200 : 0);
  });
  select.addEventListener('change', function () { state.flag = Number(select.value); state.page = 0; update(); });
  document.getElementById('prev').addEventListener('click', function () { state.page--; render(); });
  document.getElementById('next').addEventListener('click', function () { state.page++; render(); });
  update();
  document.body.setAttribute('data-ready', '1');
})();
