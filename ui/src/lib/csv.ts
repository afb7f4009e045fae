// Enough of RFC 4180 to preview the head of a CSV or TSV file: quoted fields with commas, quotes
// and line breaks inside, CRLF or LF line ends.

export interface ParsedTable {
  rows: string[][];
  /** More rows followed (in the text or past the part of the file that was read). */
  more: boolean;
}

/**
 * The first `maxRows` rows of `text`. With `partial`, the text is the head of a longer file and its
 * last line may be cut: that line is dropped.
 */
export function parseDelimited(text: string, maxRows: number, delimiter = ",", partial = false): ParsedTable {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    rows.push(row);
    row = [];
    field = "";
  };
  while (i < text.length) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += char;
      }
      i += 1;
      continue;
    }
    if (char === '"' && field === "") quoted = true;
    else if (char === delimiter) {
      row.push(field);
      field = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i += 1;
      endRow();
      if (rows.length > maxRows) return { rows: rows.slice(0, maxRows), more: true };
    } else field += char;
    i += 1;
  }
  // The text ended mid-row: a whole last line, unless the file goes on past what was read.
  if (!partial && (field !== "" || row.length > 0)) endRow();
  return { rows: rows.slice(0, maxRows), more: partial || rows.length > maxRows };
}
