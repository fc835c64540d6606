// Ingestion: recent figures, entries per minute by app, and consumer lag and rate per partition, refreshed live.
import { useEffect, useState } from "react";
import { LineChart, type Series } from "../LineChart";
import { number, when } from "../format";
import { PER_MINUTE, STATUS, type ConsumerPartition, type EntriesPerMinute, type IngestionStatus } from "../queries";
import { usePoll, useSend } from "../session";

const STATUS_EVERY_MS = 5_000;
const HISTORY_EVERY_MS = 15_000;
const KEPT_SAMPLES = 120; // ten minutes of samples every five seconds
const HISTORY_MINUTES = 60;

interface Sample {
  at: number;
  consumers: ConsumerPartition[];
}

function partitionName(row: ConsumerPartition): string {
  return `${row.topic}[${row.partition}] · ${row.consumerGroup}`;
}

function lagSeries(samples: Sample[]): Series[] {
  const series = new Map<string, [number, number][]>();
  for (const sample of samples) {
    for (const row of sample.consumers) {
      const points = series.get(partitionName(row)) ?? [];
      points.push([sample.at, row.lag]);
      series.set(partitionName(row), points);
    }
  }
  return [...series].map(([name, points]) => ({ name, points }));
}

/** Messages consumed per second between successive reports of each partition (placed when this page saw them). */
function rateSeries(samples: Sample[]): Series[] {
  const reports = new Map<string, { at: number; row: ConsumerPartition }[]>();
  for (const sample of samples) {
    for (const row of sample.consumers) {
      const seen = reports.get(partitionName(row)) ?? [];
      if (seen.at(-1)?.row.updatedAt !== row.updatedAt) seen.push({ at: sample.at, row });
      reports.set(partitionName(row), seen);
    }
  }
  return [...reports].map(([name, seen]) => ({
    name,
    points: seen.slice(1).map(({ at, row }, index): [number, number] => {
      const before = (seen[index] as { row: ConsumerPartition }).row;
      const seconds = (Date.parse(row.updatedAt) - Date.parse(before.updatedAt)) / 1000;
      const consumed = Math.max(row.committedOffset - before.committedOffset, 0);
      return [at, seconds > 0 ? consumed / seconds : 0];
    }),
  }));
}

/** One series per app over the whole window, a point per minute (minutes without entries are zero). */
function perApp(minutes: EntriesPerMinute[], window: [number, number]): Series[] {
  const apps = [...new Set(minutes.map((minute) => minute.app))].sort();
  return apps.map((app) => {
    const counts = new Map(minutes.filter((m) => m.app === app).map((m) => [Date.parse(m.minute), m.entries]));
    const points: [number, number][] = [];
    for (let time = window[0]; time <= window[1]; time += 60_000) points.push([time, counts.get(time) ?? 0]);
    return { name: app, points };
  });
}

function lastHour(): [number, number] {
  const minute = Date.now() - (Date.now() % 60_000);
  return [minute - HISTORY_MINUTES * 60_000, minute];
}

function useStatusSamples() {
  const send = useSend();
  const [samples, setSamples] = useState<Sample[]>([]);
  const [status, setStatus] = useState<IngestionStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const { ingestionStatus } = await send<{ ingestionStatus: IngestionStatus }>(STATUS, {});
        if (stopped) return;
        setStatus(ingestionStatus);
        setError(null);
        setSamples((kept) => [...kept, { at: Date.now(), consumers: ingestionStatus.consumers }].slice(-KEPT_SAMPLES));
      } catch (problem) {
        if (!stopped) setError(String(problem));
      }
    };
    void load();
    const timer = window.setInterval(() => void load(), STATUS_EVERY_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [send]);
  return { samples, status, error };
}

export function IngestionPage() {
  const { samples, status, error } = useStatusSamples();
  const history = usePoll<{ entriesPerMinute: EntriesPerMinute[] }>(
    PER_MINUTE,
    { minutes: HISTORY_MINUTES },
    HISTORY_EVERY_MS,
  );
  const hour = lastHour();
  const visit: [number, number] | undefined = samples.length
    ? [(samples[0] as Sample).at, (samples.at(-1) as Sample).at]
    : undefined;
  return (
    <>
      <h1>Ingestion</h1>
      <p className="muted">Refreshed every {STATUS_EVERY_MS / 1000} seconds. Lag and rate charts cover this page's visit.</p>
      {(error ?? history.error) && (
        <p role="alert" className="error">
          {error ?? history.error}
        </p>
      )}
      {status && <Figures status={status} />}
      <div className="charts">
        <LineChart
          title="Entries per minute by app (last hour)"
          unit="/min"
          series={perApp(history.data?.entriesPerMinute ?? [], hour)}
          domain={hour}
        />
        <LineChart title="Consumer lag by partition" unit="messages" series={lagSeries(samples)} domain={visit} />
        <LineChart title="Consumed per second by partition" unit="/s" series={rateSeries(samples)} domain={visit} />
      </div>
      {status && <Partitions consumers={status.consumers} />}
    </>
  );
}

function Figures({ status }: { status: IngestionStatus }) {
  const figures: [string, string][] = [
    ["Entries, last minute", number(status.entriesLastMinute)],
    ["Entries, last hour", number(status.entriesLastHour)],
    ["Entries stored (estimate)", number(status.entriesEstimate)],
    ["Consumer lag", number(status.totalLag)],
    ["Dead letters pending", number(status.deadLettersPending)],
    ["Backfills unfinished", number(status.backfillsUnfinished)],
  ];
  if (status.replicaReachable !== null) {
    figures.push(["Read replica lag", status.replicaReachable ? `${status.replicaLagSeconds ?? 0} s` : "unreachable"]);
  }
  return (
    <dl className="figures" aria-label="Ingestion figures">
      {figures.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Partitions({ consumers }: { consumers: ConsumerPartition[] }) {
  return (
    <section aria-labelledby="partitions-title">
      <h2 id="partitions-title">Partitions</h2>
      {consumers.length === 0 ? (
        <p className="muted">No consumer has reported yet (entries arrive over HTTP only, or `chronicles consume` is not running).</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Partitions table">
          <table>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Topic</th>
                <th scope="col">Partition</th>
                <th scope="col">Committed</th>
                <th scope="col">High watermark</th>
                <th scope="col">Lag</th>
                <th scope="col">Reported</th>
              </tr>
            </thead>
            <tbody>
              {consumers.map((row) => (
                <tr key={partitionName(row)} data-partition={partitionName(row)}>
                  <td>{row.consumerGroup}</td>
                  <td>{row.topic}</td>
                  <td>{row.partition}</td>
                  <td>{number(row.committedOffset)}</td>
                  <td>{number(row.highWatermark)}</td>
                  <td>{number(row.lag)}</td>
                  <td>{when(row.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
