/** Renders a GitHub-flavoured Markdown table; numbers are right-aligned, text left-aligned. */
export function renderMarkdownTable(header: string[], rows: (string | number)[][]): string {
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number'));
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [
    line(header.map(escapeCell)),
    line(numeric.map((isNumber) => (isNumber ? '---:' : '---'))),
    ...rows.map((row) => line(header.map((_, column) => escapeCell(String(row[column] ?? ''))))),
  ].join('\n');
}

// A pipe would end the cell and a newline the row.
function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
