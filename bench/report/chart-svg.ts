import { createRequire } from 'node:module';
import type { EChartsOption } from 'echarts';

// ECharts' CommonJS build: one bundled file, where its ES module build is hundreds that Node loads
// one by one (about 0.7 s against 0.2 s per report, more under a loader such as the tests' tsx).
const echarts = createRequire(import.meta.url)('echarts') as typeof import('echarts');

/**
 * Renders an ECharts option to an SVG document in Node, without a browser: ECharts' server-side
 * SVG renderer (`ssr: true`) lays the chart out and writes it as text.
 */
export function renderChartSvg(option: EChartsOption, size: { width: number; height: number }): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    // No animation: the SVG must show the final state, not the first frame.
    chart.setOption({ animation: false, backgroundColor: '#ffffff', textStyle: { fontFamily: CHART_FONT }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export const CHART_FONT = 'Helvetica, Arial, sans-serif';

/** One colour per tracer in every chart, so a reader learns it once; chosen to be told apart by colour-blind readers. */
const GROUP_COLOURS: Record<string, string> = {
  none: '#8c8c8c',
  'sentry-static': '#4477aa',
  'sentry-stream': '#ee7733',
  otel: '#228833',
};
const SPARE_COLOURS = ['#aa3377', '#66ccee', '#ccbb44'];

export function colourOf(group: string, index: number): string {
  return GROUP_COLOURS[group] ?? SPARE_COLOURS[index % SPARE_COLOURS.length] ?? '#333333';
}

/** The caption at the foot of a chart: where the figures come from. */
export function captionGraphic(lines: readonly string[]): EChartsOption['graphic'] {
  return [
    {
      type: 'text',
      left: 16,
      bottom: 10,
      style: { text: lines.join('\n'), fontSize: 11, lineHeight: 15, fill: '#555555', fontFamily: CHART_FONT },
    },
  ];
}

/** Rough text width in px at 12 px; the SVG renderer has no font metrics to ask. */
export function textWidth(text: string, fontSize = 12): number {
  return Math.ceil(text.length * fontSize * 0.6);
}
