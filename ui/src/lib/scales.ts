// Axes for the SVG plots (parallel coordinates, scatter): numeric when every value reads as a
// number (params are strings on the wire: "0.001"), else categorical, categories in natural order.

export type Value = string | number | null;

export type AxisScale =
  | { kind: "numeric"; min: number; max: number }
  | { kind: "categorical"; categories: string[] };

export interface Tick {
  at: number; // 0..1 along the axis
  label: string;
}

export function asNumber(value: Value): number | null {
  if (value === null) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  const text = value.trim();
  if (!text) return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
}

const naturalOrder = new Intl.Collator("en", { numeric: true }).compare;

/** The scale for some values, or null when none is set. */
export function scaleFor(values: readonly Value[]): AxisScale | null {
  const present = values.filter((v): v is string | number => v !== null && v !== "");
  if (present.length === 0) return null;
  const numbers = present.map(asNumber);
  if (numbers.every((n) => n !== null)) {
    const finite = numbers as number[];
    return { kind: "numeric", min: Math.min(...finite), max: Math.max(...finite) };
  }
  return { kind: "categorical", categories: [...new Set(present.map(String))].sort(naturalOrder) };
}

/** Where a value sits on the axis, 0 (start) to 1 (end); null when it is missing or off the scale. */
export function position(scale: AxisScale, value: Value): number | null {
  if (value === null || value === "") return null;
  if (scale.kind === "numeric") {
    const number = asNumber(value);
    if (number === null) return null;
    return scale.max === scale.min ? 0.5 : (number - scale.min) / (scale.max - scale.min);
  }
  const index = scale.categories.indexOf(String(value));
  if (index < 0) return null;
  return scale.categories.length === 1 ? 0.5 : index / (scale.categories.length - 1);
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  return nice * power;
}

/** Labelled ticks: round numbers inside a numeric range, or every category (thinned past `count * 2`). */
export function ticks(scale: AxisScale, count = 5, format: (n: number) => string = String): Tick[] {
  if (scale.kind === "categorical") {
    const { categories } = scale;
    const every = Math.max(1, Math.ceil(categories.length / (count * 2)));
    return categories
      .map((label, i) => ({ label, at: position(scale, label) ?? 0, i }))
      .filter(({ i }) => i % every === 0)
      .map(({ label, at }) => ({ label, at }));
  }
  const { min, max } = scale;
  if (min === max) return [{ at: 0.5, label: format(min) }];
  const step = niceStep(max - min, count);
  const out: Tick[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) {
    const rounded = Number(value.toPrecision(12));
    out.push({ at: (rounded - min) / (max - min), label: format(rounded) });
  }
  return out;
}
