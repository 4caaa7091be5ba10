// The oversight dashboard's charts: ECharts with only the bar chart, its components and the
// SVG renderer bundled. The numbers come from the page's JSON; the tables below each chart
// hold the same numbers for screen readers and for browsers without JavaScript.
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

const PALETTE = ['#3b6ea5', '#e0a030', '#4c9a6a', '#c0504d', '#7f6bb0', '#5aa7b8', '#999999'];

function option(chart, narrow) {
  const categories = { type: 'category', data: chart.categories,
    axisLabel: { width: narrow ? 90 : 160, overflow: 'truncate', interval: 0,
      rotate: chart.horizontal || chart.categories.length < 5 ? 0 : 30 } };
  const values = { type: 'value', minInterval: 1 };
  return {
    color: PALETTE,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: chart.horizontal ? values : categories,
    yAxis: chart.horizontal ? { ...categories, inverse: true } : values,
    series: chart.series.map((s) => ({ name: s.name, type: 'bar', data: s.data,
      stack: chart.stacked ? 'total' : undefined, barMaxWidth: 28 })),
  };
}

function height(chart) {
  return chart.horizontal ? Math.max(160, 60 + chart.categories.length * 30) : 280;
}

function draw(container, chart) {
  container.style.height = `${height(chart)}px`;
  const instance = echarts.init(container, null, { renderer: 'svg' });
  instance.setOption(option(chart, container.clientWidth < 500));
  // What was drawn, for tests and assistive checks: the series names in order.
  container.dataset.series = JSON.stringify(instance.getOption().series.map((s) => s.name));
  return instance;
}

window.addEventListener('DOMContentLoaded', () => {
  const source = document.getElementById('oversight-charts');
  if (!source) return;
  const charts = Object.fromEntries(JSON.parse(source.textContent).map((c) => [c.key, c]));
  const drawn = [];
  document.querySelectorAll('[data-chart]').forEach((container) => {
    const chart = charts[container.dataset.chart];
    if (chart && chart.categories.length) drawn.push(draw(container, chart));
  });
  window.addEventListener('resize', () => drawn.forEach((instance) => instance.resize()));
});
