/** What `npm run report` can write: Markdown with SVG charts, or github-action-benchmark's JSON. */
export const REPORT_FORMATS = ['md', 'gab'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
