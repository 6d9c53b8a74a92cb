// mops site dashboard and realtime view.
//
// The page's markup carries everything this file needs in data attributes
// on its root (#dash or #realtime): the stats query endpoint, the CSV
// endpoint, the event stream, the CSRF token. The same script therefore
// serves any page that renders the same markup with other endpoints.
//
// All the view's state (period, filters, chart metric and interval, tabs,
// an open details view) lives in the URL's query string: a copied URL
// shows the same view, and back/forward step through changes.
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";

  // ---------------------------------------------------------------------
  // Formatting
  // ---------------------------------------------------------------------

  var METRIC_LABELS = {
    visitors: "Visitors", visits: "Visits", pageviews: "Pageviews", views_per_visit: "Views per visit",
    bounce_rate: "Bounce rate", visit_duration: "Visit duration", events: "Events", percentage: "%",
    time_on_page: "Time on page", scroll_depth: "Scroll depth", conversion_rate: "CR",
    group_conversion_rate: "Group CR", total_revenue: "Revenue", average_revenue: "Average revenue"
  };
  // Shorter headings for the narrow columns of the panels.
  var SHORT_LABELS = { pageviews: "Views", conversion_rate: "CR", total_revenue: "Revenue", average_revenue: "Average",
    bounce_rate: "Bounce", visit_duration: "Duration", time_on_page: "Time", scroll_depth: "Scroll" };
  var CHART_TITLES = {
    visitors: "Unique visitors", visits: "Total visits", pageviews: "Total pageviews",
    views_per_visit: "Views per visit", bounce_rate: "Bounce rate", visit_duration: "Visit duration"
  };
  var DIM_LABELS = {
    "visit:source": "Source", "visit:channel": "Channel", "visit:referrer": "Referrer",
    "visit:utm_source": "UTM source", "visit:utm_medium": "UTM medium", "visit:utm_campaign": "UTM campaign",
    "visit:utm_term": "UTM term", "visit:utm_content": "UTM content", "visit:device": "Device",
    "visit:browser": "Browser", "visit:os": "Operating system", "visit:country": "Country",
    "visit:region": "Region", "visit:city": "City", "visit:entry_page": "Entry page",
    "visit:exit_page": "Exit page", "visit:hostname": "Hostname", "event:page": "Page",
    "event:name": "Event", "event:hostname": "Hostname", "event:goal": "Goal"
  };

  function trimZero(s) { return s.replace(/\.0$/, ""); }

  // fmtCount shortens counts: 999, 1.2k, 12k, 1.2M.
  function fmtCount(n) {
    if (n == null || isNaN(n)) { return "–"; }
    var a = Math.abs(n), sign = n < 0 ? "-" : "";
    if (a < 1000) { return sign + String(Math.round(a)); }
    if (a < 9950) { return sign + trimZero((a / 1000).toFixed(1)) + "k"; }
    if (a < 999500) { return sign + Math.round(a / 1000) + "k"; }
    if (a < 9950000) { return sign + trimZero((a / 1e6).toFixed(1)) + "M"; }
    return sign + Math.round(a / 1e6) + "M";
  }

  // fmtDuration writes seconds as 45s, 4m 05s or 1h 02m.
  function fmtDuration(s) {
    if (s == null || isNaN(s)) { return "–"; }
    s = Math.round(s);
    if (s < 60) { return s + "s"; }
    var pad = function (x) { return x < 10 ? "0" + x : String(x); };
    if (s < 3600) { return Math.floor(s / 60) + "m " + pad(s % 60) + "s"; }
    return Math.floor(s / 3600) + "h " + pad(Math.floor(s % 3600 / 60)) + "m";
  }

  // fmtPercent writes 42%, 4.2%, 0.25%.
  function fmtPercent(p) {
    if (p == null || isNaN(p)) { return "–"; }
    var a = Math.abs(p);
    if (a >= 10 || a === 0) { return Math.round(p) + "%"; }
    if (a >= 1) { return trimZero(p.toFixed(1)) + "%"; }
    return trimZero(trimZero(p.toFixed(2)).replace(/0$/, "")) + "%";
  }

  function fmtMoney(v, currency) {
    if (v == null || isNaN(v)) { return "–"; }
    try {
      return new Intl.NumberFormat("en", {
        style: "currency", currency: currency || "EUR",
        notation: Math.abs(v) >= 10000 ? "compact" : "standard",
        maximumFractionDigits: Math.abs(v) >= 10000 ? 1 : 2
      }).format(v);
    } catch (e) {
      return fmtCount(v) + " " + (currency || "");
    }
  }

  function fmtMetric(metric, v, currency) {
    switch (metric) {
      case "bounce_rate": case "percentage": case "conversion_rate": case "group_conversion_rate": case "scroll_depth":
        return fmtPercent(v);
      case "visit_duration": case "time_on_page":
        return fmtDuration(v);
      case "views_per_visit":
        return v == null ? "–" : trimZero(trimZero(Number(v).toFixed(2)).replace(/(\.\d)0$/, "$1"));
      case "total_revenue": case "average_revenue":
        // Goals without revenue answer 0: nothing to show.
        return v ? fmtMoney(v, currency) : "–";
    }
    return fmtCount(v);
  }

  // exactMetric is the full value, for titles and tables.
  function exactMetric(metric, v, currency) {
    if (v == null) { return "–"; }
    if (metric === "total_revenue" || metric === "average_revenue") {
      if (!v) { return "–"; }
      try { return new Intl.NumberFormat("en", { style: "currency", currency: currency || "EUR" }).format(v); } catch (e) { /* below */ }
    }
    if (metric === "visit_duration" || metric === "time_on_page") { return fmtDuration(v); }
    if (/rate|percentage|scroll_depth/.test(metric)) { return v + "%"; }
    return Number(v).toLocaleString("en");
  }

  var regionNames = null;
  try { regionNames = new Intl.DisplayNames(["en"], { type: "region" }); } catch (e) { regionNames = null; }

  // dimValueLabel is how a dimension's value reads in the dashboard.
  function dimValueLabel(dim, v) {
    if (dim === "visit:source" && v === "") { return "Direct / None"; }
    if (dim === "visit:country") {
      if (v === "") { return "Unknown"; }
      var name = v;
      if (regionNames) { try { name = regionNames.of(v) || v; } catch (e) { name = v; } }
      return name;
    }
    if (dim === "visit:device" && v) { return v.charAt(0).toUpperCase() + v.slice(1); }
    if (v === "") { return "(not set)"; }
    return v;
  }

  function dimLabel(dim) {
    if (DIM_LABELS[dim]) { return DIM_LABELS[dim]; }
    if (dim.indexOf("event:props:") === 0) { return "Property " + dim.slice(12); }
    return dim;
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

  // parseLabel reads a time bucket label ("2026-03-10" or
  // "2026-03-10 14:00:00") into its parts.
  function parseLabel(l) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}))?/.exec(l || "");
    if (!m) { return null; }
    var d = { y: +m[1], mo: +m[2] - 1, d: +m[3], h: m[4] == null ? null : +m[4], mi: m[5] == null ? 0 : +m[5] };
    d.wd = new Date(Date.UTC(d.y, d.mo, d.d)).getUTCDay();
    return d;
  }

  function pad2(n) { return n < 10 ? "0" + n : String(n); }

  // fmtBucket labels a bucket on the axis (short) or in a tooltip (long).
  function fmtBucket(label, grain, long) {
    var d = parseLabel(label);
    if (!d) { return label; }
    switch (grain) {
      case "hour": case "minute":
        var hm = pad2(d.h) + ":" + pad2(d.mi);
        return long ? WEEKDAYS[d.wd] + " " + d.d + " " + MONTHS[d.mo] + ", " + hm : hm;
      case "week":
        return long ? "Week of " + d.d + " " + MONTHS[d.mo] + " " + d.y : d.d + " " + MONTHS[d.mo];
      case "month":
        return long ? MONTHS[d.mo] + " " + d.y : MONTHS[d.mo] + " " + String(d.y).slice(2);
    }
    return long ? WEEKDAYS[d.wd] + " " + d.d + " " + MONTHS[d.mo] + " " + d.y : d.d + " " + MONTHS[d.mo];
  }

  // fmtRange writes an answer's echoed date range ("2026-02-08T00:00:00+01:00",
  // "2026-03-09T23:59:59+01:00") as "8 Feb – 9 Mar 2026".
  function fmtRange(r) {
    if (!r || r.length !== 2) { return ""; }
    var a = parseLabel(r[0].replace("T", " ")), b = parseLabel(r[1].replace("T", " "));
    if (!a || !b) { return ""; }
    var sameDay = a.y === b.y && a.mo === b.mo && a.d === b.d;
    var left = a.d + " " + MONTHS[a.mo] + (a.y !== b.y ? " " + a.y : "");
    var right = b.d + " " + MONTHS[b.mo] + " " + b.y;
    if (sameDay) {
      return a.h != null && (a.h !== 0 || b.h !== 23) ? left + " " + pad2(a.h) + ":" + pad2(a.mi) + " – " + pad2(b.h) + ":" + pad2(b.mi) + " " + b.y : right;
    }
    if (a.h != null && (a.h !== 0 || a.mi !== 0)) {
      // A range that does not start at midnight (the last 24 hours).
      return left + " " + pad2(a.h) + ":" + pad2(a.mi) + " – " + right + " " + pad2(b.h) + ":" + pad2(b.mi);
    }
    return left + " – " + right;
  }

  // ---------------------------------------------------------------------
  // Small DOM helpers
  // ---------------------------------------------------------------------

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] == null || attrs[k] === false) { return; }
        if (k === "text") { e.textContent = attrs[k]; } else if (k === "class") { e.className = attrs[k]; } else { e.setAttribute(k, attrs[k] === true ? "" : attrs[k]); }
      });
    }
    (children || []).forEach(function (c) { if (c != null) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // niceScale returns a round maximum and step for an axis up to max.
  function niceScale(max, ticks) {
    if (!(max > 0)) { return { max: ticks, step: 1 }; }
    var raw = max / ticks, mag = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / mag;
    var step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
    if (step < 1 && max >= 1) { step = 1; }
    return { max: step * Math.ceil(max / step), step: step };
  }

  // ---------------------------------------------------------------------
  // Line and bar charts (SVG)
  // ---------------------------------------------------------------------

  // drawLineChart draws points (values, null for none) and, dashed, the
  // previous period's, into box; labels name the buckets.
  function drawLineChart(box, opts) {
    clear(box);
    var labels = opts.labels, now = opts.values, then = opts.previous || [];
    var width = Math.max(box.clientWidth || 600, 280), height = width < 560 ? 200 : 260;
    var pad = { l: 52, r: 16, t: 14, b: 30 };
    var w = width - pad.l - pad.r, h = height - pad.t - pad.b, n = labels.length;
    var max = 0;
    now.concat(then).forEach(function (v) { if (v != null && v > max) { max = v; } });
    var scale = niceScale(max, 4);
    var x = function (i) { return pad.l + (n <= 1 ? w / 2 : (i * w) / (n - 1)); };
    var y = function (v) { return pad.t + h - (v / scale.max) * h; };
    var root = svg("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height,
      role: "img", "aria-label": opts.title + ": " + n + " points", "data-points": String(n) });
    for (var t = 0; t <= scale.max + 1e-9; t += scale.step) {
      root.appendChild(svg("line", { x1: pad.l, x2: pad.l + w, y1: y(t), y2: y(t), class: "grid" }));
      var tl = svg("text", { x: pad.l - 8, y: y(t) + 4, "text-anchor": "end", class: "tick" });
      tl.textContent = fmtMetric(opts.metric, t, opts.currency);
      root.appendChild(tl);
    }
    var every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(w / 84))));
    labels.forEach(function (l, i) {
      if (i % every !== 0) { return; }
      var tx = svg("text", { x: x(i), y: height - 8, "text-anchor": n === 1 ? "middle" : i === 0 ? "start" : "middle", class: "tick" });
      tx.textContent = fmtBucket(l, opts.grain, false);
      root.appendChild(tx);
    });
    var line = function (vals) {
      var d = "", open = false;
      vals.forEach(function (v, i) {
        if (v == null) { open = false; return; }
        d += (open ? " L " : " M ") + x(i).toFixed(1) + " " + y(v).toFixed(1);
        open = true;
      });
      return d.trim();
    };
    var prevPath = line(then);
    if (prevPath) { root.appendChild(svg("path", { d: prevPath, class: "line then" })); }
    var nowPath = line(now);
    if (nowPath) {
      var last = -1, first = -1;
      now.forEach(function (v, i) { if (v != null) { if (first < 0) { first = i; } last = i; } });
      var contiguous = now.slice(first, last + 1).every(function (v) { return v != null; });
      if (contiguous && last > first) {
        root.appendChild(svg("path", { d: nowPath + " L " + x(last).toFixed(1) + " " + (pad.t + h) + " L " + x(first).toFixed(1) + " " + (pad.t + h) + " Z", class: "area" }));
      }
      if (opts.partial != null && opts.partial > 0 && now[opts.partial] != null && now[opts.partial - 1] != null) {
        // The bucket still filling is joined by a dashed segment.
        var solid = now.slice(0, opts.partial);
        root.appendChild(svg("path", { d: line(solid), class: "line now" }));
        root.appendChild(svg("path", { d: "M " + x(opts.partial - 1).toFixed(1) + " " + y(now[opts.partial - 1]).toFixed(1) +
          " L " + x(opts.partial).toFixed(1) + " " + y(now[opts.partial]).toFixed(1), class: "line now partial" }));
      } else {
        root.appendChild(svg("path", { d: nowPath, class: "line now" }));
      }
    }
    if (n <= 45) {
      now.forEach(function (v, i) {
        if (v != null) { root.appendChild(svg("circle", { cx: x(i), cy: y(v), r: 3, class: "dot" })); }
      });
    }
    // Hover: a guide, a marker and a tooltip for the nearest bucket.
    var guide = svg("line", { y1: pad.t, y2: pad.t + h, class: "guide", visibility: "hidden" });
    var marker = svg("circle", { r: 5, class: "marker", visibility: "hidden" });
    root.appendChild(guide);
    root.appendChild(marker);
    var hit = svg("rect", { x: pad.l, y: pad.t, width: w, height: h, fill: "transparent" });
    root.appendChild(hit);
    box.appendChild(root);
    var tip = el("div", { class: "chart-tip", hidden: true });
    box.appendChild(tip);
    var show = function (ev) {
      var r = root.getBoundingClientRect();
      var px = (ev.clientX - r.left) * (width / r.width);
      var i = n <= 1 ? 0 : Math.round(((px - pad.l) / w) * (n - 1));
      i = Math.max(0, Math.min(n - 1, i));
      guide.setAttribute("x1", x(i));
      guide.setAttribute("x2", x(i));
      guide.setAttribute("visibility", "visible");
      if (now[i] != null) {
        marker.setAttribute("cx", x(i));
        marker.setAttribute("cy", y(now[i]));
        marker.setAttribute("visibility", "visible");
      } else {
        marker.setAttribute("visibility", "hidden");
      }
      clear(tip);
      tip.appendChild(el("strong", { text: fmtBucket(labels[i], opts.grain, true) }));
      tip.appendChild(el("span", { class: "tip-now", text: (now[i] == null ? "–" : exactMetric(opts.metric, now[i], opts.currency)) + (opts.unit ? " " + opts.unit : "") }));
      if (opts.previousLabels && opts.previousLabels[i]) {
        tip.appendChild(el("span", { class: "tip-then", text: (then[i] == null ? "–" : exactMetric(opts.metric, then[i], opts.currency)) + " on " + fmtBucket(opts.previousLabels[i], opts.grain, true) }));
      }
      tip.hidden = false;
      var left = (x(i) / width) * r.width;
      tip.style.left = Math.min(Math.max(left - tip.offsetWidth / 2, 0), r.width - tip.offsetWidth) + "px";
    };
    hit.addEventListener("mousemove", show);
    hit.addEventListener("mouseleave", function () {
      tip.hidden = true;
      guide.setAttribute("visibility", "hidden");
      marker.setAttribute("visibility", "hidden");
    });
  }

  // drawBarChart draws one bar per value, for the realtime minutes.
  function drawBarChart(box, opts) {
    clear(box);
    var width = Math.max(box.clientWidth || 600, 280), height = width < 560 ? 160 : 200;
    var pad = { l: 40, r: 8, t: 10, b: 26 };
    var w = width - pad.l - pad.r, h = height - pad.t - pad.b, n = opts.values.length;
    var max = Math.max.apply(null, opts.values.concat([0]));
    var scale = niceScale(max, 3);
    var root = svg("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img",
      "aria-label": opts.title, "data-points": String(n) });
    var y = function (v) { return pad.t + h - (v / scale.max) * h; };
    for (var t = 0; t <= scale.max + 1e-9; t += scale.step) {
      root.appendChild(svg("line", { x1: pad.l, x2: pad.l + w, y1: y(t), y2: y(t), class: "grid" }));
      var tl = svg("text", { x: pad.l - 6, y: y(t) + 4, "text-anchor": "end", class: "tick" });
      tl.textContent = fmtCount(t);
      root.appendChild(tl);
    }
    var slot = w / n, bw = Math.max(2, slot * 0.7);
    opts.values.forEach(function (v, i) {
      var bx = pad.l + i * slot + (slot - bw) / 2;
      var bar = svg("rect", { x: bx.toFixed(1), y: y(v).toFixed(1), width: bw.toFixed(1), height: Math.max(0, pad.t + h - y(v)).toFixed(1), rx: 2, class: "bar" });
      var title = svg("title", {});
      title.textContent = opts.labels[i] + ": " + v + " " + opts.unit;
      bar.appendChild(title);
      root.appendChild(bar);
      if (i % 5 === 4 || i === n - 1) {
        var tx = svg("text", { x: (pad.l + i * slot + slot / 2).toFixed(1), y: height - 8, "text-anchor": "middle", class: "tick" });
        tx.textContent = opts.labels[i];
        root.appendChild(tx);
      }
    });
    box.appendChild(root);
  }

  function fillChartTable(table, head, rows) {
    clear(table);
    table.appendChild(el("thead", null, [el("tr", null, head.map(function (c, i) { return el("th", { scope: "col", class: i ? "num" : null, text: c }); }))]));
    table.appendChild(el("tbody", null, rows.map(function (r) {
      return el("tr", null, r.map(function (c, i) { return el(i ? "td" : "th", { class: i ? "num" : null, scope: i ? null : "row", text: c }); }));
    })));
  }

  // ---------------------------------------------------------------------
  // Breakdown tables (panels, details, realtime lists)
  // ---------------------------------------------------------------------

  // breakdownTable renders rows of {label, value, cells:[{text,title}], share}
  // with a bar of share (0–1) behind each label; onPick, when set, makes
  // each label a button.
  function breakdownTable(column, heads, rows, onPick, pickTitle) {
    var table = el("table", { class: "ptable" });
    table.appendChild(el("thead", null, [el("tr", null, [el("th", { scope: "col", text: column })].concat(heads.map(function (hd) {
      return el("th", { scope: "col", class: "num", text: hd });
    })))]));
    var body = el("tbody");
    rows.forEach(function (r) {
      var bar = el("span", { class: "pbar", "aria-hidden": "true" });
      bar.style.width = (Math.max(0, Math.min(1, r.share || 0)) * 100).toFixed(2) + "%";
      var name = el("span", { class: "plabel", text: r.label });
      var label = onPick
        ? el("button", { type: "button", class: "prow", title: pickTitle ? pickTitle(r) : null, "data-value": r.value }, [bar, name])
        : el("span", { class: "prow" }, [bar, name]);
      if (onPick) { label.addEventListener("click", function () { onPick(r); }); }
      body.appendChild(el("tr", null, [el("td", { class: "pcell" }, [label])].concat(r.cells.map(function (c, i) {
        return el("td", { class: "num" + (i > 0 ? " muted" : ""), title: c.title || null, text: c.text });
      }))));
    });
    table.appendChild(body);
    return table;
  }

  // ---------------------------------------------------------------------
  // The dashboard
  // ---------------------------------------------------------------------

  var PERIODS = {
    day: { days: 1, intervals: ["hour"] },
    "24h": { days: 1, intervals: ["hour"] },
    "7d": { days: 7, intervals: ["hour", "day"], def: "day" },
    "28d": { days: 28, intervals: ["day", "week"] },
    "30d": { days: 30, intervals: ["day", "week"] },
    "91d": { days: 91, intervals: ["day", "week", "month"] },
    month: { days: 31, intervals: ["day", "week"] },
    "6mo": { days: 183, intervals: ["day", "week", "month"], def: "month" },
    "12mo": { days: 365, intervals: ["day", "week", "month"], def: "month" },
    year: { days: 365, intervals: ["day", "week", "month"], def: "month" },
    all: { days: 0, intervals: ["day", "week", "month"], def: "" }
  };
  var DEFAULT_PERIOD = "30d";
  var INTERVAL_LABELS = { hour: "Hourly", day: "Daily", week: "Weekly", month: "Monthly" };
  var KPI_METRICS = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"];
  var PANEL_ROWS = 9;
  var DETAIL_PAGE = 100;
  var CSV_LIMIT = 10000;

  // customIntervals are the intervals of a custom range of days days.
  function customIntervals(days) {
    var out = [];
    if (days <= 7) { out.push("hour"); }
    if (days > 1) { out.push("day"); }
    if (days >= 14) { out.push("week"); }
    if (days >= 60) { out.push("month"); }
    return { intervals: out, def: days <= 2 ? "hour" : days <= 93 ? "day" : "month" };
  }

  function daysBetween(from, to) {
    var a = Date.parse(from + "T00:00:00Z"), b = Date.parse(to + "T00:00:00Z");
    return Math.round((b - a) / 86400000) + 1;
  }

  // allowedMetrics leaves out the metrics the stats engine refuses with
  // these dimensions and filters, so one request answers.
  function allowedMetrics(metrics, dims, filterDims) {
    var eventDims = dims.filter(function (d) { return d.indexOf("event:") === 0; });
    var nonPageEventDims = eventDims.filter(function (d) { return d !== "event:page"; });
    var engagementOff = eventDims.concat(filterDims.filter(function (d) { return d.indexOf("event:") === 0; }))
      .some(function (d) { return d !== "event:page" && d !== "event:hostname"; });
    var goal = dims.indexOf("event:goal") >= 0 || filterDims.indexOf("event:goal") >= 0;
    return metrics.filter(function (m) {
      switch (m) {
        case "time_on_page": case "scroll_depth": return !engagementOff;
        case "views_per_visit": return eventDims.length === 0 && filterDims.indexOf("event:page") < 0;
        case "bounce_rate": case "visit_duration": return nonPageEventDims.length === 0;
        case "percentage": return dims.length > 0;
        case "conversion_rate": case "group_conversion_rate": case "total_revenue": case "average_revenue": return goal;
      }
      return true;
    });
  }

  function initDashboard(root) {
    var cfg = {
      queryURL: root.getAttribute("data-query-url"),
      csvURL: root.getAttribute("data-csv-url"),
      csrf: root.getAttribute("data-csrf"),
      currency: root.getAttribute("data-currency") || "EUR",
      timezone: root.getAttribute("data-timezone") || "UTC"
    };
    var $ = function (sel) { return root.querySelector(sel); };
    var periodSelect = $("#dash-period"), intervalSelect = $("#dash-interval");
    var rangeForm = $("#dash-range"), dialog = $("#dash-details");
    var panels = Array.prototype.map.call(root.querySelectorAll("[data-panel]"), function (sec) {
      var p = { key: sec.getAttribute("data-panel"), el: sec, body: sec.querySelector(".panel-body"),
        title: sec.querySelector("h2").textContent, tabs: [], csv: sec.querySelector("[data-csv]") };
      sec.querySelectorAll("[role=tab]").forEach(function (b) {
        var t = { key: b.getAttribute("data-tab"), el: b, label: b.textContent.trim(), dimension: b.getAttribute("data-dimension"),
          column: b.getAttribute("data-column"), metrics: b.getAttribute("data-metrics").split(","),
          detailMetrics: b.getAttribute("data-detail-metrics").split(","), hideEmpty: b.hasAttribute("data-hide-empty"),
          option: sec.querySelector('[data-option-for="' + b.getAttribute("data-tab") + '"]') };
        t.select = t.option ? t.option.querySelector("select") : null;
        p.tabs.push(t);
      });
      return p;
    });
    var byKey = {};
    panels.forEach(function (p) { byKey[p.key] = p; });

    // -- state ---------------------------------------------------------

    var state;

    function readState() {
      var q = new URLSearchParams(location.search);
      var s = { period: q.get("period") || DEFAULT_PERIOD, from: q.get("from") || "", to: q.get("to") || "",
        filters: [], metric: q.get("metric") || "visitors", interval: q.get("interval") || "", tabs: {}, options: {},
        details: q.get("details") || "" };
      if (!PERIODS[s.period] && s.period !== "custom") { s.period = DEFAULT_PERIOD; }
      if (s.period === "custom" && !(/^\d{4}-\d{2}-\d{2}$/.test(s.from) && /^\d{4}-\d{2}-\d{2}$/.test(s.to) && s.from <= s.to)) {
        s.period = DEFAULT_PERIOD;
      }
      if (KPI_METRICS.indexOf(s.metric) < 0) { s.metric = "visitors"; }
      q.getAll("f").forEach(function (f) {
        var parts = f.split("|");
        if (parts.length >= 3 && parts[1]) {
          s.filters.push({ op: parts[0], dim: parts[1], value: parts.slice(2).join("|") });
        }
      });
      panels.forEach(function (p) {
        var want = q.get(p.key);
        var tab = p.tabs.filter(function (t) { return t.key === want; })[0] || p.tabs[0];
        s.tabs[p.key] = tab.key;
        p.tabs.forEach(function (t) {
          if (!t.select) { return; }
          var v = q.get(t.key);
          var ok = v && Array.prototype.some.call(t.select.options, function (o) { return o.value === v; });
          s.options[t.key] = ok ? v : (t.select.options[0] ? t.select.options[0].value : "");
        });
      });
      if (s.details && !byKey[s.details]) { s.details = ""; }
      return s;
    }

    function stateQuery(s) {
      var q = new URLSearchParams();
      if (s.period !== DEFAULT_PERIOD) { q.set("period", s.period); }
      if (s.period === "custom") { q.set("from", s.from); q.set("to", s.to); }
      s.filters.forEach(function (f) { q.append("f", f.op + "|" + f.dim + "|" + f.value); });
      if (s.metric !== "visitors") { q.set("metric", s.metric); }
      if (s.interval) { q.set("interval", s.interval); }
      panels.forEach(function (p) {
        if (s.tabs[p.key] !== p.tabs[0].key) { q.set(p.key, s.tabs[p.key]); }
        p.tabs.forEach(function (t) {
          if (t.select && t.select.options.length && s.options[t.key] !== t.select.options[0].value) { q.set(t.key, s.options[t.key]); }
        });
      });
      if (s.details) { q.set("details", s.details); }
      var str = q.toString();
      return str ? "?" + str : location.pathname;
    }

    // go applies a change to the state, records it in the history and
    // reloads what depends on it (what: "all", "chart", a panel key or
    // "details").
    function go(change, what) {
      var next = JSON.parse(JSON.stringify(state));
      change(next);
      state = next;
      history.pushState(null, "", stateQuery(state));
      render(what);
    }

    // -- queries -------------------------------------------------------

    function dateRange() { return state.period === "custom" ? [state.from, state.to] : state.period; }

    // comparable: all time has no period before it.
    function comparable() { return state.period !== "all"; }

    function apiFilters(extra) {
      var out = state.filters.map(function (f) { return [f.op, f.dim, [f.value]]; });
      return out.concat(extra || []);
    }

    function filterDims(filters) {
      return filters.map(function (f) { return f[1]; });
    }

    var refused = {}; // metric@context → true, learnt from answers

    function query(body, signal) {
      var headers = { "Content-Type": "application/json" };
      if (cfg.csrf) { headers["X-CSRF-Token"] = cfg.csrf; }
      return fetch(cfg.queryURL, { method: "POST", headers: headers, body: JSON.stringify(body), signal: signal, credentials: "same-origin" })
        .then(function (resp) {
          return resp.text().then(function (text) {
            var data = null;
            try { data = JSON.parse(text); } catch (e) { data = null; }
            if (!resp.ok) {
              var err = new Error(data && data.error ? data.error : "The server answered " + resp.status + ".");
              err.status = resp.status;
              throw err;
            }
            return data;
          });
        });
    }

    // queryMetrics asks body with the metrics the engine takes; a metric
    // it still refuses (a rule this file does not know) is dropped and the
    // query asked again, once per metric.
    function queryMetrics(body, signal) {
      var ctx = (body.dimensions || []).join(",") + "@" + filterDims(body.filters || []).sort().join(",");
      var wanted = body.metrics;
      body.metrics = wanted.filter(function (m, i) { return i === 0 || !refused[m + "@" + ctx]; });
      return query(body, signal).catch(function (err) {
        var m = err.status === 400 && /metric "?([a-z_]+)"?/.exec(err.message);
        if (m && body.metrics.indexOf(m[1]) > 0 && !refused[m[1] + "@" + ctx]) {
          refused[m[1] + "@" + ctx] = true;
          body.metrics = wanted;
          return queryMetrics(body, signal);
        }
        throw err;
      }).then(function (res) {
        res.metrics = body.metrics;
        return res;
      });
    }

    var controllers = {};
    function fresh(key) {
      if (controllers[key]) { controllers[key].abort(); }
      controllers[key] = new AbortController();
      return controllers[key].signal;
    }

    function showError(err) {
      if (err && err.name === "AbortError") { return; }
      var box = $("#dash-error");
      box.textContent = err.status === 401 || err.status === 404
        ? "Your session has ended or this site is no longer yours to see. Reload the page to sign in again."
        : "Some numbers could not be loaded: " + err.message;
      box.hidden = false;
    }

    // -- KPIs ------------------------------------------------------------

    function loadKPIs() {
      var filters = apiFilters();
      var body = { metrics: allowedMetrics(KPI_METRICS, [], filterDims(filters)), date_range: dateRange(), filters: filters,
        include: comparable() ? { comparisons: { mode: "previous_period" } } : {} };
      root.querySelectorAll(".kpi").forEach(function (k) { k.classList.add("loading"); });
      queryMetrics(body, fresh("kpi")).then(function (res) {
        var row = res.results[0] || { metrics: [] };
        root.querySelectorAll(".kpi").forEach(function (k) {
          var m = k.getAttribute("data-metric"), i = res.metrics.indexOf(m);
          var value = k.querySelector("[data-value]"), change = k.querySelector("[data-change]");
          k.classList.remove("loading");
          k.classList.toggle("unavailable", i < 0);
          k.disabled = i < 0;
          if (i < 0) {
            value.textContent = "–";
            change.textContent = "not with these filters";
            change.className = "kpi-change";
            return;
          }
          value.textContent = fmtMetric(m, row.metrics[i], cfg.currency);
          value.title = exactMetric(m, row.metrics[i], cfg.currency);
          var c = row.comparison ? row.comparison.change[i] : null;
          change.className = "kpi-change";
          if (c == null) {
            change.textContent = row.comparison && row.comparison.metrics[i] === 0 && row.metrics[i] > 0 ? "new" : "";
          } else {
            var good = m === "bounce_rate" ? c < 0 : c > 0;
            var unit = m === "bounce_rate" ? (Math.abs(c) === 1 ? " pt" : " pts") : "%";
            change.textContent = (c > 0 ? "↑ " : c < 0 ? "↓ " : "") + Math.abs(c) + unit;
            if (c !== 0) { change.classList.add(good ? "up" : "down"); }
            change.title = "Previous period: " + exactMetric(m, row.comparison.metrics[i], cfg.currency);
          }
        });
        $("#dash-period-label").textContent = fmtRange(res.query.date_range) +
          (res.query.comparison_date_range ? " · compared with " + fmtRange(res.query.comparison_date_range) : "");
      }).catch(showError);
    }

    // -- chart -----------------------------------------------------------

    function intervalsNow() {
      if (state.period === "custom") { return customIntervals(daysBetween(state.from, state.to)); }
      var p = PERIODS[state.period];
      return { intervals: p.intervals, def: p.def != null ? p.def : p.intervals[0] };
    }

    function renderIntervalSelect(chosen) {
      var iv = intervalsNow();
      clear(intervalSelect);
      var list = iv.intervals.slice();
      if (chosen && list.indexOf(chosen) < 0) { list.unshift(chosen); }
      list.forEach(function (i) { intervalSelect.appendChild(el("option", { value: i, text: INTERVAL_LABELS[i] })); });
      intervalSelect.value = chosen;
      intervalSelect.disabled = list.length < 2;
    }

    // grainOf tells the buckets of labels apart when the engine chose them.
    function grainOf(labels) {
      if (!labels.length) { return "day"; }
      if (labels[0].indexOf(":") > 0) { return "hour"; }
      if (labels.length > 1) {
        var a = parseLabel(labels[labels.length - 2]), b = parseLabel(labels[labels.length - 1]);
        var days = (Date.UTC(b.y, b.mo, b.d) - Date.UTC(a.y, a.mo, a.d)) / 86400000;
        return days >= 28 ? "month" : days >= 7 ? "week" : "day";
      }
      return "day";
    }

    // nowLabel is the current bucket's label in the site's time zone, to
    // cut the line where the future starts.
    function nowLabel() {
      try {
        var parts = {};
        new Intl.DateTimeFormat("en-CA", { timeZone: cfg.timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", hourCycle: "h23" })
          .formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
        return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":00:00";
      } catch (e) {
        return "9999";
      }
    }

    // bucketHasNow reports whether the bucket labelled l (of grain) holds
    // the current hour cut ("2026-03-10 14:00:00"), so it is still filling.
    function bucketHasNow(l, grain, cut) {
      var day = cut.slice(0, 10);
      switch (grain) {
        case "hour": return l === cut;
        case "day": return l === day;
        case "week": return l <= day && Date.parse(day) - Date.parse(l) < 7 * 86400000;
        case "month": return l.slice(0, 7) === day.slice(0, 7);
      }
      return false;
    }

    function loadChart() {
      var iv = intervalsNow();
      var interval = state.interval && iv.intervals.indexOf(state.interval) >= 0 ? state.interval : iv.def;
      var dim = interval ? "time:" + interval : "time";
      var filters = apiFilters();
      // A metric the filters rule out (views per visit under a page
      // filter) gives way to visitors.
      var metric = allowedMetrics([state.metric], [], filterDims(filters)).length ? state.metric : "visitors";
      var body = { metrics: [metric], date_range: dateRange(), dimensions: [dim], filters: filters,
        include: comparable() ? { time_labels: true, comparisons: { mode: "previous_period" } } : { time_labels: true } };
      root.querySelector(".chart-legend").hidden = !comparable();
      var box = $("#dash-chart");
      box.classList.add("loading");
      $("#dash-chart-title").textContent = CHART_TITLES[metric];
      root.querySelectorAll(".kpi").forEach(function (k) { k.setAttribute("aria-pressed", String(k.getAttribute("data-metric") === metric)); });
      renderIntervalSelect(interval);
      query(body, fresh("chart")).then(function (res) {
        box.classList.remove("loading");
        var labels = res.meta.time_labels || [];
        var grain = interval || grainOf(labels);
        if (!interval) { renderIntervalSelect(grain); }
        var rows = {};
        res.results.forEach(function (r) { rows[r.dimensions[0]] = r; });
        var cut = nowLabel();
        var values = [], previous = [], previousLabels = [], partial = null;
        labels.forEach(function (l, i) {
          var r = rows[l];
          var future = (grain === "hour" ? l : l + " 00:00:00") > cut;
          if (!future && bucketHasNow(l, grain, cut)) { partial = i; }
          values.push(future ? null : r ? r.metrics[0] : 0);
          previous.push(r && r.comparison ? r.comparison.metrics[0] : null);
          previousLabels.push(r && r.comparison ? r.comparison.dimensions[0] : null);
        });
        var unit = (METRIC_LABELS[metric] || metric).toLowerCase();
        drawLineChart(box, { labels: labels, values: values, previous: previous, previousLabels: previousLabels, partial: partial,
          metric: metric, grain: grain, currency: cfg.currency, title: CHART_TITLES[metric], unit: /rate|duration|per/.test(metric) ? "" : unit });
        box.setAttribute("data-interval", grain);
        fillChartTable($("#dash-chart-table"), [grain === "hour" ? "Hour" : grain === "week" ? "Week of" : grain === "month" ? "Month" : "Day",
          CHART_TITLES[metric], "Previous period"], labels.map(function (l, i) {
          return [l, values[i] == null ? "–" : exactMetric(metric, values[i], cfg.currency),
            previous[i] == null ? "–" : exactMetric(metric, previous[i], cfg.currency)];
        }));
      }).catch(function (err) {
        box.classList.remove("loading");
        showError(err);
      });
    }

    // -- panels ----------------------------------------------------------

    function activeTab(p) {
      var key = state.tabs[p.key];
      return p.tabs.filter(function (t) { return t.key === key; })[0] || p.tabs[0];
    }

    // tabQuery is what a tab shows: its dimension and filters, the
    // dashboard's plus the one that leaves out empty values.
    function tabQuery(t) {
      var dim = t.dimension;
      if (t.select) {
        var opt = t.select.querySelector('option[value="' + CSS.escape(state.options[t.key] || "") + '"]') || t.select.options[0];
        dim = opt ? opt.getAttribute("data-dimension") : "";
      }
      var extra = t.hideEmpty && dim ? [["is_not", dim, ["", "(none)"]]] : [];
      return { dim: dim, filters: apiFilters(extra), hideEmpty: t.hideEmpty };
    }

    function csvHref(tq, metrics, search) {
      var filters = tq.filters.slice();
      if (search) { filters.push(["contains", tq.dim, [search], { case_sensitive: false }]); }
      var q = { metrics: allowedMetrics(metrics, [tq.dim], filterDims(filters)), date_range: dateRange(),
        dimensions: [tq.dim], filters: filters, pagination: { limit: CSV_LIMIT } };
      return cfg.csvURL + "?q=" + encodeURIComponent(JSON.stringify(q));
    }

    function pick(dim, value) {
      go(function (s) {
        s.filters = s.filters.filter(function (f) { return f.dim !== dim; });
        s.filters.push({ op: "is", dim: dim, value: value });
        s.details = "";
      }, "all");
    }

    // rowsOf turns an answer into breakdown rows.
    function rowsOf(res, dim, metrics) {
      var first = metrics[0], pct = metrics.indexOf("percentage"), max = 0;
      res.results.forEach(function (r) { if (r.metrics[0] > max) { max = r.metrics[0]; } });
      return res.results.map(function (r) {
        var v = r.dimensions[0];
        return { value: v, label: dimValueLabel(dim, v),
          share: pct >= 0 ? r.metrics[pct] / 100 : max > 0 ? r.metrics[0] / max : 0,
          cells: metrics.map(function (m, i) {
            return { text: fmtMetric(m, r.metrics[i], cfg.currency), title: exactMetric(m, r.metrics[i], cfg.currency) };
          }), raw: r, first: first };
      });
    }

    function panelMessage(p, text, link) {
      clear(p.body);
      p.body.appendChild(el("p", { class: "panel-empty muted" }, [text, link ? " " : null, link]));
    }

    function loadPanel(p) {
      var t = activeTab(p);
      p.tabs.forEach(function (x) {
        x.el.setAttribute("aria-selected", String(x === t));
        x.el.tabIndex = x === t ? 0 : -1;
        if (x.option) { x.option.hidden = x !== t; }
        if (x.select) { x.select.value = state.options[x.key] || ""; }
      });
      p.body.setAttribute("aria-labelledby", t.el.id);
      var tq = tabQuery(t);
      if (!tq.dim) {
        // Nothing to choose from: the option row explains why.
        p.csv.hidden = true;
        p.el.querySelector("[data-details]").hidden = true;
        clear(p.body);
        p.body.setAttribute("aria-busy", "false");
        return;
      }
      p.csv.hidden = false;
      p.el.querySelector("[data-details]").hidden = false;
      p.csv.href = csvHref(tq, t.detailMetrics);
      var metrics = allowedMetrics(t.metrics, [tq.dim], filterDims(tq.filters));
      var body = { metrics: metrics, date_range: dateRange(), dimensions: [tq.dim], filters: tq.filters,
        pagination: { limit: PANEL_ROWS }, include: { total_rows: true } };
      p.body.setAttribute("aria-busy", "true");
      p.body.classList.add("loading");
      queryMetrics(body, fresh("panel:" + p.key)).then(function (res) {
        p.body.classList.remove("loading");
        p.body.setAttribute("aria-busy", "false");
        var ms = res.metrics;
        if (tq.dim === "event:goal" && res.results.length && ms.indexOf("total_revenue") >= 0 &&
          res.results.every(function (r) { return !r.metrics[ms.indexOf("total_revenue")]; })) {
          // Revenue only where a goal has any.
          var ri = ms.indexOf("total_revenue");
          ms = ms.filter(function (m, i) { return i !== ri; });
          res.results.forEach(function (r) { r.metrics.splice(ri, 1); });
        }
        if (!res.results.length) {
          if (tq.dim === "event:goal" && p.el.getAttribute("data-goals-url")) {
            panelMessage(p, "No conversions in this period.", el("a", { href: p.el.getAttribute("data-goals-url"), text: "Set up goals" }));
          } else {
            panelMessage(p, "No data for this period.");
          }
          return;
        }
        clear(p.body);
        p.body.appendChild(breakdownTable(t.column === "Value" ? dimLabel(tq.dim) : t.column,
          ms.map(function (m) { return SHORT_LABELS[m] || METRIC_LABELS[m] || m; }), rowsOf(res, tq.dim, ms),
          function (r) { pick(tq.dim, r.value); },
          function (r) { return "Filter by " + dimLabel(tq.dim).toLowerCase() + " " + r.label; }));
        var more = res.meta.total_rows - res.results.length;
        if (more > 0) {
          p.body.appendChild(el("p", { class: "panel-more muted small", text: fmtCount(more) + " more in details" }));
        }
      }).catch(function (err) {
        if (err.name === "AbortError") { return; }
        p.body.classList.remove("loading");
        p.body.setAttribute("aria-busy", "false");
        panelMessage(p, "Could not load: " + err.message);
      });
    }

    // -- details -----------------------------------------------------------

    var details = { panel: null, offset: 0, search: "", timer: 0 };

    function openDetails() {
      var p = byKey[state.details];
      if (!p) {
        if (dialog.open) { dialog.close(); }
        return;
      }
      var t = activeTab(p);
      details.panel = p;
      details.search = "";
      $("#dash-details-search").value = "";
      $("#dash-details-title").textContent = t.select ? dimLabel(tabQuery(t).dim) : p.tabs.length > 1 ? t.label : p.title;
      if (!dialog.open) {
        if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
      }
      loadDetails(false);
    }

    function loadDetails(append) {
      var p = details.panel, t = activeTab(p), tq = tabQuery(t);
      if (!append) { details.offset = 0; }
      var filters = tq.filters.slice();
      if (details.search) { filters.push(["contains", tq.dim, [details.search], { case_sensitive: false }]); }
      var metrics = allowedMetrics(t.detailMetrics, [tq.dim], filterDims(filters));
      var body = { metrics: metrics, date_range: dateRange(), dimensions: [tq.dim], filters: filters,
        pagination: { limit: DETAIL_PAGE, offset: details.offset }, include: { total_rows: true } };
      $("#dash-details-csv").href = csvHref(tq, t.detailMetrics, details.search);
      var table = $("#dash-details-table"), more = $("#dash-details-more"), count = $("#dash-details-count");
      table.classList.add("loading");
      more.disabled = true;
      queryMetrics(body, fresh("details")).then(function (res) {
        table.classList.remove("loading");
        more.disabled = false;
        var rows = rowsOf(res, tq.dim, res.metrics);
        var built = breakdownTable(t.column === "Value" ? dimLabel(tq.dim) : t.column,
          res.metrics.map(function (m) { return METRIC_LABELS[m] || m; }), rows,
          function (r) { pick(tq.dim, r.value); },
          function (r) { return "Filter by " + dimLabel(tq.dim).toLowerCase() + " " + r.label; });
        if (append) {
          var tbody = table.querySelector("tbody");
          Array.prototype.slice.call(built.querySelector("tbody").children).forEach(function (tr) { tbody.appendChild(tr); });
        } else {
          clear(table);
          Array.prototype.slice.call(built.children).forEach(function (c) { table.appendChild(c); });
        }
        details.offset += res.results.length;
        var total = res.meta.total_rows || 0;
        count.textContent = total ? "Showing " + details.offset.toLocaleString("en") + " of " + total.toLocaleString("en") : (details.search ? "Nothing matches “" + details.search + "”." : "No data for this period.");
        more.hidden = details.offset >= total;
      }).catch(function (err) {
        if (err.name === "AbortError") { return; }
        table.classList.remove("loading");
        count.textContent = "Could not load: " + err.message;
      });
    }

    // -- filters and period -------------------------------------------------

    function renderFilters() {
      var box = $("#dash-filters"), list = $("#dash-chips");
      clear(list);
      state.filters.forEach(function (f, i) {
        var text = dimLabel(f.dim) + (f.op === "is" ? " is " : " " + f.op.replace("_", " ") + " ") + dimValueLabel(f.dim, f.value);
        var remove = el("button", { type: "button", class: "chip-remove", "aria-label": "Remove filter: " + text, title: "Remove filter", text: "×" });
        remove.addEventListener("click", function () {
          go(function (s) { s.filters.splice(i, 1); }, "all");
        });
        list.appendChild(el("li", { class: "chip" }, [el("span", { text: text }), remove]));
      });
      box.hidden = state.filters.length === 0;
    }

    var customOption = periodSelect.querySelector('option[value="custom"]'), customText = customOption.textContent;
    function renderPeriod() {
      customOption.textContent = state.period === "custom" ? state.from + " – " + state.to : customText;
      periodSelect.value = state.period;
      rangeForm.hidden = true;
    }

    // render shows the state: what names what to reload.
    function render(what) {
      $("#dash-error").hidden = true;
      renderPeriod();
      renderFilters();
      if (what === "all" || what === "kpi") { loadKPIs(); }
      if (what === "all" || what === "chart" || what === "kpi") { loadChart(); }
      panels.forEach(function (p) {
        if (what === "all" || what === p.key) { loadPanel(p); }
      });
      if (state.details) {
        if (what === "all" || what === "details" || !dialog.open) { openDetails(); }
      } else if (dialog.open) {
        dialog.close();
      }
    }

    // -- events --------------------------------------------------------------

    periodSelect.addEventListener("change", function () {
      if (periodSelect.value === "custom") {
        $("#dash-from").value = state.period === "custom" ? state.from : "";
        $("#dash-to").value = state.period === "custom" ? state.to : "";
        rangeForm.hidden = false;
        $("#dash-from").focus();
        return;
      }
      var v = periodSelect.value;
      go(function (s) { s.period = v; s.from = ""; s.to = ""; s.interval = ""; }, "all");
    });
    rangeForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var from = $("#dash-from").value, to = $("#dash-to").value, errBox = $("#dash-range-error");
      if (!from || !to || from > to) {
        errBox.textContent = !from || !to ? "Choose both dates." : "The start must not be after the end.";
        errBox.hidden = false;
        return;
      }
      errBox.hidden = true;
      go(function (s) { s.period = "custom"; s.from = from; s.to = to; s.interval = ""; }, "all");
    });
    rangeForm.querySelector("[data-range-cancel]").addEventListener("click", function () {
      rangeForm.hidden = true;
      periodSelect.value = state.period;
    });
    intervalSelect.addEventListener("change", function () {
      var v = intervalSelect.value;
      go(function (s) { s.interval = v; }, "chart");
    });
    root.querySelectorAll(".kpi").forEach(function (k) {
      k.addEventListener("click", function () {
        var m = k.getAttribute("data-metric");
        if (m !== state.metric) { go(function (s) { s.metric = m; }, "chart"); }
      });
    });
    root.querySelector("[data-clear-filters]").addEventListener("click", function () {
      go(function (s) { s.filters = []; }, "all");
    });
    panels.forEach(function (p) {
      p.tabs.forEach(function (t, i) {
        t.el.addEventListener("click", function () {
          if (state.tabs[p.key] !== t.key) { go(function (s) { s.tabs[p.key] = t.key; }, p.key); }
        });
        t.el.addEventListener("keydown", function (ev) {
          var d = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
          if (!d) { return; }
          ev.preventDefault();
          var next = p.tabs[(i + d + p.tabs.length) % p.tabs.length];
          next.el.focus();
          next.el.click();
        });
        if (t.select) {
          t.select.addEventListener("change", function () {
            var v = t.select.value;
            go(function (s) { s.options[t.key] = v; }, p.key);
          });
        }
      });
      p.el.querySelector("[data-details]").addEventListener("click", function () {
        go(function (s) { s.details = p.key; }, "details");
      });
    });
    dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      if (state.details) { go(function (s) { s.details = ""; }, "none"); }
    });
    $("#dash-details-search").addEventListener("input", function (ev) {
      clearTimeout(details.timer);
      var v = ev.target.value.trim();
      details.timer = setTimeout(function () {
        if (v !== details.search) { details.search = v; loadDetails(false); }
      }, 250);
    });
    $("#dash-details-more").addEventListener("click", function () { loadDetails(true); });
    root.querySelectorAll("[data-keep-period]").forEach(function (a) {
      a.addEventListener("click", function () {
        var q = new URLSearchParams();
        if (state.period !== DEFAULT_PERIOD) { q.set("period", state.period); }
        if (state.period === "custom") { q.set("from", state.from); q.set("to", state.to); }
        var s = q.toString();
        a.href = a.href.split("?")[0] + (s ? "?" + s : "");
      });
    });
    window.addEventListener("popstate", function () {
      state = readState();
      render("all");
    });
    var lastWidth = window.innerWidth, resizeTimer = 0;
    window.addEventListener("resize", function () {
      if (window.innerWidth === lastWidth) { return; }
      lastWidth = window.innerWidth;
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(loadChart, 200);
    });

    state = readState();
    render("all");
  }

  // ---------------------------------------------------------------------
  // Realtime
  // ---------------------------------------------------------------------

  function initRealtime(root) {
    var $ = function (sel) { return root.querySelector(sel); };
    var status = $("#rt-status"), statusText = status.querySelector("[data-status-text]");
    var tz = root.getAttribute("data-timezone") || undefined;
    var hhmm;
    try {
      hhmm = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    } catch (e) {
      hhmm = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    }
    var last = null;

    function list(box, dim, rows, total) {
      clear(box);
      if (!rows.length) {
        box.appendChild(el("p", { class: "panel-empty muted", text: "Nobody right now." }));
        return;
      }
      box.appendChild(breakdownTable(box.getAttribute("data-column"), ["Visitors"], rows.map(function (r) {
        return { value: r.name, label: dimValueLabel(dim, r.name), share: total > 0 ? r.visitors / total : 0,
          cells: [{ text: fmtCount(r.visitors), title: String(r.visitors) }] };
      })));
    }

    function show(rt) {
      last = rt;
      $("#rt-visitors").textContent = fmtCount(rt.visitors);
      $("#rt-visitors").title = String(rt.visitors);
      $("#rt-pageviews").textContent = fmtCount(rt.pageviews);
      $("#rt-pageviews").title = String(rt.pageviews);
      var labels = rt.minutes.map(function (m) { return hhmm.format(new Date(m.minute)); });
      var values = rt.minutes.map(function (m) { return m.pageviews; });
      drawBarChart($("#rt-chart"), { labels: labels, values: values, unit: "pageviews", title: "Pageviews per minute, last 30 minutes" });
      fillChartTable($("#rt-chart-table"), ["Minute", "Pageviews"], labels.map(function (l, i) { return [l, String(values[i])]; }));
      list($("#rt-pages"), "event:page", rt.pages, rt.visitors);
      list($("#rt-sources"), "visit:source", rt.sources, rt.visitors);
      $("#rt-updated").textContent = "Updated " + hhmm.format(new Date(rt.time));
      root.setAttribute("data-updated", rt.time);
    }

    function setStatus(live, text) {
      status.classList.toggle("live", live);
      statusText.textContent = text;
    }

    if (!window.EventSource) {
      setStatus(false, "This browser cannot show live updates.");
      return;
    }
    var source = new EventSource(root.getAttribute("data-stream-url"), { withCredentials: true });
    source.addEventListener("open", function () { setStatus(true, "Live"); });
    source.addEventListener("error", function () {
      setStatus(false, source.readyState === EventSource.CLOSED ? "Disconnected. Reload the page." : "Reconnecting…");
    });
    source.addEventListener("realtime", function (ev) {
      try { show(JSON.parse(ev.data)); } catch (e) { setStatus(false, "An update could not be read."); }
      setStatus(true, "Live");
    });
    var lastWidth = window.innerWidth;
    window.addEventListener("resize", function () {
      if (window.innerWidth !== lastWidth && last) { lastWidth = window.innerWidth; show(last); }
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  var dash = document.getElementById("dash");
  if (dash) { initDashboard(dash); }
  var realtime = document.getElementById("realtime");
  if (realtime) { initRealtime(realtime); }
})();
