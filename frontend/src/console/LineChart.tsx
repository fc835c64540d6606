// A line chart in plain SVG: several series over time, with axes, gridlines and a legend.
// Colours are SVG attributes (not style attributes), so the console's CSP needs no 'unsafe-inline'.
// The drawing is as wide as its box in CSS pixels (measured), so its text stays readable on a phone.
import { useEffect, useRef, useState } from "react";

export interface Series {
  name: string;
  points: [number, number][]; // [time in ms, value]
}

const DEFAULT_WIDTH = 640;
const HEIGHT = 240;
const MAX_DOTS = 30; // more points than this read as a line; a dot on each is clutter
const MARGIN = { top: 12, right: 16, bottom: 28, left: 56 };
export const PALETTE = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((factor) => factor * magnitude >= value) ?? 10;
  return step * magnitude;
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function compact(value: number): string {
  return new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 }).format(value);
}

/** The width of the element in CSS pixels, kept up to date as it resizes. */
function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(DEFAULT_WIDTH);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([observed]) => {
      if (observed) setWidth(Math.max(Math.round(observed.contentRect.width), 200));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

export function LineChart({
  title,
  unit,
  series,
  domain,
}: {
  title: string;
  unit: string;
  series: Series[];
  domain?: [number, number] | undefined;
}) {
  const { ref, width: WIDTH } = useWidth<HTMLDivElement>();
  const all = series.flatMap((one) => one.points);
  const plotted = series.filter((one) => one.points.length > 0);
  const description = plotted.length
    ? plotted
        .map((one) => {
          const peak = Math.max(...one.points.map(([, value]) => value));
          return `${one.name}: latest ${compact(one.points.at(-1)?.[1] ?? 0)}, peak ${compact(peak)} ${unit}`;
        })
        .join("; ")
    : "no data yet";
  if (!all.length) {
    return (
      <figure className="chart" aria-label={title}>
        <figcaption>{title}</figcaption>
        <div ref={ref}>
          <p className="muted">No data yet.</p>
        </div>
      </figure>
    );
  }
  const times = all.map(([time]) => time);
  const start = domain?.[0] ?? Math.min(...times);
  const end = Math.max(domain?.[1] ?? Math.max(...times), start + 1000);
  const top = niceMax(Math.max(...all.map(([, value]) => value)));
  const inner = { width: WIDTH - MARGIN.left - MARGIN.right, height: HEIGHT - MARGIN.top - MARGIN.bottom };
  const x = (time: number) => MARGIN.left + ((time - start) / (end - start)) * inner.width;
  const y = (value: number) => MARGIN.top + inner.height - (value / top) * inner.height;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => fraction * top);
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={ref}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}: ${description}`}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} stroke="#e5e7eb" />
            <text x={MARGIN.left - 6} y={y(tick) + 4} textAnchor="end" fontSize="11" fill="#4b5563">
              {compact(tick)}
            </text>
          </g>
        ))}
        <text x={MARGIN.left} y={HEIGHT - 8} fontSize="11" fill="#4b5563">
          {clock(start)}
        </text>
        <text x={WIDTH - MARGIN.right} y={HEIGHT - 8} textAnchor="end" fontSize="11" fill="#4b5563">
          {clock(end)}
        </text>
        {series.map((one, index) => (
          <g key={one.name} className="series" data-series={one.name}>
            <polyline
              fill="none"
              stroke={PALETTE[index % PALETTE.length]}
              strokeWidth="2"
              points={one.points.map(([time, value]) => `${x(time).toFixed(1)},${y(value).toFixed(1)}`).join(" ")}
            />
            {one.points.length <= MAX_DOTS &&
              one.points.map(([time, value]) => (
              <circle key={time} cx={x(time)} cy={y(value)} r="2.5" fill={PALETTE[index % PALETTE.length]} />
            ))}
          </g>
        ))}
      </svg>
      </div>
      <ul className="legend">
        {series.map((one, index) => (
          <li key={one.name}>
            <svg width="12" height="12" aria-hidden="true">
              <rect width="12" height="12" fill={PALETTE[index % PALETTE.length]} />
            </svg>
            {one.name} <span className="muted">{compact(one.points.at(-1)?.[1] ?? 0)} {unit}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
