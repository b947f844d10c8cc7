/* Place names on the dashboard's map, as page text over the map.
 *
 * MapLibre draws map text with glyphs from a font server, which an offline deployment does
 * not have, so the names the server sends (figure.layout.meta.labels: [name, lon, lat, rank],
 * [..., in Kent and Medway], in drawing priority: cities, towns, villages, suburbs; larger places first) are drawn as
 * HTML at the map's projection of each point and moved with the map. A name that would
 * overlap one already drawn is skipped, so a county map shows its towns and a division map
 * its villages and suburbs without a pile-up. The names are decorative for screen readers
 * (aria-hidden): the hover cards and the tables name every area in words.
 */
(function () {
  "use strict";
  // Type size and weight by rank (1 city, 2 town, 3 village, 4 suburb).
  const TYPE = { 1: [15, 700], 2: [13, 700], 3: [11, 400], 4: [10, 400] };

  function mapOf(gd) {
    const full = gd && gd._fullLayout;
    const sub = full && full.map && full.map._subplot;
    return sub && sub.map ? sub.map : null;
  }

  function draw(gd) {
    const map = mapOf(gd);
    if (!map) { return; }
    const container = map.getContainer();
    let layer = container.querySelector(":scope > .socmap-labels");
    if (!layer) {
      layer = document.createElement("div");
      layer.className = "socmap-labels";
      layer.setAttribute("aria-hidden", "true");
      container.appendChild(layer);
    }
    const labels = (gd.layout && gd.layout.meta && gd.layout.meta.labels) || [];
    const width = container.clientWidth;
    const height = container.clientHeight;
    const taken = [];
    const parts = [];
    const mark = gd.layout && gd.layout.meta && gd.layout.meta.mark;
    if (mark) {
      // The place searched for: named first, to the right of its dot, in a box.
      const [name, lon, lat] = mark;
      const p = map.project([lon, lat]);
      const w = name.length * 13 * 0.6 + 14;
      taken.push([p.x - 12, p.y - 12, p.x + 12 + w, p.y + 12]);
      const span = document.createElement("span");
      span.className = "socmap-label mark";
      span.textContent = name;
      span.style.left = Math.round(p.x) + "px";
      span.style.top = Math.round(p.y) + "px";
      span.style.fontSize = "13px";
      span.style.fontWeight = 700;
      parts.push(span);
    }
    for (const [name, lon, lat, rank, inside] of labels) {
      const [size, weight] = TYPE[rank] || TYPE[4];
      const p = map.project([lon, lat]);
      const w = name.length * size * 0.56 + 6;
      const h = size + 4;
      const box = [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2];
      if (box[0] < 0 || box[1] < 0 || box[2] > width || box[3] > height) { continue; }
      if (taken.some((b) => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1])) {
        continue;
      }
      taken.push(box);
      const span = document.createElement("span");
      // Places beyond Kent and Medway (Southend, Hastings) are there to orient by: quieter.
      span.className = "socmap-label rank-" + rank + (inside === false ? " beyond" : "");
      span.textContent = name;
      span.style.left = Math.round(p.x) + "px";
      span.style.top = Math.round(p.y) + "px";
      span.style.fontSize = size + "px";
      span.style.fontWeight = weight;
      parts.push(span);
    }
    layer.replaceChildren(...parts);
  }

  function bind(gd) {
    const map = mapOf(gd);
    if (map && gd.__socmapMap !== map) {
      gd.__socmapMap = map;
      map.on("move", () => draw(gd));
      map.on("resize", () => draw(gd));
    }
    draw(gd);
  }

  // The graph is created after this script runs, and again on each page of the app: look
  // for it until it is there, then follow each redraw.
  window.setInterval(function () {
    const gd = document.querySelector("#map .js-plotly-plot");
    if (!gd || !gd._fullLayout || gd.__socmapBound) { return; }
    gd.__socmapBound = true;
    gd.on("plotly_afterplot", () => bind(gd));
    bind(gd);
  }, 300);
})();
