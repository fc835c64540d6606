/** What the Metrics page shows, computed from the API's days: totals over the range and chart rows. */
import type { DayMetrics, LessonMetrics } from "../../api/types";

export const RANGES = [7, 30, 90] as const;
export type Range = (typeof RANGES)[number];

export function rangeFrom(value: string | null): Range {
  const days = Number(value);
  return (RANGES as readonly number[]).includes(days) ? (days as Range) : 30;
}

export interface Totals {
  signups: number;
  peakActiveLearners: number;
  checks: number;
  passRate: number | null;
  courseCompletions: number;
  environmentHours: number;
}

export function totals(days: readonly DayMetrics[]): Totals {
  const sum = (pick: (day: DayMetrics) => number) => days.reduce((total, day) => total + pick(day), 0);
  const passed = sum((day) => day.checks_passed);
  const checks = passed + sum((day) => day.checks_failed);
  return {
    signups: sum((day) => day.signups),
    peakActiveLearners: Math.max(0, ...days.map((day) => day.active_learners)),
    checks,
    passRate: checks ? passed / checks : null,
    courseCompletions: sum((day) => day.course_completions),
    environmentHours: Math.round(sum((day) => day.environment_hours) * 10) / 10,
  };
}

export interface ChartDay extends DayMetrics {
  /** "Mar 4": the x axis label. */
  label: string;
  /** Percent of the day's checks that passed; null without checks (a gap, not a zero). */
  passRate: number | null;
}

const DAY_LABEL = new Intl.DateTimeFormat("en", { month: "short", day: "numeric", timeZone: "UTC" });

export function chartDays(days: readonly DayMetrics[]): ChartDay[] {
  return days.map((day) => {
    const checks = day.checks_passed + day.checks_failed;
    return {
      ...day,
      label: DAY_LABEL.format(new Date(`${day.day}T00:00:00Z`)),
      passRate: checks ? Math.round((day.checks_passed / checks) * 100) : null,
    };
  });
}

export interface ChartLesson {
  name: string;
  passed: number;
  failed: number;
  passRate: number;
}

export function chartLessons(lessons: readonly LessonMetrics[]): ChartLesson[] {
  return lessons.map((lesson) => ({
    name: `${lesson.title} (${lesson.course_id})`,
    passed: lesson.passed,
    failed: lesson.checks - lesson.passed,
    passRate: Math.round(lesson.pass_rate * 100),
  }));
}

export function percent(rate: number | null): string {
  return rate === null ? "–" : `${Math.round(rate * 100)} %`;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
