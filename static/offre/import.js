// Import progress: polls the small JSON status of the import and updates the <progress> bar and its
// aria-live text; reloads the page once the import is over, to show the report. Without JavaScript the
// page offers a link to refresh it.
(function () {
  "use strict";
  var zone = document.getElementById("progression-import");
  if (!zone || zone.dataset.fini === "1") { return; }
  var bar = document.getElementById("barre-import");
  var text = document.getElementById("etat-import");
  function poll() {
    fetch(zone.dataset.url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { return; }
        bar.value = status.pourcentage;
        bar.textContent = status.pourcentage + " %";
        text.textContent = status.statut_libelle + " : " + status.traites + " / " + status.total +
          " enregistrement(s) traité(s).";
        if (status.fini) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
