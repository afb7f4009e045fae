// Hover values for uPlot charts: as the cursor moves, a line under the chart lists the x value and
// each series' value there. Written straight into the DOM (no React render per mouse move).
import type uPlot from "uplot";

export interface HoverItem {
  label: string;
  value: string;
  color?: string;
}

export type DescribeHover = (u: uPlot, index: number) => { x: string; items: HoverItem[] } | null;


function render(target: HTMLElement, x: string, items: readonly HoverItem[]): void {
  const parts: Node[] = [];
  const head = document.createElement("strong");
  head.textContent = x;
  parts.push(head);
  for (const item of items) {
    const span = document.createElement("span");
    span.className = "hover-item";
    if (item.color) {
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = item.color;
      span.append(swatch);
    }
    span.append(`${item.label} ${item.value}`);
    parts.push(span);
  }
  target.replaceChildren(...parts);
}

/** A uPlot plugin writing the values under the cursor into `target`; it empties when the cursor leaves. */
export function hoverPlugin(target: () => HTMLElement | null, describe: DescribeHover): uPlot.Plugin {
  return {
    hooks: {
      setCursor: (u) => {
        const element = target();
        if (!element) return;
        const index = u.cursor.idx;
        const described = index === null || index === undefined ? null : describe(u, index);
        if (described) render(element, described.x, described.items);
        else element.replaceChildren();
      },
    },
  };
}
