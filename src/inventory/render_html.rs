//! HTML: one self-contained page (inline CSS and JavaScript, a Content-Security-Policy that
//! forbids every network request), with sortable and filterable tables, readable on a phone
//! (tables become cards on narrow screens), light and dark.
//!
//! Every value from the repository is HTML-escaped ([`text::html`]); links are relative and
//! percent-encoded, so no repository content can run script or leave the page.

use super::text::{self, html};
use super::{Image, Inventory, Release, ReleaseType};
use std::fmt::Write as _;

const STYLE: &str = r#"
:root{--bg:#fff;--fg:#1f2328;--mute:#59636e;--line:#d1d9e0;--head:#f6f8fa;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--accent:#0969da;--card:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mute:#9198a1;--line:#3d444d;--head:#151b23;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--accent:#4493f8;--card:#151b23}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:1200px;margin:0 auto;padding:16px}
h1{font-size:1.6em;margin:.2em 0}
h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.3em}
.meta{color:var(--mute);margin:.2em 0 1em}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
nav{display:flex;flex-wrap:wrap;gap:.4em 1em;margin:.5em 0 1em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:8px;margin:0 0 1em}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 12px}
.card b{display:block;font-size:1.5em}
.card span{color:var(--mute);font-size:.85em}
.card.bad b{color:var(--bad)}
.toolbar{position:sticky;top:0;background:var(--bg);padding:8px 0;display:flex;gap:8px;flex-wrap:wrap;z-index:2;border-bottom:1px solid var(--line)}
.toolbar input,.toolbar select{font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
.toolbar input{flex:1 1 240px;min-width:0}
.count{color:var(--mute);font-weight:normal;font-size:.8em;margin-left:.5em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
td{overflow-wrap:anywhere}
th{background:var(--head);white-space:nowrap}
th button{all:unset;cursor:pointer;display:block;width:100%}
th button:focus-visible{outline:2px solid var(--accent)}
th[aria-sort=ascending] button::after{content:" \25B2"}
th[aria-sort=descending] button::after{content:" \25BC"}
td.num,th.num{text-align:right}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:.85em;border:1px solid currentColor;white-space:nowrap}
.ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}.mute{color:var(--mute)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
details summary{cursor:pointer;margin:.5em 0}
tr[hidden]{display:none}
.sortbar{display:none;gap:8px;align-items:center;margin:0 0 8px;font-size:.9em}
.sortbar select{font:inherit;padding:4px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
@media (max-width:700px){
 main{padding:10px}
 table,thead,tbody,tr,td{display:block;width:100%}
 thead{position:absolute;left:-9999px}
 tr{border:1px solid var(--line);border-radius:8px;margin:0 0 10px;padding:4px 0}
 td{border:0;padding:3px 10px;display:flex;gap:10px}
 td::before{content:attr(data-label);flex:0 0 38%;color:var(--mute);font-size:.85em}
 td.num{text-align:left}
 .sortbar{display:flex}
}
"#;

const SCRIPT: &str = r#"
(function () {
  'use strict';
  var root = document.documentElement;
  window.addEventListener('error', function (e) {
    root.setAttribute('data-errors', (root.getAttribute('data-errors') || '') + (e.message || 'error') + ';');
  });
  var q = document.getElementById('q');
  var ns = document.getElementById('ns');
  var tables = Array.prototype.slice.call(document.querySelectorAll('table.data'));
  function cellKey(cell) {
    if (!cell) return '';
    var k = cell.getAttribute('data-sort');
    return k !== null ? k : cell.textContent.trim();
  }
  function compare(a, b, num) {
    if (num) {
      var x = parseFloat(a), y = parseFloat(b);
      x = isNaN(x) ? -Infinity : x; y = isNaN(y) ? -Infinity : y;
      return x - y;
    }
    return a.localeCompare(b, undefined, {numeric: true, sensitivity: 'base'});
  }
  function sortTable(t, col, dir) {
    var head = t.tHead.rows[0].cells;
    var num = head[col].classList.contains('num');
    for (var i = 0; i < head.length; i++) head[i].removeAttribute('aria-sort');
    head[col].setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
    var body = t.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (r, i) { r._i = i; });
    rows.sort(function (a, b) {
      return dir * compare(cellKey(a.cells[col]), cellKey(b.cells[col]), num) || a._i - b._i;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    body.appendChild(frag);
    var bar = t.parentNode.previousElementSibling;
    if (bar && bar.classList.contains('sortbar')) bar.querySelector('select').value = col + ':' + dir;
  }
  function apply() {
    var term = q.value.trim().toLowerCase();
    var n = ns.value;
    tables.forEach(function (t) {
      var rows = t.tBodies[0].rows, shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        var ok = (!term || r.textContent.toLowerCase().indexOf(term) >= 0) &&
                 (!n || r.getAttribute('data-ns') === n);
        r.hidden = !ok;
        if (ok) shown++;
      }
      var c = document.getElementById('count-' + t.id);
      if (c) c.textContent = (term || n) ? shown + ' of ' + rows.length : String(rows.length);
    });
  }
  tables.forEach(function (t) {
    var head = t.tHead.rows[0].cells;
    Array.prototype.forEach.call(head, function (th, col) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = th.textContent;
      th.textContent = '';
      th.appendChild(b);
      b.addEventListener('click', function () {
        sortTable(t, col, th.getAttribute('aria-sort') === 'ascending' ? -1 : 1);
      });
    });
    // On a phone the header row is hidden: a select sorts instead.
    var bar = document.createElement('div');
    bar.className = 'sortbar';
    var label = document.createElement('label');
    label.textContent = 'Sort by ';
    var sel = document.createElement('select');
    Array.prototype.forEach.call(head, function (th, col) {
      [1, -1].forEach(function (dir) {
        var o = document.createElement('option');
        o.value = col + ':' + dir;
        o.textContent = th.textContent + (dir > 0 ? ' \u2191' : ' \u2193');
        sel.appendChild(o);
      });
    });
    sel.addEventListener('change', function () {
      var p = sel.value.split(':');
      sortTable(t, +p[0], +p[1]);
    });
    label.appendChild(sel);
    bar.appendChild(label);
    t.parentNode.parentNode.insertBefore(bar, t.parentNode);
  });
  q.addEventListener('input', apply);
  ns.addEventListener('change', apply);
  var params = new URLSearchParams(location.search);
  if (params.get('q')) q.value = params.get('q');
  apply();
  root.setAttribute('data-ready', '1');

  // `#selftest` (used by the tests in headless Chromium): sort and filter every table and
  // check the results, then say so on the root element.
  if (location.hash === '#selftest') {
    var problems = [];
    var td = document.querySelector('table.data td');
    root.setAttribute('data-layout', td && getComputedStyle(td).display === 'flex' ? 'cards' : 'table');
    tables.forEach(function (t) {
      var cols = t.tHead.rows[0].cells.length;
      for (var col = 0; col < cols; col++) {
        [1, -1].forEach(function (dir) {
          sortTable(t, col, dir);
          var rows = t.tBodies[0].rows;
          var num = t.tHead.rows[0].cells[col].classList.contains('num');
          for (var i = 1; i < rows.length; i++) {
            if (dir * compare(cellKey(rows[i - 1].cells[col]), cellKey(rows[i].cells[col]), num) > 0) {
              problems.push(t.id + ' col ' + col + ' not sorted');
              break;
            }
          }
        });
      }
      var first = t.tBodies[0].rows[0];
      if (first) {
        var term = cellKey(first.cells[0]).toLowerCase();
        q.value = term;
        apply();
        var visible = Array.prototype.filter.call(t.tBodies[0].rows, function (r) { return !r.hidden; });
        if (!visible.length) problems.push(t.id + ': filter hides its own row');
        visible.forEach(function (r) {
          if (r.textContent.toLowerCase().indexOf(term) < 0) problems.push(t.id + ': filter shows a row without the term');
        });
        q.value = '';
        apply();
      }
    });
    if (ns.options.length > 1) {
      ns.value = ns.options[1].value;
      apply();
      tables.forEach(function (t) {
        Array.prototype.forEach.call(t.tBodies[0].rows, function (r) {
          if (!r.hidden && r.getAttribute('data-ns') !== ns.value) problems.push(t.id + ': namespace filter');
        });
      });
      ns.value = '';
      apply();
    }
    root.setAttribute('data-selftest', problems.length ? 'fail: ' + problems.join('; ') : 'ok ' + tables.length + ' tables');
  }
})();
"#;

/// One table being written.
struct Table {
    id: &'static str,
    head: Vec<(&'static str, bool)>,
    rows: String,
    len: usize,
}

impl Table {
    fn new(id: &'static str, head: &[(&'static str, bool)]) -> Table {
        Table {
            id,
            head: head.to_vec(),
            rows: String::new(),
            len: 0,
        }
    }

    /// A row: cells are (HTML, sort key) in header order.
    fn row(&mut self, ns: &str, cells: &[(String, Option<String>)]) {
        self.len += 1;
        let _ = write!(self.rows, "<tr data-ns=\"{}\">", html(ns));
        for ((label, num), (cell, key)) in self.head.iter().zip(cells) {
            let class = if *num { " class=\"num\"" } else { "" };
            let key = key
                .as_deref()
                .map(|k| format!(" data-sort=\"{}\"", html(k)))
                .unwrap_or_default();
            let _ = write!(
                self.rows,
                "<td data-label=\"{}\"{class}{key}>{cell}</td>",
                html(label)
            );
        }
        self.rows.push_str("</tr>\n");
    }

    fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "<div class=\"scroll\"><table class=\"data\" id=\"{}\"><thead><tr>",
            self.id
        );
        for (label, num) in &self.head {
            let class = if *num { " class=\"num\"" } else { "" };
            let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", html(label));
        }
        let _ = writeln!(out, "</tr></thead><tbody>");
        out.push_str(&self.rows);
        out.push_str("</tbody></table></div>\n");
    }
}

fn cell(s: &str) -> (String, Option<String>) {
    (html(s), None)
}

fn opt(s: &Option<String>) -> (String, Option<String>) {
    cell(s.as_deref().unwrap_or(""))
}

fn num(n: usize) -> (String, Option<String>) {
    (n.to_string(), None)
}

fn link(base: &str, label: &str, path: &str, line: usize) -> (String, Option<String>) {
    (
        format!(
            "<a href=\"{}\">{}</a>",
            html(&text::link(base, path, line)),
            html(label)
        ),
        Some(label.to_string()),
    )
}

fn badge(class: &str, s: &str) -> String {
    format!("<span class=\"badge {class}\">{}</span>", html(s))
}

fn image_pin(i: &Image) -> (String, Option<String>) {
    match (i.pinned, i.verdict) {
        (Some(true), _) => (badge("ok", "pinned"), Some("1 pinned".into())),
        (Some(false), Some(code)) => (badge("bad", code), Some(format!("0 {code}"))),
        (Some(false), None) => (badge("warn", "allowed"), Some("0 allowed".into())),
        (None, _) => (badge("mute", "unresolved"), Some("2 unresolved".into())),
    }
}

fn release_pin(r: &Release) -> (String, Option<String>) {
    if r.kind == ReleaseType::Jx3Folder {
        return (badge("mute", "folder"), Some("2".into()));
    }
    match r.verdict {
        None => (badge("ok", "pinned"), Some("1".into())),
        Some(code) => (badge("bad", code), Some(format!("0 {code}"))),
    }
}

fn place(env: &str, ns: &str, envs: bool) -> String {
    let ns = if ns.is_empty() { "(not set)" } else { ns };
    if envs {
        format!("{} · {ns}", if env.is_empty() { "shared" } else { env })
    } else {
        ns.to_string()
    }
}

/// The inventory page. `base` prefixes every link (see [`super::render_markdown::Links`]).
pub fn inventory(inv: &Inventory, base: &str) -> String {
    let envs = inv
        .environments
        .iter()
        .filter(|e| !e.name.is_empty())
        .count()
        > 1
        || (inv.layout.is_none()
            && inv.environments.len() > 1
            && inv.environments.iter().any(|e| !e.name.is_empty()));
    let s = &inv.summary;
    let mut o = String::with_capacity(64 * 1024);
    o.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n");
    o.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    let mut title = "Cluster inventory".to_string();
    if let Some(e) = inv.environments.iter().find(|e| !e.name.is_empty())
        && !envs
    {
        title.push_str(&format!(": {}", e.name));
    }
    let _ = writeln!(o, "<title>{}</title>", html(&title));
    let _ = writeln!(o, "<style>{STYLE}</style>\n</head>\n<body>\n<main>");
    let _ = writeln!(o, "<h1>{}</h1>", html(&title));
    let mut meta = format!(
        "Read from {} by gitops-guard {}.",
        inv.source.describe().replace('`', ""),
        env!("CARGO_PKG_VERSION")
    );
    if inv.layout == Some("jx3") {
        meta.push_str(" Layout: Jenkins X v3.");
    }
    let _ = writeln!(o, "<p class=\"meta\">{}</p>", html(&meta));
    o.push_str("<nav><a href=\"#namespaces\">Namespaces</a><a href=\"#releases\">Releases</a><a href=\"#images\">Images</a><a href=\"#secrets\">Secrets</a><a href=\"#findings\">Findings</a><a href=\"#resources\">Resources</a></nav>\n");
    o.push_str("<div class=\"cards\">");
    let cards = [
        ("Namespaces", s.namespaces, false),
        ("Releases", s.releases, false),
        ("Workloads", s.workloads, false),
        ("Images", s.images, false),
        ("Unpinned", s.unpinned_images + s.unpinned_releases, true),
        ("External secrets", s.external_secrets, false),
        ("Raw secrets", s.raw_secrets, true),
        ("Findings", s.findings, true),
    ];
    for (label, n, alarm) in cards {
        let class = if alarm && n > 0 { "card bad" } else { "card" };
        let _ = write!(
            o,
            "<div class=\"{class}\"><b>{n}</b><span>{}</span></div>",
            html(label)
        );
    }
    o.push_str("</div>\n");
    if !inv.errors.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"bad\">Incomplete: {} file(s) could not be read.</p><ul>",
            inv.errors.len()
        );
        for e in &inv.errors {
            let _ = writeln!(o, "<li>{}: {}</li>", html(&e.path), html(&e.message));
        }
        o.push_str("</ul>\n");
    }

    // The filters.
    o.push_str("<div class=\"toolbar\"><input type=\"search\" id=\"q\" placeholder=\"Filter every table: namespace, chart, image, key…\" aria-label=\"Filter\" autocomplete=\"off\">");
    o.push_str(
        "<select id=\"ns\" aria-label=\"Namespace\"><option value=\"\">All namespaces</option>",
    );
    let mut names: Vec<&str> = inv.namespaces.iter().map(|n| n.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for n in names {
        let _ = write!(o, "<option value=\"{0}\">{0}</option>", html(n));
    }
    o.push_str("</select></div>\n");

    let section = |o: &mut String, id: &str, title: &str, table: &Table, empty: &str| {
        let _ = writeln!(
            o,
            "<section id=\"{id}\"><h2>{}<span class=\"count\" id=\"count-{}\">{}</span></h2>",
            html(title),
            table.id,
            table.len
        );
        if table.len == 0 {
            let _ = writeln!(o, "<p class=\"mute\">{}</p>", html(empty));
        }
        table.render(o);
        o.push_str("</section>\n");
    };

    // Namespaces.
    let mut t = Table::new(
        "t-namespaces",
        &[
            ("Namespace", false),
            ("Releases", true),
            ("Workloads", true),
            ("Images", true),
            ("Unpinned images", true),
            ("External secrets", true),
            ("Raw secrets", true),
            ("Findings", true),
        ],
    );
    for n in &inv.namespaces {
        let label = place(&n.environment, &n.name, envs);
        let name = match &n.declared_in {
            Some(p) => link(base, &label, p, 0),
            None => cell(&label),
        };
        t.row(
            &n.name,
            &[
                name,
                num(n.releases),
                num(n.workloads),
                num(n.images),
                num(n.unpinned_images),
                num(n.external_secrets),
                num(n.raw_secrets),
                num(n.findings),
            ],
        );
    }
    section(
        &mut o,
        "namespaces",
        "Namespaces",
        &t,
        "No namespace is named in the repository.",
    );

    // Releases.
    let mut t = Table::new(
        "t-releases",
        &[
            ("Namespace", false),
            ("Release", false),
            ("Chart", false),
            ("Version", false),
            ("Repository", false),
            ("Type", false),
            ("Pinned", false),
        ],
    );
    for r in &inv.releases {
        let mut version = r.version.clone().unwrap_or_default();
        if r.kind != ReleaseType::Jx3Folder && version.is_empty() {
            version = "(none)".into();
        }
        if r.version_source == Some(super::VersionSource::VersionStream) {
            version.push_str(" (version stream)");
        }
        let mut chart = r.chart.clone().unwrap_or_default();
        if let Some(p) = &r.source_path {
            chart = if chart.is_empty() {
                format!("path {p}")
            } else {
                format!("{chart} (path {p})")
            };
        }
        let mut kind = r.kind.as_str().to_string();
        if r.patch {
            kind.push_str(" (overlay)");
        }
        t.row(
            &r.namespace,
            &[
                cell(&place(&r.environment, &r.namespace, envs)),
                link(base, &r.name, &r.at.path, r.at.line),
                cell(&chart),
                (html(&version), r.version.clone()),
                opt(&r.repository),
                cell(&kind),
                release_pin(r),
            ],
        );
    }
    section(
        &mut o,
        "releases",
        "Releases",
        &t,
        "No helmfile, Flux, Argo CD or kustomize release.",
    );

    // Images.
    let mut t = Table::new(
        "t-images",
        &[
            ("Namespace", false),
            ("Workload", false),
            ("Container", false),
            ("Registry", false),
            ("Image", false),
            ("Tag", false),
            ("Digest", false),
            ("Pinned", false),
        ],
    );
    for w in &inv.workloads {
        for i in &w.images {
            let (registry, repo) = match &i.repository {
                Some(r) => (
                    i.registry.clone().unwrap_or_else(|| "docker.io".into()),
                    r.clone(),
                ),
                None => (String::new(), i.image.clone()),
            };
            let digest = i.digest.as_deref().unwrap_or("");
            let short = digest
                .get(..19)
                .map(|d| format!("{d}…"))
                .unwrap_or_default();
            t.row(
                &w.namespace,
                &[
                    cell(&place(&w.environment, &w.namespace, envs)),
                    link(
                        base,
                        &format!("{} {}", w.kind, w.name),
                        &w.at.path,
                        w.at.line,
                    ),
                    opt(&i.container),
                    cell(&registry),
                    cell(&repo),
                    opt(&i.tag),
                    (
                        format!("<code title=\"{}\">{}</code>", html(digest), html(&short)),
                        Some(digest.to_string()),
                    ),
                    image_pin(i),
                ],
            );
        }
    }
    section(
        &mut o,
        "images",
        "Images",
        &t,
        "No workload runs a container.",
    );

    // Secrets.
    o.push_str("<div id=\"secrets\"></div>\n");
    let mut t = Table::new(
        "t-external-secrets",
        &[
            ("Namespace", false),
            ("Name", false),
            ("Operator", false),
            ("Store", false),
            ("Remote keys", false),
        ],
    );
    for e in &inv.external_secrets {
        let keys: Vec<String> = e
            .keys
            .iter()
            .map(|k| match &k.property {
                Some(p) => format!("{} ({p})", k.remote_key),
                None => k.remote_key.clone(),
            })
            .map(|k| html(&k))
            .collect();
        t.row(
            &e.namespace,
            &[
                cell(&place(&e.environment, &e.namespace, envs)),
                link(base, &e.name, &e.at.path, e.at.line),
                cell(e.operator),
                cell(&e.store.as_ref().map(|s| s.describe()).unwrap_or_default()),
                (keys.join("<br>"), None),
            ],
        );
    }
    section(&mut o, "external-secrets", "External secrets", &t, "None.");
    let mut t = Table::new(
        "t-raw-secrets",
        &[
            ("Namespace", false),
            ("Name", false),
            ("Keys (values never shown)", false),
            ("Reported", false),
        ],
    );
    for r in &inv.raw_secrets {
        t.row(
            &r.namespace,
            &[
                cell(&place(&r.environment, &r.namespace, envs)),
                link(base, &r.name, &r.at.path, r.at.line),
                cell(&r.keys.join(", ")),
                if r.reported {
                    (badge("bad", "GG101"), Some("0".into()))
                } else {
                    (badge("warn", "allowed"), Some("1".into()))
                },
            ],
        );
    }
    section(
        &mut o,
        "raw-secrets",
        "Raw secrets",
        &t,
        "None: no Secret in the repository holds a value.",
    );

    // Findings.
    let mut t = Table::new(
        "t-findings",
        &[
            ("Namespace", false),
            ("Rule", false),
            ("Severity", false),
            ("Where", false),
            ("Message", false),
        ],
    );
    for f in &inv.findings {
        t.row(
            &f.namespace,
            &[
                cell(&place(&f.environment, &f.namespace, envs)),
                cell(&format!("{} {}", f.code, f.rule)),
                (
                    badge(
                        if f.severity == "error" { "bad" } else { "warn" },
                        f.severity,
                    ),
                    Some(f.severity.to_string()),
                ),
                link(
                    base,
                    &format!("{}:{}", f.at.path, f.at.line),
                    &f.at.path,
                    f.at.line,
                ),
                cell(&f.message),
            ],
        );
    }
    section(&mut o, "findings", "Findings", &t, "None.");

    // Resources, folded: every object the repository applies.
    let mut t = Table::new(
        "t-resources",
        &[
            ("Namespace", false),
            ("Kind", false),
            ("Name", false),
            ("API version", false),
            ("Scope", false),
        ],
    );
    for r in &inv.resources {
        t.row(
            &r.namespace,
            &[
                cell(
                    &if r.namespace.is_empty() && r.scope == super::Scope::Cluster {
                        "(cluster)".to_string()
                    } else {
                        place(&r.environment, &r.namespace, envs)
                    },
                ),
                cell(&r.kind),
                link(base, &r.name, &r.at.path, r.at.line),
                cell(&r.api_version),
                cell(match r.scope {
                    super::Scope::Cluster => "cluster",
                    super::Scope::Namespaced => "namespaced",
                }),
            ],
        );
    }
    let _ = writeln!(
        o,
        "<section id=\"resources\"><h2>Resources<span class=\"count\" id=\"count-t-resources\">{}</span></h2><details><summary>Every object the repository applies</summary>",
        t.len
    );
    t.render(&mut o);
    o.push_str("</details></section>\n");

    let _ = writeln!(o, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>");
    o
}
