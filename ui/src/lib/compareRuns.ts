// A run as the compare page shows it: its name and its colour.
import type { Run } from "../api/types";

export interface CompareRun {
  run: Run;
  name: string;
  color: string;
}

export function shortLabel(text: string, max = 18): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
