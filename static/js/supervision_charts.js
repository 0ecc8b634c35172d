// The dashboards' charts, drawn with ECharts (static/vendor/echarts) from the figures each
// page passes with json_script (no inline scripts). Every chart has the same numbers as a
// table beside it; clicking a bar or a cell opens the register filtered to it.
(function () {
  "use strict";
  // A [data-print] button prints the page (the notice, a dashboard).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
  if (typeof window.echarts === "undefined") {
    return;
  }
  var FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

  function readSpec(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function open(url) {
    if (url) {
      window.location.href = url;
    }
  }

  function valueFormatter(spec) {
    return spec.percent ? "{value}%" : "{value}";
  }

  function barOption(spec) {
    var horizontal = Boolean(spec.horizontal);
    var categoryAxis = {
      type: "category", data: spec.categories, inverse: horizontal,
      axisLabel: {interval: 0, rotate: !horizontal && spec.categories.length > 5 ? 30 : 0}
    };
    var valueAxis = {
      type: "value", minInterval: 1, max: spec.percent ? 100 : null,
      axisLabel: {formatter: valueFormatter(spec)}
    };
    var series = spec.series.map(function (item, seriesIndex) {
      if (item.line) {
        return {name: item.name, type: "line", data: item.data, symbol: "circle",
                symbolSize: 6, color: "#212529", lineStyle: {type: "dashed"},
                label: {show: false}};
      }
      // Stacked bars take one colour per series (the legend's); single bars one colour
      // per category (red high, orange medium, blue low …), later series paler.
      var stacked = Boolean(spec.stacked);
      return {
        name: item.name, type: "bar", stack: stacked ? "all" : undefined,
        color: stacked ? (spec.colours || [])[seriesIndex] : undefined,
        data: item.data.map(function (value, index) {
          if (stacked) {
            return value;
          }
          return {value: value, itemStyle: {color: (spec.colours || [])[index],
                                            opacity: seriesIndex > 0 ? 0.55 : 1}};
        }),
        label: {show: true, position: stacked ? "inside" : (horizontal ? "right" : "top"),
                formatter: function (params) {
                  if (params.value === null || params.value === undefined) {
                    return "—";
                  }
                  if (stacked && !params.value) {
                    return "";
                  }
                  return spec.percent ? params.value + "%" : String(params.value);
                }}
      };
    });
    return {
      textStyle: {fontFamily: FONT},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      legend: {show: spec.series.length > 1, top: 0},
      grid: {left: horizontal ? 130 : 48, right: 32, top: spec.series.length > 1 ? 32 : 16,
             bottom: horizontal ? 24 : 56, containLabel: false},
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series
    };
  }

  function heatOption(spec) {
    return {
      textStyle: {fontFamily: FONT},
      tooltip: {position: "top"},
      grid: {left: 150, right: 24, top: 8, bottom: 96},
      xAxis: {type: "category", data: spec.x, splitArea: {show: true},
              axisLabel: {interval: 0, rotate: 30}},
      yAxis: {type: "category", data: spec.y, inverse: true, splitArea: {show: true}},
      visualMap: {min: 0, max: Math.max(spec.max, 1), calculable: false, orient: "horizontal",
                  left: "center", bottom: 0, itemHeight: 120,
                  inRange: {color: ["#ffffff", "#f8d7d7", "#c24d4d", "#8b1a1a"]}},
      series: [{type: "heatmap", data: spec.data, label: {show: true},
                emphasis: {itemStyle: {borderColor: "#000", borderWidth: 1}}}]
    };
  }

  function lineOption(spec) {
    return {
      textStyle: {fontFamily: FONT},
      tooltip: {trigger: "axis"},
      legend: {top: 0},
      grid: {left: 48, right: 24, top: 32, bottom: 56},
      xAxis: {type: "category", data: spec.categories, axisLabel: {rotate: 30}},
      yAxis: {type: "value", minInterval: 1},
      series: spec.series.map(function (item, index) {
        return {name: item.name, type: "line", data: item.data, smooth: false,
                color: (spec.colours || [])[index], label: {show: true, position: "top"}};
      })
    };
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var spec = readSpec(element.getAttribute("data-chart"));
    if (!spec) {
      return;
    }
    var chart = window.echarts.init(element, null, {renderer: "svg"});
    var option = spec.type === "heatmap" ? heatOption(spec)
      : spec.type === "line" ? lineOption(spec) : barOption(spec);
    option.animation = false;
    // Tooltips drawn by the chart itself: ECharts' HTML tooltips carry inline styles,
    // which the Content-Security-Policy refuses.
    option.tooltip = Object.assign({}, option.tooltip, {renderMode: "richText"});
    chart.setOption(option);
    chart.on("click", function (params) {
      if (!spec.links) {
        return;
      }
      if (spec.type === "heatmap") {
        var row = spec.links[params.data[1]];
        open(row && row[params.data[0]]);
      } else {
        open(spec.links[params.dataIndex]);
      }
    });
    if (spec.links) {
      element.style.cursor = "pointer";
    }
    element.setAttribute("data-chart-ready", "true");
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
}());
