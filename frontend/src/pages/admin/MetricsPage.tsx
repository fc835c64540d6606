import { useSyncExternalStore, type ReactElement, type ReactNode } from "react";
import { useSearchParams } from "react-router";
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { errorMessage } from "../../api/client";
import { useMetrics } from "../../api/queries/admin";
import type { MetricsView } from "../../api/types";
import { ErrorText } from "../../components/Messages";
import {
  chartDays,
  chartLessons,
  duration,
  percent,
  rangeFrom,
  RANGES,
  totals,
  type ChartDay,
  type Range,
} from "./metricsData";
import styles from "./metrics.module.css";

const COLORS = { blue: "#0b5cad", green: "#1a7f37", red: "#cf222e", amber: "#9a6700", purple: "#8250df" };
const AXIS = { fontSize: 12, fill: "#59636e" };

const NARROW = "(max-width: 40rem)";

const narrowQuery = (): MediaQueryList | null =>
  typeof window.matchMedia === "function" ? window.matchMedia(NARROW) : null;

function subscribeToWidth(onChange: () => void): () => void {
  const query = narrowQuery();
  if (!query) return () => undefined;
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}

/** Whether the window is phone-narrow (the lesson chart's names then get less room than its bars). */
function useNarrow(): boolean {
  return useSyncExternalStore(subscribeToWidth, () => narrowQuery()?.matches ?? false);
}

export interface MetricsPageProps {
  refreshMs?: number;
}

/** Business and system figures as charts, over 7, 30 or 90 days (the range is in the URL). */
export function MetricsPage({ refreshMs = 60_000 }: MetricsPageProps) {
  const [params, setParams] = useSearchParams();
  const days = rangeFrom(params.get("days"));
  const { data, error, isFetching } = useMetrics(days, refreshMs);

  return (
    <section aria-labelledby="metrics-title" aria-busy={isFetching}>
      <div className={styles.header}>
        <h1 id="metrics-title">Metrics</h1>
        <RangePicker value={days} onChange={(range) => setParams({ days: String(range) })} />
      </div>
      {error && <ErrorText message={`Could not load the metrics: ${errorMessage(error)}`} />}
      {!data && !error && <p className="muted">Loading the metrics…</p>}
      {data && <Figures view={data} />}
    </section>
  );
}

function RangePicker({ value, onChange }: { value: Range; onChange: (range: Range) => void }) {
  return (
    <fieldset className={styles.range}>
      <legend className="visually-hidden">Time range</legend>
      {RANGES.map((range) => (
        <label key={range} className={range === value ? styles.chosen : undefined}>
          <input
            type="radio"
            name="metrics-range"
            value={range}
            checked={range === value}
            onChange={() => onChange(range)}
          />
          {range} days
        </label>
      ))}
    </fieldset>
  );
}

function Figures({ view }: { view: MetricsView }) {
  const sums = totals(view.daily);
  const rows = chartDays(view.daily);
  const lessons = chartLessons(view.lessons);
  const narrow = useNarrow();
  const oldest = Math.max(0, ...view.system.queues.map((queue) => queue.oldest_seconds));
  return (
    <>
      <dl className={styles.tiles} aria-label={`Totals over the last ${view.days} days`}>
        <Tile label="Sign-ups" value={sums.signups} />
        <Tile label="Peak active learners a day" value={sums.peakActiveLearners} />
        <Tile label="Checks" value={sums.checks} />
        <Tile label="Pass rate" value={percent(sums.passRate)} />
        <Tile label="Course completions" value={sums.courseCompletions} />
        <Tile label="Environment hours" value={sums.environmentHours} />
      </dl>
      <div className={styles.grid}>
        <Chart title="Sign-ups and active learners" rows={rows} columns={LEARNER_COLUMNS}>
          <LineChart data={rows}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="label" tick={AXIS} minTickGap={16} />
            <YAxis allowDecimals={false} tick={AXIS} width={40} />
            <Tooltip />
            <Legend />
            <Line isAnimationActive={false} type="linear" dataKey="signups" name="Sign-ups" stroke={COLORS.blue} dot={false} />
            <Line isAnimationActive={false} type="linear" dataKey="active_learners" name="Active learners" stroke={COLORS.purple} dot={false} />
          </LineChart>
        </Chart>
        <Chart title="Checks and pass rate" rows={rows} columns={CHECK_COLUMNS}>
          <ComposedChart data={rows}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="label" tick={AXIS} minTickGap={16} />
            <YAxis yAxisId="checks" allowDecimals={false} tick={AXIS} width={40} />
            <YAxis yAxisId="rate" orientation="right" domain={[0, 100]} unit="%" tick={AXIS} width={48} />
            <Tooltip />
            <Legend />
            <Bar isAnimationActive={false} yAxisId="checks" dataKey="checks_passed" name="Passed" stackId="checks" fill={COLORS.green} />
            <Bar isAnimationActive={false} yAxisId="checks" dataKey="checks_failed" name="Failed" stackId="checks" fill={COLORS.red} />
            <Line isAnimationActive={false} yAxisId="rate" dataKey="passRate" name="Pass rate %" stroke={COLORS.amber} connectNulls dot={false} />
          </ComposedChart>
        </Chart>
        <Chart title="Environment hours" rows={rows} columns={HOURS_COLUMNS}>
          <AreaChart data={rows}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="label" tick={AXIS} minTickGap={16} />
            <YAxis tick={AXIS} width={40} />
            <Tooltip />
            <Area isAnimationActive={false} type="linear" dataKey="environment_hours" name="Hours" stroke={COLORS.blue} fill="#cfe2f7" />
          </AreaChart>
        </Chart>
        <Chart title="Course completions" rows={rows} columns={COMPLETION_COLUMNS}>
          <BarChart data={rows}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="label" tick={AXIS} minTickGap={16} />
            <YAxis allowDecimals={false} tick={AXIS} width={40} />
            <Tooltip />
            <Bar isAnimationActive={false} dataKey="course_completions" name="Completions" fill={COLORS.purple} />
          </BarChart>
        </Chart>
      </div>
      <section aria-labelledby="lessons-title" className={styles.panel}>
        <h2 id="lessons-title">Most checked lessons</h2>
        {lessons.length === 0 ? (
          <p className="muted">No checks in this range.</p>
        ) : (
          <div style={{ height: Math.max(160, lessons.length * 32 + 60) }}>
            <ResponsiveContainer>
              <BarChart data={lessons} layout="vertical" margin={{ left: 8, right: 16 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis type="number" allowDecimals={false} tick={AXIS} />
                <YAxis type="category" dataKey="name" width={narrow ? 110 : 220} tick={AXIS} />
                <Tooltip />
                <Legend />
                <Bar isAnimationActive={false} dataKey="passed" name="Passed" stackId="lesson" fill={COLORS.green} />
                <Bar isAnimationActive={false} dataKey="failed" name="Failed" stackId="lesson" fill={COLORS.red} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        )}
        {lessons.length > 0 && (
          <details className={styles.data}>
            <summary>Data</summary>
            <table>
              <thead>
                <tr>
                  <th scope="col">Lesson</th>
                  <th scope="col">Passed</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Pass rate</th>
                </tr>
              </thead>
              <tbody>
                {lessons.map((lesson) => (
                  <tr key={lesson.name}>
                    <th scope="row">{lesson.name}</th>
                    <td>{lesson.passed}</td>
                    <td>{lesson.failed}</td>
                    <td>{lesson.passRate} %</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        )}
      </section>
      <section aria-labelledby="system-title" className={styles.panel}>
        <h2 id="system-title">System now</h2>
        <dl className={styles.tiles}>
          <Tile label="Check wait p50 (10 min)" value={duration(view.system.check_wait_p50_s)} />
          <Tile label="Check wait p95 (10 min)" value={duration(view.system.check_wait_p95_s)} />
          <Tile label="Checks finished (10 min)" value={view.system.checks_finished_recent} />
          <Tile label="Oldest waiting job" value={duration(oldest)} />
        </dl>
      </section>
    </>
  );
}

function Tile({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className={styles.tile}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

interface Column {
  header: string;
  value: (row: ChartDay) => ReactNode;
}

const LEARNER_COLUMNS: Column[] = [
  { header: "Sign-ups", value: (row) => row.signups },
  { header: "Active learners", value: (row) => row.active_learners },
];
const CHECK_COLUMNS: Column[] = [
  { header: "Passed", value: (row) => row.checks_passed },
  { header: "Failed", value: (row) => row.checks_failed },
  { header: "Pass rate", value: (row) => (row.passRate === null ? "–" : `${row.passRate} %`) },
];
const HOURS_COLUMNS: Column[] = [{ header: "Hours", value: (row) => row.environment_hours }];
const COMPLETION_COLUMNS: Column[] = [{ header: "Completions", value: (row) => row.course_completions }];

/** A chart, and its figures as a table for screen readers and for reading exact values. */
function Chart({
  title,
  rows,
  columns,
  children,
}: {
  title: string;
  rows: ChartDay[];
  columns: Column[];
  children: ReactElement;
}) {
  const id = `chart-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <figure className={styles.panel} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <div className={styles.chart}>
        <ResponsiveContainer>{children}</ResponsiveContainer>
      </div>
      <details className={styles.data}>
        <summary>Data</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {columns.map((column) => (
                <th key={column.header} scope="col">
                  {column.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.day}>
                <th scope="row">{row.day}</th>
                {columns.map((column) => (
                  <td key={column.header}>{column.value(row)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
