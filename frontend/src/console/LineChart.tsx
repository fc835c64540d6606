// A line chart in plain SVG: several series over time, with axes, gridlines and a legend.
// Colours are SVG attributes (not style attributes), so the console's CSP needs no 'unsafe-inline'.

export interface Series {
  name: string;
  points: [number, number][]; // [time in ms, value]
}

const WIDTH = 640;
const HEIGHT = 240;
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

export function LineChart({ title, unit, series }: { title: string; unit: string; series: Series[] }) {
  const all = series.flatMap((one) => one.points);
  const plotted = series.filter((one) => one.points.length > 0);
  const description = plotted.length
    ? plotted.map((one) => `${one.name}: latest ${compact(one.points.at(-1)?.[1] ?? 0)} ${unit}`).join("; ")
    : "no data yet";
  if (!all.length) {
    return (
      <figure className="chart" aria-label={title}>
        <figcaption>{title}</figcaption>
        <p className="muted">No data yet.</p>
      </figure>
    );
  }
  const times = all.map(([time]) => time);
  const start = Math.min(...times);
  const end = Math.max(...times, start + 1000);
  const top = niceMax(Math.max(...all.map(([, value]) => value)));
  const inner = { width: WIDTH - MARGIN.left - MARGIN.right, height: HEIGHT - MARGIN.top - MARGIN.bottom };
  const x = (time: number) => MARGIN.left + ((time - start) / (end - start)) * inner.width;
  const y = (value: number) => MARGIN.top + inner.height - (value / top) * inner.height;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => fraction * top);
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
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
            {one.points.map(([time, value]) => (
              <circle key={time} cx={x(time)} cy={y(value)} r="2.5" fill={PALETTE[index % PALETTE.length]} />
            ))}
          </g>
        ))}
      </svg>
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
