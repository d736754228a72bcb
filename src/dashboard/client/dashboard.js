// The operator page's script: draws every <canvas data-chart="…"> with the Chart.js configuration the
// server embedded in #dashboard-data (plain JSON, built in src/dashboard/charts.ts). No network requests.
(function () {
  'use strict';
  function draw() {
    var el = document.getElementById('dashboard-data');
    if (!el || typeof Chart === 'undefined') return;
    var charts = JSON.parse(el.textContent || '{}').charts || {};
    Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    Chart.defaults.color = '#30343b';
    var drawn = 0;
    document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      var config = charts[canvas.getAttribute('data-chart')];
      if (!config) return;
      new Chart(canvas, config);
      drawn++;
    });
    document.body.setAttribute('data-charts-drawn', String(drawn));
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
})();
