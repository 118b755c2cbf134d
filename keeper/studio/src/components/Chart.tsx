// A uPlot line chart that redraws in place when its data changes (no page reload). The figure has
// a text caption and the same numbers stay in a table next to it, for readers who cannot see it.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Series {
  label: string;
  color: string;
  values: Array<number | null>;
}

export interface ChartProps {
  title: string;
  /** x values (e.g. heights), ascending */
  x: number[];
  xLabel: string;
  series: Series[];
  height?: number;
}

export function Chart({ title, x, xLabel, series, height = 180 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join("|");

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(240, el.clientWidth),
      height,
      scales: { x: { time: false } },
      axes: [
        { label: xLabel, stroke: "currentColor" },
        { stroke: "currentColor", size: 70 },
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: true } })),
      ],
      legend: { show: true },
    };
    const u = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(240, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // rebuilt only when the series change; data updates go through setData below
  }, [shape, height, xLabel]);

  useEffect(() => {
    plot.current?.setData([x, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [x, series]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${x.length} points, the table below lists them`} />
    </figure>
  );
}
