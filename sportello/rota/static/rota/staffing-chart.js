/*
 * The staffing page's charts: per day, bars of the operators required per half-hour, a stepped
 * line of the operators rostered, and a dashed line of the contacts expected (right axis).
 * A half-hour short of operators gets a red striped bar and a triangle on the line: colour is
 * never the only sign, and the page lists the same gaps in text and tables.
 *
 * The data and every word come from the page (json_script "staffing-data"): no inline script,
 * nothing translated here.
 */
(function () {
  "use strict";

  var BLUE = "#0066cc";
  var BLUE_FILL = "rgba(0, 102, 204, 0.35)";
  var RED = "#a61e33";
  var DARK = "#17324d";
  var GREY = "#5c6f82";

  function stripes() {
    // Diagonal white stripes on red: the gap reads as "different" in greyscale too.
    var tile = document.createElement("canvas");
    tile.width = 10;
    tile.height = 10;
    var context = tile.getContext("2d");
    context.fillStyle = "#d9364f";
    context.fillRect(0, 0, 10, 10);
    context.strokeStyle = "#ffffff";
    context.lineWidth = 2.5;
    context.beginPath();
    context.moveTo(-2, 12);
    context.lineTo(12, -2);
    context.moveTo(-2, 2);
    context.lineTo(2, -2);
    context.moveTo(8, 12);
    context.lineTo(12, 8);
    context.stroke();
    return context.createPattern(tile, "repeat");
  }

  function draw(Chart, day, text, pattern) {
    var canvas = document.getElementById(day.canvas);
    if (!canvas) {
      return;
    }
    var short = day.shortfall.map(function (missing) {
      return missing > 0;
    });
    var hasDemand = day.demand.some(function (value) {
      return value !== null;
    });
    var datasets = [
      {
        type: "bar",
        label: text.required,
        data: day.required,
        backgroundColor: short.map(function (gap) {
          return gap ? pattern : BLUE_FILL;
        }),
        borderColor: short.map(function (gap) {
          return gap ? RED : BLUE;
        }),
        borderWidth: 2,
        order: 3,
        yAxisID: "y",
      },
      {
        type: "line",
        label: text.rostered,
        data: day.rostered,
        stepped: "middle",
        borderColor: DARK,
        backgroundColor: DARK,
        borderWidth: 3,
        pointStyle: short.map(function (gap) {
          return gap ? "triangle" : "circle";
        }),
        pointRadius: short.map(function (gap) {
          return gap ? 9 : 3;
        }),
        // A dark triangle ringed in white stands out on the striped bar behind it.
        pointBackgroundColor: DARK,
        pointBorderColor: short.map(function (gap) {
          return gap ? "#ffffff" : DARK;
        }),
        pointBorderWidth: short.map(function (gap) {
          return gap ? 2 : 1;
        }),
        order: 1,
        yAxisID: "y",
      },
    ];
    if (hasDemand) {
      datasets.push({
        type: "line",
        label: text.demand,
        data: day.demand,
        borderColor: GREY,
        backgroundColor: GREY,
        borderDash: [6, 4],
        borderWidth: 2,
        pointRadius: 0,
        order: 2,
        yAxisID: "demand",
      });
    }
    var defaultLabels = Chart.defaults.plugins.legend.labels.generateLabels;
    var defaultClick = Chart.defaults.plugins.legend.onClick;
    var scales = {
      x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
      y: {
        beginAtZero: true,
        ticks: { precision: 0 },
        title: { display: true, text: text.operators },
      },
    };
    if (hasDemand) {
      scales.demand = {
        position: "right",
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        title: { display: true, text: text.contacts },
      };
    }
    new Chart(canvas, {
      data: { labels: day.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: 2,
        animation: false,
        locale: document.documentElement.lang || "it",
        interaction: { mode: "index", intersect: false },
        scales: scales,
        plugins: {
          legend: {
            labels: {
              usePointStyle: true,
              generateLabels: function (chart) {
                // Chart.js lists datasets by drawing order; the page's legend text reads them
                // in the order they were given: bars, rostered line, demand line, then the gap.
                var items = defaultLabels(chart).sort(function (a, b) {
                  return a.datasetIndex - b.datasetIndex;
                });
                items.forEach(function (item) {
                  if (item.datasetIndex === 0) {
                    // The bars' first colour would stand for all of them.
                    item.fillStyle = BLUE_FILL;
                    item.strokeStyle = BLUE;
                    item.pointStyle = "rect";
                  } else {
                    // A line's entry takes the line's own look, not its first point's.
                    var dataset = chart.data.datasets[item.datasetIndex];
                    item.pointStyle = "line";
                    item.strokeStyle = dataset.borderColor;
                    item.lineWidth = dataset.borderWidth;
                    item.lineDash = dataset.borderDash || [];
                  }
                });
                if (short.some(Boolean)) {
                  items.push({
                    text: text.gap,
                    fillStyle: pattern,
                    strokeStyle: RED,
                    lineWidth: 2,
                    pointStyle: "rect",
                    hidden: false,
                  });
                }
                return items;
              },
            },
            onClick: function (event, item, legend) {
              if (item.datasetIndex === undefined) {
                return;
              }
              defaultClick.call(this, event, item, legend);
            },
          },
          tooltip: {
            callbacks: {
              footer: function (items) {
                var missing = items.length ? day.shortfall[items[0].dataIndex] : 0;
                return missing > 0 ? text.gap + " — " + text.missing + " " + missing : "";
              },
            },
          },
        },
      },
    });
  }

  function start() {
    var source = document.getElementById("staffing-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var pattern = stripes();
    data.days.forEach(function (day) {
      draw(window.Chart, day, data.text, pattern);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
