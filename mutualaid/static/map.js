/* "Needs near me" and the coordinators' map: progressive enhancement over the list (the page works without it). */
(function () {
  var holder = document.getElementById("needs-map");
  var data = document.getElementById("need-points");
  if (!holder || !data || typeof L === "undefined") { return; }
  var points = JSON.parse(data.textContent || "[]");
  holder.hidden = false;
  /* The tile provider's credit is always on the map (their terms require it): the control is never turned off. */
  var map = L.map(holder, { scrollWheelZoom: false, attributionControl: true });
  /* Our pages send no Referer to other sites; tiles send the site's address only, as tile servers ask. */
  L.tileLayer(holder.dataset.tiles, {
    maxZoom: parseInt(holder.dataset.maxZoom, 10) || 19,
    subdomains: holder.dataset.subdomains || "abc",
    attribution: holder.dataset.attribution,
    referrerPolicy: "strict-origin"
  }).addTo(map);
  var home = [parseFloat(holder.dataset.lat), parseFloat(holder.dataset.lon)];
  var COLOURS = { green: "#2e7d32", amber: "#b7791f", red: "#b00020" };
  var coloured = points.some(function (p) { return p.colour; });
  /* A group of points takes the colour of its most pressing need (the longest wait for its urgency), never its size. */
  function clusterIcon(cluster) {
    var worst = null;
    cluster.getAllChildMarkers().forEach(function (m) {
      var p = m.options.need;
      if (p && (!worst || p.pressing > worst.pressing || (p.pressing === worst.pressing && p.hours > worst.hours))) { worst = p; }
    });
    var colour = worst ? worst.colour : "green";
    var count = cluster.getChildCount();
    return L.divIcon({
      html: "<div><span>" + count + "</span></div>",
      className: "marker-cluster wait-cluster wait-" + colour,
      iconSize: L.point(40, 40)
    });
  }
  var cluster = L.markerClusterGroup
    ? L.markerClusterGroup(coloured ? { iconCreateFunction: clusterIcon } : {})
    : L.layerGroup();
  points.forEach(function (p) {
    var link = document.createElement("a");
    link.href = holder.dataset.needUrl.replace("REF", p.ref);
    link.textContent = p.category_label + (p.distance_km ? " · " + p.distance_km + " km" : "") +
      (p.age_word ? " · " + p.age_word : "");
    var marker = p.colour
      ? L.circleMarker([p.lat, p.lon], { radius: 7, color: COLOURS[p.colour], fillOpacity: 0.6, need: p })
      : L.marker([p.lat, p.lon], { title: p.category_label });
    marker.bindPopup(link).addTo(cluster);
  });
  cluster.addTo(map);
  L.circle(home, { radius: parseFloat(holder.dataset.radius) * 1000, fill: false, weight: 1 }).addTo(map);
  map.setView(home, 13);
})();
