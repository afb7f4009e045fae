// Windowing for long lists: only the rows in (or near) the viewport are rendered.
import { useCallback, useEffect, useLayoutEffect, useState, type RefObject } from "react";

export interface RowWindow {
  start: number;
  end: number; // exclusive
  viewportRows: number;
}

/** Height used before layout (and in test DOMs, which have none). */
const FALLBACK_VIEWPORT = 640;

export function rowWindow(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan: number): RowWindow {
  const viewportRows = Math.max(1, Math.ceil(viewport / rowHeight));
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + viewportRows + overscan);
  return { start, end, viewportRows };
}

/**
 * The rows to render for a scroll container whose body starts `offset` px below its top
 * (a sticky header, say). Re-computed on scroll (once per frame) and on resize.
 */
export function useWindowedRows(
  ref: RefObject<HTMLElement | null>,
  count: number,
  rowHeight: number,
  overscan = 8,
  offset = 0,
): RowWindow & { scrollToRow: (index: number) => void } {
  const [scroll, setScroll] = useState({ top: 0, height: FALLBACK_VIEWPORT });

  const measure = useCallback(() => {
    const element = ref.current;
    if (!element) return;
    const height = element.clientHeight || FALLBACK_VIEWPORT;
    setScroll((old) =>
      old.top === element.scrollTop && old.height === height ? old : { top: element.scrollTop, height },
    );
  }, [ref]);

  useLayoutEffect(measure, [measure]);

  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    let frame = 0;
    const onScroll = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        measure();
      });
    };
    element.addEventListener("scroll", onScroll, { passive: true });
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(measure);
    observer?.observe(element);
    return () => {
      element.removeEventListener("scroll", onScroll);
      observer?.disconnect();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [ref, measure]);

  const scrollToRow = useCallback(
    (index: number) => {
      const element = ref.current;
      if (!element) return;
      const top = offset + index * rowHeight;
      const viewport = (element.clientHeight || FALLBACK_VIEWPORT) - offset;
      if (top < element.scrollTop + offset) element.scrollTop = top - offset;
      else if (top + rowHeight > element.scrollTop + offset + viewport) element.scrollTop = top + rowHeight - viewport - offset;
      measure();
    },
    [ref, rowHeight, offset, measure],
  );

  const bodyTop = Math.max(0, scroll.top - offset);
  return { ...rowWindow(bodyTop, scroll.height - offset, rowHeight, count, overscan), scrollToRow };
}
