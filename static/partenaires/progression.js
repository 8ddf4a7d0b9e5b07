// Progress of a background run (CAF/MSA flux, spreadsheet import): polls the run's small JSON status every
// second, updates the <progress> bar and its text, and announces each tenth to screen readers (not every
// second). Reloads the page once the run is over, to show the report. Without JavaScript, the page offers a
// link to refresh it.
(function () {
  "use strict";
  var zone = document.querySelector("[data-progression-url]");
  if (!zone || zone.dataset.fini === "1") { return; }
  var bar = zone.querySelector("[data-progression-barre]");
  var text = zone.querySelector("[data-progression-texte]");
  var live = zone.querySelector("[data-progression-annonce]");
  var withoutJs = zone.querySelector("[data-progression-sans-js]");
  var lastTenth = -1;
  if (withoutJs) { withoutJs.hidden = true; }
  function poll() {
    fetch(zone.dataset.progressionUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (status) {
        bar.value = status.pourcentage;
        bar.textContent = status.pourcentage + " %";
        text.textContent = status.texte;
        var tenth = Math.floor(status.pourcentage / 10);
        if (status.fini || tenth !== lastTenth) {
          live.textContent = status.texte;
          lastTenth = tenth;
        }
        if (status.fini) {
          window.setTimeout(function () { window.location.reload(); }, 500);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        if (withoutJs) { withoutJs.hidden = false; }
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
