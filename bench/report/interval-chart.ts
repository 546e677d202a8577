import type {
  CustomSeriesRenderItemAPI,
  CustomSeriesRenderItemParams,
  CustomSeriesRenderItemReturn,
  EChartsOption,
} from 'echarts';
import { CHART_FONT, captionGraphic, colourOf, renderChartSvg, textWidth } from './chart-svg.ts';

/**
 * A horizontal bar chart of medians with their 95 % intervals as whiskers, one row per cell, and
 * one or more panels side by side that share the rows (e.g. time to first byte | largest gap).
 * Every row keeps its name on the axis, with or without a figure, so no cell silently disappears.
 */

export interface IntervalRow {
  /** The axis label, e.g. 'close-listener / sentry-static'. */
  name: string;
  /** Colour and legend entry, e.g. the tracer. */
  group: string;
  median: number | null;
  ci95: readonly [number, number] | null;
  /** Shown instead of a bar when there is no figure: 'baseline', 'no data'. */
  note?: string;
}

export interface IntervalPanel {
  /** Names the value axis, with its unit: 'requests per second (req/s)'. */
  axisName: string;
  /** Same names, same order, in every panel. */
  rows: IntervalRow[];
  /** Writes a figure beside its whisker. */
  format: (value: number) => string;
  /** After each tick value on the axis, e.g. ' %'; empty by default. */
  tickSuffix?: string;
}

export interface IntervalChart {
  title: string;
  subtitle: string;
  /** Names the category axis: 'strategy / tracer'. */
  rowAxisName: string;
  caption: readonly string[];
  panels: IntervalPanel[];
}

const ROW_HEIGHT = 26;
const PANEL_WIDTH = 460;
const PANEL_GAP = 40;
const TOP = 118;
const BOTTOM = 100;

export function renderIntervalChart(chart: IntervalChart): string {
  const names = chart.panels[0]?.rows.map((row) => row.name) ?? [];
  const labelWidth = Math.max(120, ...names.map((name) => textWidth(name))) + 16;
  const plotHeight = Math.max(1, names.length) * ROW_HEIGHT;
  const captionWidth = Math.max(...chart.caption.map((line) => textWidth(line, 11)), textWidth(chart.subtitle));
  const gaps = (chart.panels.length - 1) * PANEL_GAP;
  const width = Math.max(16 + labelWidth + chart.panels.length * PANEL_WIDTH + gaps + 40, captionWidth + 40);
  // Panels share whatever width the title and caption need.
  const panelWidth = (width - 16 - labelWidth - 40 - gaps) / chart.panels.length;
  const height = TOP + plotHeight + BOTTOM;
  const groups = [...new Set(chart.panels.flatMap((panel) => panel.rows.map((row) => row.group)))];

  const option: EChartsOption = {
    title: { text: chart.title, subtext: chart.subtitle, left: 16, top: 10, textStyle: { fontSize: 17, fontFamily: CHART_FONT } },
    // The renderer's text widths are estimates: a wide gap keeps legend entries apart in any font.
    legend: { top: 62, left: 16, itemGap: 36, data: groups },
    grid: chart.panels.map((_, index) => ({
      left: 16 + labelWidth + index * (panelWidth + PANEL_GAP),
      top: TOP,
      width: panelWidth,
      height: plotHeight,
    })),
    xAxis: chart.panels.map((panel, index) => ({
      type: 'value',
      gridIndex: index,
      name: panel.axisName,
      nameLocation: 'middle',
      nameGap: 30,
      nameTextStyle: { fontSize: 12, fontWeight: 'bold' },
      ...axisRange(panel.rows),
      // Ticks are round already; toPrecision only drops floating-point dust such as 0.30000000000000004.
      axisLabel: { formatter: (value: number) => `${Number(value.toPrecision(12))}${panel.tickSuffix ?? ''}` },
    })),
    yAxis: chart.panels.map((panel, index) => ({
      type: 'category',
      gridIndex: index,
      data: panel.rows.map((row) => row.name),
      inverse: true,
      // Every row's name, always: the default skips labels that would crowd.
      axisLabel: { show: index === 0, interval: 0, fontSize: 12 },
      axisTick: { alignWithLabel: true },
      name: index === 0 ? chart.rowAxisName : '',
      nameLocation: 'start',
      nameTextStyle: { fontWeight: 'bold', align: 'right' },
    })),
    series: chart.panels.flatMap((panel, index) => [
      // One bar series per group, stacked so each row's single bar sits centred in its band.
      ...groups.map((group, groupIndex) => ({
        type: 'bar' as const,
        name: group,
        xAxisIndex: index,
        yAxisIndex: index,
        stack: `panel-${index}`,
        barWidth: '55%',
        itemStyle: { color: colourOf(group, groupIndex) },
        data: panel.rows.map((row) => (row.group === group ? row.median : null)),
      })),
      {
        type: 'custom' as const,
        xAxisIndex: index,
        yAxisIndex: index,
        silent: true,
        z: 10,
        encode: { x: [1, 2], y: 0 },
        data: panel.rows.map((row, rowIndex) => [rowIndex, row.ci95?.[0] ?? row.median ?? 0, row.ci95?.[1] ?? row.median ?? 0]),
        renderItem: (params: CustomSeriesRenderItemParams, api: CustomSeriesRenderItemAPI) =>
          renderWhisker(panel, params.dataIndex, api),
      },
    ]),
    graphic: captionGraphic(chart.caption),
  };
  return renderChartSvg(option, { width, height });
}

/** The whisker of one row and its figures as text, or the row's note where it has no figure. */
function renderWhisker(panel: IntervalPanel, rowIndex: number, api: CustomSeriesRenderItemAPI): CustomSeriesRenderItemReturn {
  const row = panel.rows[rowIndex];
  if (!row) return { type: 'group', children: [] };
  const [zeroX, centreY] = api.coord([0, rowIndex]) as [number, number];
  const textStyle = { fontSize: 11, fill: '#222222', verticalAlign: 'middle' as const, fontFamily: CHART_FONT };
  if (row.median === null) {
    return { type: 'text', x: zeroX + 6, y: centreY, style: { ...textStyle, fill: '#777777', text: row.note ?? 'no data' } };
  }
  const [low, high] = row.ci95 ?? [row.median, row.median];
  const [lowX] = api.coord([low, rowIndex]) as [number, number];
  const [highX] = api.coord([high, rowIndex]) as [number, number];
  const cap = ROW_HEIGHT * 0.22;
  const stroke = { stroke: '#222222', lineWidth: 1.2 };
  const interval = row.ci95 ? ` [${panel.format(low)}, ${panel.format(high)}]` : '';
  return {
    type: 'group',
    children: [
      { type: 'line', shape: { x1: lowX, y1: centreY, x2: highX, y2: centreY }, style: stroke },
      { type: 'line', shape: { x1: lowX, y1: centreY - cap, x2: lowX, y2: centreY + cap }, style: stroke },
      { type: 'line', shape: { x1: highX, y1: centreY - cap, x2: highX, y2: centreY + cap }, style: stroke },
      {
        type: 'text',
        x: Math.max(highX, zeroX) + 6,
        y: centreY,
        style: { ...textStyle, text: `${panel.format(row.median)}${interval}` },
      },
    ],
  };
}

/**
 * From 0 (or below, for negative figures) with room on the right for the figures' text, ending
 * on a whole number of round ticks.
 */
function axisRange(rows: readonly IntervalRow[]): { min: number; max: number; interval: number } {
  const values = rows.flatMap((row) => [row.median, row.ci95?.[0], row.ci95?.[1]]).filter((value): value is number => typeof value === 'number');
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values);
  const span = high - low || 1;
  const interval = roundStep((high + span * 0.45 - low) / 5);
  const max = Math.ceil((high + span * 0.45) / interval) * interval;
  const min = low < 0 ? Math.floor((low - span * 0.05) / interval) * interval : 0;
  return { min, max, interval };
}

/** The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `raw`. */
function roundStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const multiple = [1, 2, 2.5, 5, 10].find((candidate) => candidate * magnitude >= raw) ?? 10;
  return multiple * magnitude;
}
