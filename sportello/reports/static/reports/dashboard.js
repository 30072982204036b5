/*
 * The statistics dashboard's charts: one per table, from the table's data after disclosure
 * control (json_script "chart-data-<key>"). A hidden cell arrives as null and is left out of
 * the chart, which says so under its plot; the table beside it carries the mark.
 *
 * Every word comes from the page: no inline script, nothing translated here. When htmx swaps
 * the figures for another scope, the old charts are destroyed and the new ones drawn; a scope
 * the server refuses (400) is swapped in too, so its reasons replace the figures.
 */
(function () {
  "use strict";

  var AREA = "statistics-figures";
  var TEXT = "#1b1b1b";
  var GRID = "#d9dadb";

  function configure(Chart) {
    Chart.defaults.color = TEXT;
    Chart.defaults.borderColor = GRID;
    Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 13;
  }

  function draw(Chart, source) {
    var data = JSON.parse(source.textContent);
    var canvas = document.getElementById(data.canvas);
    if (!canvas || Chart.getChart(canvas)) {
      return;
    }
    var line = data.kind === "line";
    var stacked = data.kind === "stacked-bar";
    var datasets = data.datasets.map(function (set) {
      return {
        label: set.label,
        data: set.data,
        borderColor: set.color,
        backgroundColor: set.color,
        borderWidth: line ? 2 : 0,
        pointStyle: set.point,
        pointRadius: line ? 3 : 0,
        // A hidden count is a gap in the line, never a zero.
        spanGaps: false,
      };
    });
    new Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: 2,
        animation: false,
        locale: document.documentElement.lang || "it",
        interaction: { mode: "index", intersect: false },
        scales: {
          x: {
            stacked: stacked,
            grid: { display: false },
            ticks: { autoSkip: true, maxRotation: 45 },
            title: { display: true, text: data.axis.x },
          },
          y: {
            stacked: stacked,
            beginAtZero: true,
            ticks: { precision: 0 },
            title: { display: true, text: data.axis.y },
          },
        },
        plugins: {
          legend: {
            display: data.datasets.length > 1,
            labels: { usePointStyle: line },
          },
          subtitle: {
            display: Boolean(data.note),
            text: data.note,
            position: "bottom",
            padding: { top: 8 },
          },
        },
      },
    });
    canvas.setAttribute("data-drawn", "true");
  }

  function drawAll() {
    var Chart = window.Chart;
    if (typeof Chart === "undefined") {
      return;
    }
    document.querySelectorAll('script[id^="chart-data-"]').forEach(function (source) {
      draw(Chart, source);
    });
  }

  function destroyIn(element) {
    var Chart = window.Chart;
    if (typeof Chart === "undefined" || !element) {
      return;
    }
    element.querySelectorAll("canvas").forEach(function (canvas) {
      var chart = Chart.getChart(canvas);
      if (chart) {
        chart.destroy();
      }
    });
  }

  function markInvalidFields() {
    // The form stays in the page while the figures change: its fields follow the server's
    // verdict on the scope (the reasons are listed in the figures' area, linked to the fields).
    var content = document.getElementById("statistics-figures-content");
    var form = document.getElementById("statistics-scope");
    if (!content || !form) {
      return;
    }
    var invalid = (content.getAttribute("data-invalid-fields") || "").split(" ");
    form.querySelectorAll("input, select").forEach(function (field) {
      var bad = invalid.indexOf(field.name) !== -1;
      field.classList.toggle("is-invalid", bad);
      if (bad) {
        field.setAttribute("aria-invalid", "true");
      } else {
        field.removeAttribute("aria-invalid");
        var stale = document.getElementById(field.id + "_error");
        if (stale) {
          stale.remove();
        }
      }
    });
  }

  function start() {
    if (typeof window.Chart !== "undefined") {
      configure(window.Chart);
    }
    drawAll();
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var target = event.detail.target;
      if (!target || target.id !== AREA) {
        return;
      }
      if (event.detail.xhr.status === 400) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
      if (event.detail.shouldSwap) {
        destroyIn(target);
      }
    });
    document.body.addEventListener("htmx:afterSettle", function () {
      markInvalidFields();
      drawAll();
    });
    document.body.addEventListener("htmx:historyRestore", drawAll);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
