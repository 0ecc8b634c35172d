// The map (挂图作战), drawn with ECharts (static/vendor/echarts) from our own GeoJSON: the
// page passes the areas' boundaries, every figure of every area and the located matters
// with json_script (no inline script, no tile server). The areas are coloured by the
// figure chosen in the select, with a legend; a click on an area opens the register (the
// warnings' list for overdue warnings) filtered to it; a point opens its matter. The same
// numbers are in the table under the map, whose shown column is marked.
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") {
    return;
  }
  var FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
  var RAMP = ["#fbeaea", "#f1b9b9", "#d96666", "#b02a2a", "#6d1010"];
  var counter = 0;

  function readSpec(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function labelOf(spec, metric) {
    var found = spec.metrics.filter(function (item) { return item.key === metric; })[0];
    return found ? found.label : metric;
  }

  // The mean latitude of the boundaries: a degree of longitude is cos(latitude) of a
  // degree of latitude, so the map keeps the areas' true proportions.
  function aspectOf(geojson) {
    var sum = 0;
    var count = 0;
    function walk(coordinates) {
      if (typeof coordinates[0] === "number") {
        sum += coordinates[1];
        count += 1;
        return;
      }
      coordinates.forEach(walk);
    }
    geojson.features.forEach(function (feature) { walk(feature.geometry.coordinates); });
    return count ? Math.cos(sum / count * Math.PI / 180) : 0.75;
  }

  function option(spec, mapName, metric, names) {
    var values = spec.areas.map(function (area) { return area.values[metric] || 0; });
    var highest = Math.max.apply(null, values.concat([1]));
    var showLabels = spec.areas.length <= 40;
    var points = spec.points.map(function (point) {
      return {
        name: point.code ? point.code + " " + point.title : spec.labels.cluster,
        value: [point.lng, point.lat, point.count],
        link: point.link || "",
        itemStyle: {color: point.colour}
      };
    });
    return {
      animation: false,
      textStyle: {fontFamily: FONT},
      // Tooltips drawn by the chart itself: HTML tooltips carry inline styles, which the
      // Content-Security-Policy refuses.
      tooltip: {trigger: "item", renderMode: "richText", formatter: function (params) {
        if (params.seriesType === "scatter") {
          return params.data.link ? params.name
            : params.name + ": " + params.data.value[2];
        }
        var value = params.value;
        return (names[params.name] || params.name) + "\n" + labelOf(spec, metric) + ": "
          + (value === undefined || isNaN(value) ? 0 : value);
      }},
      visualMap: {
        type: "continuous", min: 0, max: highest, seriesIndex: 0, calculable: false,
        orient: "horizontal", left: "center", bottom: 4, itemHeight: 140,
        text: [String(highest), "0"], textGap: 6,
        inRange: {color: RAMP}
      },
      geo: {
        map: mapName, nameProperty: "key", roam: false, aspectScale: spec.aspect,
        layoutCenter: ["50%", "46%"], layoutSize: "90%",
        label: {show: showLabels, fontSize: 11, color: "#212529", textBorderColor: "#ffffff",
                textBorderWidth: 2,
                formatter: function (params) { return names[params.name] || ""; }},
        itemStyle: {borderColor: "#ffffff", borderWidth: 1, areaColor: RAMP[0]},
        emphasis: {label: {show: true, formatter: function (params) {
          return names[params.name] || ""; }},
                   itemStyle: {areaColor: "#ffd54f"}},
        select: {disabled: true}
      },
      series: [
        {type: "map", geoIndex: 0, name: labelOf(spec, metric),
         data: spec.areas.map(function (area) {
           return {name: area.key, value: area.values[metric] || 0};
         })},
        {type: "scatter", coordinateSystem: "geo", name: spec.labels.points, data: points,
         symbolSize: function (value) {
           return value[2] > 1 ? Math.min(36, 12 + Math.sqrt(value[2]) * 3) : 12;
         },
         label: {show: spec.clustered, formatter: function (params) {
           return String(params.value[2]); }, color: "#ffffff", fontSize: 10},
         itemStyle: {borderColor: "#ffffff", borderWidth: 2, shadowBlur: 3,
                     shadowColor: "rgba(0, 0, 0, 0.5)"}, zlevel: 1}
      ]
    };
  }

  function markColumn(table, metric) {
    if (!table) {
      return;
    }
    table.querySelectorAll("[data-metric]").forEach(function (cell) {
      cell.classList.toggle("qf-metric-shown", cell.getAttribute("data-metric") === metric);
    });
  }

  document.querySelectorAll("[data-map]").forEach(function (element) {
    var dataId = element.getAttribute("data-map");
    var spec = readSpec(dataId);
    if (!spec) {
      return;
    }
    counter += 1;
    var mapName = "quanfu-areas-" + counter;
    var names = {};
    var links = {};
    spec.areas.forEach(function (area) {
      names[area.key] = area.name;
      links[area.key] = area.links;
    });
    window.echarts.registerMap(mapName, spec.geojson);
    spec.aspect = aspectOf(spec.geojson);
    var chart = window.echarts.init(element, null, {renderer: "canvas"});
    var metric = spec.metric;
    var card = element.closest("[data-testid=area-map]");
    var table = card ? card.querySelector("[data-testid=table-map]") : null;
    chart.setOption(option(spec, mapName, metric, names));
    markColumn(table, metric);

    chart.on("click", function (params) {
      if (params.seriesType === "scatter") {
        if (params.data && params.data.link) {
          window.location.href = params.data.link;
        }
        return;
      }
      var areaLinks = links[params.name];
      if (areaLinks && areaLinks[metric]) {
        window.location.href = areaLinks[metric];
      }
    });

    var select = document.querySelector("[data-map-metric='" + dataId + "']");
    if (select) {
      var form = select.closest("form");
      var button = form ? form.querySelector("[data-map-submit]") : null;
      if (button) {
        button.hidden = true;  // the select redraws at once; the button is for no script
      }
      select.addEventListener("change", function () {
        metric = select.value;
        chart.setOption(option(spec, mapName, metric, names), {notMerge: true});
        markColumn(table, metric);
      });
    }
    element.setAttribute("data-map-ready", "true");
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
  });
}());
