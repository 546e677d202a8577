import type { EChartsOption } from 'echarts';
import { CHART_FONT, captionGraphic, renderChartSvg, textWidth } from './chart-svg.ts';

/**
 * A matrix of rows x columns whose cells are coloured by a percentage and carry their own text,
 * e.g. the correctness of each strategy / tracer on each scenario with the rules that failed.
 */

export interface MatrixEntry {
  row: string;
  column: string;
  /** 0-100; null where there is nothing to judge. */
  percent: number | null;
  /** Why there is no percentage: 'not traced', 'no figure'. */
  missingReason?: 'not traced' | 'no figure';
  /** Drawn in the cell, may hold line breaks. */
  text: string;
}

export interface MatrixChart {
  title: string;
  subtitle: string;
  rowAxisName: string;
  columnAxisName: string;
  caption: readonly string[];
  rows: string[];
  columns: string[];
  entries: MatrixEntry[];
}

const CELL_WIDTH = 200;
const CELL_HEIGHT = 52;
const TOP = 110;
const BOTTOM = 110;

// Coded values for the colour scale: a cell without a percentage still gets a colour and a legend entry.
const NOT_TRACED = -1;
const NO_FIGURE = -2;

export function renderMatrixChart(chart: MatrixChart): string {
  const labelWidth = Math.max(120, ...chart.rows.map((row) => textWidth(row))) + 16;
  const plotWidth = chart.columns.length * CELL_WIDTH;
  const plotHeight = Math.max(1, chart.rows.length) * CELL_HEIGHT;
  const captionWidth = Math.max(...chart.caption.map((line) => textWidth(line, 11)), textWidth(chart.subtitle));
  const width = Math.max(16 + labelWidth + plotWidth + 40, captionWidth + 40);
  const height = TOP + plotHeight + BOTTOM;

  const option: EChartsOption = {
    title: { text: chart.title, subtext: chart.subtitle, left: 16, top: 10, textStyle: { fontSize: 17, fontFamily: CHART_FONT } },
    grid: { left: 16 + labelWidth, top: TOP, width: plotWidth, height: plotHeight },
    xAxis: {
      type: 'category',
      data: chart.columns,
      position: 'top',
      name: chart.columnAxisName,
      nameLocation: 'middle',
      nameGap: 24,
      nameTextStyle: { fontWeight: 'bold' },
      axisLabel: { interval: 0, fontSize: 12 },
      splitArea: { show: false },
    },
    yAxis: {
      type: 'category',
      data: chart.rows,
      inverse: true,
      name: chart.rowAxisName,
      nameLocation: 'start',
      nameTextStyle: { fontWeight: 'bold', align: 'right' },
      axisLabel: { interval: 0, fontSize: 12 },
    },
    visualMap: {
      type: 'piecewise',
      dimension: 2,
      orient: 'horizontal',
      left: 16,
      bottom: 48,
      itemGap: 36,
      pieces: [
        { gte: 100, label: '100 % correct', color: '#4dac26' },
        { gte: 90, lt: 100, label: '90 to 99.9 %', color: '#b8e186' },
        { gte: 50, lt: 90, label: '50 to 89.9 %', color: '#fdb863' },
        { gte: 0, lt: 50, label: 'under 50 %', color: '#f1948a' },
        { value: NOT_TRACED, label: 'not traced', color: '#e6e6e6' },
        { value: NO_FIGURE, label: 'no figure', color: '#f7f7f7' },
      ],
    },
    series: [
      {
        type: 'heatmap',
        data: chart.entries.map((entry) => [
          chart.columns.indexOf(entry.column),
          chart.rows.indexOf(entry.row),
          entry.percent ?? (entry.missingReason === 'not traced' ? NOT_TRACED : NO_FIGURE),
        ]),
        itemStyle: { borderColor: '#ffffff', borderWidth: 2 },
        label: {
          show: true,
          fontSize: 10,
          color: '#111111',
          width: CELL_WIDTH - 12,
          overflow: 'break',
          formatter: (params: { dataIndex: number }) => chart.entries[params.dataIndex]?.text ?? '',
        },
      },
    ],
    graphic: captionGraphic(chart.caption),
  };
  return renderChartSvg(option, { width, height });
}
