/* "Needs near me" map: progressive enhancement over the list (the page works without it). */
(function () {
  var holder = document.getElementById("needs-map");
  var data = document.getElementById("need-points");
  if (!holder || !data || typeof L === "undefined") { return; }
  var points = JSON.parse(data.textContent || "[]");
  holder.hidden = false;
  var map = L.map(holder, { scrollWheelZoom: false });
  L.tileLayer(holder.dataset.tiles, { maxZoom: 18, attribution: holder.dataset.attribution }).addTo(map);
  var home = [parseFloat(holder.dataset.lat), parseFloat(holder.dataset.lon)];
  var cluster = L.markerClusterGroup ? L.markerClusterGroup() : L.layerGroup();
  points.forEach(function (p) {
    var link = document.createElement("a");
    link.href = holder.dataset.needUrl.replace("REF", p.ref);
    link.textContent = p.category_label + (p.distance_km ? " · " + p.distance_km + " km" : "") +
      (p.colour ? " · " + ({ green: "new", amber: "waiting", red: "long wait" }[p.colour] || "") : "");
    var marker = p.colour
      ? L.circleMarker([p.lat, p.lon], { radius: 7, color: { green: "#2e7d32", amber: "#b7791f", red: "#b00020" }[p.colour] })
      : L.marker([p.lat, p.lon], { title: p.category_label });
    marker.bindPopup(link).addTo(cluster);
  });
  cluster.addTo(map);
  L.circle(home, { radius: parseFloat(holder.dataset.radius) * 1000, fill: false, weight: 1 }).addTo(map);
  map.setView(home, 13);
})();
