/* buzzwire web: the Trends page's charts (Chart.js, vendored in static/vendor/).

   The page works without this script: each chart's figures are a table from the server. With
   it, every <figure class="chart"> gets its chart, drawn from the JSON the server wrote next to
   that table (script type="application/json": data, never run), and the table folds into a
   "Show the table" button. Screen readers keep reading the table (it is hidden visually only,
   and the canvas is aria-hidden), so nothing is said twice.
*/
(function () {
  "use strict";

  // the palette of app.css: accent, then colours that stay apart for colour-blind readers
  var PALETTE = ["#0b57d0", "#e66100", "#1a7f37", "#8250df", "#b42318", "#57606a", "#bf8700", "#0a7ea4"];

  function withAlpha(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + ((n >> 16) & 255) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function formatter(unit) {
    return function (value) {
      if (value === null || value === undefined) return "";
      if (unit === "%") return (Math.round(value * 10) / 10) + " %";
      if (unit === "pts") return (value > 0 ? "+" : "") + (Math.round(value * 10) / 10) + " pts";
      return Number(value).toLocaleString("en");
    };
  }

  function dataset(series, index, stacked) {
    var colour = series.colour || PALETTE[index % PALETTE.length];
    var noise = series.noise || [];
    var line = series.kind === "line";
    var set = {
      type: line ? "line" : "bar",
      label: series.name,
      data: series.values,
      borderColor: colour,
      backgroundColor: function (ctx) {
        // a change that is noise at its sample size is drawn pale
        return noise[ctx.dataIndex] ? withAlpha(colour, 0.25) : (line ? colour : withAlpha(colour, 0.85));
      },
      borderWidth: line ? 2 : 1,
      spanGaps: false,
      order: line ? 0 : 1
    };
    if (line) {
      set.pointRadius = 3;
      set.pointStyle = series.dashed ? "rectRot" : "circle";
      set.fill = false;
      set.tension = 0;
      if (series.dashed) set.borderDash = [6, 4];
    }
    if (stacked && !line) set.stack = "all";
    return set;
  }

  function draw(figure) {
    var source = figure.querySelector("script[type='application/json']");
    var canvas = figure.querySelector("canvas");
    if (!source || !canvas || !window.Chart) return;
    var spec = JSON.parse(source.textContent);
    var fmt = formatter(spec.unit);
    var yScale = {
      stacked: !!spec.stacked,
      beginAtZero: spec.min === null || spec.min === undefined,
      ticks: { callback: fmt }
    };
    if (spec.min !== null && spec.min !== undefined) yScale.min = spec.min;
    if (spec.max !== null && spec.max !== undefined) yScale.max = spec.max;
    var chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) { return dataset(s, i, spec.stacked); })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { stacked: !!spec.stacked, ticks: { autoSkip: true, maxRotation: 0 } }, y: yScale },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 14 } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var noise = (spec.series[ctx.datasetIndex].noise || [])[ctx.dataIndex];
                return ctx.dataset.label + ": " + fmt(ctx.parsed.y) + (noise ? " (noise)" : "");
              }
            }
          }
        }
      }
    });
    figure.dataset.drawn = String(chart.data.datasets.length);
    var table = figure.querySelector(".chart-data");
    var toggle = figure.querySelector("button.show-table");
    if (table && toggle) {
      table.classList.add("visually-hidden");
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", open ? "false" : "true");
        toggle.textContent = open ? "Show the table" : "Hide the table";
        table.classList.toggle("visually-hidden", open);
      });
    }
  }

  function start() {
    var figures = document.querySelectorAll("figure.chart");
    for (var i = 0; i < figures.length; i++) draw(figures[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
